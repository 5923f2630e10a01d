"""Carry out a plan's writes in dependency order, one write per change.

Changes go in dependency levels (a kind's rank, see kinds.RANK): every
reference points to a lower level, so the writes of one level are independent
and run together on a few threads, which keeps a rate-limited API busy while
each request waits out its latency. A level starts once the one before it has
finished, so a dependent is only written after what it references.

A failure does not stop the run: everything that does not depend on the
failed change is still applied, everything that does is skipped, and the
report says which was which, in plan order. Re-running converges because
every plan is made afresh from the live CRM.

`progress` (the journal and the progress bar) is called on the calling thread
only, one outcome at a time, as each write finishes.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, as_completed, wait
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from itertools import groupby
from operator import call
from queue import SimpleQueue

from .adapter import Adapter, workers_of
from .daemons import STOP_SIGNALS, work
from .errors import CrmdeployError, Interrupted
from .kinds import BY_NAME, RANK
from .plan import Action, Change, Plan
from .spec.base import iter_refs

log = logging.getLogger(__name__)
GRACE_SECONDS = 0.8  # after Ctrl-C, how long writes already on the wire may take to finish (the
# command must end within a second; a write cut off here may have happened: the next plan reads it)


class Status(str, Enum):
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    change: Change
    status: Status
    message: str = ""


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def ok(self) -> bool:
        return self.count(Status.FAILED) == 0

    def to_data(self) -> dict:
        return {"summary": {s.value: self.count(s) for s in Status},
                "outcomes": [{"kind": o.change.kind, "key": o.change.key, "action": o.change.action.value,
                              "status": o.status.value, "message": o.message} for o in self.outcomes]}


Progress = Callable[[Outcome], None]


def write(adapter: Adapter, change: Change) -> None:
    """The one adapter call that carries out `change`."""
    kind = BY_NAME[change.kind]
    if change.action is Action.CREATE:
        adapter.create(kind, change.resource)
    elif change.action is Action.UPDATE:
        adapter.update(kind, change.resource, tuple(f.field for f in change.fields))
    elif change.action is Action.DEACTIVATE:
        adapter.deactivate(kind, change.key)
    else:
        raise ValueError(f"{change.action.value} is not a write")


def blockers(change: Change, broken: set[tuple[str, str]]) -> list[str]:
    """Addresses this change references whose own change failed or was skipped."""
    if change.resource is None:
        return []
    return sorted({f"{k}.{v}" for _, k, v in iter_refs(change.resource) if (k, v) in broken})


Indexed = tuple[int, Change]  # a change with its position in the plan


def levels(plan: Plan) -> list[list[Indexed]]:
    """The plan's writes grouped by dependency rank, lowest first, each in plan order."""
    indexed = [(i, c) for i, c in enumerate(plan.changes) if c.action is not Action.UNMANAGED]
    ranked = sorted(indexed, key=lambda ic: RANK[ic[1].kind])  # stable: plan order within a level
    return [list(group) for _, group in groupby(ranked, key=lambda ic: RANK[ic[1].kind])]


def apply_plan(plan: Plan, adapter: Adapter, progress: Progress | None = None, *,
               workers: int | None = None, stop: threading.Event | None = None) -> ApplyReport:
    """Apply `plan`, up to `workers` writes at a time (default: what the adapter takes). Once
    `stop` is set (a run of several targets was interrupted: the signal reaches only the main
    thread), no further write starts; those under way finish and are journaled, then `Interrupted`."""
    done: dict[int, Outcome] = {}
    broken: set[tuple[str, str]] = set()

    def settle(index: int, outcome: Outcome) -> None:
        done[index] = outcome
        if outcome.status is Status.FAILED or _missing_after(outcome.change, outcome):
            broken.add((outcome.change.kind, outcome.change.key))
        if progress:
            progress(outcome)

    with Writer(workers or workers_of(adapter)) as writer:
        try:
            for level in levels(plan):
                _check(stop, done, plan)
                writes = []
                for index, change in level:  # what the level depends on is settled by now
                    if (skipped := _skipped(change, broken)) is not None:
                        settle(index, skipped)
                    else:
                        writes.append((index, partial(_attempt, adapter, change)))
                for future in writer.run(writes):
                    with signals_deferred():  # taken and journaled as one step, or left for abandon()
                        settle(writer.pending.pop(future), future.result())
                    _check(stop, done, plan)
        except BaseException:
            for index, outcome in writer.abandon():  # the writes already under way still get journaled
                settle(index, outcome)
            raise
    return ApplyReport([done[i] for i in sorted(done)])


def _check(stop: threading.Event | None, done: dict[int, Outcome], plan: Plan) -> None:
    if stop is not None and stop.is_set():
        made = sum(1 for o in done.values() if o.status is Status.APPLIED)
        raise Interrupted(f"interrupted after {made} of {len(plan.writes)} write(s), each journaled; the rest "
                          "were not started (plan again to see what is left)")


Job = Callable[[], Outcome]


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends (they are delivered then, not lost)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _skipped(change: Change, broken: set[tuple[str, str]]) -> Outcome | None:
    if change.action is Action.MANUAL:
        return Outcome(change, Status.SKIPPED, f"manual: {change.note}")
    if change.action is Action.BLOCKED:
        return Outcome(change, Status.SKIPPED, f"blocked: {change.note}")
    if waiting := blockers(change, broken):
        return Outcome(change, Status.SKIPPED, f"depends on {', '.join(waiting)}, which was not applied")
    return None


class Writer:
    """Runs one level's writes on up to `workers` threads, handing outcomes back as they finish.

    With one worker the jobs run on the calling thread, in order, with no thread at all. The
    threads are daemons: after Ctrl-C, a write held up by a slow server must not keep the
    process alive for its whole timeout; `abandon` gives such writes a short grace instead.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.pending: dict[Future[Outcome], int] = {}

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()

    def run(self, jobs: list[tuple[int, Job]]) -> Iterator[Future[Outcome]]:
        """Futures as they finish; the caller takes each out of `pending` once it has handled it."""
        self.pending = {}
        if self.workers <= 1:
            for index, job in jobs:
                future: Future[Outcome] = Future()
                future.set_result(job())
                self.pending[future] = index
                yield future
            return
        queue: SimpleQueue[tuple[Future[Outcome], Job]] = SimpleQueue()
        for index, job in jobs:
            future = Future()
            self.pending[future] = index
            queue.put((future, job))
        for _ in range(min(self.workers, len(jobs))):
            threading.Thread(target=work, args=(queue, call), name="crmdeploy-write", daemon=True).start()
        yield from as_completed(list(self.pending))

    def abandon(self, grace: float = GRACE_SECONDS) -> Iterator[tuple[int, Outcome]]:
        """Cancel the jobs not yet started; yield those under way that finish within `grace`."""
        pending, self.pending = self.pending, {}
        running = [f for f in pending if not f.cancel()]
        finished, _ = wait(running, timeout=grace)
        for future in running:
            if future in finished and future.exception() is None:
                yield pending[future], future.result()


def _missing_after(change: Change, outcome: Outcome) -> bool:
    # A skipped update leaves the resource in place, so what references it can still go ahead.
    return outcome.status is Status.SKIPPED and Action.CREATE in (change.action, change.intent)



def _attempt(adapter: Adapter, change: Change) -> Outcome:
    try:
        write(adapter, change)
    except CrmdeployError as exc:
        if getattr(exc, "fatal", False):  # the target cannot take any write (its disk is full): stop
            raise
        log.debug("write failed: %s %s: %s", change.action.value, change.address, exc)
        return Outcome(change, Status.FAILED, str(exc))
    return Outcome(change, Status.APPLIED)
