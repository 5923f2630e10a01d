"""The use cases behind `plan/apply --all`, `--targets a,b`, `-t NAME` and `apply DIR`, one target each.

`plan_one` and `apply_one` are what the fleet runner runs for every target; each opens its own
adapter (its own rate limit) and, to apply, takes its own lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import savedplan
from .errors import EXIT_CHANGES, EXIT_MANUAL, EXIT_OK, EXIT_REFUSED, RefusedError, UsageError
from .fleet import Result
from .loader import LoadedSpec, load_layers
from .plan import Action, Plan
from .project import Project, ProjectTarget

PLAN_COLUMNS = ("create", "update", "deactivate", "manual")
APPLY_COLUMNS = ("applied", "failed", "skipped")
SAVED_SUFFIX = ".json"
APPLIED_DIR = "applied"


@dataclass(frozen=True)
class Run:
    """What every target's run shares: the command's options."""

    options: Any = None                       # deploy.Options
    fmt: str = "text"
    variables: Mapping[str, str] = field(default_factory=dict)   # --var, over each target's vars
    adapter_options: Mapping[str, Any] = field(default_factory=dict)   # insecure, parallelism
    force: bool = False
    detailed: bool = False
    out: Path | None = None                   # plan --out DIR
    journal: Path | None = None
    force_unlock: bool = False
    # Set on Ctrl-C: each target's apply stops after the writes under way (only the main thread
    # hears the signal, and it waits for the targets in flight).
    stop: threading.Event = field(default_factory=threading.Event)


def load_target(target: ProjectTarget, variables: Mapping[str, str] = {}, *,
                located: bool = False) -> LoadedSpec:
    hint = (f" (target {target.name} defines no such variable: add it under targets.{target.name}.vars "
            f"or pass --var NAME=VALUE)")
    return load_layers([layer.path for layer in target.layers], {**target.vars, **variables}, hint=hint,
                       source=f"{target.name}: " + " + ".join(str(layer.path) for layer in target.layers),
                       located=located)


def plan_code(plan: Plan, detailed: bool = True) -> int:
    """2 when writes are pending, 4 when only manual steps are, 0 when nothing is."""
    if not detailed:
        return EXIT_OK
    if plan.writes:
        return EXIT_CHANGES
    return EXIT_MANUAL if plan.manual_pending else EXIT_OK


def plan_counts(plan: Plan) -> dict[str, int]:
    return {c: plan.count(Action(c)) for c in PLAN_COLUMNS}


def plan_one(target: ProjectTarget, run: Run, *, exclusive: bool = True) -> Result:
    from .deploy import plan_spec, save_plan
    from .registry import open_target
    from .render import RENDERERS

    loaded = load_target(target, run.variables)
    adapter = open_target(target.url, **target.key_options(exclusive=exclusive), **run.adapter_options)
    try:
        planned = plan_spec(loaded, adapter, run.options)
    finally:
        adapter.close()
    result = Result(target.name, adapter.target, plan_code(planned.plan),
                    RENDERERS[run.fmt](planned.plan), {"plan": planned.plan.to_data()},
                    counts=plan_counts(planned.plan))
    try:
        planned.enforce_safety(force=run.force)
    except RefusedError as exc:
        result.code, result.error, result.errors = EXIT_REFUSED, str(exc), [str(exc)]
        return result
    if run.out is not None:
        run.out.mkdir(parents=True, exist_ok=True)
        save_plan(run.out / f"{target.name}{SAVED_SUFFIX}", planned, run.options)
    return result


def apply_one(target: ProjectTarget, run: Run, source: Callable[[], Any] | None = None,
              *, exclusive: bool = True) -> Result:
    """Plan afresh under the target's lock and apply (or apply a saved plan, when `source` gives one)."""
    from .deploy import SpecSource, execute, session, take_snapshot
    from .render import plan_text, report_text
    from .statedir import JOURNAL

    spec_source = source() if source else SpecSource(_required(load_target(target, run.variables)), run.options)
    with session(spec_source.target(target.url), force_unlock=run.force_unlock,
                 **target.key_options(exclusive=exclusive), **run.adapter_options) as adapter:
        planned = spec_source.plan(adapter)
        result = Result(target.name, adapter.target, text=plan_text(planned.plan),
                        data={"plan": planned.plan.to_data()})
        try:
            planned.enforce_safety(force=run.force)
        except RefusedError as exc:   # the plan it refused stays in the target's output
            result.code, result.error, result.errors = EXIT_REFUSED, str(exc), [str(exc)]
            return result
        if not planned.plan.has_changes:
            result.counts = {c: 0 for c in APPLY_COLUMNS}
            return result
        shot = take_snapshot(planned)
        result.text += f"Snapshot of the live configuration: {shot}\n"
        report = execute(planned, adapter, journal=run.journal or JOURNAL, stop=run.stop)
    result.text += report_text(report)
    result.counts = {s: report.count(_status(s)) for s in APPLY_COLUMNS}
    result.data["applied"] = {"ok": report.ok, **result.counts}
    _with_checklist(result, planned.plan, target.name)
    if not report.ok:
        failed = [o.change.address for o in report.outcomes if o.status.value == "failed"]
        result.code, result.error = 1, f"{len(failed)} write(s) failed: {', '.join(failed[:5])}"
        result.errors = [result.error]
    return result


def _with_checklist(result: Result, plan: Any, name: str) -> None:
    """The manual work left on the target, as one target's `apply` ends with it."""
    from .manual import checklist
    from .plan import Action

    text = checklist(plan, f"crmdeploy done -t {name}")
    if text:
        result.text += "\n" + text
        result.data["manual_steps"] = [c.address for c in plan.changes if c.action in (Action.MANUAL, Action.BLOCKED)]


def _required(loaded: LoadedSpec) -> LoadedSpec:
    loaded.require_secrets()
    return loaded


def _status(name: str) -> Any:
    from .apply import Status

    return Status(name)


@dataclass(frozen=True)
class SavedTarget:
    """A plan saved by `plan --all --out DIR` as DIR/NAME.json, and the project target it is for."""

    path: Path
    target: ProjectTarget


def saved_plans(folder: Path, project: Project | None, names: list[str] | None = None) -> list[SavedTarget]:
    """Every saved plan in `folder` (those already applied were moved to folder/applied/)."""
    files = sorted(p for p in folder.glob(f"*{SAVED_SUFFIX}") if p.is_file() and savedplan.sniff(p))
    if names:
        wanted = set(names)
        files = [p for p in files if p.stem in wanted]
    if not files:
        raise UsageError(f"{folder}: no saved plans to apply (plan --all --out {folder} makes them; "
                         f"applied ones are moved to {folder / APPLIED_DIR})")
    out = []
    for path in files:
        target = project.targets.get(path.stem) if project else None
        if target is None:
            saved = savedplan.read(path)
            target = ProjectTarget(path.stem, saved.plan.target, ())
        out.append(SavedTarget(path, target))
    return out


def apply_saved_one(item: SavedTarget, run: Run) -> Result:
    """Apply DIR/NAME.json exactly; once it applied cleanly, move it to DIR/applied/ so a rerun
    of `apply DIR` takes only the targets that failed."""
    from .deploy import SavedSource

    result = apply_one(item.target, run, lambda: SavedSource(savedplan.read(item.path)))
    if result.code == EXIT_OK:
        done = item.path.parent / APPLIED_DIR
        done.mkdir(exist_ok=True)
        item.path.replace(done / item.path.name)
    return result


def resolve(value: str, project: Project | None) -> ProjectTarget:
    """`-t VALUE`: a URL as today, else the name of a project target."""
    from .errors import TargetError
    from .project import PROJECT_FILE
    from .registry import is_url

    if is_url(value):
        return ProjectTarget(value, value, ())
    if project is None:
        raise TargetError(f'target "{value}" is not a URL, and there is no project file ({PROJECT_FILE} in '
                          "this folder, or --project FILE) to name it; use mock://PATH or https://ACCOUNT.retailcrm.ru")
    return project.target(value)


def compare_targets(a: ProjectTarget, b: ProjectTarget, adapter_options: Mapping[str, Any] = {}) -> Any:
    """Read both accounts side by side and compare them. When both send an API key, each must
    have its own key source: the global CRMDEPLOY_API_KEY is refused, so one account's key never
    reaches the other's host."""
    from concurrent.futures import ThreadPoolExecutor

    from .compare import compare
    from .registry import open_target
    from .run import read_live, resources_of

    exclusive = a.keyed and b.keyed
    options = [t.key_options(exclusive=exclusive) for t in (a, b)]

    def read(pair: tuple[ProjectTarget, dict]) -> tuple[str, Any]:
        adapter = open_target(pair[0].url, **pair[1], **adapter_options)
        try:
            return adapter.target, resources_of(read_live(adapter))
        finally:
            adapter.close()

    with ThreadPoolExecutor(2, "crmdeploy-compare") as pool:
        (a_name, a_live), (b_name, b_live) = pool.map(read, zip((a, b), options))
    return compare(a_name, a_live, b_name, b_live)
