"""When to retry a request, and how long to wait: one predicate, one policy.

Only failures that may succeed unchanged are retried: the rate limit (503,
and 429 defensively), other 5xx, timeouts and connection resets. Never any
other 4xx: a wrong key or a validation error will not fix itself.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from crmdeploy.errors import TransientError

Sleep = Callable[[float], None]


def transient_status(status: int) -> bool:
    """HTTP statuses worth retrying: 429 and every 5xx (retailCRM's rate limit is 503)."""
    return status == 429 or status >= 500


def should_retry(exc: BaseException) -> bool:
    """The one retry predicate: the error mapping turns exactly the retryable failures
    (transient statuses, timeouts, connection resets) into TransientError."""
    return isinstance(exc, TransientError)


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6          # 0.2 failure rate → one request in ~15,000 still fails
    base: float = 0.25         # first backoff, doubled each attempt, randomised (full jitter)
    cap: float = 10.0          # longest backoff
    max_retry_after: float = 60.0
    sleep: Sleep = time.sleep

    def wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, but never sooner than the server's Retry-After."""
        backoff = wait_random_exponential(multiplier=self.base, max=self.cap)(state)
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        return max(backoff, min(after, self.max_retry_after)) if after else backoff

    def retrying(self, before_sleep: Callable[[RetryCallState], None] | None = None) -> Retrying:
        return Retrying(retry=retry_if_exception(should_retry), wait=self.wait,
                        stop=stop_after_attempt(max(1, self.attempts)), sleep=self.sleep,
                        before_sleep=before_sleep, reraise=True)
