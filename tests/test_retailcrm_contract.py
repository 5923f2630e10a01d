"""The contract with a real account: the HTTP adapter fed answers shaped exactly as the official
clients' fixtures show them (tests/official_fixtures.py), and every write it makes checked against
the routes and the entity fields the official models define.

The table of allowed fields is the emulator's `MODEL_FIELDS`, written from
retailcrm/api-client-php `src/Model/Entity/**` (each entry names its file), not the adapter's
mapping, so a field the adapter invents is caught here.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from adapters.emulator.model import MODEL_FIELDS
from adapters.retailcrm.adapter import RetailCrmAdapter
from adapters.retailcrm.retry import RetryPolicy
from crmdeploy.adapter import Capability
from crmdeploy.errors import AuthError
from crmdeploy.kinds import BY_NAME, KINDS
from crmdeploy.loader import load

from . import official_fixtures as official
from .conftest import SHOP

BASE = "https://demo.retailcrm.ru"
V5 = BASE + "/api/v5/"
REAL_ACCOUNT = {**official.CREDENTIALS, "scopes": ["reference_read", "reference_write", "custom_fields_read",
                                                   "custom_fields_write", "user_read", "integration_read"],
                "credentials": ["/api/" + path for path in official.LISTS]}

# Every write route of API v5 crmdeploy may use, with the form field that carries the entity
# (PHP src/ResourceGroup/{References,CustomFields}.php; src/Model/Request/** @Form\SerializedName).
OFFICIAL_WRITES: dict[str, tuple[str, str]] = {
    r"reference/statuses/[^/]+/edit": ("status", "statuses"),
    r"reference/product-statuses/[^/]+/edit": ("productStatus", "product_statuses"),
    r"reference/payment-types/[^/]+/edit": ("paymentType", "payment_types"),
    r"reference/payment-statuses/[^/]+/edit": ("paymentStatus", "payment_statuses"),
    r"reference/delivery-types/[^/]+/edit": ("deliveryType", "delivery_types"),
    r"reference/order-types/[^/]+/edit": ("orderType", "order_types"),
    r"reference/order-methods/[^/]+/edit": ("orderMethod", "order_methods"),
    r"custom-fields/dictionaries/create": ("customDictionary", "custom_dictionaries"),
    r"custom-fields/dictionaries/[^/]+/edit": ("customDictionary", "custom_dictionaries"),
    r"custom-fields/(order|customer|customer_corporate|company|loyalty_account)/create": ("customField",
                                                                                         "custom_fields"),
    r"custom-fields/(order|customer|customer_corporate|company|loyalty_account)/[^/]+/edit": ("customField",
                                                                                             "custom_fields"),
    r"reference/sites/[^/]+/edit": ("site", "sites"),   # edit only: a new site is a manual create
}


def official_write(path: str, body: str) -> tuple[str, dict]:
    """(entity kind, entity) of a write, asserting its route and form are the official ones."""
    route = path.removeprefix("/api/v5/")
    matched = [v for pattern, v in OFFICIAL_WRITES.items() if re.fullmatch(pattern, route)]
    assert matched, f"POST {path} is not a route of API v5"
    form_field, kind = matched[0]
    form = parse_qs(body)
    assert list(form) == [form_field], f"POST {path} carries {list(form)}"
    entity = json.loads(form[form_field][0])
    undefined = set(entity) - MODEL_FIELDS[kind]
    assert not undefined, f"POST {path} sends {sorted(undefined)}, which the official model has not"
    return kind, entity


@pytest.fixture
def adapter():
    adapter = RetailCrmAdapter.from_url(BASE, api_key="k", rate_limit=0, policy=RetryPolicy(sleep=lambda s: None))
    yield adapter
    adapter.close()


def real_account(answers: dict[str, dict] | None = None) -> None:
    responses.get(BASE + "/api/credentials", json=REAL_ACCOUNT)
    for path, body in (answers or official.LISTS).items():
        responses.get(V5 + path, json=body)


@responses.activate
def test_every_list_of_a_real_account_reads_in_its_real_types(adapter) -> None:
    real_account()
    reads = {kind.name: adapter.fetch(kind, []) for kind in KINDS}
    live = {name: read.resources for name, read in reads.items()}

    statuses = {s.code: s for s in live["statuses"]}
    assert statuses["3"].name == "3" and statuses["dict-statuses-1571123798"].active is False
    payment_types = {p.code: p for p in live["payment_types"]}
    assert payment_types["12"].description == "" and set(payment_types) == {"7", "12", "test-payment-integration"}
    assert {d.code: d.active for d in live["delivery_types"]} == {"2": True, "courierist": False}
    fields = {(f.entity, f.code): f for f in live["custom_fields"]}
    assert set(fields) == {("order", "bonus"), ("customer", "bonus"), ("order", "multi-dictionary"),
                           ("order", "dictionary")}
    assert fields["order", "dictionary"].default == "test1"  # defaultTyped, not the legacy number 1
    assert fields["order", "multi-dictionary"].default == "test1,test2"
    assert fields["order", "bonus"].default is None
    [user] = live["users"]
    assert user.groups == ["manager"] and user.is_admin is True
    assert {g.code: g.order_types for g in live["user_groups"]} == {"manager": ["eshop-individual"],
                                                                    "director": []}
    assert live["templates"] is None and live["triggers"] is None and live["integrations"] is None
    [site] = live["sites"]
    assert (site.code, site.url, site.default_for_crm) == ("site", "http://site.ru", False)
    assert live["documents"] is None and live["channels"] is None
    assert {k: r.capability for k, r in reads.items() if r.capability is not Capability.WRITE} == {
        "status_groups": Capability.READ, "user_groups": Capability.READ, "users": Capability.READ,
        "templates": Capability.NONE, "triggers": Capability.NONE, "integrations": Capability.READ,
        "documents": Capability.NONE, "channels": Capability.NONE, "sites": Capability.EDIT}
    assert reads["custom_fields"].manual_fields == {"required_at"}
    assert reads["user_groups"].manual_fields == {"permissions"}
    # One request says what the server serves; then one per list, none for what it lacks.
    paths = [urlsplit(c.request.url).path for c in responses.calls]
    assert paths[0] == "/api/credentials" and paths.count("/api/credentials") == 1
    assert len(paths) == 1 + len(official.LISTS)


@responses.activate
def test_a_boolean_default_served_as_the_string_false_reads_as_false(adapter) -> None:
    galka = official.CUSTOM_FIELD_GALKA["customField"]
    real_account({**official.LISTS, "custom-fields": official.paged("customFields", [galka])})
    [field] = adapter.fetch(BY_NAME["custom_fields"], []).resources
    assert (field.type, field.default) == ("boolean", "false")
    legacy_only = {k: v for k, v in galka.items() if k != "defaultTyped"}
    responses.replace(responses.GET, V5 + "custom-fields", json=official.paged("customFields", [legacy_only]))
    assert adapter.fetch(BY_NAME["custom_fields"], []).resources[0].default == "false"


@responses.activate
def test_an_unreadable_item_the_spec_does_not_manage_is_a_warning_not_a_stop(adapter) -> None:
    odd = {**official.STATUSES["statuses"]["new"], "code": "odd", "ordering": "first"}
    real_account({**official.LISTS, "reference/statuses": {
        "success": True, "statuses": {**official.STATUSES["statuses"], "odd": odd}}})
    read = adapter.fetch(BY_NAME["statuses"], [])
    assert sorted(s.code for s in read.resources) == ["3", "dict-statuses-1571123798", "new"]
    [warning] = read.warnings
    assert warning.startswith("statuses.odd: unreadable item skipped (ordering: ")


@responses.activate
def test_every_write_of_shop_yaml_uses_an_official_route_and_only_model_fields(adapter, secrets_env) -> None:
    real_account({path: {"success": True, **{k: ({} if isinstance(v, dict) else [])
                                            for k, v in body.items() if k not in ("success", "pagination")},
                         **({"pagination": official.PAGE_1} if "pagination" in body else {})}
                  for path, body in official.LISTS.items()})
    responses.add(responses.POST, re.compile(V5 + ".*"), status=201, json={"success": True, "code": "x"})
    responses.add(responses.GET, re.compile(V5 + "integration-modules/.*"), status=404,
                  json={"success": False, "errorMsg": "Not found"})
    spec = load(SHOP).spec
    sent: dict[str, int] = {}
    for kind in KINDS:
        live = adapter.fetch(kind, spec.resources(kind.name))
        if live.capability not in (Capability.WRITE, Capability.EDIT):
            continue
        impossible = {key for key, _, _ in live.manual_items}   # a `file` field: a manual note, never sent
        for resource in spec.resources(kind.name):
            if kind.key_of(resource) in impossible:
                continue
            if live.capability is Capability.WRITE:
                adapter.create(kind, resource)
            adapter.update(kind, resource, kind.compared_fields)
    for call in responses.calls:
        if call.request.method == "POST":
            name, entity = official_write(urlsplit(call.request.url).path, call.request.body)
            sent[name] = sent.get(name, 0) + 1
            assert "requiredAtStatuses" not in entity and "required_at" not in entity
            if name == "custom_dictionaries":
                assert entity["elements"], "a dictionary edit carries its whole list of elements"
    files = sum(1 for f in spec.custom_fields if f.type == "file")
    written = {k: 2 * len(spec.resources(k)) for k in OFFICIAL_KINDS} | {"sites": len(spec.sites)}
    written["custom_fields"] -= 2 * files
    assert {k: n for k, n in written.items() if n} == sent


OFFICIAL_KINDS = ("statuses", "product_statuses", "payment_types", "payment_statuses", "delivery_types",
                  "order_types", "order_methods", "custom_dictionaries", "custom_fields")


@responses.activate
def test_a_dictionary_update_of_its_name_still_sends_every_element(adapter) -> None:
    responses.post(V5 + "custom-fields/dictionaries/test22/edit", json={"success": True, "code": "test22"})
    kind = BY_NAME["custom_dictionaries"]
    dictionary = kind.model.model_validate({**official.DICTIONARIES["customDictionaries"][0], "name": "Слоты"})
    adapter.update(kind, dictionary, ("name",))
    _, entity = official_write("/api/v5/custom-fields/dictionaries/test22/edit", responses.calls[0].request.body)
    assert entity["name"] == "Слоты" and [e["code"] for e in entity["elements"]] == ["test", "test2"]


@responses.activate
def test_a_key_without_the_write_scope_stops_before_any_write(adapter) -> None:
    # The official fixture's key: order_read, customer_read, reference_read — and its methods.
    responses.get(BASE + "/api/credentials", json=official.CREDENTIALS)
    with pytest.raises(AuthError) as caught:
        adapter.check_writes([BY_NAME["statuses"], BY_NAME["custom_fields"], BY_NAME["users"]])
    assert "lacks custom_fields_write, reference_write, which this plan needs; nothing was written" in str(caught.value)
    assert [c.request.method for c in responses.calls] == ["GET"]


@responses.activate
def test_a_key_that_may_make_the_writes_passes_and_one_without_methods_is_judged_by_scopes(adapter) -> None:
    responses.get(BASE + "/api/credentials", json={**REAL_ACCOUNT, "credentials": [
        "/api/reference/statuses/{code}/edit", "/api/custom-fields/{entity}/create",
        "/api/custom-fields/{entity}/{code}/edit"]})
    adapter.check_writes([BY_NAME["statuses"], BY_NAME["custom_fields"], BY_NAME["templates"]])
    scoped = RetailCrmAdapter.from_url(BASE, api_key="k2", rate_limit=0)
    responses.replace(responses.GET, BASE + "/api/credentials",
                      json={"success": True, "scopes": ["reference_write"], "siteAccess": "access_full"})
    scoped.check_writes([BY_NAME["statuses"]])
    with pytest.raises(AuthError, match="lacks custom_fields_write"):
        scoped.check_writes([BY_NAME["custom_fields"]])
    scoped.close()


def test_apply_of_shop_yaml_on_a_real_profile_emulator_sends_only_official_fields(
        start_emulator, runner, secrets_env, http_env) -> None:
    from urllib.parse import urlencode

    from .safe_helpers import invoke

    server = start_emulator(extensions=False)
    writes = []
    server.emulator.on_write = writes.append
    applied = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")
    assert ", 0 failed," in applied.stdout and "Error" not in applied.stderr, applied.output
    kinds = {official_write(w.path, urlencode(w.form, doseq=True))[0] for w in writes}
    assert kinds == set(OFFICIAL_KINDS)  # and nothing else: no module, no credential, no extension
    assert server.emulator.store.records("integrations") == []


def test_apply_with_a_key_that_lacks_a_write_scope_writes_nothing_and_names_it(
        start_emulator, runner, secrets_env, http_env) -> None:
    from .safe_helpers import invoke

    server = start_emulator(extensions=False, scopes=("reference_read", "reference_write", "custom_fields_read",
                                                      "user_read", "integration_read"))
    applied = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")
    assert applied.exit_code == 1
    assert "the API key lacks custom_fields_write, which this plan needs; nothing was written" in applied.stderr
    assert server.emulator.stats()["requests"]["POST"] == 0
