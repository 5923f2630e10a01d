"""Integration modules as a real account serves them.

`integration-modules/{code}` and `…/{code}/edit` register a marketplace *module* (the shape of
`retailcrm/api-client-php` `src/Model/Entity/Integration/IntegrationModule.php`, answer as in
`tests/src/ResourceGroup/IntegrationTests.php::testGet`); there is no list of them, and a shop's
login to the service behind a module is not part of it. Installed modules are kept as
`integrations` records (code, name, kind, active, base_url).
"""

from __future__ import annotations

from typing import Any

from adapters.store import Store
from crmdeploy.kinds import BY_NAME

from . import resources
from .model import BY_KIND, MODEL_FIELDS
from .resources import BLANK, UNDEFINED, Fail

Form = dict[str, list[str]]

# IntegrationModule.integrations keys (src/Model/Entity/Integration/Integrations.php) per spec kind.
SECTIONS = {"delivery": "delivery", "telephony": "telephony", "payment": "payment", "marketplace": "store",
            "messenger": "mgTransport"}


def get(store: Store, params: dict[str, str], *_: Any) -> tuple[int, dict[str, Any]]:
    record = store.get("integrations", params["code"])
    if record is None:
        raise Fail(404, "Not found")
    return 200, {"success": True, "integrationModule": module(record)}


def module(record: dict[str, Any]) -> dict[str, Any]:
    section = SECTIONS.get(record.get("kind", "other"))
    base = record.get("base_url") or f"https://{record['code']}.marketplace.example/"
    return {"code": record["code"], "integrationCode": record["code"], "active": record.get("active", True),
            "freeze": False, "name": record.get("name") or record["code"], "logo": f"{base}logo.svg",
            "native": False, "baseUrl": base, "actions": {"activity": "/actions/activity"},
            "availableCountries": [], "accountUrl": f"{base}settings",
            "integrations": {section: {}} if section else {}}


def edit(store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    """Register (or edit) a module: `integrationCode` is required, and only the model's fields."""
    value = resources.entity(BY_KIND["integrations"], form, "integrationModule")
    if unknown := sorted(set(value) - MODEL_FIELDS["integration_modules"]):
        raise Fail(400, "Errors in the entity format", {name: UNDEFINED for name in unknown})
    if not value.get("integrationCode"):
        raise Fail(400, "Errors in the entity format", {"integrationCode": BLANK})
    code = params["code"]
    existing = store.get("integrations", code)
    sections = value.get("integrations") or {}
    kind = next((k for k, s in SECTIONS.items() if s in sections), (existing or {}).get("kind", "other"))
    data = {**(existing or {}), "code": code, "kind": kind}
    for api, field in (("name", "name"), ("active", "active"), ("baseUrl", "base_url")):
        if value.get(api) is not None:
            data[field] = value[api]
    resources.store_checked(store, BY_NAME["integrations"], BY_KIND["integrations"], code, data)
    return (201 if existing is None else 200), {"success": True}
