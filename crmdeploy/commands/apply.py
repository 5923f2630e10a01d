"""`crmdeploy apply`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EXIT_ERROR, EXIT_MANUAL
from ._common import (
    ApiKeyFileOpt,
    ExcludeOpt,
    ForceOpt,
    InsecureOpt,
    OnlyOpt,
    ParallelismOpt,
    PruneOpt,
    TargetOpt,
    color,
    confirm,
    deploy_options,
    guard,
    target_or_default,
)
from .fleet import (AllOpt, ProjectOpt, TargetsOpt, VarOpt, apply_folder, apply_many, is_plan_folder, many, single,
                    spec_source)


def apply(
    spec: Annotated[Optional[Path], typer.Argument(
        help="A spec (file or folder), a plan saved by `plan --out`, or a folder of plans saved by "
             "`plan --all --out DIR` (default with -t NAME, --all: the project target's spec list).",
        show_default=False)] = None,
    target: TargetOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking for confirmation.")] = False,
    prune: PruneOpt = False, only: OnlyOpt = None, exclude: ExcludeOpt = None, force: ForceOpt = False,
    force_unlock: Annotated[bool, typer.Option(
        "--force-unlock", help="Clear the target's lock left by an apply that is no longer running.")] = False,
    journal: Annotated[Optional[Path], typer.Option(
        "--journal", envvar="CRMDEPLOY_JOURNAL", show_default=False,
        help="JSONL file every write is appended to. Default: .crmdeploy/journal.jsonl.")] = None,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 4 (not 0) when manual steps are left after the writes.")] = False,
    api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False, parallelism: ParallelismOpt = None,
    all_targets: AllOpt = False, targets: TargetsOpt = None, project: ProjectOpt = None, var: VarOpt = None,
) -> None:
    """Make the changes the plan shows, in dependency order; one apply at a time per target.

    Prints the plan, asks for confirmation (unless --yes), saves a snapshot of the live configuration,
    applies, and reports what was applied, what failed (with the CRM's own words) and what was
    skipped. Exits 1 if anything failed (running it again converges), 3 if a safety check or a stale
    saved plan refused it. With --all (or --targets a,b, both need --yes) every target of the project
    file is applied at once, each under its own lock; `apply DIR` applies the plans `plan --all --out
    DIR` saved and moves each one that applied to DIR/applied/, so a rerun takes only the failed ones.
    """
    from ..deploy import apply_source, execute, session, take_snapshot
    from ..progress import bar
    from ..render import plan_text, report_text
    from ..statedir import JOURNAL

    options = deploy_options(prune, only, exclude)
    shared = {"force": force, "force_unlock": force_unlock, "journal": journal,
              "adapter_options": {"insecure": insecure, "parallelism": parallelism}}
    if many(all_targets, targets) and not (spec is not None and is_plan_folder(spec)):
        raise typer.Exit(apply_many(project, all_targets, targets, yes, var, target, options=options,
                                    api_key_file=api_key_file, **shared))
    if spec is not None and is_plan_folder(spec):
        raise typer.Exit(apply_folder(spec, project, targets, api_key_file=api_key_file, **shared))
    with guard():
        chosen = single(spec, target, project, var, api_key_file, saved_ok=True)
        source = apply_source(spec, options) if chosen.loaded is None else spec_source(chosen.loaded, options)
        with session(source.target(chosen.url) or target_or_default(None), force_unlock=force_unlock,
                     **chosen.keys, insecure=insecure, parallelism=parallelism) as adapter:
            planned = source.plan(adapter)
            typer.echo(plan_text(planned.plan, color=color()), nl=False)
            planned.enforce_safety(force=force)
            if not planned.plan.writes:
                _checklist(planned.plan, spec, detailed_exitcode)
                return
            confirm(planned.plan.target, yes)
            shot = take_snapshot(planned)
            typer.echo(f"Snapshot of the live configuration: {shot} (to see the way back: "
                       f"crmdeploy plan {shot} --target {planned.plan.target})", err=True)
            with bar(planned.steps) as tick:
                report = execute(planned, adapter, journal=journal or JOURNAL, progress=tick)
        typer.echo(report_text(report), nl=False)
        if not report.ok:
            _checklist(planned.plan, spec, False)
            raise typer.Exit(EXIT_ERROR)
        _checklist(planned.plan, spec, detailed_exitcode)


def _checklist(plan, spec: Optional[Path], detailed: bool) -> None:
    """End with the manual work left, as a Markdown checklist (and exit 4 with --detailed-exitcode)."""
    from ..manual import checklist

    text = checklist(plan, f"crmdeploy done {spec or 'SPEC'} -t {plan.target}")
    if text:
        typer.echo("\n" + text, nl=False)
        if detailed:
            raise typer.Exit(EXIT_MANUAL)
