"""The emulator's per-second limit and its fault injection (seedable, for repeatable tests)."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class WindowLimiter:
    """At most `rate` requests in any one-second window; rate <= 0 turns it off.

    Refused requests are not counted, so a client that backs off gets through."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.clock = clock
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def allow(self) -> bool:
        if self.rate <= 0:
            return True
        with self.lock:
            now = self.clock()
            while self.times and self.times[0] <= now - 1.0:
                self.times.popleft()
            if len(self.times) >= self.rate:
                return False
            self.times.append(now)
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
    """Draws faults from one seeded generator; with a single client the sequence repeats exactly."""

    def __init__(self, fail_rate: float = 0.0, drop_rate: float = 0.0, stall_rate: float = 0.0,
                 seed: int | None = None):
        self.fail_rate = fail_rate
        self.drop_rate = drop_rate
        self.stall_rate = stall_rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def draw(self) -> FaultPlan:
        if not (self.fail_rate or self.drop_rate or self.stall_rate):
            return FaultPlan()
        with self.lock:
            u, half, s = self.random.random(), self.random.random() < 0.5, self.random.random()
        fault = None
        if u < self.fail_rate:
            fault = Fault.UNAVAILABLE if half else Fault.ERROR_AFTER
        elif u < self.fail_rate + self.drop_rate:
            fault = Fault.DROP_BEFORE if half else Fault.DROP_AFTER
        return FaultPlan(fault, s < self.stall_rate)
