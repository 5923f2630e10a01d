"""The one planning path: build the desired state, read the live CRM, diff, select, annotate.

`plan_spec` is the only function that does it; `make_plan` is its plain-Plan shorthand for
programs and tests. A saved plan is not planned again: `deploy.replan_saved` only reads the
live CRM (`read_live`) to prove it unchanged. What a plan believes about the target (which kinds
it can write, which fields it cannot) is what the read returned (`Live`), never asked afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from . import manual, quickexit
from .adapter import Adapter, Capability, Live, workers_of
from .daemons import daemon_map
from .diff import diff_all
from .fingerprint import Fingerprint, take
from .gcpause import paused_gc
from .kinds import KINDS, Kind
from .loader import LoadedSpec
from .plan import Action, Plan
from .reversibility import annotate
from .safety import Violation, enforce, violations
from .selection import check_matched, parse_all, select
from .spec.base import Resource
from .spec.settings import Safety

log = logging.getLogger(__name__)

Reads = dict[str, Live]   # kind name -> what one fetch of it gave
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    prune: bool = False
    only: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def data(self) -> dict[str, Any]:
        return {"prune": self.prune, "only": list(self.only), "exclude": list(self.exclude)}


@dataclass(frozen=True)
class Planned:
    """A plan with what it was made from: the live read, what the target could do, the thresholds."""

    plan: Plan
    live: Mapping[str, list[Resource] | None]
    capabilities: Mapping[str, str]   # kind -> "none" / "read" / "write" when the plan was made
    safety: Safety
    desired: Mapping[str, list[Resource]] = field(default_factory=dict)
    reads: Reads = field(default_factory=dict)   # the whole read: manual fields, warnings

    @classmethod
    def of(cls, plan: Plan, reads: Reads, safety: Safety, desired: Mapping[str, list[Resource]]) -> Planned:
        return cls(plan, resources_of(reads), capabilities_of(reads), safety, desired, reads)

    @cached_property
    def fingerprint(self) -> Fingerprint:
        """A hash of every live object read. Only a saved plan needs it, so it is made on demand
        (from the same read: the live objects are immutable)."""
        return take(self.live, self.capabilities)

    @property
    def steps(self) -> int:
        """How many outcomes apply reports: every change but the unmanaged ones."""
        return sum(1 for c in self.plan.changes if c.action is not Action.UNMANAGED)

    def violations(self) -> list[Violation]:
        return violations(self.plan, self.live, self.safety)

    def enforce_safety(self, *, force: bool) -> None:
        enforce(self.violations(), force=force)


def read_live(adapter: Adapter, desired: Mapping[str, list[Resource]] | None = None,
              progress: Progress | None = None) -> Reads:
    """One fetch per kind, every kind (a kind the target cannot read has `resources=None`).
    `progress` is called with each kind's name once it is read, from the thread that read it (the
    meters of `progress.py` are thread-safe).

    Kinds are read side by side on a target that takes parallel requests (its pages one after
    another), so a plan waits out the latency of a few requests rather than of every one."""
    desired = desired or {}
    progress = progress or (lambda name: None)

    def fetch(kind: Kind) -> Live:
        live = adapter.fetch(kind, desired.get(kind.name, []))
        if not isinstance(live, Live):
            raise TypeError(f"{type(adapter).__name__}.fetch({kind.name}) returned {type(live).__name__}, not Live")
        for warning in live.warnings:
            log.warning("%s", warning)
        progress(kind.name)
        return live

    workers = min(workers_of(adapter), len(KINDS))
    with paused_gc():  # thousands of small live objects, no cycles
        if workers == 1:
            return {kind.name: fetch(kind) for kind in KINDS}
        # Results in KINDS order, the first failing kind's error raised; daemon threads, so Ctrl-C
        # ends the command at once instead of waiting out the reads in flight.
        return dict(zip((k.name for k in KINDS), daemon_map(fetch, KINDS, workers, "crmdeploy-read")))


def resources_of(reads: Reads) -> dict[str, list[Resource] | None]:
    """Kind -> its live resources (None: unreadable)."""
    return {name: live.resources for name, live in reads.items()}


def capabilities_of(reads: Reads) -> dict[str, str]:
    """Kind -> "none" / "read" / "write", as the read found it."""
    return {name: live.capability.name.lower() for name, live in reads.items()}


def plan_spec(loaded: LoadedSpec, adapter: Adapter, options: Options = Options(),
              progress: Progress | None = None) -> Planned:
    """The plan for `loaded` against the adapter's CRM, with what it was made from; `progress`
    hears of each kind read."""
    only, exclude = parse_all(options.only, "--only"), parse_all(options.exclude, "--exclude")
    if missing := sorted({env for _, env in loaded.unset_secrets()}):
        log.warning("secrets not set in the environment: %s; plan compares them as unknown "
                    "and apply will refuse until they are set", ", ".join(missing))
    with paused_gc():
        desired = {k.name: loaded.spec.resources(k.name) for k in KINDS}
        reads = read_live(adapter, desired, progress)
        live = resources_of(reads)
        check_matched(only, "--only", desired, live)
        check_matched(exclude, "--exclude", desired, live)
        writable = {name for name, read in reads.items() if read.capability in (Capability.WRITE, Capability.EDIT)}
        edit_only = {name for name, read in reads.items() if read.capability is Capability.EDIT}
        unwritable = {name: read.manual_fields for name, read in reads.items() if read.manual_fields}
        impossible = {name: {key: (field, why) for key, field, why in read.manual_items}
                      for name, read in reads.items() if read.manual_items}
        changes = diff_all(desired, live, writable, prune=options.prune, manual_fields=unwritable,
                           edit_only=edit_only, manual_items=impossible)
    full = manual.with_records(Plan.of(adapter.target, changes), loaded.paths, reads, desired)
    plan = annotate(replace(full, changes=tuple(select(full.changes, only, exclude))), adapter)
    planned = Planned.of(plan, reads, loaded.spec.safety, desired)
    quickexit.keep(loaded, adapter, planned)   # freed by the process's end, not one by one
    return planned


def make_plan(loaded: LoadedSpec, adapter: Adapter, *, prune: bool = False) -> Plan:
    """Just the plan: `plan_spec` for programs and tests that need no selection or safety."""
    return plan_spec(loaded, adapter, Options(prune=prune)).plan
