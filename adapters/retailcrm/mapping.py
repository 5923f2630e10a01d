"""How each resource kind looks in retailCRM API v5: one table row per kind.

A row names the endpoints (list, single item, create, edit), the response keys,
the form field that carries the entity as JSON, paging, and the field-by-field
mapping between spec names and API names. The adapter and the emulator both
read these rows, so nothing else branches on a kind's name.

Facts behind the rows: /work/shared/retailcrm-api.md §1–§4. Fields marked
"extension" are crmdeploy's own (the real API neither returns nor accepts
them); the kinds written through extension endpoints are described in
design.md, "One retailCRM-style API".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote

from crmdeploy.secrets import Sensitive, map_leaves

Convert = Callable[[Any], Any]


def same(value: Any) -> Any:
    return value


class Write(Enum):
    NATIVE = "native"        # a documented v5 write endpoint
    EXTENSION = "extension"  # served by crmdeploy's emulator; a real account answers 404


@dataclass(frozen=True)
class Field:
    spec: str
    api: str
    to_api: Convert = same
    from_api: Convert = same


@dataclass(frozen=True)
class Row:
    kind: str
    form: str                       # form field holding the entity as a JSON string
    edit: str                       # POST path; an upsert unless `create` is set
    fields: tuple[Field, ...]
    write: Write = Write.NATIVE
    list: str | None = None         # GET path of every item; None: read one by one via `single`
    items: str = ""                 # response key of the list (an object keyed by code, or an array)
    keyed: bool = False             # the list is an object keyed by code (`/reference/*`), else an array
    paged: bool = False             # `limit` / `page` paging with a `pagination` block
    ext_list: bool = False          # the list endpoint itself is an extension
    single: str | None = None       # GET path of one item
    item: str = ""                  # response key of one item
    create: str | None = None       # POST path of a create that is not idempotent
    partial: bool = True            # an edit may carry only the changed fields
    write_only: tuple[str, ...] = ()  # spec fields a server may never return (secrets)

    def path(self, template: str, key: str, data: dict[str, Any]) -> str:
        """Fill `{key}` and `{field}` placeholders, each escaped as one path segment."""
        values = {**{k: v for k, v in data.items() if isinstance(v, str)}, "key": key}
        return re.sub(r"\{(\w+)\}", lambda m: quote(str(values[m.group(1)]), safe=""), template)

    def api_name(self, spec_name: str) -> str:
        return next((f.api for f in self.fields if f.spec == spec_name), spec_name)

    def spec_name(self, api_name: str) -> str:
        return next((f.spec for f in self.fields if f.api == api_name), api_name)


# --- value converters -------------------------------------------------------------------------

def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def keys_with(rename: Convert) -> Convert:
    """Rename the keys of nested dicts (lists walked), leaving values alone."""
    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {rename(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value
    return walk


def codes_to_refs(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": c} for c in codes]


def refs_to_codes(refs: list[Any]) -> list[str]:
    return sorted(r["code"] if isinstance(r, dict) else str(r) for r in refs)


def secrets_from_api(values: dict[str, Any]) -> dict[str, Sensitive]:
    """A server echoes a salted digest (never the secret); anything else is taken as the secret."""
    return {k: Sensitive.from_digest(v) if str(v).startswith("sha256$") else Sensitive(str(v))
            for k, v in values.items()}


def f(spec: str, api: str | None = None, to_api: Convert = same, from_api: Convert = same) -> Field:
    return Field(spec, api or camel(spec), to_api, from_api)


def reference(kind: str, path: str, items: str, form: str, *fields: Field) -> Row:
    """A `/reference/*` kind: code-keyed list, upsert by `{code}/edit`, no paging."""
    return Row(kind, form, f"reference/{path}/{{key}}/edit", fields,
               list=f"reference/{path}", items=items, keyed=True)


CODE, NAME, ACTIVE, ORDERING, DESCRIPTION = f("code"), f("name"), f("active"), f("ordering"), f("description")
DEFAULTS = (f("default_for_crm"), f("default_for_api"))

ROWS: tuple[Row, ...] = (
    Row("status_groups", "statusGroup", "reference/status-groups/{key}/edit",
        (CODE, NAME, ORDERING, ACTIVE), write=Write.EXTENSION,
        list="reference/status-groups", items="statusGroups", keyed=True),
    reference("statuses", "statuses", "statuses", "status", CODE, NAME, f("group"), ORDERING, ACTIVE),
    reference("product_statuses", "product-statuses", "productStatuses", "productStatus",
              CODE, NAME, ORDERING, ACTIVE, f("cancel_status"),
              f("order_status", "orderStatusByProductStatus")),
    reference("payment_types", "payment-types", "paymentTypes", "paymentType",
              CODE, NAME, ACTIVE, *DEFAULTS, DESCRIPTION),
    reference("payment_statuses", "payment-statuses", "paymentStatuses", "paymentStatus",
              CODE, NAME, ACTIVE, ORDERING, f("payment_complete"), *DEFAULTS, DESCRIPTION,
              f("payment_types")),
    reference("delivery_types", "delivery-types", "deliveryTypes", "deliveryType",
              CODE, NAME, ACTIVE, f("default_cost"), f("default_net_cost"), DESCRIPTION,
              f("default_for_crm"), f("payment_types")),
    reference("order_types", "order-types", "orderTypes", "orderType",
              CODE, NAME, ACTIVE, ORDERING, *DEFAULTS),
    reference("order_methods", "order-methods", "orderMethods", "orderMethod",
              CODE, NAME, ACTIVE, *DEFAULTS),
    Row("custom_dictionaries", "customDictionary", "custom-fields/dictionaries/{key}/edit",
        (CODE, NAME, f("elements")),
        list="custom-fields/dictionaries", items="customDictionaries", paged=True,
        single="custom-fields/dictionaries/{key}", item="customDictionary",
        create="custom-fields/dictionaries/create"),
    Row("custom_fields", "customField", "custom-fields/{entity}/{key}/edit",
        (CODE, NAME, f("entity"), f("type"), f("required"),
         f("required_at", "requiredAtStatuses"),  # extension: the v5 model has no such field
         f("dictionary"), f("in_filter"), f("in_list"), ORDERING, f("display_area"),
         f("view_mode"), f("default")),
        list="custom-fields", items="customFields", paged=True,
        single="custom-fields/{entity}/{key}", item="customField",
        create="custom-fields/{entity}/create"),
    Row("user_groups", "group", "user-groups/{key}/edit",
        (CODE, NAME, f("is_manager"), f("is_delivery_men"),
         f("permissions"),  # extension
         f("order_types", "grantedOrderTypes"), f("delivery_types")),
        write=Write.EXTENSION, list="user-groups", items="groups", paged=True),
    Row("users", "user", "users/{key}/edit",
        (f("email"), f("first_name"), f("last_name"), f("patronymic"), f("position"), f("phone"),
         ACTIVE, f("is_admin"), f("is_manager"), f("groups", "groups", codes_to_refs, refs_to_codes)),
        write=Write.EXTENSION, list="users", items="users", paged=True),
    Row("templates", "template", "templates/{key}/edit",
        (CODE, NAME, f("channel"), f("subject"), f("body"), ACTIVE),
        write=Write.EXTENSION, list="templates", items="templates", ext_list=True),
    Row("triggers", "trigger", "triggers/{key}/edit",
        (CODE, NAME, f("event"),
         f("conditions", "conditions", keys_with(camel), keys_with(snake)),
         f("actions", "actions", keys_with(camel), keys_with(snake)), ACTIVE),
        write=Write.EXTENSION, list="triggers", items="triggers", ext_list=True),
    Row("integrations", "integrationModule", "integration-modules/{key}/edit",
        (CODE, NAME, f("kind"), ACTIVE, f("base_url"), f("settings"),
         f("credentials", "credentials", same, secrets_from_api), f("delivery_types")),
        # The real API reads modules only one by one; the list is an extension (one request for
        # all of them) and the adapter falls back to one by one where a server lacks it.
        list="integration-modules", items="integrationModules", ext_list=True,
        single="integration-modules/{key}", item="integrationModule",
        partial=False, write_only=("credentials",)),
)

BY_KIND: dict[str, Row] = {row.kind: row for row in ROWS}


def to_api(row: Row, data: dict[str, Any], secret: Callable[[Sensitive], str]) -> dict[str, Any]:
    """Spec-named values → the API's entity. `secret` decides what a Sensitive becomes on the wire."""
    return {fld.api: _secrets(fld.to_api(data[fld.spec]), secret)
            for fld in row.fields if data.get(fld.spec) is not None}


def from_api(row: Row, entity: dict[str, Any]) -> dict[str, Any]:
    """The API's entity → spec-named values; fields the table does not name are ignored."""
    return {fld.spec: fld.from_api(entity[fld.api]) for fld in row.fields
            if entity.get(fld.api) is not None}


def _secrets(value: Any, secret: Callable[[Sensitive], str]) -> Any:
    return map_leaves(value, lambda v: secret(v) if isinstance(v, Sensitive) else v)
