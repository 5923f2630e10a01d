"""Progress of long work on stderr: a bar on a terminal, a line every few seconds elsewhere (CI logs).

rich is imported only when a bar is drawn, and only by the commands, so `crmdeploy --help` stays fast.
A quick run off a terminal prints nothing: the first line comes after `every` seconds.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from .apply import Outcome

Tick = Callable[[Outcome], None]
Step = Callable[[str], None]   # one unit of work done; the text says which
EVERY = 5.0                    # seconds between two lines off a terminal ...
EVERY_ENV = "CRMDEPLOY_PROGRESS_SECONDS"   # ... unless set here (a CI that kills a job silent for N s)


def every_from_env() -> float:
    """Seconds between two progress lines off a terminal: `CRMDEPLOY_PROGRESS_SECONDS`, else 5."""
    from .envnumber import env_number
    from .errors import UsageError

    value = env_number(EVERY_ENV, EVERY, float, "a number of seconds above 0", UsageError)
    if value <= 0:
        raise UsageError(f'{EVERY_ENV}="{value:g}" is not a number of seconds above 0')
    return value


@contextmanager
def meter(label: str, total: int, console: Any = None, *, enabled: bool = True, every: float | None = None,
          stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic) -> Iterator[Step]:
    """Yield a callback that counts one unit of `total` done."""
    if not enabled or total <= 0:
        yield lambda text: None
        return
    every = every_from_env() if every is None else every
    if console is None:
        out = stream or sys.stderr
        if not (hasattr(out, "isatty") and out.isatty()):  # off a terminal: lines, and rich not imported
            yield _lines(label, total, out, every, clock)
            return
        from rich.console import Console

        console = Console(stderr=True)
    if console.is_terminal:
        with _bar(label, total, console) as step:
            yield step
        return
    yield _lines(label, total, stream or sys.stderr, every, clock)


@contextmanager
def _bar(label: str, total: int, console: Any) -> Iterator[Step]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        yield lambda text: progress.update(task, advance=1, description=text)


def _lines(label: str, total: int, stream: IO[str], every: float, clock: Callable[[], float]) -> Step:
    start = last = clock()
    done = 0
    lock = threading.Lock()

    def step(text: str) -> None:
        nonlocal done, last
        with lock:
            done += 1
            now = clock()
            if now - last >= every:
                last = now
                print(f"{label}: {done}/{total} ({now - start:.0f} s)", file=stream, flush=True)

    return step


@contextmanager
def bar(total: int, console: Any = None, **options: Any) -> Iterator[Tick]:
    """Apply's progress: one step per outcome, named by its status and address."""
    with meter("Applying", total, console, **options) as step:
        yield lambda outcome: step(f"{outcome.status.value} {outcome.change.address}")
