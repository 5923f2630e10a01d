"""A progress bar on stderr while apply writes; nothing at all when stderr is not a terminal.

rich is imported here only, and only by apply, so `crmdeploy --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .apply import Outcome

Tick = Callable[[Outcome], None]


@contextmanager
def bar(total: int, console: Any = None) -> Iterator[Tick]:
    """Yield a callback that advances the bar by one outcome."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield lambda outcome: None
        return
    columns = (TextColumn("Applying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("", total=total)

        def tick(outcome: Outcome) -> None:
            progress.update(task, advance=1, description=f"{outcome.status.value} {outcome.change.address}")

        yield tick
