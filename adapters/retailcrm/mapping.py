"""How each resource kind looks in retailCRM API v5: one table row per kind.

A row names the endpoints (list, single item, create, edit), the response keys,
the form field that carries the entity as JSON, paging, and the field-by-field
mapping between spec names and API names. Only the HTTP adapter reads these rows
(the emulator has its own model of the API, so that a mistake here is refused there).

Facts behind the rows: /work/shared/retailcrm-api.md §1–§8 and the official clients
(retailcrm/api-client-php src/Model/Entity/**, src/ResourceGroup/*). `fields` are only
ever fields the official models define; a spec field the real API lacks is
`unreadable` here (a manual step) and sent only by the extension rows. The kinds
written through extension endpoints are described in design.md, "One retailCRM-style API".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import quote

from crmdeploy.secrets import Sensitive, walk

Convert = Callable[[Any], Any]


def same(value: Any) -> Any:
    return value


class Write(Enum):
    NATIVE = "native"        # a documented v5 write endpoint
    EXTENSION = "extension"  # served by crmdeploy's emulator (--extensions); not on a real account
    MANUAL = "manual"        # no write for the spec's meaning anywhere in the API: the admin UI


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
    fields: tuple[Field, ...]       # what the entity carries (never a field the official model lacks)
    write: Write = Write.NATIVE
    list: str | None = None         # GET path of every item; None: read one by one via `single`
    items: str = ""                 # response key of the list (an object keyed by code, or an array)
    keyed: bool = False             # the list is an object keyed by code (`/reference/*`), else an array
    paged: bool = False             # `limit` / `page` paging with a `pagination` block
    ext_list: bool = False          # the list endpoint itself is an extension
    single: str | None = None       # GET path of one item
    item: str = ""                  # response key of one item
    create: str | None = None       # POST path of a create that is not idempotent
    creatable: bool = True          # False: the API edits existing items only (a create is manual)
    partial: bool = True            # an edit may carry only the changed fields
    always: tuple[str, ...] = ()    # spec fields every edit carries (a dictionary's whole `elements`)
    write_only: tuple[str, ...] = ()  # spec fields a server may never return (secrets)
    unreadable: tuple[str, ...] = ()  # spec fields this row can neither read nor write (manual)
    # An extension row worth a credentials request only when the spec sets one of these fields
    # (a status's `transitions`): otherwise the native row serves, and a real account pays nothing.
    only_for: tuple[str, ...] = ()
    # (spec field, value, why): a resource with this value cannot exist here at all (manual)
    impossible: tuple[tuple[str, Any, str], ...] = ()
    read: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # an answer item → spec-named values
    # The key's scope a write needs. Seen in official sources: reference_read, order_read,
    # customer_read (ApiTest.php), integration_read / integration_write (ResourceGroup/Integration.php);
    # reference_write and custom_fields_write follow the same naming.
    scope: str | None = None

    def path(self, template: str, key: str, data: dict[str, Any]) -> str:
        """Fill `{key}` and `{field}` placeholders, each escaped as one path segment."""
        values = {**{k: v for k, v in data.items() if isinstance(v, str)}, "key": key}
        return re.sub(r"\{(\w+)\}", lambda m: quote(str(values[m.group(1)]), safe=""), template)

    def api_name(self, spec_name: str) -> str:
        return next((f.api for f in self.fields if f.spec == spec_name), spec_name)

    def spec_name(self, api_name: str) -> str:
        return next((f.spec for f in self.fields if f.api == api_name), api_name)

    @property
    def probe(self) -> str:
        """The route whose presence says a server has this (extension) row."""
        return (self.list if self.ext_list else None) or self.create or self.edit

    @property
    def route(self) -> str:
        """The edit route as `GET /api/credentials` lists the methods a key may call."""
        return "/api/" + self.edit


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


def scalar_text(value: Any) -> str:
    """A custom field's default as the spec writes it: `defaultTyped` is a string, a boolean, a
    number or a list (multiselect); JSON's `false` is the spec's "false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(scalar_text(v) for v in value)
    return str(value)


def custom_field_values(entity: dict[str, Any]) -> dict[str, Any]:
    """`defaultTyped` is the value; the legacy `default` (deprecated: a number for a dictionary
    field, `"false"` for a boolean one) is used only when the typed one is absent, and never for a
    dictionary field, whose legacy default is an element's number, not its code."""
    typed = entity.get("defaultTyped")
    if typed is not None and typed != []:
        return {"default": scalar_text(typed)}
    legacy = entity.get("default")
    if legacy is None or legacy == "" or entity.get("type") in ("dictionary", "multiselect_dictionary"):
        return {"default": None}
    return {"default": scalar_text(legacy)}


# IntegrationModule.integrations keys (api-client-php src/Model/Entity/Integration/Integrations.php).
MODULE_SECTIONS = {"delivery": "delivery", "telephony": "telephony", "payment": "payment", "store": "marketplace",
                   "mgTransport": "messenger", "mgBot": "messenger"}


def module_values(entity: dict[str, Any]) -> dict[str, Any]:
    """What a marketplace module says of a spec integration: that it is installed, active, and of
    what kind. Its name and baseUrl are the module vendor's, not the shop's settings."""
    sections = entity.get("integrations") if isinstance(entity.get("integrations"), dict) else {}
    kind = next((MODULE_SECTIONS[s] for s in sections if s in MODULE_SECTIONS), None)
    return {"code": entity.get("code"), "active": entity.get("active", True), "kind": kind}


def f(spec: str, api: str | None = None, to_api: Convert = same, from_api: Convert = same) -> Field:
    return Field(spec, api or camel(spec), to_api, from_api)


REFERENCE_WRITE, CUSTOM_FIELDS_WRITE = "reference_write", "custom_fields_write"


def reference(kind: str, path: str, items: str, form: str, *fields: Field, write: Write = Write.NATIVE,
              unreadable: tuple[str, ...] = ()) -> Row:
    """A `/reference/*` kind: code-keyed list, upsert by `{code}/edit`, no paging."""
    return Row(kind, form, f"reference/{path}/{{code}}/edit", fields, write=write,
               list=f"reference/{path}", items=items, keyed=True, unreadable=unreadable,
               scope=REFERENCE_WRITE if write is Write.NATIVE else None)


CODE, NAME, ACTIVE, ORDERING, DESCRIPTION = f("code"), f("name"), f("active"), f("ordering"), f("description")
DEFAULTS = (f("default_for_crm"), f("default_for_api"))
CUSTOM_FIELD_FIELDS = (CODE, NAME, f("entity"), f("type"), f("required"), f("dictionary"), f("in_filter"),
                       f("in_list"), ORDERING, f("display_area"), f("view_mode"), f("default"))
USER_GROUP_FIELDS = (CODE, NAME, f("is_manager"), f("is_delivery_men"), f("order_types", "grantedOrderTypes"),
                     f("delivery_types"))
INTEGRATION_FIELDS = (CODE, NAME, f("kind"), ACTIVE, f("base_url"), f("settings"),
                      f("credentials", "credentials", same, secrets_from_api), f("delivery_types"))

FILE_NOTE = ("retailCRM has no file custom field: attach the file to the order instead (a note for "
             "the managers, not a field)")
STATUS_FIELDS = (CODE, NAME, f("group"), ORDERING, ACTIVE)
TRIGGER_FIELDS = (CODE, NAME, f("event"), f("conditions", "conditions", keys_with(camel), keys_with(snake)),
                  f("actions", "actions", keys_with(camel), keys_with(snake)), ORDERING, ACTIVE)
# src/Model/Entity/References/Site.php (the fields crmdeploy manages)
SITE_FIELDS = (CODE, NAME, f("url"), DESCRIPTION, f("phones"), f("address"), ORDERING, f("default_for_crm"),
               f("currency"), f("sender_email"), f("sender_name"))

# Field names: retailcrm/api-client-php master src/Model/Entity/** (see retailcrm-api.md §2, §8).
ROWS: tuple[Row, ...] = (
    # `reference/sites/{code}/edit` edits an existing site only: a new code is a 400
    # (retailcrm-api.md §2, PHP5-T testSiteEditing), so a missing site is a manual create.
    Row("sites", "site", "reference/sites/{code}/edit", SITE_FIELDS, list="reference/sites", items="sites",
        keyed=True, creatable=False, scope=REFERENCE_WRITE),
    reference("status_groups", "status-groups", "statusGroups", "statusGroup", CODE, NAME, ORDERING, ACTIVE,
              write=Write.EXTENSION),
    reference("statuses", "statuses", "statuses", "status", *STATUS_FIELDS,
              unreadable=("transitions",)),  # no status matrix in the v5 model
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
    Row("custom_dictionaries", "customDictionary", "custom-fields/dictionaries/{code}/edit",
        (CODE, NAME, f("elements")),
        list="custom-fields/dictionaries", items="customDictionaries", paged=True,
        single="custom-fields/dictionaries/{code}", item="customDictionary",
        create="custom-fields/dictionaries/create", always=("name", "elements"), scope=CUSTOM_FIELDS_WRITE),
    Row("custom_fields", "customField", "custom-fields/{entity}/{code}/edit", CUSTOM_FIELD_FIELDS,
        list="custom-fields", items="customFields", paged=True,
        single="custom-fields/{entity}/{code}", item="customField",
        create="custom-fields/{entity}/create", always=("name", "type"),
        unreadable=("required_at",), read=custom_field_values,  # no such field in the v5 model
        impossible=(("type", "file", FILE_NOTE),), scope=CUSTOM_FIELDS_WRITE),
    Row("user_groups", "group", "user-groups/{code}/edit", USER_GROUP_FIELDS,
        write=Write.EXTENSION, list="user-groups", items="groups", paged=True,
        unreadable=("permissions",)),  # the v5 Group has no permissions
    Row("users", "user", "users/{key}/edit",
        (f("email"), f("first_name"), f("last_name"), f("patronymic"), f("position"), f("phone"),
         ACTIVE, f("is_admin"), f("is_manager"), f("groups", "groups", codes_to_refs, refs_to_codes)),
        write=Write.EXTENSION, list="users", items="users", paged=True),
    Row("templates", "template", "templates/{code}/edit",
        (CODE, NAME, f("channel"), f("subject"), f("body"), ACTIVE),
        write=Write.EXTENSION, list="templates", items="templates", ext_list=True),
    Row("triggers", "trigger", "triggers/{code}/edit", TRIGGER_FIELDS,
        write=Write.EXTENSION, list="triggers", items="triggers", ext_list=True),
    # No API for print forms or for channel routing: extension only, manual on a real account.
    Row("documents", "document", "crmdeploy/documents/{code}/edit",
        (CODE, NAME, f("entity"), f("template"), ACTIVE),
        write=Write.EXTENSION, list="crmdeploy/documents", items="documents", ext_list=True),
    Row("channels", "channel", "crmdeploy/channels/{code}/edit",
        (CODE, NAME, f("kind"), f("routing", "routing", keys_with(camel), keys_with(snake)), f("fills"), ACTIVE),
        write=Write.EXTENSION, list="crmdeploy/channels", items="channels", ext_list=True),
    # A real account: `integration-modules/{code}` is a marketplace module (no list route, and no
    # field for a shop's login to the service behind it); it is read one by one for the spec's
    # integrations, and everything but "installed and active" is a manual step.
    Row("integrations", "integrationModule", "integration-modules/{code}/edit", (CODE, ACTIVE, f("kind")),
        write=Write.MANUAL, single="integration-modules/{code}", item="integrationModule", write_only=("kind",),
        unreadable=("name", "base_url", "settings", "credentials", "delivery_types"), read=module_values),
)

# The extension surface (`crmdeploy mock-server --extensions`): what the real API does not define
# travels on routes of its own, never as extra fields of a native endpoint.
EXTENSION_ROWS: dict[str, Row] = {
    "custom_fields": Row("custom_fields", "customField", "crmdeploy/custom-fields/{entity}/{code}/edit",
                         (*CUSTOM_FIELD_FIELDS, f("required_at", "requiredAtStatuses")), write=Write.EXTENSION,
                         list="crmdeploy/custom-fields", items="customFields", paged=True, ext_list=True,
                         single="custom-fields/{entity}/{code}", item="customField",
                         create="crmdeploy/custom-fields/{entity}/create", always=("name", "type"),
                         read=custom_field_values, scope=CUSTOM_FIELDS_WRITE),
    "user_groups": Row("user_groups", "group", "user-groups/{code}/edit", (*USER_GROUP_FIELDS, f("permissions")),
                       write=Write.EXTENSION, list="crmdeploy/user-groups", items="groups", paged=True,
                       ext_list=True),
    "statuses": Row("statuses", "status", "crmdeploy/statuses/{code}/edit", (*STATUS_FIELDS, f("transitions")),
                    write=Write.EXTENSION, list="crmdeploy/statuses", items="statuses", keyed=True, ext_list=True,
                    only_for=("transitions",), scope=REFERENCE_WRITE),
    "sites": Row("sites", "site", "reference/sites/{code}/edit", SITE_FIELDS, list="reference/sites",
                 items="sites", keyed=True, create="crmdeploy/sites/create", scope=REFERENCE_WRITE),
    "integrations": Row("integrations", "integration", "crmdeploy/integrations/{code}/edit", INTEGRATION_FIELDS,
                        write=Write.EXTENSION, list="crmdeploy/integrations", items="integrations",
                        ext_list=True, partial=False, write_only=("credentials",)),
}

BY_KIND: dict[str, Row] = {row.kind: row for row in ROWS}

def to_api(row: Row, data: dict[str, Any], secret: Callable[[Sensitive], str]) -> dict[str, Any]:
    """Spec-named values → the API's entity. `secret` decides what a Sensitive becomes on the wire."""
    return {fld.api: _secrets(fld.to_api(data[fld.spec]), secret)
            for fld in row.fields if data.get(fld.spec) is not None}


def from_api(row: Row, entity: dict[str, Any]) -> dict[str, Any]:
    """The API's entity → spec-named values; fields the table does not name are ignored."""
    found = {fld.spec: fld.from_api(entity[fld.api]) for fld in row.fields if entity.get(fld.api) is not None}
    if row.read is not None:
        found.update(row.read(entity))
    return {k: v for k, v in found.items() if v is not None}


def _secrets(value: Any, secret: Callable[[Sensitive], str]) -> Any:
    return walk(value, lambda v, _: secret(v))
