"""Carry out a plan's writes in dependency order, one write per change.

A failure does not stop the run: everything that does not depend on the
failed change is still applied, everything that does is skipped, and the
report says which was which. Re-running converges because every plan is made
afresh from the live CRM.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from .adapter import Adapter
from .errors import CrmdeployError
from .kinds import BY_NAME
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


def apply_plan(plan: Plan, adapter: Adapter, progress: Progress | None = None) -> ApplyReport:
    report = ApplyReport()
    broken: set[tuple[str, str]] = set()
    for change in plan.changes:
        if change.action is Action.UNMANAGED:
            continue
        outcome = _one(adapter, change, broken)
        if outcome.status is Status.FAILED or _missing_after(change, outcome):
            broken.add((change.kind, change.key))
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    return report


def _missing_after(change: Change, outcome: Outcome) -> bool:
    # A skipped update leaves the resource in place, so what references it can still go ahead.
    return outcome.status is Status.SKIPPED and Action.CREATE in (change.action, change.intent)


def _one(adapter: Adapter, change: Change, broken: set[tuple[str, str]]) -> Outcome:
    if change.action is Action.MANUAL:
        return Outcome(change, Status.SKIPPED, f"manual: {change.note}")
    if waiting := blockers(change, broken):
        return Outcome(change, Status.SKIPPED, f"depends on {', '.join(waiting)}, which was not applied")
    try:
        write(adapter, change)
    except CrmdeployError as exc:
        log.debug("write failed: %s %s: %s", change.action.value, change.address, exc)
        return Outcome(change, Status.FAILED, str(exc))
    return Outcome(change, Status.APPLIED)
