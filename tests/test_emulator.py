"""The emulator as a client sees it: real v5 paths, envelope, codes, auth, limits and faults."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
import requests

from adapters.emulator import EmulatorServer
from adapters.emulator.faults import WindowLimiter
from adapters.mock import MockAdapter
from adapters.store import Store
from crmdeploy.kinds import BY_NAME
from crmdeploy.spec.pipeline import Status, StatusGroup

Start = Callable[..., EmulatorServer]


@pytest.fixture
def call(api_key: str):
    session = requests.Session()

    def call(server: EmulatorServer, method: str, path: str, *, key: str | None = api_key,
             entity: tuple[str, dict] | None = None, **kwargs) -> requests.Response:
        headers = {"X-API-KEY": key} if key else {}
        data = {entity[0]: json.dumps(entity[1])} if entity else kwargs.pop("data", None)
        return session.request(method, server.url + path, headers=headers, data=data, timeout=5, **kwargs)
    yield call
    session.close()


def seeded(start: Start, **settings) -> EmulatorServer:
    store = Store()
    store.put("status_groups", "new", {"code": "new", "name": "Новый", "active": True})
    return start(store, **settings)


def test_upsert_answers_201_then_200_and_lists_keyed_by_code(start_emulator: Start, call) -> None:
    server = seeded(start_emulator)
    status = {"code": "call", "name": "Перезвонить", "group": "new"}
    path = "/api/v5/reference/statuses/call/edit"
    first, second = (call(server, "POST", path, entity=("status", status)) for _ in range(2))
    assert (first.status_code, first.json()) == (201, {"success": True})
    assert (second.status_code, second.json()) == (200, {"success": True})
    listed = call(server, "GET", "/api/v5/reference/statuses").json()
    assert listed == {"success": True, "statuses": {"call": {**status, "active": True}}}
    assert call(server, "GET", "/api/v5/reference/payment-types").json() == {"success": True, "paymentTypes": {}}


def test_both_auth_styles_and_the_api_words_for_a_bad_key(start_emulator: Start, call, api_key: str) -> None:
    server = seeded(start_emulator)
    path = "/api/v5/reference/statuses"
    assert call(server, "GET", path, key=None, params={"apiKey": api_key}).status_code == 200
    posted = call(server, "POST", path + "/x/edit", key=None,
                  data={"apiKey": api_key, "status": json.dumps({"name": "X", "group": "new"})})
    assert posted.status_code == 201
    lower = requests.get(server.url + path, headers={"x-api-key": api_key}, timeout=5)
    assert lower.status_code == 200
    for key, words in ((None, '"apiKey" is missing.'), ("nope", 'Wrong "apiKey" value.')):
        answer = call(server, "GET", path, key=key)
        assert (answer.status_code, answer.json()) == (403, {"success": False, "errorMsg": words})


def test_unknown_paths_and_wrong_methods_answer_json(start_emulator: Start, call) -> None:
    server = seeded(start_emulator)
    assert call(server, "GET", "/api/v5/orders").json() == {"success": False, "errorMsg": "API method not found"}
    wrong = call(server, "GET", "/api/v5/reference/statuses/x/edit")
    assert (wrong.status_code, wrong.json()["errorMsg"]) == (405, "Method Not Allowed")
    assert call(server, "DELETE", "/api/v5/reference/statuses").status_code == 405


@pytest.mark.parametrize(("path", "form", "errors"), [
    ("/api/v5/reference/statuses/x/edit", ("status", {"group": "new"}),
     {"name": "This value should not be blank."}),
    ("/api/v5/reference/statuses/bad%20code/edit", ("status", {"name": "X", "group": "new"}),
     {"code": "This value is not valid."}),
    ("/api/v5/reference/statuses/x/edit", ("status", {"name": "X", "group": "cancel"}),
     {"group": 'status group "cancel" not found'}),
    ("/api/v5/custom-fields/order/create", ("customField", {"code": "slot", "name": "Слот", "type": "dictionary"}),
     {"customField": 'a field of type "dictionary" needs "dictionary"'}),
])
def test_validation_errors_in_the_api_shape(start_emulator: Start, call, path, form, errors) -> None:
    answer = call(seeded(start_emulator), "POST", path, entity=form)
    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errorMsg": "Errors in the entity format", "errors": errors}


def test_missing_or_malformed_entity(start_emulator: Start, call) -> None:
    server = seeded(start_emulator)
    path = "/api/v5/reference/statuses/x/edit"
    assert call(server, "POST", path, data={"other": "1"}).json()["errorMsg"] == "Parameter 'status' is missing"
    bad = call(server, "POST", path, data={"status": "{not json"}).json()
    assert bad == {"success": False, "errorMsg": "Errors in the input parameters",
                   "errors": {"status": "This value is not valid."}}


def test_paged_lists_and_single_items(start_emulator: Start, call) -> None:
    server = seeded(start_emulator)
    for code in ("a", "b", "c"):
        created = call(server, "POST", "/api/v5/custom-fields/customer/create",
                       entity=("customField", {"code": code, "name": code.upper(), "type": "string"}))
        assert (created.status_code, created.json()) == (201, {"success": True, "code": code})
    page = call(server, "GET", "/api/v5/custom-fields", params={"limit": 20, "page": 1}).json()
    assert page["pagination"] == {"limit": 20, "totalCount": 3, "currentPage": 1, "totalPageCount": 1}
    assert [f["code"] for f in page["customFields"]] == ["a", "b", "c"]
    assert call(server, "GET", "/api/v5/custom-fields", params={"limit": 7}).status_code == 400
    one = call(server, "GET", "/api/v5/custom-fields/customer/b").json()
    assert one["customField"] == {"code": "b", "name": "B", "entity": "customer", "type": "string",
                                  "inGroupActions": False, "viewModeMobile": "editable"}
    assert call(server, "GET", "/api/v5/custom-fields/order/b").status_code == 404
    filtered = call(server, "GET", "/api/v5/custom-fields", params={"filter[code]": "c"}).json()
    assert [f["code"] for f in filtered["customFields"]] == ["c"]


def test_the_per_second_limit_is_answered_503(start_emulator: Start, call) -> None:
    server = seeded(start_emulator, rate_limit=1)
    first, second = (call(server, "GET", "/api/v5/reference/statuses") for _ in range(2))
    assert first.status_code == 200
    assert (second.status_code, second.json()) == (503, {"success": False, "errorMsg": "Rate limit exceeded"})
    assert server.emulator.stats()["limited"] == 1


def test_window_limiter_frees_a_slot_a_second_later() -> None:
    now = [0.0]
    limiter = WindowLimiter(2, clock=lambda: now[0])
    assert [limiter.allow() for _ in range(3)] == [True, True, False]
    now[0] = 0.999
    assert not limiter.allow()
    now[0] = 1.0
    assert limiter.allow()


def test_seeded_faults_repeat_and_a_500_after_handling_did_write(start_emulator: Start, call) -> None:
    runs = []
    for _ in range(2):
        server = seeded(start_emulator, fail_rate=1.0, seed=7)
        runs.append([call(server, "POST", f"/api/v5/reference/statuses/s{i}/edit",
                          entity=("status", {"name": "S", "group": "new"})).status_code for i in range(12)])
        assert server.emulator.stats()["faults"] == 12
    assert runs[0] == runs[1] and set(runs[0]) == {500, 503}
    written = {c for c in server.emulator.store.resources.get("statuses", {})}
    assert written == {f"s{i}" for i, code in enumerate(runs[1]) if code == 500}


def test_dropped_connections_and_stalls(start_emulator: Start, call, api_key: str) -> None:
    dropping = seeded(start_emulator, drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        call(dropping, "GET", "/api/v5/reference/statuses")
    stalling = seeded(start_emulator, stall_rate=1.0, stall_ms=5000)
    with pytest.raises(requests.ReadTimeout):
        requests.get(stalling.url + "/api/v5/reference/statuses", headers={"X-API-KEY": api_key}, timeout=0.05)
    # The client gave up after 0.05 s, possibly before the server got to the request: wait for it.
    deadline = time.monotonic() + 10
    while stalling.emulator.stats()["stalled"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stalling.emulator.stats()["stalled"] == 1


def test_stats_count_requests_by_method_and_not_themselves(start_emulator: Start, call) -> None:
    server = seeded(start_emulator)
    call(server, "GET", "/api/v5/reference/statuses")
    call(server, "POST", "/api/v5/reference/statuses/x/edit", entity=("status", {"name": "X", "group": "new"}))
    call(server, "POST", "/api/v5/reference/statuses/y/edit", entity=("status", {"name": "Y", "group": "nope"}))
    assert requests.get(server.url + "/api/emulator/stats", timeout=5).status_code == 403  # the key, always
    stats = call(server, "GET", "/api/emulator/stats").json()
    assert stats["requests"] == {"GET": 1, "POST": 2}
    assert stats["writes"] == 2  # the seed group and one status; the refused write changed nothing


def test_users_by_id_and_their_availability(start_emulator: Start, call) -> None:
    store = Store()
    store.put("user_groups", "managers", {"code": "managers", "name": "Менеджеры"})
    store.put("users", "a@x.ru", {"email": "a@x.ru", "first_name": "Анна", "groups": ["managers"], "active": True})
    server = start_emulator(store)
    [user] = call(server, "GET", "/api/v5/users").json()["users"]
    assert user["groups"] == [{"id": user["groups"][0]["id"], "code": "managers", "name": "Менеджеры"}]
    assert call(server, "GET", f"/api/v5/users/{user['id']}").json()["user"] == user
    status = f"/api/v5/users/{user['id']}/status"
    assert call(server, "POST", status, data={"status": "busy"}).json() == {"success": True}
    assert call(server, "POST", status, data={"status": "asleep"}).status_code == 400


def test_by_default_it_behaves_like_a_real_account(start_emulator: Start, call) -> None:
    real = start_emulator(extensions=False)
    assert call(real, "GET", "/api/v5/triggers").status_code == 404
    assert call(real, "GET", "/api/v5/reference/status-groups/x/edit").status_code == 404
    groups = call(real, "GET", "/api/v5/reference/status-groups").json()["statusGroups"]
    assert list(groups) == ["new", "approval", "assembling", "delivery", "complete", "cancel"]
    assert groups["approval"] == {"code": "approval", "name": "Согласование", "ordering": 20, "active": True,
                                  "process": True, "statuses": []}
    for kind in ("users", "user-groups", "templates", "triggers", "crmdeploy/integrations"):
        assert call(real, "POST", f"/api/v5/{kind}/x/edit", entity=("x", {})).status_code == 404
    assert call(real, "GET", "/api/v5/integration-modules").status_code == 404  # no list of modules
    assert call(real, "GET", "/api/v5/crmdeploy/custom-fields").status_code == 404
    extended = seeded(start_emulator, extensions=True)
    assert call(extended, "GET", "/api/v5/triggers").json() == {"success": True, "triggers": []}
    assert call(extended, "GET", "/api/v5/reference/status-groups/x/edit").status_code == 405


def test_service_endpoints(start_emulator: Start, call) -> None:
    server = seeded(start_emulator, extensions=False)
    assert "5.0" in call(server, "GET", "/api/api-versions").json()["versions"]
    credentials = call(server, "GET", "/api/credentials").json()["credentials"]
    assert "/api/reference/statuses/{code}/edit" in credentials
    assert "/api/reference/status-groups/{code}/edit" not in credentials


def test_secrets_are_kept_and_shown_only_as_digests(start_emulator: Start, call, tmp_path) -> None:
    state = tmp_path / "state.json"
    server = start_emulator(Store(state), extensions=True)
    module = {"name": "Почта", "kind": "delivery", "credentials": {"token": "tok-9f8e7d"}}
    call(server, "POST", "/api/v5/crmdeploy/integrations/post/edit", entity=("integration", module))
    answer = call(server, "GET", "/api/v5/crmdeploy/integrations")
    assert answer.json()["integrations"][0]["credentials"]["token"].startswith("sha256$")
    assert "tok-9f8e7d" not in answer.text
    assert "tok-9f8e7d" not in state.read_text(encoding="utf-8")


def test_state_files_are_shared_with_the_mock_adapter(start_emulator: Start, call, tmp_path) -> None:
    state = tmp_path / "crm.json"
    mock = MockAdapter.from_url(f"mock://{state}")
    mock.create(BY_NAME["status_groups"], StatusGroup(code="new", name="Новый"))
    mock.close()
    server = start_emulator(Store(state))
    call(server, "POST", "/api/v5/reference/statuses/call/edit",
         entity=("status", {"name": "Перезвонить", "group": "new"}))
    assert call(server, "GET", "/api/v5/reference/status-groups").json()["statusGroups"]["new"]["statuses"] == ["call"]
    again = MockAdapter.from_url(f"mock://{state}")
    assert again.fetch(BY_NAME["statuses"]).resources == [Status(code="call", name="Перезвонить", group="new")]


def test_extension_only_fields_travel_only_on_the_extension_surface(start_emulator: Start, call) -> None:
    server = start_emulator(extensions=True)  # the account starts empty
    call(server, "POST", "/api/v5/reference/status-groups/approval/edit",
         entity=("statusGroup", {"name": "Согласование"}))
    call(server, "POST", "/api/v5/reference/statuses/approved/edit",
         entity=("status", {"name": "Согласован", "group": "approval"}))
    field = {"code": "vin", "name": "VIN", "type": "string", "requiredAtStatuses": ["approved"]}
    refused = call(server, "POST", "/api/v5/custom-fields/order/create", entity=("customField", field))
    assert refused.status_code == 400 and "requiredAtStatuses" in refused.json()["errors"]
    made = call(server, "POST", "/api/v5/crmdeploy/custom-fields/order/create", entity=("customField", field))
    assert made.status_code == 201
    [native] = call(server, "GET", "/api/v5/custom-fields").json()["customFields"]
    [extended] = call(server, "GET", "/api/v5/crmdeploy/custom-fields").json()["customFields"]
    assert "requiredAtStatuses" not in native and extended["requiredAtStatuses"] == ["approved"]
