"""The emulator's resource endpoints: lists, single items, creates and upserts over the Store.

Records in the store are spec-shaped, exactly as the mock adapter keeps them,
so a state file works with either. The API shape comes from the same mapping
rows the HTTP adapter uses; the emulator adds what a real server computes
(ids, a group's member statuses) through the small DECORATE table.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from adapters.mock import to_record
from adapters.retailcrm.mapping import Row, from_api, to_api
from adapters.store import Store
from crmdeploy.kinds import BY_NAME, Kind
from crmdeploy.secrets import Sensitive
from crmdeploy.spec.base import Resource, iter_refs

PAGE_SIZES = (20, 50, 100, 250)
BLANK = "This value should not be blank."
INVALID = "This value is not valid."


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


def _user(store: Store, api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    api["id"] = entity_id(api["email"])
    api["groups"] = [{"id": entity_id(g["code"]), "code": g["code"],
                      "name": (store.get("user_groups", g["code"]) or {}).get("name", g["code"])}
                     for g in api.get("groups", [])]
    return api


def _group_members(store: Store, api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    if "members" not in memo:
        memo["members"] = {}
        for status in store.records("statuses"):
            memo["members"].setdefault(status.get("group"), []).append(status["code"])
    return {**api, "process": False, "statuses": sorted(memo["members"].get(api["code"], []))}


def _with_id(store: Store, api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {"id": entity_id(api["code"]), **api}


DECORATE: dict[str, Callable[[Store, dict[str, Any], Memo], dict[str, Any]]] = {
    "users": _user, "user_groups": _with_id, "status_groups": _group_members, "delivery_types": _with_id,
}


def wire(store: Store, row: Row, record: dict[str, Any], memo: Memo | None = None) -> dict[str, Any]:
    """A stored record as the API shows it; a secret only ever as its salted digest."""
    api = to_api(row, record, Sensitive.digest)
    decorate = DECORATE.get(row.kind)
    return decorate(store, api, {} if memo is None else memo) if decorate else api


def list_items(store: Store, row: Row, query: dict[str, list[str]]) -> dict[str, Any]:
    wanted, memo = filters(query), {}
    items: list[dict[str, Any]] = store.records(row.kind)
    if wanted:  # filters are on the API's fields: wire every item to match them
        items = [i for i in (wire(store, row, r, memo) for r in items) if _matches(i, wanted)]
    body: dict[str, Any] = {"success": True}
    if row.paged:
        items, body["pagination"] = _page(items, query)
    if not wanted:  # wire only the page asked for
        items = [wire(store, row, r, memo) for r in items]
    body[row.items] = {i["code"]: i for i in items} if row.keyed else items
    return body


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    limit, page = _int(query, "limit", 20), _int(query, "page", 1)
    if limit not in PAGE_SIZES or page < 1:
        raise Fail(400, "Errors in the input parameters", {"limit" if limit not in PAGE_SIZES else "page": INVALID})
    pagination = {"limit": limit, "totalCount": len(items), "currentPage": page,
                  "totalPageCount": math.ceil(len(items) / limit)}
    return items[(page - 1) * limit: page * limit], pagination


def _store_key(row: Row, values: dict[str, Any]) -> str:
    """The store's key of an item: its code, or "ENTITY/CODE" for a custom field."""
    kind = BY_NAME[row.kind]
    if kind.scope is None:
        return str(values[kind.key])
    return kind.key_from({kind.scope: values.get(kind.scope) or "order", kind.key: values[kind.key]})


def one_item(store: Store, row: Row, params: dict[str, str]) -> dict[str, Any]:
    kind = BY_NAME[row.kind]
    record = store.get(row.kind, _store_key(row, {**params, kind.key: params["key"]}))
    if record is None or _elsewhere(record, params):
        raise Fail(404, "Not found")
    return {"success": True, row.item: wire(store, row, record)}


def _elsewhere(record: dict[str, Any], params: dict[str, str]) -> bool:
    """The path names the item under another parent (a custom field of another entity)."""
    return any(record.get(k) != v for k, v in params.items() if k != "key")


def write(store: Store, row: Row, params: dict[str, str], form: dict[str, list[str]],
          creating: bool) -> tuple[int, dict[str, Any]]:
    """A create (`creating`) or an edit; an edit of a kind without a create endpoint is an upsert."""
    kind = BY_NAME[row.kind]
    data = from_api(row, entity(row, form))
    data.update({k: v for k, v in params.items() if k != "key"})
    if not creating:
        data[kind.key] = params["key"]
    key = data.get(kind.key)
    if not key:
        raise Fail(400, "Errors in the entity format", {row.api_name(kind.key): BLANK})
    existing = store.get(row.kind, _store_key(row, {**data, kind.key: str(key)}))
    if existing is not None and not creating and _elsewhere(existing, params):
        raise Fail(404, "Not found")
    if creating and existing is not None:
        raise Duplicate(400, "Errors in the entity format",
                        {row.api_name(kind.key): f'The code "{key}" is already in use'})
    if not creating and existing is None and row.create:
        raise Fail(404, "Not found")
    resource = validated(kind, row, {**(existing or {}), **data})
    check_refs(store, kind, row, resource)
    store.put(row.kind, kind.key_of(resource), to_record(kind, resource))
    body: dict[str, Any] = {"success": True}
    if row.create:
        body["code"] = getattr(resource, kind.key)
    return (201 if existing is None else 200), body


def entity(row: Row, form: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON entity in the row's form field, as the real API requires it."""
    if row.form not in form:
        raise Fail(400, f"Parameter '{row.form}' is missing")
    try:
        value = json.loads(form[row.form][0])
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Fail(400, "Errors in the input parameters", {row.form: INVALID})
    return value


def validated(kind: Kind, row: Row, data: dict[str, Any]) -> Resource:
    try:
        return kind.model.model_validate(data)
    except ValidationError as exc:
        raise Fail(400, "Errors in the entity format", _field_errors(row, exc)) from None


def _field_errors(row: Row, exc: ValidationError) -> dict[str, str]:
    """Pydantic's errors keyed by API field path (`elements[1].code`), worded like the API's."""
    errors: dict[str, str] = {}
    for e in exc.errors():
        head, *rest = e["loc"] or (None,)
        name = row.form if head is None else row.api_name(str(head))
        name += "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
        message = {"missing": BLANK, "string_pattern_mismatch": INVALID}.get(e["type"], e["msg"])
        errors.setdefault(name, message.removeprefix("Value error, "))
    return errors


def check_refs(store: Store, kind: Kind, row: Row, resource: Resource) -> None:
    """Every referenced item must exist, as the mock adapter and the real API insist."""
    errors = {}
    for loc, target, value in iter_refs(resource):
        if not store.has(target, value):
            errors.setdefault(row.api_name(str(loc[0])), f'{BY_NAME[target].title} "{value}" not found')
    if errors:
        raise Fail(400, "Errors in the entity format", errors)


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
