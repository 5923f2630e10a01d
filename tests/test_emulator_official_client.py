"""The official `retailcrm` client from PyPI (5.3.0), unchanged, against the emulator."""

from __future__ import annotations

import pytest

from adapters.store import Store

retailcrm = pytest.importorskip("retailcrm")


@pytest.fixture
def client(start_emulator, api_key: str):
    store = Store()
    store.put("status_groups", "new", {"code": "new", "name": "Новый", "active": True})
    store.put("user_groups", "managers", {"code": "managers", "name": "Менеджеры"})
    store.put("users", "ivanov@shop.example", {"email": "ivanov@shop.example", "first_name": "Иван",
                                               "groups": ["managers"], "active": True})
    server = start_emulator(store, extensions=False)  # a real account, as `mock-server` serves by default
    return retailcrm.v5(server.url, api_key)


def test_statuses_edit_creates_then_updates_and_statuses_lists_it(client) -> None:
    status = {"code": "call-back", "name": "Перезвонить", "group": "new", "ordering": 20, "active": True}
    created = client.statuses_edit(status)
    assert (created.get_status_code(), created.is_successful()) == (201, True)
    updated = client.statuses_edit({**status, "name": "Перезвонить позже"})
    assert updated.get_status_code() == 200
    listed = client.statuses()
    assert listed.is_successful()
    assert listed.get_response()["statuses"]["call-back"] == {**status, "name": "Перезвонить позже"}


def test_statuses_edit_with_an_unknown_group_fails_in_the_api_shape(client) -> None:
    answer = client.statuses_edit({"code": "x", "name": "X", "group": "cancel"})
    assert not answer.is_successful()
    assert answer.get_error_msg() == "Errors in the entity format"
    assert answer.get_errors() == {"group": 'status group "cancel" not found'}


def test_payment_types_edit_and_delivery_types(client) -> None:
    assert client.payment_types_edit({"code": "cash", "name": "Наличные"}).get_status_code() == 201
    delivery = {"code": "pickup", "name": "Самовывоз", "defaultCost": 0, "paymentTypes": ["cash"]}
    assert client.delivery_types_edit(delivery).is_successful()
    listed = client.delivery_types().get_response()["deliveryTypes"]
    assert listed["pickup"]["paymentTypes"] == ["cash"]
    assert listed["pickup"]["name"] == "Самовывоз"


def test_custom_field_create_answers_the_code_and_refuses_a_taken_one(client) -> None:
    field = {"code": "vin", "name": "VIN", "type": "string", "entity": "order"}
    created = client.custom_field_create(field)
    assert (created.get_status_code(), created.get_response()) == (201, {"success": True, "code": "vin"})
    assert client.custom_field("vin", "order").get_response()["customField"]["name"] == "VIN"
    again = client.custom_field_create(field)
    assert again.get_status_code() == 400 and "code" in again.get_errors()
    listed = client.custom_fields()  # sends the literal filter=None
    assert [f["code"] for f in listed.get_response()["customFields"]] == ["vin"]


def test_users_lists_with_paging_and_groups(client) -> None:
    answer = client.users()
    assert answer.is_successful()
    body = answer.get_response()
    assert body["pagination"] == {"limit": 20, "totalCount": 1, "currentPage": 1, "totalPageCount": 1}
    [user] = body["users"]
    assert (user["email"], user["firstName"], user["groups"][0]["code"]) == ("ivanov@shop.example", "Иван", "managers")
    assert client.user(user["id"]).get_response()["user"]["email"] == "ivanov@shop.example"
    assert client.users({"email": "nobody@shop.example"}).get_response()["users"] == []


def test_a_wrong_key_is_refused_with_the_api_words(start_emulator) -> None:
    server = start_emulator()
    answer = retailcrm.v5(server.url, "wrong").statuses()
    assert (answer.get_status_code(), answer.get_error_msg()) == (403, 'Wrong "apiKey" value.')


def test_one_code_on_two_entities_and_the_real_answer_types(client) -> None:
    dictionary = {"code": "channels", "name": "Каналы", "elements": [{"code": "site", "name": "Сайт"}]}
    assert client.custom_dictionary_create(dictionary).get_status_code() == 201
    for entity, extra in (("order", {"type": "dictionary", "dictionary": "channels", "default": "site"}),
                          ("customer", {"type": "boolean", "default": "false"})):
        field = {"code": "source", "name": entity, "entity": entity, **extra}
        assert client.custom_field_create(field).get_status_code() == 201
    order = client.custom_field("source", "order").get_response()["customField"]
    customer = client.custom_field("source", "customer").get_response()["customField"]
    assert (order["default"], order["defaultTyped"]) == (1, "site")
    assert (customer["default"], customer["defaultTyped"]) == ("false", False)


def test_what_a_real_account_refuses(client) -> None:
    empty = client.custom_dictionary_create({"code": "empty", "name": "Пусто", "elements": []})
    assert (empty.get_status_code(), empty.get_errors()) == (400, {"elements": "This value should not be blank."})
    invented = client.statuses_edit({"code": "x", "name": "X", "group": "new", "requiredAtStatuses": ["new"]})
    assert invented.get_status_code() == 400 and "requiredAtStatuses" in invented.get_errors()
    assert client.integration_module_edit({"code": "cdek", "name": "СДЭК"}).get_status_code() == 400
    assert client.custom_fields(limit=30).get_status_code() == 400
    assert client.get("/reference/status-groups/new/edit").get_status_code() == 404
