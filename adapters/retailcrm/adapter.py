"""The retailCRM API v5 adapter: the core's Adapter protocol over `Transport`.

Everything kind-specific comes from a row of `mapping.ROWS`. What a server can do is learned
from one `GET /api/credentials` before the first list (`surface`): a real account lists none of
crmdeploy's extension routes, so the kinds it cannot write are READ (a person makes the change),
the kinds it cannot read at all (templates, triggers) are NONE without a request spent on them,
and a field the real API does not define (`required_at`, `permissions`) is a manual field,
never sent. A server with the extensions (the emulator's `--extensions`) lists their routes, and
the kinds they serve are read and written there (`mapping.EXTENSION_ROWS`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from crmdeploy.adapter import Capability, Live
from crmdeploy.errors import AdapterError, MalformedAnswer
from crmdeploy.kinds import Kind
from crmdeploy.spec.base import Resource

from . import answers, config, paging
from .mapping import BY_KIND, EXTENSION_ROWS, Row, Write, from_api, to_api
from .retry import RetryPolicy
from .surface import CREDENTIALS, Surface, check_writes
from .transport import Transport

log = logging.getLogger(__name__)

PAGE = 100               # the largest page every paged v5 list accepts (20, 50 or 100)


class RetailCrmAdapter:
    name = "retailcrm"

    def __init__(self, transport: Transport, target: str, workers: int = 1):
        self.transport = transport
        self.target = target
        self.workers = workers   # requests in flight at once (apply's writes, plan's reads of kinds)
        self.found: dict[str, Capability] = {}
        self.manual: dict[str, frozenset[str]] = {}    # kind -> fields neither writable nor readable here
        self.warnings: dict[str, tuple[str, ...]] = {}  # kind -> what the last read left out, and why
        self.rows: dict[str, Row] = {}                  # kind -> the row its last read used (writes use it too)
        self._surface: Surface | None = None
        self._surface_error: AdapterError | None = None
        self._surface_lock = threading.Lock()

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

    # --- what the server serves --------------------------------------------------------------------

    def surface(self) -> Surface:
        """The account's methods and the key's scopes: one request per run, made before the first list."""
        with self._surface_lock:
            if self._surface_error is not None:  # asked once: a broken answer is not asked again
                raise self._surface_error
            if self._surface is None:
                try:
                    self._surface = self._read_surface()
                except AdapterError as exc:
                    self._surface_error = exc
                    raise
            return self._surface

    def _read_surface(self) -> Surface:
        try:
            return Surface.of(self.transport.get(CREDENTIALS, resource="credentials"))
        except AdapterError as exc:
            if exc.status not in (403, 404):
                raise
            log.info("GET %s answered %s: taking the server for a plain retailCRM account", CREDENTIALS, exc.status)
            return Surface()

    def row(self, kind: Kind, desired: Sequence[Resource] | None = None) -> Row:
        """The row of `kind` here: the one the last read used, else the extension row when the
        server has it (and, for a row with `only_for`, when `desired` sets one of those fields)."""
        if kind.name in self.rows:
            return self.rows[kind.name]
        extended = EXTENSION_ROWS.get(kind.name)
        if extended is not None and not self._lazy(extended, desired) and self.surface().serves(extended.probe):
            return extended
        return BY_KIND[kind.name]

    @staticmethod
    def _lazy(extended: Row, desired: Sequence[Resource] | None) -> bool:
        """An `only_for` extension the spec does not need: not worth a request."""
        return bool(extended.only_for) and not any(getattr(r, name, None) is not None
                                                   for r in desired or () for name in extended.only_for)

    def _needs_surface(self, row: Row, desired: Sequence[Resource] = ()) -> bool:
        """Only kinds that an extension may change are worth the credentials request."""
        extended = EXTENSION_ROWS.get(row.kind)
        if extended is not None and self._lazy(extended, desired):
            return row.write is not Write.NATIVE
        return row.write is not Write.NATIVE or bool(row.unreadable) or extended is not None

    def check_writes(self, kinds: Iterable[Kind]) -> None:
        """Before the first write: refuse, naming the missing scopes, when the key cannot make
        the writes of `kinds` (the kinds the plan creates, updates or deactivates)."""
        check_writes(self.surface(), [k.name for k in kinds], self.target)

    # --- reading -----------------------------------------------------------------------------------

    def fetch(self, kind: Kind, desired: Sequence[Resource] = ()) -> Live:
        self.rows.pop(kind.name, None)
        row = self.rows[kind.name] = self.row(kind, desired)
        surface = self.surface() if self._needs_surface(row, desired) else Surface()
        if row.ext_list and not surface.serves(row.list or ""):
            self.found[kind.name], self.manual[kind.name] = Capability.NONE, frozenset()
            return Live(None, Capability.NONE)
        if not row.list and not desired:  # no list route (modules): unlistable, so not exported
            return Live(None, self._capability(row, surface), frozenset(row.unreadable))
        entities = self._entities(row, kind, desired)
        self.found[kind.name] = self._capability(row, surface)
        extended = EXTENSION_ROWS.get(kind.name)
        unused = set(extended.only_for) if extended is not None and self._lazy(extended, desired) else set()
        self.manual[kind.name] = frozenset(row.unreadable) - unused   # a field the spec does not set
        wanted = {kind.key_of(r): r for r in desired}
        notes: list[str] = []
        found = [r for e in entities if (r := self._resource(kind, row, e, wanted, notes)) is not None]
        self.warnings[kind.name] = tuple(notes)
        impossible = tuple((kind.key_of(r), name, why) for r in desired for name, value, why in row.impossible
                           if getattr(r, name, None) == value)
        return Live(found, self.found[kind.name], self.manual[kind.name], tuple(notes), impossible)

    def _capability(self, row: Row, surface: Surface) -> Capability:
        if row.write is Write.NATIVE or (row.write is Write.EXTENSION and surface.serves(row.edit)):
            return Capability.WRITE if row.creatable else Capability.EDIT
        return Capability.READ

    def _entities(self, row: Row, kind: Kind, desired: Sequence[Resource]) -> list[dict[str, Any]]:
        if row.list:
            return list(self._listed(row, kind))
        # No list route (integration modules): read the spec's items one by one.
        found = (self._single(row, getattr(r, kind.key), kind.record(r)) for r in desired)
        return [entity for entity in found if entity is not None]

    def _listed(self, row: Row, kind: Kind) -> Iterator[dict[str, Any]]:
        endpoint = f"GET /api/v5/{row.list}"
        first = self._page(row, kind, 1 if row.paged else None)
        found = answers.items(first, row.items, endpoint, kind.name)
        if not row.paged:
            yield from found
            return
        pager = answers.Pager(endpoint, kind.name)  # the pages must add up (no repeats, counts agree)
        count = pager.take(1, first, found)
        yield from found
        # Pages 2..count side by side, once page 1 is full (a short first page with more pages
        # behind it is odd: those are read one at a time, so a wrong count costs one request).
        width = self.workers if len(found) >= PAGE else 1
        for page, body in paging.pages(lambda page: self._page(row, kind, page), 2, count, width):
            found = answers.items(body, row.items, endpoint, kind.name)
            pager.take(page, body, found)   # checked in page order, whatever order they arrived in
            yield from found
        pager.finish()

    def _page(self, row: Row, kind: Kind, page: int | None) -> dict[str, Any]:
        params = {"limit": PAGE, "page": page} if page is not None else None
        return self.transport.get(row.list or "", params, resource=kind.name, rename=row.spec_name)

    def _single(self, row: Row, key: str, data: dict[str, Any]) -> dict[str, Any] | None:
        path, where = row.path(row.single or "", key, data), f"{row.kind}.{key}"
        try:
            body = self.transport.get(path, resource=where)
        except AdapterError as exc:
            if exc.status == 404:
                return None
            raise
        return answers.item(body, row.item, f"GET /api/v5/{path}", where)

    def _exists(self, row: Row, key: str, data: dict[str, Any]) -> bool:
        """Did an earlier create take effect? One GET, not retried (the caller's retry covers it)."""
        if not row.single:   # no single-item route (a site): look for the code in the keyed list
            body = self.transport.once("GET", row.list or "", resource=f"{row.kind}.{key}")
            found = body.get(row.items) if isinstance(body, dict) else None
            items = found.values() if isinstance(found, dict) else found or []
            return any(isinstance(i, dict) and i.get(row.api_name("code")) == key for i in items)
        try:
            self.transport.once("GET", row.path(row.single or "", key, data), resource=f"{row.kind}.{key}")
        except AdapterError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def _resource(self, kind: Kind, row: Row, entity: dict[str, Any], wanted: dict[str, Resource],
                  notes: list[str]) -> Resource | None:
        names = _item_keys(kind, row, entity)
        if not names:
            raise MalformedAnswer(f'an item of {row.list or row.single} has no "{row.api_name(kind.key)}": '
                                  f"crmdeploy cannot tell which {kind.title} it is", resource=kind.name)
        spec = next((wanted[n] for n in names if n in wanted), None)
        label = f"{kind.name}.{names[0]}"
        try:
            data = from_api(row, entity)
            for name in row.write_only:  # a server that never returns it: take it as the spec has it
                if name not in data and spec is not None and getattr(spec, name) is not None:
                    data[name] = getattr(spec, name)
            return kind.from_record(data)
        except ValidationError as exc:
            problem = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a value of the wrong shape
            problem = f"a value of the wrong type ({type(exc).__name__})"
        if spec is not None:  # planning from a guess could overwrite it: stop
            raise AdapterError(f"the CRM holds a value crmdeploy cannot read ({problem}); fix it in the CRM, "
                               "or leave this resource out of the spec", resource=label)
        notes.append(f"{label}: unreadable item skipped ({problem})")
        return None

    # --- writing -----------------------------------------------------------------------------------

    def create(self, kind: Kind, resource: Resource) -> None:
        row, code, data = self._parts(kind, resource)
        recheck = (lambda: self._exists(row, code, data)) if row.create else None
        self._post(row, row.create or row.edit, code, data, kind, recheck)

    def update(self, kind: Kind, resource: Resource, fields: tuple[str, ...]) -> None:
        row, code, data = self._parts(kind, resource)
        if row.partial:
            keep = {*kind.identity, "code", *fields, *row.always, *_placeholders(row.edit)}
            data = {k: v for k, v in data.items() if k in keep}
        self._post(row, row.edit, code, data, kind)

    def deactivate(self, kind: Kind, key: str) -> None:
        row, parts = self.row(kind), kind.key_parts(key)   # "order/vin" -> entity, code
        self._post(row, row.edit, parts[kind.key], {**parts, "active": False}, kind)

    def close(self) -> None:
        self.transport.close()

    def _parts(self, kind: Kind, resource: Resource) -> tuple[Row, str, dict[str, Any]]:
        """The row, the code that goes in the path (`{key}`) and the spec-named values."""
        return self.row(kind, [resource]), getattr(resource, kind.key), kind.record(resource)

    def _post(self, row: Row, template: str, code: str, data: dict[str, Any], kind: Kind,
              recheck: Callable[[], bool] | None = None) -> None:
        sent: list[str] = []
        entity = to_api(row, data, lambda secret: _noted(secret.reveal(), sent))
        form = {row.form: json.dumps(entity)}
        address = f"{kind.name}.{kind.key_from({**data, kind.key: code})}"
        self.transport.post(row.path(template, code, data), form, resource=address,
                            rename=row.spec_name, recheck=recheck, hide=tuple(sent))


def _item_keys(kind: Kind, row: Row, entity: dict[str, Any]) -> list[str]:
    """The names an answer item may go by in the spec: its code, and for a custom field
    "ENTITY/CODE" too (the core's key for it)."""
    code = entity.get(row.api_name(kind.key))
    if not isinstance(code, str) or not code:
        return []
    if kind.scope is not None:
        return [kind.key_from({kind.scope: entity.get(row.api_name(kind.scope)), kind.key: code}), code]
    return [code]


def _noted(value: str, sent: list[str]) -> str:
    sent.append(value)
    return value


def _placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template)) - {"key"}


def _quiet_insecure_warnings() -> None:
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
