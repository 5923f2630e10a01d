"""What a real server adds to an item it serves, and how a written value becomes a record value.

A real answer carries many fields crmdeploy does not manage (`createdAt`, `process`, `sites`,
`deliveryPaymentTypes`, `mgUserId`, `breakdown*`, `inGroupActions`, `viewModeMobile`, ...) and the
custom field's legacy `default` in its real types: a number for a dictionary field (`1`), a
string for a boolean one (`"false"`), with `defaultTyped` holding the typed value. The emulator
serves them so, as captured in `retailcrm/api-client-php` `tests/src/ResourceGroup/
{ReferencesTest,CustomFieldsTest,UsersTest}.php`, so that reading them is tested every time.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from typing import Any

from adapters.store import Store
from crmdeploy.secrets import Sensitive

from .model import STANDARD_GROUPS, Entity

CREATED_AT = "2024-01-15 10:00:00"
PROCESS = {code: process for code, _, _, process in STANDARD_GROUPS}

Memo = dict[str, Any]


def _id(key: str) -> int:
    return zlib.crc32(key.encode()) % 1_000_000 + 1


def _members(store: Store, memo: Memo, kind: str, field: str) -> dict[str, list[str]]:
    """code -> codes of `kind` items whose `field` names it (a group's statuses and the like)."""
    name = f"{kind}.{field}"
    if name not in memo:
        found: dict[str, list[str]] = {}
        for record in store.records(kind):
            values = record.get(field)
            for value in values if isinstance(values, list) else [values]:
                found.setdefault(value, []).append(record["code"])
        memo[name] = {k: sorted(v) for k, v in found.items()}
    return memo[name]


def _status_group(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {**api, "process": PROCESS.get(record["code"], False),
            "statuses": _members(store, memo, "statuses", "group").get(record["code"], [])}


def _product_status(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {**api, "createdAt": CREATED_AT}


def _payment_type(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    code = record["code"]
    return {**api,
            "deliveryTypes": _members(store, memo, "delivery_types", "payment_types").get(code, []),
            "paymentStatuses": _members(store, memo, "payment_statuses", "payment_types").get(code, []),
            "sites": []}


def _delivery_type(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    flags = ("isDynamicCostCalculation", "isAutoCostCalculation", "isAutoNetCostCalculation",
             "isCostDependsOnRegionAndWeightAndSum", "isCostDependsOnDateTime")
    return {"id": _id(record["code"]), **dict.fromkeys(flags, False), "currency": "RUB", **api,
            "deliveryServices": [],
            "deliveryPaymentTypes": [{"code": c, "cod": c == "cod"} for c in record.get("payment_types") or []],
            "sites": []}


def _order_method(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {**api, "isFromPos": False}


def _custom_field(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    api = {**api, "inGroupActions": False, "viewModeMobile": api.get("viewMode", "editable")}
    api.pop("default", None)
    return {**api, **legacy_default(store, record)}


def legacy_default(store: Store, record: dict[str, Any]) -> dict[str, Any]:
    """`default` and `defaultTyped` as a real account serves them for the field's type."""
    value, kind = record.get("default"), record.get("type")
    if value is None:
        return {}
    if kind == "boolean":
        typed = value.strip().lower() in ("true", "1", "yes")
        return {"default": "true" if typed else "false", "defaultTyped": typed}
    if kind == "dictionary":  # the legacy value is the element's number in the dictionary
        elements = (store.get("custom_dictionaries", record.get("dictionary") or "") or {}).get("elements", [])
        codes = [e["code"] for e in elements]
        return {"default": codes.index(value) + 1 if value in codes else 0, "defaultTyped": value}
    if kind == "multiselect_dictionary":
        return {"defaultTyped": [v for v in value.split(",") if v]}
    if kind in ("integer", "numeric") and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return {"default": value, "defaultTyped": int(value) if kind == "integer" and "." not in value
                else float(value)}
    return {"default": value, "defaultTyped": value}


def _user_group(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {"id": _id(record["code"]), **api, "isPosManager": False,
            "breakdownOrderTypes": [], "breakdownSites": [], "breakdownOrderMethods": [],
            "grantedSites": []}


def _user(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    groups = [{"id": _id(code), "name": (store.get("user_groups", code) or {}).get("name", code), "code": code}
              for code in record.get("groups") or []]
    return {"id": _id(record["email"]), "createdAt": CREATED_AT, **api, "status": "free", "online": False,
            "groups": groups, "mgUserId": _id("mg:" + record["email"])}


def _trigger(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {**api, "conditions": _keys(api.get("conditions", {}), _camel),
            "actions": _keys(api.get("actions", []), _camel)}


def _site(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {"id": _id(record["code"]), **api, "isDemo": False, "catalogId": record["code"]}


def _channel(store: Store, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    return {**api, "routing": _keys(api["routing"], _camel)} if "routing" in api else api


SERVED: dict[str, Callable[[Store, dict[str, Any], dict[str, Any], Memo], dict[str, Any]]] = {
    "status_groups": _status_group, "product_statuses": _product_status, "payment_types": _payment_type,
    "delivery_types": _delivery_type, "order_methods": _order_method, "custom_fields": _custom_field,
    "user_groups": _user_group, "users": _user, "triggers": _trigger, "sites": _site, "channels": _channel,
}


def served(store: Store, ent: Entity, record: dict[str, Any], api: dict[str, Any], memo: Memo) -> dict[str, Any]:
    add = SERVED.get(ent.kind)
    return add(store, record, api, memo) if add else api


def to_record_value(ent: Entity, field: str, value: Any) -> Any:
    """A value as written (API shape) → as the record keeps it."""
    if ent.kind == "users" and field == "groups":
        return sorted(v["code"] if isinstance(v, dict) else str(v) for v in value)
    if (ent.kind, field) in (("triggers", "conditions"), ("triggers", "actions"), ("channels", "routing")):
        return _keys(value, _snake)
    if ent.kind == "integrations" and field == "credentials" and isinstance(value, dict):
        return {k: Sensitive.from_digest(v) if str(v).startswith("sha256$") else Sensitive(str(v))
                for k, v in value.items()}
    if ent.kind == "custom_fields" and field == "default":
        return str(value).lower() if isinstance(value, bool) else str(value)
    return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _keys(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {rename(k): _keys(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(v, rename) for v in value]
    return value
