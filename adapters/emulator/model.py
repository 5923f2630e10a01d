"""The emulator's own model of retailCRM API v5: routes, answer keys and fields per entity.

Written from the official clients, not from the HTTP adapter's tables, so that a mistake in
the adapter's mapping shows up as a refused request instead of hiding behind a shared one:

- fields an entity has: `retailcrm/api-client-php` master, `src/Model/Entity/References/*.php`,
  `src/Model/Entity/CustomFields/{CustomField,CustomDictionary}.php`,
  `src/Model/Entity/Users/{User,Group}.php`, `src/Model/Entity/Integration/IntegrationModule.php`;
- routes: `src/ResourceGroup/{References,CustomFields,Users,Integration}.php` (no write route for
  status groups, users, user groups; no list of integration modules; none at all for templates
  and triggers);
- answer shapes: `tests/src/ResourceGroup/{ReferencesTest,CustomFieldsTest,UsersTest,
  IntegrationTests}.php`.

Records in the store are spec-shaped (the mock adapter's format), so `API` maps an API field to
the record field that holds it. `ACCEPTED` is every field the official model defines: a write
carrying any other field is refused with 400, as a strict server would. What the extension
surface (`--extensions`) adds is marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# Every field of the official PHP models (what a write may carry), per entity.
MODEL_FIELDS: dict[str, frozenset[str]] = {
    # src/Model/Entity/References/Status.php
    "statuses": frozenset({"name", "code", "active", "ordering", "group"}),
    # src/Model/Entity/References/StatusGroup.php
    "status_groups": frozenset({"name", "code", "active", "ordering", "process", "statuses"}),
    # src/Model/Entity/References/PaymentStatus.php
    "payment_statuses": frozenset({"name", "code", "active", "defaultForCrm", "defaultForApi", "paymentComplete",
                                   "ordering", "description", "paymentTypes"}),
    # src/Model/Entity/References/PaymentType.php
    "payment_types": frozenset({"name", "code", "active", "defaultForCrm", "defaultForApi", "description",
                                "deliveryTypes", "paymentStatuses", "integrationModule", "sites"}),
    # src/Model/Entity/References/DeliveryType.php
    "delivery_types": frozenset({"id", "isDynamicCostCalculation", "isAutoCostCalculation",
                                 "isAutoNetCostCalculation", "isCostDependsOnRegionAndWeightAndSum",
                                 "isCostDependsOnDateTime", "currency", "name", "code", "active", "defaultCost",
                                 "defaultNetCost", "description", "paymentTypes", "integrationCode",
                                 "deliveryServices", "defaultForCrm", "vatRate", "defaultTariffCode",
                                 "defaultTariffType", "defaultTariffName", "deliveryPaymentTypes", "sites"}),
    # src/Model/Entity/References/OrderProductStatus.php
    "product_statuses": frozenset({"code", "ordering", "active", "createdAt", "orderStatusByProductStatus",
                                   "orderStatusForProductStatus", "cancelStatus", "name"}),
    # src/Model/Entity/References/OrderType.php
    "order_types": frozenset({"name", "code", "active", "defaultForCrm", "defaultForApi", "ordering"}),
    # src/Model/Entity/References/OrderMethod.php
    "order_methods": frozenset({"name", "code", "active", "defaultForCrm", "defaultForApi", "isFromPos"}),
    # src/Model/Entity/CustomFields/CustomField.php
    "custom_fields": frozenset({"name", "code", "required", "inFilter", "inList", "inGroupActions", "type",
                                "entity", "default", "ordering", "displayArea", "viewMode", "viewModeMobile",
                                "dictionary", "defaultTyped"}),
    # src/Model/Entity/CustomFields/CustomDictionary.php (+ SerializedCustomDictionaryElement.php)
    "custom_dictionaries": frozenset({"name", "code", "elements"}),
    # src/Model/Entity/Users/Group.php
    "user_groups": frozenset({"id", "name", "signatureTemplate", "code", "isManager", "isPosManager",
                              "isDeliveryMen", "deliveryTypes", "breakdownOrderTypes", "breakdownSites",
                              "breakdownOrderMethods", "grantedOrderTypes", "grantedSites"}),
    # src/Model/Entity/Users/User.php
    "users": frozenset({"id", "createdAt", "active", "email", "firstName", "lastName", "patronymic", "position",
                        "photoUrl", "phone", "status", "online", "isAdmin", "isManager", "groups", "mgUserId",
                        "senderEmail", "senderName"}),
    # src/Model/Entity/References/Site.php
    "sites": frozenset({"id", "name", "url", "code", "description", "phones", "address", "zip", "defaultForCrm",
                        "ymlUrl", "loadFromYml", "catalogUpdatedAt", "catalogLoadingAt", "ordering", "contragent",
                        "countryIso", "currency", "senderEmail", "senderName", "catalogId", "isCatalogMainSite",
                        "isDemo"}),
    # src/Model/Entity/Integration/IntegrationModule.php
    "integration_modules": frozenset({"code", "integrationCode", "active", "freeze", "name", "logo", "clientId",
                                      "native", "baseUrl", "actions", "availableCountries", "accountUrl",
                                      "integrations"}),
}

# src/Enum/CustomFields/CustomFieldEntity.php (PHP6) and lib/RetailCrm/Methods/V5/CustomFields.php (v5)
CUSTOM_FIELD_ENTITIES = ("order", "customer", "customer_corporate", "company", "loyalty_account")

# The groups every account starts with (ReferencesTest.php::testStatusGroups): code, name, ordering,
# process. Their names are fixed by retailCRM; no API call creates or renames a group.
STANDARD_GROUPS = (("new", "Новый", 10, False), ("approval", "Согласование", 20, True),
                   ("assembling", "Комплектация", 30, True), ("delivery", "Доставка", 40, True),
                   ("complete", "Выполнен", 50, False), ("cancel", "Отменен", 60, False))

# `limit` of paged lists: lib/RetailCrm/Client/AbstractLoader.php::checkPaginationLimit (branch v5).
PAGE_SIZES = (20, 50, 100)


@dataclass(frozen=True)
class Entity:
    """One kind as the API serves it. Paths are under /api/v5/; `{code}` is the item's code."""

    kind: str                                   # the store's kind
    form: str                                   # form field of a write (a JSON string)
    api: dict[str, str]                         # API field -> record field
    list: str | None = None                     # GET of all items
    items: str = ""                             # answer key of the list
    keyed: bool = False                         # the list is an object keyed by code
    paged: bool = False
    single: str | None = None                   # GET of one item
    item: str = ""
    create: str | None = None                   # POST create (not an upsert)
    edit: str | None = None                     # POST edit on a real account (None: no write route)
    ext_edit: str | None = None                 # POST edit served only with --extensions
    ext_list: bool = False                      # the list itself exists only with --extensions
    accepted: frozenset[str] = frozenset()      # fields a write may carry (the official model)
    create_ext: bool = False                    # the create route exists only with --extensions
    edit_only: bool = False                     # the edit of a missing item is refused (no upsert)
    refused: tuple[tuple[str, str], ...] = ()   # (record field, value) the real API has no such thing for

    def api_name(self, record_field: str) -> str:
        return next((a for a, r in self.api.items() if r == record_field), record_field)


def _names(*pairs: str) -> dict[str, str]:
    """`"defaultForCrm=default_for_crm"` or a plain name that is the same on both sides."""
    return dict(p.split("=") if "=" in p else (p, p) for p in pairs)


def reference(kind: str, path: str, items: str, form: str, *fields: str, writable: bool = True) -> Entity:
    edit = f"reference/{path}/{{code}}/edit"
    return Entity(kind, form, _names("code", "name", *fields), list=f"reference/{path}", items=items, keyed=True,
                  edit=edit if writable else None, ext_edit=None if writable else edit,
                  accepted=MODEL_FIELDS[kind])


DEFAULTS = ("defaultForCrm=default_for_crm", "defaultForApi=default_for_api")

ENTITIES: tuple[Entity, ...] = (
    # Edit only: a new code is a 400 (retailcrm-api.md §2, PHP5-T testSiteEditing). The extension
    # surface adds a create of its own.
    Entity("sites", "site", _names("code", "name", "url", "description", "phones", "address", "ordering",
                                   *DEFAULTS[:1], "currency", "senderEmail=sender_email",
                                   "senderName=sender_name"),
           list="reference/sites", items="sites", keyed=True, edit="reference/sites/{code}/edit", edit_only=True,
           create="crmdeploy/sites/create", create_ext=True, accepted=MODEL_FIELDS["sites"]),
    reference("status_groups", "status-groups", "statusGroups", "statusGroup", "active", "ordering",
              writable=False),
    reference("statuses", "statuses", "statuses", "status", "active", "ordering", "group"),
    reference("product_statuses", "product-statuses", "productStatuses", "productStatus", "active", "ordering",
              "cancelStatus=cancel_status", "orderStatusByProductStatus=order_status"),
    reference("payment_types", "payment-types", "paymentTypes", "paymentType", "active", *DEFAULTS,
              "description"),
    reference("payment_statuses", "payment-statuses", "paymentStatuses", "paymentStatus", "active", "ordering",
              "paymentComplete=payment_complete", *DEFAULTS, "description", "paymentTypes=payment_types"),
    reference("delivery_types", "delivery-types", "deliveryTypes", "deliveryType", "active",
              "defaultCost=default_cost", "defaultNetCost=default_net_cost", "description",
              "defaultForCrm=default_for_crm", "paymentTypes=payment_types"),
    reference("order_types", "order-types", "orderTypes", "orderType", "active", "ordering", *DEFAULTS),
    reference("order_methods", "order-methods", "orderMethods", "orderMethod", "active", *DEFAULTS),
    Entity("custom_dictionaries", "customDictionary", _names("code", "name", "elements"),
           list="custom-fields/dictionaries", items="customDictionaries", paged=True,
           single="custom-fields/dictionaries/{code}", item="customDictionary",
           create="custom-fields/dictionaries/create", edit="custom-fields/dictionaries/{code}/edit",
           accepted=MODEL_FIELDS["custom_dictionaries"]),
    Entity("custom_fields", "customField",
           _names("code", "name", "entity", "type", "required", "inFilter=in_filter", "inList=in_list", "ordering",
                  "displayArea=display_area", "viewMode=view_mode", "dictionary", "default"),
           list="custom-fields", items="customFields", paged=True,
           single="custom-fields/{entity}/{code}", item="customField",
           create="custom-fields/{entity}/create", edit="custom-fields/{entity}/{code}/edit",
           accepted=MODEL_FIELDS["custom_fields"], refused=(("type", "file"),)),  # no file type in v5
    Entity("user_groups", "group",
           _names("code", "name", "isManager=is_manager", "isDeliveryMen=is_delivery_men",
                  "grantedOrderTypes=order_types", "deliveryTypes=delivery_types"),
           list="user-groups", items="groups", paged=True, ext_edit="user-groups/{code}/edit",
           accepted=MODEL_FIELDS["user_groups"]),
    Entity("users", "user",
           _names("email", "firstName=first_name", "lastName=last_name", "patronymic", "position", "phone", "active",
                  "isAdmin=is_admin", "isManager=is_manager", "groups"),
           list="users", items="users", paged=True, ext_edit="users/{code}/edit", accepted=MODEL_FIELDS["users"]),
    # Extension only: retailCRM has no API for message templates and triggers at all.
    Entity("templates", "template", _names("code", "name", "channel", "subject", "body", "active"),
           list="templates", items="templates", ext_list=True, ext_edit="templates/{code}/edit",
           accepted=frozenset({"code", "name", "channel", "subject", "body", "active"})),
    Entity("triggers", "trigger", _names("code", "name", "event", "conditions", "actions", "ordering", "active"),
           list="triggers", items="triggers", ext_list=True, ext_edit="triggers/{code}/edit",
           accepted=frozenset({"code", "name", "event", "conditions", "actions", "ordering", "active"})),
    # Extension only: print forms and channel routing have no API either.
    Entity("documents", "document", _names("code", "name", "entity", "template", "active"),
           list="crmdeploy/documents", items="documents", ext_list=True, ext_edit="crmdeploy/documents/{code}/edit",
           accepted=frozenset({"code", "name", "entity", "template", "active"})),
    Entity("channels", "channel", _names("code", "name", "kind", "routing", "fills", "active"),
           list="crmdeploy/channels", items="channels", ext_list=True, ext_edit="crmdeploy/channels/{code}/edit",
           accepted=frozenset({"code", "name", "kind", "routing", "fills", "active"})),
    # Extension only: a shop's settings of an installed integration, its credentials included. On a
    # real account they are entered in the marketplace app's own settings, not through the API.
    Entity("integrations", "integration",
           _names("code", "name", "kind", "active", "baseUrl=base_url", "settings", "credentials",
                  "deliveryTypes=delivery_types"),
           list="crmdeploy/integrations", items="integrations", ext_list=True,
           ext_edit="crmdeploy/integrations/{code}/edit",
           accepted=frozenset({"code", "name", "kind", "active", "baseUrl", "settings", "credentials",
                               "deliveryTypes"})),
)

BY_KIND: dict[str, Entity] = {e.kind: e for e in ENTITIES}

# With --extensions, the fields the real API does not define (a custom field's `required_at`, a user
# group's `permissions`) travel on extension routes of their own, never as extra fields of a native
# endpoint: `crmdeploy/custom-fields` (list, create, edit) and `crmdeploy/user-groups` (list), with
# the group's edit being an extension route already.
EXTENDED: dict[str, Entity] = {
    # The status matrix: `crmdeploy/statuses` (list, edit) carries a status's `transitions`.
    "statuses": replace(BY_KIND["statuses"], api={**BY_KIND["statuses"].api, "transitions": "transitions"},
                        list="crmdeploy/statuses", ext_list=True, edit=None,
                        ext_edit="crmdeploy/statuses/{code}/edit",
                        accepted=MODEL_FIELDS["statuses"] | {"transitions"}),
    "custom_fields": replace(BY_KIND["custom_fields"], api={**BY_KIND["custom_fields"].api,
                                                            "requiredAtStatuses": "required_at"},
                             list="crmdeploy/custom-fields", single=None, ext_list=True,
                             create="crmdeploy/custom-fields/{entity}/create", create_ext=True, edit=None,
                             ext_edit="crmdeploy/custom-fields/{entity}/{code}/edit",
                             accepted=MODEL_FIELDS["custom_fields"] | {"requiredAtStatuses"}, refused=()),
    "user_groups": replace(BY_KIND["user_groups"], api={**BY_KIND["user_groups"].api, "permissions": "permissions"},
                           list="crmdeploy/user-groups", ext_list=True,
                           accepted=MODEL_FIELDS["user_groups"] | {"permissions"}),
}

# What `GET /api/credentials` grants (ApiTest.php::testCredentials shows the shape; the scope
# names seen in official sources are order_read, customer_read, reference_read, integration_read,
# integration_write; the others follow the same pattern).
# The scope a write route needs (a key without it is answered 403 "Access denied." and is not
# given the route in `credentials`).
WRITE_SCOPES = {**{kind: "reference_write" for kind in ("statuses", "product_statuses", "payment_types",
                                                         "payment_statuses", "delivery_types", "order_types",
                                                         "order_methods")},
                "custom_dictionaries": "custom_fields_write", "custom_fields": "custom_fields_write",
                "integration_modules": "integration_write"}
DEFAULT_SCOPES = ("reference_read", "reference_write", "custom_fields_read", "custom_fields_write", "user_read",
                  "integration_read", "integration_write")
