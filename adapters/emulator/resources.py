"""The emulator's resource endpoints: lists, single items, creates and edits over the Store.

Records in the store are spec-shaped, exactly as the mock adapter keeps them, so a state file
works with either. How a record looks on the wire comes from the emulator's own model
(`model.py`, written from the official clients), plus what a real server computes (ids, a
group's member statuses, the legacy `default`, flags crmdeploy does not manage) in `served`.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from typing import Any

from pydantic import ValidationError

from adapters.store import Store
from crmdeploy.kinds import BY_NAME, Kind
from crmdeploy.secrets import walk
from crmdeploy.spec.base import Resource, iter_refs

from .model import CUSTOM_FIELD_ENTITIES, PAGE_SIZES, Entity
from .served import served, to_record_value

BLANK = "This value should not be blank."
INVALID = "This value is not valid."
UNDEFINED = "This field is not defined for this entity."


class Fail(Exception):
    """An error answer in the API's shape."""

    def __init__(self, status: int, message: str, errors: dict[str, str] | list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"success": False, "errorMsg": message}
        if errors:
            self.body["errors"] = errors


class Duplicate(Fail):
    """A create of a key that exists: what a client that sends a create twice gets."""


def entity_id(key: str) -> int:
    """A stable numeric id for an item the store keys by code or email."""
    return zlib.crc32(key.encode()) % 1_000_000 + 1


Memo = dict[str, Any]  # lookups shared by the items of one answer, so a list stays linear


def wire(store: Store, ent: Entity, record: dict[str, Any], memo: Memo | None = None) -> dict[str, Any]:
    """A stored record as the API shows it; a secret only ever as its salted digest."""
    api = {name: _out(record[field]) for name, field in ent.api.items() if record.get(field) is not None}
    return served(store, ent, record, api, {} if memo is None else memo)


def _out(value: Any) -> Any:
    return walk(value, lambda secret, _: secret.digest())


def list_items(store: Store, ent: Entity, query: dict[str, list[str]]) -> dict[str, Any]:
    wanted, memo = filters(query), {}
    items: list[dict[str, Any]] = store.records(ent.kind)
    if wanted:  # filters are on the API's fields: wire every item to match them
        items = [i for i in (wire(store, ent, r, memo) for r in items) if _matches(i, wanted)]
    body: dict[str, Any] = {"success": True}
    if ent.paged:
        items, body["pagination"] = _page(items, query)
    if not wanted:  # wire only the page asked for
        items = [wire(store, ent, r, memo) for r in items]
    body[ent.items] = {i["code"]: i for i in items} if ent.keyed else items
    return body


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    limit, page = _int(query, "limit", 20), _int(query, "page", 1)
    if limit not in PAGE_SIZES or page < 1:
        raise Fail(400, "Errors in the input parameters", {"limit" if limit not in PAGE_SIZES else "page": INVALID})
    pagination = {"limit": limit, "totalCount": len(items), "currentPage": page,
                  "totalPageCount": math.ceil(len(items) / limit)}
    return items[(page - 1) * limit: page * limit], pagination


def one_item(store: Store, ent: Entity, params: dict[str, str]) -> dict[str, Any]:
    record = store.get(ent.kind, path_key(ent, params))
    if record is None or record.get("entity", params.get("entity")) != params.get("entity", record.get("entity")):
        raise Fail(404, "Not found")
    return {"success": True, ent.item: wire(store, ent, record)}


def path_key(ent: Entity, params: dict[str, str]) -> str:
    if ent.kind == "custom_fields":
        return BY_NAME[ent.kind].key_from({"entity": entity_of(params), "code": params["code"]})
    return params["code"]


def entity_of(params: dict[str, str]) -> str:
    if params["entity"] not in CUSTOM_FIELD_ENTITIES:
        raise Fail(404, "Not found")
    return params["entity"]


def write(store: Store, ent: Entity, params: dict[str, str], form: dict[str, list[str]],
          creating: bool) -> tuple[int, dict[str, Any]]:
    """A create (`creating`) or an edit; an edit of a kind without a create endpoint is an upsert."""
    kind = BY_NAME[ent.kind]
    data = from_wire(ent, entity(ent, form))
    if "entity" in params:
        data["entity"] = entity_of(params)
    if not creating:
        data[kind.key] = params["code"]
    if not data.get(kind.key):
        raise Fail(400, "Errors in the entity format", {ent.api_name(kind.key): BLANK})
    key = kind.key_from(data)
    existing = store.get(ent.kind, key)
    if creating and existing is not None:
        raise Duplicate(400, "Errors in the entity format",
                        {ent.api_name(kind.key): f'The code "{data[kind.key]}" is already in use'})
    if not creating and existing is None and ent.edit_only:
        raise Fail(400, "Errors in the entity format", {ent.api_name(kind.key): f'"{data[kind.key]}" not found'})
    if not creating and existing is None and ent.create:
        raise Fail(404, "Not found")
    for name, value in ent.refused:
        if data.get(name) == value:
            raise Fail(400, "Errors in the entity format", {ent.api_name(name): INVALID})
    if ent.kind == "custom_dictionaries" and not data.get("elements"):
        # The official v5 client refuses a dictionary create or edit without elements
        # (lib/RetailCrm/Methods/V5/CustomFields.php, branch v5): a server as strict.
        raise Fail(400, "Errors in the entity format", {"elements": BLANK})
    store_checked(store, kind, ent, key, {**(existing or {}), **data})
    body: dict[str, Any] = {"success": True}
    if ent.create:
        body["code"] = data[kind.key]
    return (201 if existing is None else 200), body


def store_checked(store: Store, kind: Kind, ent: Entity, key: str, data: dict[str, Any]) -> None:
    resource = validated(kind, ent, data)
    check_refs(store, kind, ent, resource)
    store.put(ent.kind, key, kind.record(resource))


def from_wire(ent: Entity, value: dict[str, Any]) -> dict[str, Any]:
    """An entity's API fields → record fields; a field the official model lacks is refused."""
    if unknown := sorted(set(value) - ent.accepted):
        raise Fail(400, "Errors in the entity format", {name: UNDEFINED for name in unknown})
    return {field: to_record_value(ent, field, value[name]) for name, field in ent.api.items()
            if value.get(name) is not None}


def entity(ent: Entity, form: dict[str, list[str]], name: str | None = None) -> dict[str, Any]:
    """The JSON entity in the form field, as the real API requires it."""
    name = name or ent.form
    if name not in form:
        raise Fail(400, f"Parameter '{name}' is missing")
    try:
        value = json.loads(form[name][0])
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Fail(400, "Errors in the input parameters", {name: INVALID})
    return value


def validated(kind: Kind, ent: Entity, data: dict[str, Any]) -> Resource:
    try:
        return kind.from_record(data)
    except ValidationError as exc:
        raise Fail(400, "Errors in the entity format", _field_errors(ent, exc)) from None


def _field_errors(ent: Entity, exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors keyed by API field path (`elements[1].code`), worded like the API's."""
    errors: dict[str, str] = {}
    for e in exc.errors():
        head, *rest = e["loc"] or (None,)
        name = ent.form if head is None else ent.api_name(str(head))
        name += "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
        message = {"missing": BLANK, "string_pattern_mismatch": INVALID}.get(e["type"], e["msg"])
        errors.setdefault(name, message.removeprefix("Value error, "))
    return errors


def check_refs(store: Store, kind: Kind, ent: Entity, resource: Resource) -> None:
    """Every referenced item must exist, as the mock adapter and the real API insist."""
    errors = {}
    for loc, target, value in iter_refs(resource):
        # A status's transitions may name a status the same run creates next (the matrix is
        # written with the statuses); every other reference must exist already.
        if target != kind.name and not _exists(store, target, value):
            errors.setdefault(ent.api_name(str(loc[0])), f'{BY_NAME[target].title} "{value}" not found')
    if errors:
        raise Fail(400, "Errors in the entity format", errors)


def _exists(store: Store, kind: str, key: str) -> bool:
    if kind == "custom_fields" and "/" not in key:  # a bare code names a field of any entity
        return any(r["code"] == key for r in store.records(kind))
    return store.has(kind, key)


def filters(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """`filter[name]=v` and `filter[name][]=v` → {name: [v, ...]}; the client's `filter=None` is ignored."""
    found: dict[str, list[str]] = {}
    for name, values in query.items():
        if m := re.fullmatch(r"filter\[(\w+)\](\[\])?", name):
            found.setdefault(m.group(1), []).extend(values)
    return found


def _matches(item: dict[str, Any], wanted: dict[str, list[str]]) -> bool:
    return all(_match(item.get(name), values) for name, values in wanted.items())


def _match(value: Any, wanted: list[str]) -> bool:
    if isinstance(value, bool):
        return str(int(value)) in wanted or str(value).lower() in [w.lower() for w in wanted]
    if isinstance(value, list):
        return any(_match(v.get("code") if isinstance(v, dict) else v, wanted) for v in value)
    return str(value) in wanted


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    try:
        return int(query.get(name, [default])[0])
    except ValueError:
        raise Fail(400, "Errors in the input parameters", {name: INVALID}) from None
