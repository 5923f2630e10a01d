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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from itertools import groupby

from .adapter import Adapter, workers_of
from .errors import CrmdeployError
from .kinds import BY_NAME, RANK
from .plan import Action, Change, Plan
from .spec.base import iter_refs

log = logging.getLogger(__name__)


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
               workers: int | None = None) -> ApplyReport:
    """Apply `plan`, up to `workers` writes at a time (default: what the adapter takes)."""
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
                writes = []
                for index, change in level:  # what the level depends on is settled by now
                    if (skipped := _skipped(change, broken)) is not None:
                        settle(index, skipped)
                    else:
                        writes.append((index, partial(_attempt, adapter, change)))
                for index, outcome in writer.run(writes):
                    settle(index, outcome)
        except BaseException:
            for index, outcome in writer.abandon():  # the writes already under way still get journaled
                settle(index, outcome)
            raise
    return ApplyReport([done[i] for i in sorted(done)])


Job = Callable[[], Outcome]


def _skipped(change: Change, broken: set[tuple[str, str]]) -> Outcome | None:
    if change.action is Action.MANUAL:
        return Outcome(change, Status.SKIPPED, f"manual: {change.note}")
    if waiting := blockers(change, broken):
        return Outcome(change, Status.SKIPPED, f"depends on {', '.join(waiting)}, which was not applied")
    return None


class Writer:
    """Runs one level's writes on up to `workers` threads, handing outcomes back as they finish.

    With one worker the jobs run on the calling thread, in order, with no thread at all."""

    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(workers, "crmdeploy-write") if workers > 1 else None
        self.pending: dict[Future[Outcome], int] = {}

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def run(self, jobs: list[tuple[int, Job]]) -> Iterator[tuple[int, Outcome]]:
        if self.pool is None:
            for index, job in jobs:
                yield index, job()
            return
        self.pending = {self.pool.submit(job): index for index, job in jobs}
        for future in as_completed(list(self.pending)):
            index = self.pending.pop(future)
            yield index, future.result()

    def abandon(self) -> Iterator[tuple[int, Outcome]]:
        """Cancel the jobs not yet started; wait for, and yield, those that were."""
        pending, self.pending = self.pending, {}
        for future in pending:
            future.cancel()
        for future, index in pending.items():
            if not future.cancelled() and future.exception() is None:
                yield index, future.result()


def _missing_after(change: Change, outcome: Outcome) -> bool:
    # A skipped update leaves the resource in place, so what references it can still go ahead.
    return outcome.status is Status.SKIPPED and Action.CREATE in (change.action, change.intent)


def _attempt(adapter: Adapter, change: Change) -> Outcome:
    try:
        write(adapter, change)
    except CrmdeployError as exc:
        log.debug("write failed: %s %s: %s", change.action.value, change.address, exc)
        return Outcome(change, Status.FAILED, str(exc))
    return Outcome(change, Status.APPLIED)
