"""Transport, retry policy and error mapping, against `responses` (no network, no real sleeps)."""

from __future__ import annotations

import http.client
from datetime import datetime, timezone

import pytest
import requests
import responses
from tenacity import RetryCallState, Retrying
from urllib3.exceptions import ProtocolError

from adapters.retailcrm.errormap import redact
from adapters.retailcrm.retry import (
    RetryPolicy,
    parse_retry_after,
    should_retry,
    transient_status,
)
from adapters.retailcrm.transport import RateLimiter, Transport
from crmdeploy.errors import AdapterError, AuthError, TransientError, UnreachableError

BASE = "https://demo.retailcrm.ru"
URL = BASE + "/api/v5/reference/statuses"
KEY = "k-5ecret-0f-the-account"
OK = {"success": True, "statuses": {}}


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def transport(sleeps: list[float]):
    t = Transport(BASE, KEY, rate_limit=0, policy=RetryPolicy(sleep=sleeps.append))
    yield t
    t.close()


def test_only_transient_failures_are_retried() -> None:
    assert [s for s in (400, 401, 403, 404, 405, 409, 429, 460, 500, 502, 503, 504) if transient_status(s)] == \
        [429, 500, 502, 503, 504]
    assert should_retry(TransientError("x", status=503))
    for exc in (AdapterError("x", status=400), AuthError("x", status=403), UnreachableError("x"), ValueError()):
        assert not should_retry(exc)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("3") == 3.0
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:07 GMT", now=lambda: now) == 7.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_backoff_grows_with_jitter_under_a_cap_and_never_undercuts_retry_after() -> None:
    policy = RetryPolicy(base=1.0, cap=8.0)

    def state(attempt: int, exc: BaseException) -> RetryCallState:
        s = RetryCallState(Retrying(), fn=None, args=(), kwargs={})
        s.attempt_number = attempt
        s.set_exception((type(exc), exc, None))
        return s
    waits = [policy.wait(state(n, TransientError("x"))) for n in range(1, 9) for _ in range(20)]
    assert all(0 <= w <= 8.0 for w in waits) and len(set(waits)) > 1
    assert policy.wait(state(1, TransientError("x", retry_after=30))) == 30
    assert policy.wait(state(1, TransientError("x", retry_after=3600))) == 60


def test_rate_limiter_spaces_requests_under_the_rate() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
    limiter = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for _ in range(11):
        limiter.wait()
    assert slept[0] == pytest.approx(RateLimiter.MARGIN / 10)
    assert now[0] - 100.0 >= 1.0  # eleven requests take more than a second: at most 10 per second
    off = RateLimiter(0, clock=lambda: 0.0, sleep=lambda s: pytest.fail("slept"))
    off.wait()


@responses.activate
def test_key_travels_in_the_header_never_in_the_url(transport: Transport) -> None:
    responses.get(URL, json=OK)
    assert transport.get("reference/statuses") == OK
    request = responses.calls[0].request
    assert request.headers["X-API-KEY"] == KEY
    assert KEY not in request.url


@responses.activate
def test_503_is_retried_after_the_servers_retry_after(transport: Transport, sleeps: list[float]) -> None:
    responses.get(URL, status=503, headers={"Retry-After": "2"}, json={"success": False, "errorMsg": "Rate limit"})
    responses.get(URL, json=OK)
    assert transport.get("reference/statuses") == OK
    assert len(sleeps) == 1 and sleeps[0] >= 2.0


@responses.activate
def test_5xx_gives_up_after_the_attempts_with_the_last_error(transport: Transport, sleeps: list[float]) -> None:
    responses.get(URL, status=500, json={"success": False, "errorMsg": "Internal error"})
    with pytest.raises(TransientError) as caught:
        transport.get("reference/statuses", resource="statuses")
    assert str(caught.value) == "statuses: 500 Internal error"
    assert len(responses.calls) == RetryPolicy().attempts
    assert len(sleeps) == RetryPolicy().attempts - 1


@responses.activate
def test_4xx_is_not_retried(transport: Transport) -> None:
    responses.get(URL, status=404, json={"success": False, "errorMsg": "Not found"})
    with pytest.raises(AdapterError) as caught:
        transport.get("reference/statuses", resource="statuses")
    assert (caught.value.status, str(caught.value)) == (404, "statuses: 404 Not found")
    assert len(responses.calls) == 1


@pytest.mark.parametrize("api_message", ['Wrong "apiKey" value.', "Access denied."])
@responses.activate
def test_403_says_the_key_was_rejected_in_one_line(transport: Transport, api_message: str) -> None:
    responses.get(URL, status=403, json={"success": False, "errorMsg": api_message})
    with pytest.raises(AuthError) as caught:
        transport.get("reference/statuses", resource="statuses")
    assert str(caught.value) == f"{BASE}: 403 API key rejected or lacks permission ({api_message})"
    assert len(responses.calls) == 1


@responses.activate
def test_errors_as_a_list_and_success_false_on_200(transport: Transport) -> None:
    responses.post(BASE + "/api/v5/x/edit", status=400,
                   json={"success": False, "errorMsg": "Validation error", "errors": ["a is bad", "b is bad"]})
    responses.get(URL, json={"success": False, "errorMsg": "odd"})
    with pytest.raises(AdapterError, match=r"^x: 400 Validation error: a is bad; b is bad$"):
        transport.post("x/edit", {"x": "{}"}, resource="x")
    with pytest.raises(AdapterError, match="odd"):
        transport.get("reference/statuses")


@responses.activate
def test_an_html_answer_is_reported_not_parsed(transport: Transport) -> None:
    responses.get(URL, status=405, body="<html><body>405 Not Allowed</body></html>", content_type="text/html")
    with pytest.raises(AdapterError, match="did not answer with retailCRM JSON"):
        transport.get("reference/statuses")


@responses.activate
def test_refused_connection_is_unreachable_naming_the_url_at_once(transport: Transport, sleeps) -> None:
    responses.get(URL, body=requests.ConnectionError(f"Max retries exceeded with url: /x?apiKey={KEY}"))
    with pytest.raises(UnreachableError) as caught:
        transport.get("reference/statuses")
    assert str(caught.value).startswith(f"cannot reach {BASE} (")
    assert KEY not in str(caught.value)
    assert sleeps == []


@pytest.mark.parametrize("failure", [
    requests.ReadTimeout("read timed out"),
    requests.ConnectionError(ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed"))),
    requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))),
])
@responses.activate
def test_timeouts_and_resets_are_retried(transport: Transport, sleeps: list[float], failure: Exception) -> None:
    responses.get(URL, body=failure)
    responses.get(URL, json=OK)
    assert transport.get("reference/statuses") == OK
    assert len(sleeps) == 1


def test_redaction_masks_the_key_in_any_form() -> None:
    text = f"GET /api/v5/x?apiKey=other-key&limit=20 headers={{'X-API-KEY': '{KEY}'}} {KEY}"
    cleaned = redact(text, KEY)
    assert KEY not in cleaned and "other-key" not in cleaned
    assert cleaned.count("(sensitive)") == 3
