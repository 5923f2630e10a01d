"""Work on daemon threads that never hold up Ctrl-C or SIGTERM.

`concurrent.futures.ThreadPoolExecutor` joins its threads when its block ends and again at
interpreter exit, so a Ctrl-C during reads waited for every read in flight (each up to its
timeout, and its retries). Here the calling thread waits in short, interruptible steps; when it
is interrupted it stops handing out work and leaves the threads behind as daemons, so the
command ends (its lock released on the way out) within a second.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait, FIRST_EXCEPTION
from queue import Empty, SimpleQueue
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def daemon_map(fn: Callable[[T], R], items: Iterable[T], workers: int, name: str = "crmdeploy") -> list[R]:
    """`[fn(x) for x in items]` on up to `workers` daemon threads, in order; the first error raised."""
    queue: SimpleQueue[tuple[Future[R], T]] = SimpleQueue()
    futures: list[Future[R]] = []
    for item in items:
        future: Future[R] = Future()
        futures.append(future)
        queue.put((future, item))
    for _ in range(min(workers, len(futures))):
        threading.Thread(target=work, args=(queue, fn), name=name, daemon=True).start()
    try:
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future.done() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        return [f.result() for f in futures]
    finally:
        for future in futures:
            future.cancel()  # what has not started will not (after an error or an interrupt)


def work(queue: SimpleQueue, fn: Callable) -> None:
    """A daemon thread's loop: `fn(item)` for each (future, item) taken from `queue`, its result or
    error set on the future, until the queue is empty. Stop signals stay with the main thread."""
    if hasattr(signal, "pthread_sigmask"):  # signals go to the main thread, which can act on them
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    while True:
        try:
            future, item = queue.get_nowait()
        except Empty:
            return
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(fn(item))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
