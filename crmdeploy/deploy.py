"""Safe deploys: the use cases behind `plan` and `apply` with their safety nets.

Composes the small modules: selection (--only/--exclude), reversibility,
the safety threshold, saved plans with their fingerprints, the target lock,
the snapshot taken before apply and the journal of writes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import lock, manual, savedplan, snapshot
from .adapter import Adapter, check_writes
from .apply import ApplyReport, Outcome, apply_plan
from .errors import RefusedError, SavedPlanError
from .fingerprint import differences
from .journal import Journal
from .kinds import BY_NAME
from .loader import LoadedSpec, load
from .progress import Step, Tick
from .registry import identity, open_target
from .run import Options, Planned, plan_spec, read_live
from .spec.base import Resource
from .statedir import lock_file

__all__ = ["Options", "Planned", "plan_spec", "save_plan", "replan_saved", "apply_source", "session",
           "take_snapshot", "execute"]

MAX_LISTED = 20


def save_plan(path: Path, planned: Planned, options: Options) -> None:
    savedplan.write(path, planned.plan, planned.fingerprint, planned.safety, options.data())


def replan_saved(saved: savedplan.SavedPlan, adapter: Adapter, progress: Step | None = None) -> Planned:
    """The saved plan as it is, once the target proves unchanged since it was made."""
    if adapter.target != saved.plan.target:
        raise RefusedError(f"{saved.source} was made for {saved.plan.target}, not {adapter.target}")
    desired: dict[str, list[Resource]] = {}
    for change in saved.plan.changes:
        if change.resource is not None:
            desired.setdefault(change.kind, []).append(change.resource)
    planned = Planned.of(saved.plan, read_live(adapter, desired, progress), saved.safety, desired)
    if changed := differences(saved.fingerprint, planned.fingerprint):
        raise _stale(saved, adapter.target, changed)
    by_key = {kind: {BY_NAME[kind].key_of(r): r for r in resources or ()} for kind, resources in planned.live.items()}
    if unseen := savedplan.undisplayed(saved, by_key):
        raise SavedPlanError(f"{saved.source}: the plan would write what it does not show, so it is refused:\n"
                             + "\n".join(f"  {line}" for line in unseen[:MAX_LISTED]) + "\nMake a new plan.")
    return planned


def _stale(saved: savedplan.SavedPlan, target: str, changed: list[str]) -> RefusedError:
    listed = [f"  {line}" for line in changed[:MAX_LISTED]]
    if len(changed) > MAX_LISTED:
        listed.append(f"  … and {len(changed) - MAX_LISTED} more")
    return RefusedError(f"{saved.source} is stale: {len(changed)} change(s) in {target} since it was made "
                        f"({saved.created}):\n" + "\n".join(listed) + "\nMake a new plan.")


class SpecSource:
    """Apply from a spec: plan afresh under the lock (and ask, on a terminal, before writing)."""

    reviewed = False

    def __init__(self, loaded: LoadedSpec, options: Options):
        self.loaded, self.options = loaded, options

    def target(self, given: str | None) -> str | None:
        return given

    def plan(self, adapter: Adapter, progress: Step | None = None) -> Planned:
        return plan_spec(self.loaded, adapter, self.options, progress)


class SavedSource:
    """Apply a saved plan: exactly its changes, if the target has not moved. Its review was the
    `plan` that saved it, so apply does not ask again (as Terraform applies a saved plan)."""

    reviewed = True

    def __init__(self, saved: savedplan.SavedPlan):
        self.saved = saved

    def target(self, given: str | None) -> str | None:
        return given or self.saved.plan.target

    def plan(self, adapter: Adapter, progress: Step | None = None) -> Planned:
        return replan_saved(self.saved, adapter, progress)


def apply_source(path: Path, options: Options) -> SpecSource | SavedSource:
    """A saved plan file (told apart by its content) or a spec, ready to apply."""
    if savedplan.sniff(path):
        if options != Options():
            raise SavedPlanError("a saved plan applies exactly the changes it shows; "
                                 "--prune, --only and --exclude belong to the `plan` that makes it")
        return SavedSource(savedplan.read(path))
    loaded = load(path)
    loaded.require_secrets()
    return SpecSource(loaded, options)


@contextmanager
def session(url: str, *, force_unlock: bool = False, lock_dir: Path | None = None,
            **options: Any) -> Iterator[Adapter]:
    """The target opened once, under its lock, and closed (state persisted) before the lock is
    released. The lock is keyed by the real target however it is spelled (`registry.identity`, which
    needs no adapter: no probe is opened) and kept where every invocation finds it
    (`statedir.lock_file`), unless `lock_dir` says otherwise; opened under the lock, the adapter
    reads what the previous holder left."""
    real = identity(url)
    path = lock.lock_path(real, lock_dir) if lock_dir is not None else lock_file(real)
    with lock.hold(real, force_unlock=force_unlock, path=path):
        adapter = open_target(url, **options)
        try:
            yield adapter
        finally:
            adapter.close()


def take_snapshot(planned: Planned, directory: Path = snapshot.SNAPSHOT_DIR) -> Path:
    return snapshot.save(planned.live, planned.plan.target, planned.desired, directory)


def execute(planned: Planned, adapter: Adapter, *, journal: Path, progress: Tick | None = None,
            stop: threading.Event | None = None) -> ApplyReport:
    """Apply the plan, journaling every write as it finishes (the journal and `progress` are
    called on this thread only, one outcome at a time, while writes of a level run in parallel)."""
    writes = {change.kind for change in planned.plan.writes}
    check_writes(adapter, [BY_NAME[name] for name in sorted(writes)])  # before the first write
    record = Journal(journal, planned.plan.target, planned.live).record

    def tick(outcome: Outcome) -> None:
        record(outcome)
        if progress:
            progress(outcome)

    return apply_plan(planned.plan, adapter, tick, stop=stop)


def record_steps(loaded: LoadedSpec, adapter: Adapter, addresses: list[str], *, all_steps: bool = False,
                 forget: list[str] | None = None) -> tuple[Path, list[str]]:
    """`crmdeploy done`: record pending manual steps as done (or forget records) in the spec's
    records file; the file and one line per step recorded or forgotten."""
    path = manual.records_path(loaded.paths)
    records = manual.Records.load(path)
    key = manual.target_key(adapter.target, path)
    said = [f"forgot {a}" for a in manual.forget(records, key, forget or [])]
    if addresses or all_steps:
        planned = plan_spec(loaded, adapter)
        said += [f"recorded {a} as done" for a in manual.record_done(
            records, key, planned.plan, planned.reads, addresses, all_steps=all_steps)]
    if said:
        records.save()
    return path, said
