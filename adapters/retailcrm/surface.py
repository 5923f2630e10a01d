"""What one account serves and what the key may do there, from one `GET /api/credentials`.

The answer (retailcrm/api-client-php `src/Model/Response/Api/Credentials.php`, fixture in
`tests/src/ResourceGroup/ApiTest.php::testCredentials`; api-client-go `response.go`
`CredentialResponse`) holds the key's `scopes` and, deprecated but still served, `credentials`:
the API methods the key may call, as route templates (`/api/integration-modules/{code}/edit`).
crmdeploy reads it once per run, before the first list: it says which of crmdeploy's extension
routes the server has (a real account has none, so no request is spent probing for them), and
before apply which write the key may not make.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from crmdeploy.errors import AuthError

from .mapping import BY_KIND, Row, Write

CREDENTIALS = "/api/credentials"


def _shape(route: str) -> str:
    """`/api/custom-fields/{entity}/{code}/edit` and `…/{e}/{c}/edit` are one route."""
    return re.sub(r"\{[^}]*\}", "{}", route.split("?")[0].rstrip("/"))


@dataclass(frozen=True)
class Surface:
    methods: frozenset[str] | None = None   # route shapes the key may call; None: not said
    scopes: frozenset[str] | None = None    # None: not said (or the answer could not be read)

    @classmethod
    def of(cls, body: dict[str, object]) -> Surface:
        methods, scopes = body.get("credentials"), body.get("scopes")
        return cls(frozenset(_shape(m) for m in methods if isinstance(m, str)) if isinstance(methods, list) else None,
                   frozenset(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else None)

    def serves(self, path: str) -> bool:
        """Does the server have this (extension) route? Unknown counts as no: a real account."""
        return self.methods is not None and _shape("/api/" + path) in self.methods

    def missing_for(self, rows: Iterable[Row]) -> tuple[list[str], list[str]]:
        """(missing scopes, routes the key may not call) for writes of `rows`' kinds."""
        scopes: set[str] = set()
        routes: set[str] = set()
        for row in rows:
            wanted = [r for r in (row.create, row.edit) if r]
            if self.methods is not None:
                lacking = [r for r in wanted if _shape("/api/" + r) not in self.methods]
                if lacking and row.scope:
                    scopes.add(row.scope)
                routes.update("/api/" + r for r in lacking)
            elif self.scopes is not None and row.scope and row.scope not in self.scopes:
                scopes.add(row.scope)
        return sorted(scopes), sorted(routes)


def check_writes(surface: Surface, kinds: Iterable[str], target: str) -> None:
    """Refuse, before any write, when the key cannot make the writes of `kinds`."""
    rows = [BY_KIND[k] for k in kinds if k in BY_KIND and BY_KIND[k].write is Write.NATIVE]
    scopes, routes = surface.missing_for(rows)
    if not scopes and not routes:
        return
    what = ", ".join(scopes) if scopes else "access to " + ", ".join(routes)
    raise AuthError(f"{target}: the API key lacks {what}, which this plan needs; nothing was written. "
                    "Give the key these rights under Settings → Integration → API access keys, then retry")
