"""The pages of one paged list, read side by side: a paged kind costs about one latency more than
an unpaged one instead of one latency per page, at the same number of requests.

Page 1 gives the page count; pages 2..N are then requested by up to `width` daemon threads (the
transport's limiter paces them, so the rate limit holds however many there are), and handed back
in page order. A page is requested only while fewer than `width` pages wait for the caller, so a
caller that stops early (an empty page, a page that does not add up, an error) has cost at most
`width - 1` requests past it: a server that claims 5,000 pages cannot make crmdeploy ask for them.
Threads are daemons that block Ctrl-C/SIGTERM, so an interrupt ends the command at once.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def pages(fetch: Callable[[int], T], first: int, last: int, width: int) -> Iterator[tuple[int, T]]:
    """`(page, fetch(page))` for page = first..last, in order; the first error raised in its place."""
    if width <= 1 or last <= first:
        for page in range(first, last + 1):
            yield page, fetch(page)
        return
    cond = threading.Condition()
    results: dict[int, tuple[bool, Any]] = {}
    state = {"next": first, "taken": first - 1, "stop": False}

    def work() -> None:
        if hasattr(signal, "pthread_sigmask"):  # signals go to the main thread, which acts on them
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        while True:
            with cond:
                while not state["stop"] and state["next"] <= last and state["next"] > state["taken"] + width:
                    cond.wait()
                if state["stop"] or state["next"] > last:
                    return
                page = state["next"]
                state["next"] += 1
            try:
                outcome: tuple[bool, Any] = (True, fetch(page))
            except BaseException as exc:  # handed to the caller in page order
                outcome = (False, exc)
            with cond:
                results[page] = outcome
                cond.notify_all()

    for _ in range(min(width, last - first + 1)):
        threading.Thread(target=work, name="crmdeploy-page", daemon=True).start()
    try:
        for page in range(first, last + 1):
            with cond:
                while page not in results:
                    cond.wait(0.5)  # in steps, so the waiting thread stays interruptible
                ok, value = results.pop(page)
                state["taken"] = page
                cond.notify_all()
            if not ok:
                raise value
            yield page, value
    finally:
        with cond:  # the caller stopped (or finished): no further page is requested
            state["stop"] = True
            cond.notify_all()
