"""The per-kind tables against response bodies shaped like the real API's (retailcrm-api.md §4)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import responses
from responses import matchers

from adapters.retailcrm.adapter import RetailCrmAdapter
from adapters.retailcrm.mapping import (
    BY_KIND,
    EXTENSION_ROWS,
    ROWS,
    Write,
    camel,
    from_api,
    snake,
    to_api,
)
from adapters.retailcrm.retry import RetryPolicy
from crmdeploy.adapter import Capability, Live
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import BY_NAME, KINDS
from crmdeploy.secrets import Sensitive
from crmdeploy.spec.commerce import PaymentStatus
from crmdeploy.spec.comms import Trigger
from crmdeploy.spec.fields import CustomDictionary, CustomField
from crmdeploy.spec.integrations import Integration
from crmdeploy.spec.pipeline import Status

BASE = "https://demo.retailcrm.ru"
V5 = BASE + "/api/v5/"
# Shape: retailcrm/api-client-php tests/src/ResourceGroup/ApiTest.php::testCredentials
REAL_METHODS = ["/api/reference/statuses", "/api/reference/statuses/{code}/edit", "/api/users", "/api/user-groups",
                "/api/reference/status-groups", "/api/integration-modules/{code}",
                "/api/integration-modules/{code}/edit", "/api/custom-fields", "/api/custom-fields/{entity}/{code}"]


def credentials(*extra: str) -> None:
    responses.get(BASE + "/api/credentials", json={"success": True, "scopes": ["reference_read", "reference_write"],
                                                   "credentials": [*REAL_METHODS, *extra],
                                                   "siteAccess": "access_full"})


@pytest.fixture
def adapter():
    adapter = RetailCrmAdapter.from_url(BASE, api_key="k", rate_limit=0, policy=RetryPolicy(sleep=lambda s: None))
    yield adapter
    adapter.close()


def test_one_row_per_kind_and_every_spec_field_is_sent_extra_or_manual() -> None:
    assert sorted(BY_KIND) == sorted(k.name for k in KINDS)
    assert len(ROWS) == len(BY_KIND)
    for kind in KINDS:
        row = BY_KIND[kind.name]
        mapped = {f.spec for f in row.fields} | set(row.unreadable)
        assert mapped == set(kind.model.model_fields) - kind.spec_only, kind.name
    for name, row in EXTENSION_ROWS.items():
        kind = BY_NAME[name]
        assert {f.spec for f in row.fields} == set(kind.model.model_fields) - kind.spec_only, name


def test_api_names_are_unique_within_a_kind() -> None:
    for row in ROWS:
        names = [f.api for f in row.fields]
        assert len(names) == len(set(names)), row.kind


def test_camel_and_snake_are_inverse() -> None:
    assert camel("default_for_crm") == "defaultForCrm"
    assert snake("defaultForCrm") == "default_for_crm"
    for name in ("send_template", "create_task", "due_in", "from_status", "code"):
        assert snake(camel(name)) == name


def test_trigger_nested_structures_use_api_style_names_both_ways() -> None:
    row = BY_KIND["triggers"]
    trigger = Trigger(code="on-new", conditions={"from_status": "new"},
                      actions=[{"send_template": "t"}, {"create_task": {"text": "x", "due_in": "2h"}}])
    api = to_api(row, trigger.model_dump(exclude_none=True), Sensitive.reveal)
    assert api["conditions"] == {"fromStatus": "new"}
    assert api["actions"] == [{"sendTemplate": "t"}, {"createTask": {"text": "x", "dueIn": "2h"}}]
    assert Trigger.model_validate(from_api(row, api)) == trigger


def test_secrets_go_out_as_values_and_come_back_as_digests() -> None:
    row = EXTENSION_ROWS["integrations"]
    secret = Sensitive("tok-1")
    api = to_api(row, {"code": "post", "credentials": {"token": secret}}, Sensitive.reveal)
    assert api["credentials"] == {"token": "tok-1"}
    echoed = from_api(row, {"code": "post", "credentials": {"token": secret.digest()}})
    assert echoed["credentials"]["token"] == secret
    assert echoed["credentials"]["token"] != Sensitive("tok-2")


STATUSES = {"success": True, "statuses": {
    "new": {"name": "Новый", "code": "new", "active": True, "ordering": 10, "group": "new"},
    "complete": {"name": "Выполнен", "code": "complete", "active": True, "ordering": 10, "group": "complete"},
    "dict-statuses-1571123798": {"name": "Bbbdict-statuses-1571123798", "code": "dict-statuses-1571123798",
                                 "active": False, "ordering": 990, "group": "new"}}}


@responses.activate
def test_reference_list_keyed_by_code_reads_into_spec_models(adapter) -> None:
    responses.get(V5 + "reference/statuses", json=STATUSES)
    live = adapter.fetch(BY_NAME["statuses"], []).resources
    assert live[0] == Status(code="new", name="Новый", group="new", ordering=10, active=True)
    assert live[2].active is False
    assert responses.calls[0].request.headers["X-API-KEY"] == "k"


@responses.activate
def test_delivery_type_extra_fields_are_ignored(adapter) -> None:
    responses.get(V5 + "reference/delivery-types", json={"success": True, "deliveryTypes": {"2": {
        "isDynamicCostCalculation": False, "currency": "RUB", "name": "Доставка курьером", "code": "2",
        "active": True, "defaultCost": 500, "defaultNetCost": 0, "description": "…",
        "paymentTypes": ["bank-card", "cash"], "deliveryServices": [], "defaultForCrm": False,
        "deliveryPaymentTypes": [{"code": "p_type1", "cod": True}], "sites": ["site1"]}}})
    [courier] = adapter.fetch(BY_NAME["delivery_types"], []).resources
    assert (courier.code, courier.default_cost, courier.payment_types) == ("2", 500, ["bank-card", "cash"])


@responses.activate
def test_users_read_with_groups_as_codes_and_read_only_on_a_real_account(adapter) -> None:
    credentials()
    responses.get(V5 + "users", json={"success": True,
                  "pagination": {"limit": 100, "totalCount": 1, "currentPage": 1, "totalPageCount": 1},
                  "users": [{"id": 28, "createdAt": "2020-05-25 12:49:00", "active": True,
                             "email": "programmer@retailcrm.ru", "firstName": "programmer", "status": "free",
                             "online": True, "isAdmin": True, "isManager": True,
                             "groups": [{"id": 25, "name": "Менеджеры", "code": "manager"}]}]})
    kind = BY_NAME["users"]
    live = adapter.fetch(kind, [])
    [user] = live.resources
    assert (user.email, user.first_name, user.groups, user.is_admin) == (
        "programmer@retailcrm.ru", "programmer", ["manager"], True)
    assert live.capability is Capability.READ
    assert parse_qs(responses.calls[1].request.url.split("?")[1]) == {"limit": ["100"], "page": ["1"]}
    assert [c.request.path_url.split("?")[0] for c in responses.calls] == ["/api/credentials", "/api/v5/users"]


@responses.activate
def test_paged_lists_are_read_page_by_page(adapter) -> None:
    def page(n: int, codes: list[str]) -> dict:
        return {"success": True, "customDictionaries": [{"name": c, "code": c, "elements": [{"name": "A", "code": "a"}]}
                                                        for c in codes],
                "pagination": {"limit": 100, "totalCount": 3, "currentPage": n, "totalPageCount": 2}}
    for n, codes in ((1, ["a", "b"]), (2, ["c"])):
        responses.get(V5 + "custom-fields/dictionaries", json=page(n, codes),
                      match=[matchers.query_param_matcher({"limit": "100", "page": str(n)})])
    live = adapter.fetch(BY_NAME["custom_dictionaries"], []).resources
    assert [d.code for d in live] == ["a", "b", "c"]


@responses.activate
def test_a_kind_a_real_account_cannot_read_costs_no_request(adapter) -> None:
    credentials()
    for name in ("triggers", "templates"):
        assert adapter.fetch(BY_NAME[name], []) == Live(None, Capability.NONE)
    assert [c.request.path_url for c in responses.calls] == ["/api/credentials"]  # asked once, for both


@responses.activate
def test_an_extension_route_the_credentials_list_makes_the_kind_writable(adapter) -> None:
    credentials("/api/reference/status-groups/{code}/edit")
    responses.get(V5 + "reference/status-groups", json={"success": True, "statusGroups": {}})
    kind = BY_NAME["status_groups"]
    assert adapter.fetch(kind, []) == Live([], Capability.WRITE)
    assert BY_KIND["status_groups"].write is Write.EXTENSION


@responses.activate
def test_a_server_without_credentials_is_taken_for_a_plain_account(adapter) -> None:
    responses.get(BASE + "/api/credentials", status=404, json={"success": False, "errorMsg": "API method not found"})
    responses.get(V5 + "reference/status-groups", json={"success": True, "statusGroups": {}})
    assert adapter.fetch(BY_NAME["status_groups"], []) == Live([], Capability.READ)


@responses.activate
def test_upsert_sends_the_entity_as_one_json_form_field(adapter) -> None:
    responses.post(V5 + "reference/statuses/cancel-price/edit", status=201, json={"success": True})
    adapter.create(BY_NAME["statuses"], Status(code="cancel-price", name="Цена", group="cancel",
                                               cms_status="cancelled"))
    request = responses.calls[0].request
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body)
    assert list(form) == ["status"]
    assert json.loads(form["status"][0]) == {"code": "cancel-price", "name": "Цена", "group": "cancel",
                                             "active": True}


@responses.activate
def test_update_sends_only_the_changed_fields_and_the_path_fields(adapter) -> None:
    credentials()
    responses.post(V5 + "custom-fields/customer/car_year/edit", json={"success": True, "code": "car_year"})
    field = CustomField(code="car_year", entity="customer", name="Год", type="integer", in_list=True)
    adapter.update(BY_NAME["custom_fields"], field, ("name",))
    sent = json.loads(parse_qs(responses.calls[-1].request.body)["customField"][0])
    assert sent == {"code": "car_year", "entity": "customer", "name": "Год", "type": "integer"}


@responses.activate
def test_integrations_on_a_real_account_are_modules_read_one_by_one_and_otherwise_manual(adapter) -> None:
    credentials()
    # Shape: retailcrm/api-client-php tests/src/ResourceGroup/IntegrationTests.php::testGet
    module = {"code": "cdek", "integrationCode": "cdek", "active": True, "freeze": False, "name": "CDEK module",
              "logo": "https://x/logo.svg", "native": False, "baseUrl": "https://x/", "actions": {"activity": "/a"},
              "availableCountries": [], "accountUrl": "https://x/settings", "integrations": {"delivery": {}}}
    responses.get(V5 + "integration-modules/cdek", json={"success": True, "integrationModule": module})
    responses.get(V5 + "integration-modules/post", status=404, json={"success": False, "errorMsg": "Not found"})
    wanted = [Integration(code="cdek", name="СДЭК", kind="delivery", base_url="https://api.cdek.ru",
                          credentials={"password": Sensitive("p")}),
              Integration(code="post", kind="delivery")]
    kind = BY_NAME["integrations"]
    live = adapter.fetch(kind, wanted)
    [cdek] = live.resources
    assert cdek == Integration(code="cdek", kind="delivery", active=True)  # installed and active: all it says
    assert live.capability is Capability.READ
    assert live.manual_fields == {"name", "base_url", "settings", "credentials", "delivery_types"}
    paths = [c.request.path_url for c in responses.calls]
    assert paths == ["/api/credentials", "/api/v5/integration-modules/cdek", "/api/v5/integration-modules/post"]


@responses.activate
def test_integrations_with_the_extension_are_listed_and_secrets_kept(adapter) -> None:
    credentials("/api/crmdeploy/integrations", "/api/crmdeploy/integrations/{code}/edit")
    items = [{"code": c, "name": c.upper(), "active": True, "kind": "delivery"} for c in ("cdek", "post")]
    responses.get(V5 + "crmdeploy/integrations", json={"success": True, "integrations": items})
    wanted = [Integration(code=c, kind="delivery", credentials={"token": Sensitive("t")}) for c in ("post", "cdek")]
    kind = BY_NAME["integrations"]
    read = adapter.fetch(kind, wanted)
    live = read.resources
    assert sorted(i.code for i in live) == ["cdek", "post"] and len(responses.calls) == 2
    assert all(i.credentials == {"token": Sensitive("t")} for i in live)
    assert read.capability is Capability.WRITE and read.manual_fields == frozenset()


@responses.activate
def test_custom_dictionary_create_is_not_repeated_when_the_first_attempt_took_effect(adapter) -> None:
    responses.post(V5 + "custom-fields/dictionaries/create", status=503, json={"success": False, "errorMsg": "x"})
    responses.get(V5 + "custom-fields/dictionaries/slots", json={"success": True, "customDictionary": {
        "name": "Слоты", "code": "slots", "elements": [{"name": "Утро", "code": "morning"}]}})
    adapter.create(BY_NAME["custom_dictionaries"], CustomDictionary(code="slots", name="Слоты", elements=[{"code": "morning", "name": "Утро"}]))
    assert [c.request.method for c in responses.calls] == ["POST", "GET"]


@responses.activate
def test_custom_dictionary_create_is_retried_when_the_first_attempt_did_not_happen(adapter) -> None:
    responses.post(V5 + "custom-fields/dictionaries/create", status=503, json={"success": False, "errorMsg": "x"})
    responses.post(V5 + "custom-fields/dictionaries/create", status=201, json={"success": True, "code": "slots"})
    responses.get(V5 + "custom-fields/dictionaries/slots", status=404, json={"success": False, "errorMsg": "Not found"})
    adapter.create(BY_NAME["custom_dictionaries"], CustomDictionary(code="slots", name="Слоты", elements=[{"code": "morning", "name": "Утро"}]))
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "POST"]


@responses.activate
def test_validation_errors_keep_the_api_words_with_spec_field_names(adapter) -> None:
    responses.post(V5 + "reference/payment-statuses/paid/edit", status=400, json={
        "success": False, "errorMsg": "Errors in the entity format",
        "errors": {"paymentTypes": "Payment type \"sbp\" not found"}})
    with pytest.raises(AdapterError) as caught:
        adapter.create(BY_NAME["payment_statuses"], PaymentStatus(code="paid", name="Оплачен", payment_types=["sbp"]))
    assert str(caught.value) == ('payment_statuses.paid: 400 Errors in the entity format: '
                                 'payment_types: Payment type "sbp" not found')
    assert len(responses.calls) == 1  # a 400 is never retried
