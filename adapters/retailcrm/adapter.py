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
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import Kind
from crmdeploy.secrets import Sensitive
from crmdeploy.spec.base import Resource

from . import config
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
                 timeout: tuple[float, float] = (5.0, 30.0), policy: RetryPolicy | None = None,
                 **_: Any) -> RetailCrmAdapter:
        """`api_key` is for programs and tests; people use CRMDEPLOY_API_KEY or --api-key-file."""
        base = config.base_url(url)
        key = api_key or config.api_key(api_key_file)
        workers = config.workers(parallelism)
        transport = Transport(base, key, rate_limit=config.rate_limit(rate_limit), timeout=timeout,
                              policy=policy, connections=workers)
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
        page = 1
        while True:
            params = {"limit": PAGE, "page": page} if row.paged else None
            body = self.transport.get(row.list, params, resource=kind.name, rename=row.spec_name)
            yield from _items(body.get(row.items))
            pages = body.get("pagination", {}).get("totalPageCount", 0) if row.paged else 0
            if page >= pages:
                return
            page += 1

    def _single(self, row: Row, key: str, data: dict[str, Any]) -> dict[str, Any] | None:
        try:
            body = self.transport.get(row.path(row.single, key, data), resource=f"{row.kind}.{key}")
        except AdapterError as exc:
            if exc.status == 404:
                return None
            raise
        return body.get(row.item)

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

    def _resource(self, kind: Kind, row: Row, entity: Any, wanted: dict[str, Resource]) -> Resource | None:
        data = from_api(row, entity) if isinstance(entity, dict) else {}
        spec = wanted.get(data.get(kind.key))
        for name in row.write_only:  # a server that never returns a secret: take it as the spec has it
            if name not in data and spec is not None and getattr(spec, name) is not None:
                data[name] = getattr(spec, name)
        try:
            return kind.model.model_validate(data)
        except ValidationError as exc:
            where = f"{kind.name}.{data.get(kind.key, '?')}"
            log.warning("%s: left out, crmdeploy cannot read it (%s)", where,
                        "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
            return None

    # --- writing ---------------------------------------------------------------------------------

    def _parts(self, kind: Kind, resource: Resource) -> tuple[Row, str, dict[str, Any]]:
        return BY_KIND[kind.name], kind.key_of(resource), _data(kind, resource)

    def _post(self, row: Row, template: str, key: str, data: dict[str, Any], kind: Kind,
              recheck: Callable[[], bool] | None = None) -> None:
        entity = to_api(row, data, Sensitive.reveal)
        form = {row.form: json.dumps(entity)}
        self.transport.post(row.path(template, key, data), form, resource=f"{kind.name}.{key}",
                            rename=row.spec_name, recheck=recheck)


def _data(kind: Kind, resource: Resource) -> dict[str, Any]:
    return resource.model_dump(exclude_none=True, exclude=set(kind.spec_only))


def _items(value: Any) -> list[Any]:
    """A v5 list is an object keyed by code (references) or an array; `{}` and `[]` both mean empty."""
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template)) - {"key"}
