"""`crmdeploy apply`."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import EXIT_ERROR, EXIT_MANUAL
from ._common import (
    ApiKeyFileOpt,
    ExcludeOpt,
    ForceOpt,
    Format,
    InsecureOpt,
    OnlyOpt,
    ParallelismOpt,
    PruneOpt,
    TargetOpt,
    color,
    confirm,
    deploy_options,
    guard,
    note,
    progress_on,
    reading,
    target_or_default,
)
from .fleet import (AllOpt, ProjectOpt, TargetsOpt, VarOpt, apply_folder, apply_many, is_plan_folder, many, single,
                    spec_source)

REPORT_FORMAT_VERSION = 1


class ReportFormat(str, Enum):
    text = "text"
    json = "json"


def apply(
    spec: Annotated[Optional[Path], typer.Argument(
        help="A spec (file or folder), a plan saved by `plan --out` (applied without asking again: its "
             "review was the plan), or a folder of plans saved by `plan --all --out DIR` (default with "
             "-t NAME, --all: the project target's spec list).",
        show_default=False)] = None,
    target: TargetOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking for confirmation.")] = False,
    fmt: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="text, or json: what was written, one entry per change, on stdout "
                               "(the plan goes to stderr).")] = ReportFormat.text,
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

    Prints the plan, asks for confirmation (unless --yes, or a saved plan), saves a snapshot of the live
    configuration, applies, and reports what was applied, what failed (with the CRM's own words) and what
    was skipped. Exits 1 if anything failed (running it again converges), 3 if a safety check or a stale
    saved plan refused it. With --all (or --targets a,b, both need --yes) every target of the project
    file is applied at once, each under its own lock; `apply DIR` applies the plans `plan --all --out
    DIR` saved and moves each one that applied to DIR/applied/, so a rerun takes only the failed ones.
    """
    from ..apply import ApplyReport
    from ..deploy import apply_source, execute, session, take_snapshot
    from ..progress import bar
    from ..render import plan_text, report_text
    from ..statedir import JOURNAL

    options = deploy_options(prune, only, exclude)
    shared = {"force": force, "force_unlock": force_unlock, "journal": journal, "fmt": Format(fmt.value),
              "adapter_options": {"insecure": insecure, "parallelism": parallelism}}
    if many(all_targets, targets) and not (spec is not None and is_plan_folder(spec)):
        raise typer.Exit(apply_many(project, all_targets, targets, yes, var, target, options=options,
                                    api_key_file=api_key_file, **shared))
    if spec is not None and is_plan_folder(spec):
        raise typer.Exit(apply_folder(spec, project, targets, api_key_file=api_key_file, **shared))
    as_json = fmt is ReportFormat.json
    with guard(Format.json if as_json else Format.text):
        chosen = single(spec, target, project, var, api_key_file, saved_ok=True)
        source = apply_source(spec, options) if chosen.loaded is None else spec_source(chosen.loaded, options)
        with session(source.target(chosen.url) or target_or_default(None), force_unlock=force_unlock,
                     **chosen.keys, insecure=insecure, parallelism=parallelism) as adapter:
            with reading() as progress:
                planned = source.plan(adapter, progress)
            shown = plan_text(planned.plan, color=color() and not as_json)
            if as_json:
                note(shown.rstrip("\n"))
            else:
                typer.echo(shown, nl=False)
            planned.enforce_safety(force=force)
            report = ApplyReport()
            if planned.plan.writes:
                confirm(planned.plan.target, yes or source.reviewed, err=as_json)
                shot = take_snapshot(planned)
                note(f"Snapshot of the live configuration: {shot} (to see the way back: "
                     f"crmdeploy plan {shot} --target {planned.plan.target})")
                with bar(planned.steps, enabled=progress_on()) as tick:
                    report = execute(planned, adapter, journal=journal or JOURNAL, progress=tick)
        if as_json:
            typer.echo(json.dumps({"format_version": REPORT_FORMAT_VERSION, "target": planned.plan.target,
                                   **report.to_data()}, ensure_ascii=False, indent=2))
        elif planned.plan.writes:
            typer.echo(report_text(report), nl=False)
        if not report.ok:
            _checklist(planned.plan, spec, False, err=as_json)
            raise typer.Exit(EXIT_ERROR)
        _checklist(planned.plan, spec, detailed_exitcode, err=as_json)


def _checklist(plan, spec: Optional[Path], detailed: bool, *, err: bool = False) -> None:
    """End with the manual work left, as a Markdown checklist (and exit 4 with --detailed-exitcode);
    on stderr when stdout holds the JSON report."""
    from ..manual import checklist

    text = checklist(plan, f"crmdeploy done {spec or 'SPEC'} -t {plan.target}")
    if text:
        typer.echo("\n" + text, nl=False, err=err)
        if detailed:
            raise typer.Exit(EXIT_MANUAL)
