"""The mass-change check (like octoDNS's update/delete thresholds).

A plan that updates or deactivates a large share of the existing resources of
one kind is far more often a mistake (a wrong spec, a wrong target) than an
intent, so it is refused unless the user says `--force`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import RefusedError
from .plan import Action, Plan
from .spec.base import Resource
from .spec.settings import Safety

RISKY = (Action.UPDATE, Action.DEACTIVATE)


@dataclass(frozen=True)
class Violation:
    kind: str
    changed: int
    existing: int
    limit: float
    minimum: int

    @property
    def percent(self) -> float:
        return 100.0 * self.changed / self.existing

    def __str__(self) -> str:
        return (f"{self.kind}: {self.changed} of {self.existing} existing would be updated or deactivated "
                f"({self.percent:.1f} %); the limit is {self.limit:g} % for a kind with at least "
                f"{self.minimum} resources")


def violations(plan: Plan, live: Mapping[str, list[Resource] | None], safety: Safety) -> list[Violation]:
    """Every kind whose share of updated or deactivated resources is over its limit."""
    changed = Counter(c.kind for c in plan.changes if c.action in RISKY)
    found = []
    for kind, count in changed.items():
        existing = len(live.get(kind) or ())
        limit, minimum = safety.limits(kind)
        if existing >= minimum and existing and 100.0 * count / existing > limit:
            found.append(Violation(kind, count, existing, limit, minimum))
    return found


def enforce(found: list[Violation], *, force: bool) -> None:
    """Refuse (exit code 3) unless there is nothing to refuse or the user forces it."""
    if not found or force:
        return
    lines = "\n".join(f"  {v}" for v in found)
    raise RefusedError("the plan changes too much at once:\n" + lines +
                       "\nReview the plan above; if it is what you want, run again with --force "
                       "(or raise safety.max_change_percent in the spec).")
