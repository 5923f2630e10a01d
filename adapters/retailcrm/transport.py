"""HTTP to one retailCRM account: session, timeouts, pacing, retries, errors.

Requests go to `{base}/api/v5/{path}` with the key in the `X-API-KEY` header
(never in a URL, so it cannot leak through a logged or quoted address). POST
bodies are form-encoded; an entity travels as one JSON-string form field.

The key goes to the named host only: redirects are not followed (requests
would carry a custom header along to any host), TLS certificates are always
verified unless the user turned that off explicitly, and a plain-http
(loopback) target is reached directly, never through a proxy from the
environment. Answers are read up to a size cap and checked (`answers`).

Every request has an overall deadline (connect timeout + read timeout): an answer
still trickling in then is cut off (`deadline`) and counts as a timeout. A server
asking to wait longer than the policy's cap (`Retry-After`) is an error naming the
wait it asked for, not a silent hour-long sleep.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import requests
from tenacity import RetryCallState

from crmdeploy.errors import AdapterError, TransientError

from . import answers
from .deadline import Deadline, DeadlineAdapter
from .errormap import api_words, from_exception, from_response, redirected
from .retry import RetryPolicy

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Rename = Callable[[str], str]
USER_AGENT = "crmdeploy (+https://github.com/crmdeploy)"


class RateLimiter:
    """Paces requests the way the official Go client does (`rate.go`: one every 1/rate s, burst 1),
    with guards against a busy machine bunching them past a server's per-second window.

    A slot is reserved `MARGIN` intervals after the previous one. A thread may wake from its
    slot late, though, behind a thread whose later slot woke on time; so a request also waits
    until fewer than `rate` requests *actually left* in the last second plus a slack. The
    slack is the margin, plus twice how late this machine's sleeps have lately woken (a
    machine that wakes us late delays requests on their way too, and the server's own
    clock-taking with them), plus what 503 answers taught: each one widens it. rate <= 0
    turns it off."""

    MARGIN = 1.05
    DECAY = 0.9         # per sleep: how fast a burst of lateness is forgotten
    PENALTY = 0.05      # seconds of slack added by a 503 ...
    MAX_PENALTY = 0.3   # ... up to this much

    def __init__(self, rate: float, clock: Clock = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.interval = self.MARGIN / rate if rate > 0 else 0.0
        self.burst = max(1, int(rate)) if rate > 0 else 0           # requests per window
        self.window = self.burst / rate if rate > 0 else 0.0         # one second for a whole rate
        self.clock = clock
        self.sleep = sleep
        self.next_slot = 0.0
        self.sent: deque[list[float]] = deque()   # per request: [when it went]
        self.lateness = 0.0
        self.penalty = 0.0
        self.lock = threading.Lock()

    @property
    def slack(self) -> float:
        return (self.MARGIN - 1) * self.window + 2 * self.lateness + self.penalty

    def wait(self) -> Callable[[], None]:
        """Block until a request may go; returns what to call once it has gone (the time it
        really left is what later requests keep their distance from)."""
        if not self.interval:
            return _nothing
        with self.lock:  # reserve a slot under the lock, sleep outside it
            now = self.clock()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            self._nap(slot - now)
        stamp: list[float] = []
        while (pause := self._admit(stamp)) > 0:
            self._nap(pause)
        return lambda: self._gone(stamp)

    def refused(self) -> None:
        """The server answered 503 (its rate limit): keep a wider distance from now on."""
        with self.lock:
            self.penalty = min(self.MAX_PENALTY, self.penalty + self.PENALTY)

    def _nap(self, seconds: float) -> None:
        due = self.clock() + seconds
        self.sleep(seconds)
        late = max(0.0, self.clock() - due)
        with self.lock:
            self.lateness = max(late, self.lateness * self.DECAY)

    def _admit(self, stamp: list[float]) -> float:
        """0 when the request may go now (`stamp` then holds the time and is counted as gone),
        else how long to wait."""
        with self.lock:
            now = self.clock()
            horizon = now - (self.window + self.slack)
            while self.sent and self.sent[0][0] <= horizon:
                self.sent.popleft()
            recent = sorted(t for t, in self.sent if t > horizon)   # a late sender may stand behind
            if len(recent) < self.burst:
                stamp.append(now)
                self.sent.append(stamp)
                return 0.0
            # at least a tick past the moment, so that rounding cannot leave it a hair short
            return recent[len(recent) - self.burst] - horizon + 1e-6

    def _gone(self, stamp: list[float]) -> None:
        with self.lock:
            stamp[0] = self.clock()   # when it really left: later than when it was let go


def _nothing() -> None:
    pass


class Transport:
    def __init__(self, base_url: str, key: str, *, rate_limit: float = 10.0,
                 timeout: tuple[float, float] = (5.0, 30.0), policy: RetryPolicy | None = None,
                 session: requests.Session | None = None, clock: Clock = time.monotonic,
                 verify: bool = True, max_body: int = answers.MAX_BODY, connections: int = 1):
        self.base_url = base_url
        self.key = key
        self.timeout = timeout
        self.deadline = timeout[0] + timeout[1]   # for the whole request, answer included
        self.max_body = max_body
        self.policy = policy or RetryPolicy()
        self.limiter = RateLimiter(rate_limit, clock, self.policy.sleep)
        self.session = session or _session(connections)
        self.session.headers.update({"X-API-KEY": key, "User-Agent": USER_AGENT, "Accept": "application/json"})
        self.session.verify = verify
        if base_url.startswith("http://"):  # loopback only (config.base_url): never via an HTTP_PROXY
            self.session.trust_env = False

    def get(self, path: str, params: dict[str, Any] | None = None, *, resource: str = "",
            rename: Rename = str) -> dict[str, Any]:
        return self._retried(lambda: self.once("GET", path, params=params, resource=resource, rename=rename),
                             f"GET {path}")

    def post(self, path: str, form: dict[str, str], *, resource: str = "", rename: Rename = str,
             recheck: Callable[[], bool] | None = None, hide: tuple[str, ...] = ()) -> dict[str, Any]:
        """POST `form`. For a create that is not idempotent, `recheck` is asked before every retry
        whether the earlier attempt took effect after all; if so, nothing is sent again. `hide`:
        secrets in the form, masked should the server quote them back in an error."""
        def attempt(number: int) -> dict[str, Any]:
            if recheck and number > 1 and recheck():
                log.info("POST %s: an earlier attempt took effect; not sending it again", path)
                return {"success": True}
            return self.once("POST", path, data=form, resource=resource, rename=rename, hide=hide)
        return self._retried(attempt, f"POST {path}", numbered=True)

    def once(self, method: str, path: str, *, resource: str = "", rename: Rename = str,
             hide: tuple[str, ...] = (), **kwargs: Any) -> dict[str, Any]:
        """One request, no retry: the answer's body, or the error it means."""
        gone = self.limiter.wait()
        endpoint = f"{method} {api_path(path)}"
        deadline = Deadline(self.deadline, on_sent=gone)
        try:
            with deadline, self.session.request(method, self.base_url + api_path(path), timeout=self.timeout,
                                                stream=True, allow_redirects=False, **kwargs) as response:
                raw = answers.read_capped(response, self.max_body, endpoint, resource)
        except requests.RequestException as exc:
            if deadline.expired:
                raise self._too_slow(endpoint, resource) from None
            raise from_exception(exc, url=self.base_url, resource=resource, key=self.key) from None
        if deadline.expired:  # an answer that ends with the connection may look whole when cut
            raise self._too_slow(endpoint, resource)
        log.debug("%s %s -> %s", method, api_path(path), response.status_code)
        return self._checked(response, raw, endpoint, resource, rename, (self.key, *hide))

    def _too_slow(self, endpoint: str, resource: str) -> TransientError:
        return TransientError(f"{endpoint}: no complete answer from {self.base_url} within {self.deadline:g} s "
                              "(cut off; the server sends too slowly)", resource=resource)

    def _checked(self, response: requests.Response, raw: bytes, endpoint: str, resource: str,
                 rename: Rename, hide: tuple[str, ...]) -> dict[str, Any]:
        status, body = response.status_code, answers.parse(raw)
        if 300 <= status < 400:
            raise redirected(endpoint, response.headers.get("Location", ""), self.key, resource)
        if status == 503:  # retailCRM's answer to going over its rate limit
            self.limiter.refused()
        if status >= 400:
            raise from_response(response, body, resource=resource, target=self.base_url, rename=rename,
                                endpoint=endpoint, raw=raw, hide=hide)
        if body is None:
            raise answers.not_json(endpoint, status, response, raw, resource)
        if isinstance(body, dict) and body.get("success") is False:  # a 2xx that says it failed
            words = api_words(body, rename, hide) or f'{endpoint} answered "success": false'
            raise AdapterError(words, resource=resource, status=status)
        if problem := answers.not_success(endpoint, status, body, resource):
            raise problem
        return body

    def _retried(self, call: Callable[..., dict[str, Any]], what: str, numbered: bool = False) -> dict[str, Any]:
        for attempt in self.policy.retrying(before_sleep=lambda state: _log_retry(state, what)):
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    return call(number) if numbered else call()
                except TransientError as exc:
                    raise self._capped(exc, what) from None
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _capped(self, exc: TransientError, what: str) -> AdapterError:
        """A wait asked for beyond the cap is an error naming it (never retried); else `exc`."""
        cap, asked = self.policy.max_retry_after, exc.retry_after
        if asked is None or asked <= cap:
            return exc
        return AdapterError(f"{what}: the server asked to wait {_duration(asked)} before trying again "
                            f"(Retry-After), longer than the {_duration(cap)} crmdeploy waits; try again later",
                            resource=exc.resource, status=exc.status)

    def close(self) -> None:
        self.session.close()


def api_path(path: str) -> str:
    """A v5 method's path (`reference/statuses`) or an unversioned one (`/api/credentials`)."""
    return path if path.startswith("/") else f"/api/v5/{path}"


def _session(connections: int) -> requests.Session:
    """A session that keeps a connection open for each of `connections` parallel requests
    (requests' default pool keeps 10 and drops, with a warning, what is over), on connections
    a request's `Deadline` can cut."""
    session = requests.Session()
    for prefix in ("http://", "https://"):
        session.mount(prefix, DeadlineAdapter(connections))
    return session


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h ({seconds:.0f} s)"
    return f"{seconds:.0f} s"


def _log_retry(state: RetryCallState, what: str) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    log.warning("%s failed (%s); retrying in %.1f s (attempt %d)", what, exc, wait, state.attempt_number + 1)
