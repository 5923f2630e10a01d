"""The emulator's request handling, apart from the socket server: auth, the per-second
limit, fault injection, routing, and counters tests can read.

`on_write` is a seam for tests: called with every write request before it is
handled, it may hold the request (to crash a client mid-apply) or raise `Fail`
(to make the API refuse one resource).
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from adapters.store import Store

from . import routes
from .faults import Fault, Faults, WindowLimiter
from .model import DEFAULT_SCOPES, STANDARD_GROUPS
from .resources import Duplicate, Fail

log = logging.getLogger(__name__)

STATS_PATH = "/api/emulator/stats"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    arrived: float | None = None   # on the monotonic clock, when the server can tell (else: when handled)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    drop: bool = False   # close the connection without answering


@dataclass(frozen=True)
class Settings:
    api_key: str
    rate_limit: float = 10.0      # requests per second, answered 503 beyond; 0 = no limit
    fail_rate: float = 0.0        # share of requests answered 503 (before) or 500 (after handling)
    drop_rate: float = 0.0        # share of connections closed without an answer
    stall_rate: float = 0.0       # share of requests held for `stall_ms` (client timeouts)
    stall_ms: int = 2000
    latency_ms: int = 0           # added to every request
    seed: int | None = None       # makes the fault sequence repeatable
    extensions: bool = False      # serve crmdeploy's endpoints for what the real API cannot write
    scopes: tuple[str, ...] = DEFAULT_SCOPES  # what GET /api/credentials grants the key


class Emulator:
    def __init__(self, store: Store, settings: Settings, clock: Callable[[], float] = time.monotonic):
        self.store = store
        self.settings = settings
        self.routes = routes.build(settings.extensions, settings.scopes)
        if not settings.extensions:  # with the extensions, every kind starts empty and is made by API
            seed_account(store)
        self.limiter = WindowLimiter(settings.rate_limit, clock)
        self.faults = Faults(settings.fail_rate, settings.drop_rate, settings.stall_rate, settings.seed)
        self.counts: Counter[str] = Counter()
        self.count_lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.stopping = threading.Event()
        self.on_write: Callable[[Request], None] | None = None
        self.busy = threading.Condition()   # guards `in_flight`: requests being handled
        self.in_flight = 0

    def handle(self, request: Request) -> Reply:
        with self._tracked():
            try:
                if request.path == STATS_PATH:
                    self._authenticate(request)  # every request needs the key, this one too
                    return Reply(200, {"success": True, **self.stats()})
                self._count(request.method)
                # The window counts a request when it arrives, as a gateway in front of the API
                # does; the latency then stands for the way there and back. Counting after the
                # pause would let a busy machine's late wake-ups bunch requests the client spaced.
                admitted = self.limiter.allow(request.arrived)
                self._pause(self.settings.latency_ms)
                return self._guarded(request, admitted)
            except Fail as fail:
                return Reply(fail.status, fail.body)
            except Exception:  # a bug in the emulator must still answer JSON
                log.exception("emulator error on %s %s", request.method, request.path)
                return Reply(500, {"success": False, "errorMsg": "Internal error"})

    @contextmanager
    def _tracked(self) -> Iterator[None]:
        with self.busy:
            self.in_flight += 1
        try:
            yield
        finally:
            with self.busy:
                self.in_flight -= 1
                self.busy.notify_all()

    def _guarded(self, request: Request, admitted: bool) -> Reply:
        if not admitted:
            self._count("limited")
            raise Fail(503, "Rate limit exceeded")
        self._authenticate(request)
        plan = self.faults.draw(request.method, request.path, _params(request))
        if plan.stall:
            self._count("stalled")
            self._pause(self.settings.stall_ms)
        if plan.fault is Fault.UNAVAILABLE:
            return self._fault(Reply(503, {"success": False, "errorMsg": "Service temporarily unavailable"}))
        if plan.fault is Fault.DROP_BEFORE:
            return self._fault(Reply(0, {}, drop=True))
        if self.stopping.is_set():  # held (stalled) until the server stopped: never handled
            return Reply(0, {}, drop=True)
        reply = self._route(request)
        if plan.fault is Fault.ERROR_AFTER:
            return self._fault(Reply(500, {"success": False, "errorMsg": "Internal error"}))
        if plan.fault is Fault.DROP_AFTER:
            return self._fault(Reply(0, {}, drop=True))
        return reply

    def _route(self, request: Request) -> Reply:
        route, params = routes.match(self.routes, request.method, request.path)
        if route.method == "GET":
            return Reply(*route.handler(self.store, params, request.query, request.form))
        if self.on_write is not None:
            self.on_write(request)
        with self.write_lock:  # one write at a time, each saved before it is acknowledged
            try:
                status, body = route.handler(self.store, params, request.query, request.form)
            except Duplicate:
                self._count("duplicate_creates")  # a create sent again for an existing key
                raise
            self.store.save()
        return Reply(status, body)

    def _authenticate(self, request: Request) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        given = headers.get("x-api-key") or _first(request.query, "apiKey") or _first(request.form, "apiKey")
        if not given:
            raise Fail(403, '"apiKey" is missing.')
        if not hmac.compare_digest(given.encode(), self.settings.api_key.encode()):
            raise Fail(403, 'Wrong "apiKey" value.')

    def _fault(self, reply: Reply) -> Reply:
        self._count("faults")
        return reply

    def _count(self, what: str) -> None:
        with self.count_lock:
            self.counts[what] += 1

    def _pause(self, ms: int) -> None:
        if ms > 0:
            self.stopping.wait(ms / 1000)  # returns at once when the server stops

    def stats(self) -> dict[str, Any]:
        """Requests received by method, refusals and faults, and writes the store made."""
        with self.count_lock:
            counts = dict(self.counts)
        return {"requests": {m: counts.get(m, 0) for m in ("GET", "POST")},
                "limited": counts.get("limited", 0), "faults": counts.get("faults", 0),
                "stalled": counts.get("stalled", 0), "duplicate_creates": counts.get("duplicate_creates", 0),
                "writes": self.store.writes}

    def stop(self, grace: float = 5.0) -> None:
        """Stop handling: held requests are released unanswered, those being handled finish
        (for up to `grace` seconds), then the state is saved after the last write."""
        self.stopping.set()
        with self.busy:
            self.busy.wait_for(lambda: self.in_flight == 0, timeout=grace)
        with self.write_lock:
            self.store.save()


def seed_account(store: Store) -> None:
    """An account starts with retailCRM's standard status groups (no API call makes a group)."""
    if store.records("status_groups"):
        return
    with store.lock:
        groups = store.resources.setdefault("status_groups", {})
        for code, name, ordering, _ in STANDARD_GROUPS:
            groups[code] = {"code": code, "name": name, "ordering": ordering, "active": True}


def _first(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    return found[0] if found else None


def _params(request: Request) -> list[tuple[str, str]]:
    """Query and form fields of a request, the API key left out (it names the client, not the request)."""
    return [(name, value) for source in (request.query, request.form) for name, values in source.items()
            if name != "apiKey" for value in values]
