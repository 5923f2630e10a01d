"""The retailCRM API v5 adapter: the core's Adapter protocol over `Transport`.

Everything kind-specific comes from a row of `mapping.ROWS`. What a server
can do is discovered per kind while reading it: a list that answers 404 means
the kind is unknown there (NONE); for a kind written through an extension
endpoint, a GET on that endpoint answers 405 (the route exists, POST only)
where it is served and 404 where it is not (READ: a person makes the change).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from crmdeploy.adapter import Capability
from crmdeploy.errors import AdapterError, MalformedAnswer
from crmdeploy.kinds import Kind
from crmdeploy.spec.base import Resource

from . import answers, config
from .mapping import BY_KIND, Row, Write, from_api, to_api
from .retry import RetryPolicy
from .transport import Transport

log = logging.getLogger(__name__)

PAGE = 100               # the largest page every paged v5 list accepts
PROBE_KEY = "crmdeploy-probe"


class RetailCrmAdapter:
    name = "retailcrm"

    def __init__(self, transport: Transport, target: str, workers: int = 1):
        self.transport = transport
        self.target = target
        self.workers = workers   # requests in flight at once (apply's writes, plan's reads of kinds)
        self.found: dict[str, Capability] = {}
        self.unlisted: set[str] = set()   # kinds whose extension list this server lacks

    @classmethod
    def from_url(cls, url: str, *, api_key_file: str | None = None, api_key: str | None = None,
                 rate_limit: float | None = None, parallelism: int | None = None,
                 timeout: float | None = None, policy: RetryPolicy | None = None,
                 insecure: bool | None = None, **_: Any) -> RetailCrmAdapter:
        """`api_key` is for programs and tests; people use CRMDEPLOY_API_KEY or --api-key-file.
        `timeout` (else CRMDEPLOY_TIMEOUT) is how long to wait for an answer before retrying;
        `insecure` (else CRMDEPLOY_INSECURE=1) turns TLS verification off, with a warning;
        `parallelism` (else CRMDEPLOY_PARALLELISM) is how many requests may be in flight at once."""
        base = config.base_url(url)
        key = api_key or config.api_key(api_key_file)
        verify = not (base.startswith("https://") and config.insecure(insecure))
        if not verify:
            _quiet_insecure_warnings()  # said once, above; urllib3 would repeat it for every request
        workers = config.workers(parallelism)
        transport = Transport(base, key, rate_limit=config.rate_limit(rate_limit), timeout=config.timeout(timeout),
                              policy=policy, verify=verify, connections=workers)
        return cls(transport, base, workers)

    def capability(self, kind: Kind) -> Capability:
        row = BY_KIND[kind.name]
        default = Capability.WRITE if row.write is Write.NATIVE else Capability.READ
        return self.found.get(kind.name, default)

    def fetch(self, kind: Kind, desired: Sequence[Resource] = ()) -> list[Resource] | None:
        row = BY_KIND[kind.name]
        try:
            entities = self._entities(row, kind, desired)
        except AdapterError as exc:
            if exc.status == 404 and row.ext_list and not row.single:
                self.found[kind.name] = Capability.NONE
                return None
            raise
        self.found[kind.name] = self._probe(row)
        wanted = {kind.key_of(r): r for r in desired}
        return [r for e in entities if (r := self._resource(kind, row, e, wanted)) is not None]

    def create(self, kind: Kind, resource: Resource) -> None:
        row, key, data = self._parts(kind, resource)
        recheck = (lambda: self._exists(row, key, data)) if row.create else None
        self._post(row, row.create or row.edit, key, data, kind, recheck)

    def update(self, kind: Kind, resource: Resource, fields: tuple[str, ...]) -> None:
        row, key, data = self._parts(kind, resource)
        if row.partial:
            keep = {kind.key, *fields, *_placeholders(row.edit)}
            data = {k: v for k, v in data.items() if k in keep}
        self._post(row, row.edit, key, data, kind)

    def deactivate(self, kind: Kind, key: str) -> None:
        row = BY_KIND[kind.name]
        self._post(row, row.edit, key, {kind.key: key, "active": False}, kind)

    def close(self) -> None:
        self.transport.close()

    # --- reading ---------------------------------------------------------------------------------

    def _entities(self, row: Row, kind: Kind, desired: Sequence[Resource]) -> list[dict[str, Any]]:
        if row.list and kind.name not in self.unlisted:
            try:
                return list(self._listed(row, kind))
            except AdapterError as exc:
                if not (exc.status == 404 and row.ext_list and row.single):
                    raise
                log.info("%s: the server has no list of them; reading them one by one", kind.name)
                self.unlisted.add(kind.name)
        # No list endpoint: read the spec's items one by one.
        found = (self._single(row, kind.key_of(r), _data(kind, r)) for r in desired)
        return [entity for entity in found if entity is not None]

    def _listed(self, row: Row, kind: Kind) -> Iterator[dict[str, Any]]:
        endpoint, page = f"GET /api/v5/{row.list}", 1
        pager = answers.Pager(endpoint, kind.name)  # the pages must add up (no repeats, counts agree)
        while True:
            params = {"limit": PAGE, "page": page} if row.paged else None
            body = self.transport.get(row.list, params, resource=kind.name, rename=row.spec_name)
            found = answers.items(body, row.items, endpoint, kind.name)
            if not row.paged:
                yield from found
                return
            pages = pager.take(page, body, found)
            yield from found
            if page >= pages:
                pager.finish()
                return
            page += 1

    def _single(self, row: Row, key: str, data: dict[str, Any]) -> dict[str, Any] | None:
        path, where = row.path(row.single, key, data), f"{row.kind}.{key}"
        try:
            body = self.transport.get(path, resource=where)
        except AdapterError as exc:
            if exc.status == 404:
                return None
            raise
        return answers.item(body, row.item, f"GET /api/v5/{path}", where)

    def _exists(self, row: Row, key: str, data: dict[str, Any]) -> bool:
        """Did an earlier create take effect? One GET, not retried (the caller's retry covers it)."""
        try:
            self.transport.once("GET", row.path(row.single, key, data), resource=f"{row.kind}.{key}")
        except AdapterError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _probe(self, row: Row) -> Capability:
        if row.write is Write.NATIVE:
            return Capability.WRITE
        try:
            self.transport.get(row.path(row.edit, PROBE_KEY, {}), resource=row.kind)
        except AdapterError as exc:
            if exc.status == 405:
                return Capability.WRITE
            if exc.status == 404:
                log.info("%s: the server has no write endpoint; changes will be manual", row.kind)
                return Capability.READ
            raise
        return Capability.WRITE

    def _resource(self, kind: Kind, row: Row, entity: dict[str, Any], wanted: dict[str, Resource]) -> Resource | None:
        key = entity.get(row.api_name(kind.key))
        if not isinstance(key, str) or not key:
            raise MalformedAnswer(f'an item of {row.list or row.single} has no "{row.api_name(kind.key)}": '
                                  f"crmdeploy cannot tell which {kind.title} it is", resource=kind.name)
        spec = wanted.get(key)
        try:
            data = from_api(row, entity)
            for name in row.write_only:  # a server that never returns a secret: take it as the spec has it
                if name not in data and spec is not None and getattr(spec, name) is not None:
                    data[name] = getattr(spec, name)
            return kind.model.model_validate(data)
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a value of the wrong shape
            problem = f"a value of the wrong type ({type(exc).__name__})"
        return _unreadable(f"{kind.name}.{key}", problem, managed=spec is not None)

    # --- writing ---------------------------------------------------------------------------------

    def _parts(self, kind: Kind, resource: Resource) -> tuple[Row, str, dict[str, Any]]:
        return BY_KIND[kind.name], kind.key_of(resource), _data(kind, resource)

    def _post(self, row: Row, template: str, key: str, data: dict[str, Any], kind: Kind,
              recheck: Callable[[], bool] | None = None) -> None:
        sent: list[str] = []
        entity = to_api(row, data, lambda secret: _noted(secret.reveal(), sent))
        form = {row.form: json.dumps(entity)}
        self.transport.post(row.path(template, key, data), form, resource=f"{kind.name}.{key}",
                            rename=row.spec_name, recheck=recheck, hide=tuple(sent))


def _data(kind: Kind, resource: Resource) -> dict[str, Any]:
    return resource.model_dump(exclude_none=True, exclude=set(kind.spec_only))


def _unreadable(address: str, problem: str, *, managed: bool) -> None:
    """A live item crmdeploy cannot read: if the spec manages it, planning from a guess could
    overwrite it, so stop; otherwise it is left out (it is not crmdeploy's to change)."""
    if managed:
        raise AdapterError(f"the CRM holds a value crmdeploy cannot read ({problem}); fix it in the CRM, "
                           "or leave this resource out of the spec", resource=address)
    log.warning("%s: left out, crmdeploy cannot read it (%s)", address, problem)


def _noted(value: str, sent: list[str]) -> str:
    sent.append(value)
    return value


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template)) - {"key"}


def _quiet_insecure_warnings() -> None:
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
