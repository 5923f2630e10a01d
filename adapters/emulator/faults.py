"""The emulator's per-second limit and its fault injection (seedable, for repeatable tests)."""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum


class WindowLimiter:
    """At most `rate` requests in any one-second window; rate <= 0 turns it off.

    A request is counted at the time it arrived (`at`, when the server knows it; else now),
    which a busy server may learn only after later ones: so the window is checked around that
    time, not only before it. Refused requests are not counted, so a client that backs off
    gets through."""

    KEEP = 5.0   # seconds of history: far more than any request waits to be taken up

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.most = math.ceil(rate)
        self.clock = clock
        self.times: list[float] = []     # sorted
        self.lock = threading.Lock()

    def allow(self, at: float | None = None) -> bool:
        if self.rate <= 0:
            return True
        with self.lock:
            now = self.clock()
            at = now if at is None else min(at, now)
            del self.times[:bisect.bisect_right(self.times, now - self.KEEP)]
            times = self.times
            i = bisect.bisect_right(times, at)
            # with `at` in, some `most + 1` requests in a row (sorted by time) would span under a second
            around = times[max(0, i - self.most):i] + [at] + times[i:i + self.most]
            if any(around[j + self.most] - around[j] < 1.0 for j in range(len(around) - self.most)):
                return False
            times.insert(i, at)
            return True


class Fault(Enum):
    UNAVAILABLE = "503 before the request is handled"
    ERROR_AFTER = "500 after the request was handled (a write did happen)"
    DROP_BEFORE = "connection closed before the request is handled"
    DROP_AFTER = "connection closed after the request was handled (a write did happen)"


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong with one request: at most one fault, plus possibly a stall."""

    fault: Fault | None = None
    stall: bool = False


class Faults:
    """Decides each request's faults from the seed, the request and its attempt number.

    A request is named by its method, path and a digest of its parameters (the API key left
    out); its attempt number counts the identical requests seen before it. The same seed gives
    every request the same faults however the client's threads interleave: no shared random
    stream, whose order would depend on which thread got there first."""

    def __init__(self, fail_rate: float = 0.0, drop_rate: float = 0.0, stall_rate: float = 0.0,
                 seed: int | None = None):
        self.fail_rate = fail_rate
        self.drop_rate = drop_rate
        self.stall_rate = stall_rate
        self.seed = seed if seed is not None else random.SystemRandom().getrandbits(64)
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()

    def draw(self, method: str = "GET", path: str = "", params: Iterable[tuple[str, str]] = ()) -> FaultPlan:
        """The faults of this request; `params` are its query and form fields (the key excluded)."""
        if not (self.fail_rate or self.drop_rate or self.stall_rate):
            return FaultPlan()
        name = request_name(method, path, params)
        with self.lock:
            attempt = self.attempts[name] = self.attempts.get(name, 0) + 1
        digest = hashlib.sha256(f"{self.seed}\n{name}\n{attempt}".encode()).digest()
        u, s = _unit(digest[0:8]), _unit(digest[8:16])
        half = digest[16] < 128
        fault = None
        if u < self.fail_rate:
            fault = Fault.UNAVAILABLE if half else Fault.ERROR_AFTER
        elif u < self.fail_rate + self.drop_rate:
            fault = Fault.DROP_BEFORE if half else Fault.DROP_AFTER
        return FaultPlan(fault, s < self.stall_rate)


def request_name(method: str, path: str, params: Iterable[tuple[str, str]]) -> str:
    """Method, path and a digest of the parameters, in an order that does not depend on the client."""
    body = json.dumps(sorted(params), ensure_ascii=False)
    return f"{method} {path} {hashlib.sha256(body.encode()).hexdigest()[:16]}"


def _unit(chunk: bytes) -> float:
    return int.from_bytes(chunk, "big") / 2 ** 64
