"""Malformed and hostile API answers: a clear error naming the endpoint, and nothing decided on them.

The transport and adapter are checked against `responses`; the CLI against an emulator whose chosen
endpoints answer with whatever bytes the case gives (tests/hostile_server.py): plan ends with one
error line, and apply ends the same way before its first write.
"""

from __future__ import annotations

import gzip
import json
import logging

import pytest
import responses

from adapters.retailcrm.adapter import RetailCrmAdapter
from adapters.retailcrm.retry import RetryPolicy
from adapters.retailcrm.transport import Transport
from crmdeploy.errors import AdapterError, MalformedAnswer, TransientError
from crmdeploy.kinds import BY_NAME
from crmdeploy.loader import load
from crmdeploy.spec.pipeline import Status

from .conftest import ROOT, SHOP
from .hostile_server import Canned, hostile
from .safe_helpers import invoke

BASE = "https://demo.retailcrm.ru"
KEY = "k-hostile-0f-the-account"
STATUSES = BASE + "/api/v5/reference/statuses"
MINIMAL = ROOT / "specs/minimal.yaml"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def transport(sleeps: list[float]):
    t = Transport(BASE, KEY, rate_limit=0, policy=RetryPolicy(sleep=sleeps.append), max_body=1024)
    yield t
    t.close()


@pytest.fixture
def adapter(transport: Transport) -> RetailCrmAdapter:
    return RetailCrmAdapter(transport, BASE)


# --- the transport: envelope, size, redirects ----------------------------------------------------

@pytest.mark.parametrize(("answer", "words"), [
    ({"body": "<html><body>Welcome to nginx!</body></html>", "content_type": "text/html"},
     "GET /api/v5/reference/statuses answered 200 but did not answer with retailCRM JSON (text/html, 43 bytes"),
    ({"json": {"statuses": {}}},
     'GET /api/v5/reference/statuses answered 200 without "success": true (success: missing)'),
    ({"json": {"success": "yes", "statuses": {}}}, '(success: a string)'),
    ({"json": [1, 2, 3]}, "GET /api/v5/reference/statuses answered 200 with a JSON list, not an object"),
    ({"body": b"\xff\xfe{not json", "content_type": "application/json"}, "did not answer with retailCRM JSON"),
    ({"status": 404, "body": "<h1>Not Found</h1>", "content_type": "text/html"},
     "GET /api/v5/reference/statuses answered 404 but did not answer with retailCRM JSON"),
])
@responses.activate
def test_an_answer_that_is_not_the_apis_is_a_malformed_answer_naming_the_endpoint(transport, answer, words):
    responses.get(STATUSES, **answer)
    with pytest.raises(MalformedAnswer) as caught:
        transport.get("reference/statuses", resource="statuses")
    assert words in str(caught.value) and str(caught.value).startswith("statuses: ")
    assert caught.value.status is None  # so an HTML 404 of a proxy never reads as "not found"
    assert len(responses.calls) == 1      # and it is not retried


@responses.activate
def test_an_html_error_page_of_a_gateway_is_retried_then_named(transport, sleeps):
    responses.get(STATUSES, status=502, body="<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(TransientError) as caught:
        transport.get("reference/statuses", resource="statuses")
    assert str(caught.value) == ("statuses: 502 GET /api/v5/reference/statuses did not answer with retailCRM JSON "
                                 "(text/html, 24 bytes)")
    assert len(responses.calls) == RetryPolicy().attempts


@responses.activate
def test_a_body_over_the_cap_is_refused_whether_announced_or_not(transport):
    responses.get(STATUSES, body=b'{"success": true, "x": "' + b"a" * 2000 + b'"}', auto_calculate_content_length=True)
    responses.get(BASE + "/api/v5/users", body=b"x" * 5000)
    for path in ("reference/statuses", "users"):
        with pytest.raises(MalformedAnswer, match=f"GET /api/v5/{path} answered with more than 0 MB; refusing"):
            transport.get(path)
    assert len(responses.calls) == 2


@responses.activate
def test_a_redirect_is_not_followed_so_the_key_goes_nowhere_else(transport):
    responses.get(STATUSES, status=301, headers={"Location": "http://evil.example/api/v5/reference/statuses"})
    responses.get("http://evil.example/api/v5/reference/statuses", json={"success": True, "statuses": {}})
    with pytest.raises(MalformedAnswer) as caught:
        transport.get("reference/statuses")
    assert "GET /api/v5/reference/statuses was redirected to http://evil.example; crmdeploy does not follow" \
        in str(caught.value)
    assert [c.request.url for c in responses.calls] == [STATUSES]


@responses.activate
def test_success_false_on_200_keeps_the_apis_words(transport):
    responses.get(STATUSES, json={"success": False, "errorMsg": "Access denied to this site"})
    with pytest.raises(AdapterError, match="Access denied to this site"):
        transport.get("reference/statuses")


# --- the adapter: the shape of lists and items ----------------------------------------------------

@pytest.mark.parametrize(("body", "words"), [
    ({"success": True}, 'GET /api/v5/reference/statuses: the answer has no "statuses"'),
    ({"success": True, "statuses": "none"}, '"statuses" is a string, not a list'),
    ({"success": True, "statuses": {"new": 5}}, '"statuses" holds a number where an item belongs'),
    ({"success": True, "statuses": [{"name": "Без кода"}]}, 'an item of reference/statuses has no "code"'),
])
@responses.activate
def test_a_malformed_list_stops_the_read_instead_of_reading_as_empty(adapter, body, words):
    responses.get(STATUSES, json=body)
    with pytest.raises(MalformedAnswer, match=words.replace("(", r"\(").replace(")", r"\)")):
        adapter.fetch(BY_NAME["statuses"]).resources


def plain_account() -> None:
    """`GET /api/credentials` of a real account: none of crmdeploy's extension routes (shape:
    retailcrm/api-client-php tests/src/ResourceGroup/ApiTest.php::testCredentials)."""
    responses.get(BASE + "/api/credentials", json={"success": True, "scopes": ["reference_read"],
                                                   "credentials": ["/api/custom-fields"], "siteAccess": "access_full"})


@pytest.mark.parametrize("pagination", [None, "1", {"totalPageCount": "2"}, {"totalPageCount": -1},
                                        {"totalPageCount": 10**9}])
@responses.activate
def test_a_paged_list_needs_a_usable_page_count(adapter, pagination):
    body = {"success": True, "customFields": []}
    if pagination is not None:
        body["pagination"] = pagination
    responses.get(BASE + "/api/v5/custom-fields", json=body)
    plain_account()
    with pytest.raises(MalformedAnswer, match='GET /api/v5/custom-fields: the answer has no usable "pagination'):
        adapter.fetch(BY_NAME["custom_fields"]).resources


@responses.activate
def test_a_page_count_that_never_ends_fails_at_the_first_empty_page(adapter):
    item = {"code": "vin", "name": "VIN", "entity": "order", "type": "string"}
    responses.get(BASE + "/api/v5/custom-fields", json={"success": True, "customFields": [item],
                                                       "pagination": {"totalPageCount": 5000}})
    responses.get(BASE + "/api/v5/custom-fields", json={"success": True, "customFields": [],
                                                       "pagination": {"totalPageCount": 5000}})
    responses.get(BASE + "/api/v5/custom-fields/dictionaries", status=405, json={"success": False})
    plain_account()
    with pytest.raises(MalformedAnswer, match="the pages do not add up: page 2 of 5000 is empty"):
        adapter.fetch(BY_NAME["custom_fields"])
    assert len([c for c in responses.calls if "/custom-fields?" in c.request.url]) == 2


@responses.activate
def test_a_single_item_answer_without_the_item_is_not_absent(adapter, secrets_env):
    # A real account has no list of integration modules, so they are read one by one.
    plain_account()
    responses.get(BASE + "/api/v5/integration-modules/cdek", json={"success": True})
    with pytest.raises(MalformedAnswer, match='GET /api/v5/integration-modules/cdek: "integrationModule" is null'):
        adapter.fetch(BY_NAME["integrations"], load(SHOP).spec.resources("integrations")).resources


@responses.activate
def test_an_unreadable_value_stops_the_plan_for_a_spec_resource_and_is_left_out_otherwise(adapter, caplog):
    odd = {"code": "new", "name": "Новый", "group": "new", "ordering": "first"}
    other = {"code": "old", "name": "Старый", "group": "new", "ordering": "last"}
    responses.get(STATUSES, json={"success": True, "statuses": {"new": odd, "old": other}})
    wanted = [Status(code="new", name="Новый", group="new")]
    with pytest.raises(AdapterError, match=r"^statuses.new: the CRM holds a value crmdeploy cannot read "
                                              r"\(ordering: Input should be a valid integer"):
        adapter.fetch(BY_NAME["statuses"], wanted).resources
    live = adapter.fetch(BY_NAME["statuses"], [])
    assert live.resources == []
    assert [w.split(" (")[0] for w in live.warnings] == ["statuses.new: unreadable item skipped",
                                                        "statuses.old: unreadable item skipped"]


# --- the CLI against a hostile server: one error line, nothing written ------------------------------

def _json(value: object) -> bytes:
    return json.dumps(value).encode()


HOSTILE = {
    "list without its items": (
        ("GET", "/api/v5/reference/statuses"), Canned(200, _json({"success": True})),
        'statuses: GET /api/v5/reference/statuses: the answer has no "statuses"'),
    "HTML page with 200": (
        ("GET", "/api/v5/reference/payment-types"),
        Canned(200, b"<!DOCTYPE html><title>Login</title>", {"Content-Type": "text/html; charset=utf-8"}),
        "payment_types: GET /api/v5/reference/payment-types answered 200 but did not answer with retailCRM "
        "JSON (text/html, 35 bytes; is this an account's address?)"),
    "no success": (
        ("GET", "/api/v5/reference/statuses"), Canned(200, _json({"statuses": {}})),
        'statuses: GET /api/v5/reference/statuses answered 200 without "success": true (success: missing)'),
    "items of the wrong type": (
        ("GET", "/api/v5/reference/statuses"), Canned(200, _json({"success": True, "statuses": ["new"]})),
        'statuses: GET /api/v5/reference/statuses: "statuses" holds a string where an item belongs'),
    "HTML 404 on the credentials": (
        ("GET", "/api/credentials"), Canned(404, b"<h1>404</h1>", {"Content-Type": "text/html"}),
        "credentials: GET /api/credentials answered 404 but did not answer with retailCRM JSON"),
    "huge body, announced": (
        ("GET", "/api/v5/reference/statuses"), Canned(200, b"{}", {"Content-Length": str(2**31)}),
        "statuses: GET /api/v5/reference/statuses answered with more than 16 MB; refusing to read it"),
    "huge body, streamed": (
        ("GET", "/api/v5/reference/statuses"), Canned(200, b" " * (17 << 20), length=False),
        "statuses: GET /api/v5/reference/statuses answered with more than 16 MB; refusing to read it"),
    "gzip bomb": (
        ("GET", "/api/v5/reference/statuses"),
        Canned(200, gzip.compress(b" " * (24 << 20), 9), {"Content-Type": "application/json",
                                                          "Content-Encoding": "gzip"}),
        "statuses: GET /api/v5/reference/statuses answered with more than 16 MB; refusing to read it"),
    "redirect elsewhere": (
        ("GET", "/api/v5/reference/statuses"),
        Canned(302, b"", {"Location": "http://127.0.0.2:9/api/v5/reference/statuses"}),
        "statuses: GET /api/v5/reference/statuses was redirected to http://127.0.0.2:9; crmdeploy does not "
        "follow redirects"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_plan_and_apply_stop_at_a_hostile_answer_before_any_write(case, runner, http_env):
    endpoint, canned, words = HOSTILE[case]
    with hostile(http_env, {endpoint: canned}) as server:
        planned = invoke(runner, "plan", MINIMAL, "--target", server.url)
        applied = invoke(runner, "apply", MINIMAL, "--target", server.url, "--yes")
        stats = server.emulator.stats()
    for result in (planned, applied):
        assert result.exit_code == 1
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.output
        assert result.stderr.startswith(f"Error: {words}"), result.stderr
    assert stats["requests"]["POST"] == 0 and stats["writes"] == 0
    assert len(server.hits) == 2  # asked once per command: nothing malformed is retried


def test_the_adapter_never_holds_more_than_the_cap_of_a_hostile_body(api_key):
    with hostile(api_key, {("GET", "/api/v5/reference/statuses"): Canned(200, b"[" * (4 << 20), length=False)}) \
            as server:
        adapter = RetailCrmAdapter(Transport(server.url, api_key, rate_limit=0, max_body=1 << 20), server.url)
        with pytest.raises(MalformedAnswer, match="more than 1 MB"):
            adapter.fetch(BY_NAME["statuses"]).resources
        adapter.close()
