"""`crmdeploy plan`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import (
    ApiKeyFileOpt,
    ExcludeOpt,
    ForceOpt,
    Format,
    FormatOpt,
    InsecureOpt,
    OnlyOpt,
    ParallelismOpt,
    PruneOpt,
    TargetOpt,
    color,
    deploy_options,
    guard,
    note,
    reading,
    target_or_default,
)
from .fleet import AllOpt, OptionalSpecArg, ProjectOpt, TargetsOpt, VarOpt, many, plan_many, single


def plan(
    spec: OptionalSpecArg = None, target: TargetOpt = None, fmt: FormatOpt = Format.text,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default=False,
        help="Save the plan to this file; `crmdeploy apply FILE` applies exactly it, "
             "or refuses if the CRM has changed since.")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Let --out replace a file that exists (never the input spec).")] = False,
    detailed_exitcode: Annotated[bool, typer.Option(
        "--detailed-exitcode", help="Exit 0 when there is nothing to do, 2 when writes are pending, 4 when "
                                    "only manual steps are (or writes that wait for one), 1 on error.")] = False,
    prune: PruneOpt = False, only: OnlyOpt = None, exclude: ExcludeOpt = None, force: ForceOpt = False,
    api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False, parallelism: ParallelismOpt = None,
    all_targets: AllOpt = False, targets: TargetsOpt = None, project: ProjectOpt = None, var: VarOpt = None,
) -> None:
    """Show what apply would change: every create, update and deactivation, field by field.

    Reads the live CRM through the target's adapter and writes nothing to it. Exits 3 when the plan
    changes too much of one kind at once (see --force). With --all (or --targets a,b) every target of
    the project file is planned at once (--out DIR saves one plan per target); -t NAME picks one.
    """
    from ..registry import open_target
    from ..render import RENDERERS, plan_markdown
    from ..run import plan_spec

    options = deploy_options(prune, only, exclude)
    if many(all_targets, targets):
        raise typer.Exit(plan_many(project, all_targets, targets, fmt, var, target, options=options, force=force,
                                   adapter_options={"insecure": insecure, "parallelism": parallelism},
                                   detailed=detailed_exitcode, out=out, api_key_file=api_key_file,
                                   overwrite=overwrite))
    with guard(fmt):
        if out is not None:  # before the CRM is read: a plan that cannot be saved is not worth making
            from ..outputs import refuse_overwrite

            refuse_overwrite(out, overwrite=overwrite, inputs=(spec,))
        chosen = single(spec, target, project, var, api_key_file)
        adapter = open_target(target_or_default(chosen.url), **chosen.keys, insecure=insecure,
                              parallelism=parallelism)
        try:
            with reading() as progress:
                planned = plan_spec(chosen.loaded, adapter, options, progress)
        finally:
            adapter.close()
        if fmt is Format.markdown:
            full = f"every change is in the saved plan {out}" if out else (
                f"`crmdeploy plan {spec}` without `-f markdown` prints every change")
            typer.echo(plan_markdown(planned.plan, full=full), nl=False)
        else:
            typer.echo(RENDERERS[fmt.value](planned.plan, color=color()), nl=False)
    with guard():  # the plan is on stdout already; what follows reports on stderr only
        planned.enforce_safety(force=force)
        if out is not None:
            from ..deploy import save_plan

            save_plan(out, planned, options)
            note(f"Saved the plan to {out}; apply exactly it with: crmdeploy apply {out}")
    if detailed_exitcode:
        from ..targets import plan_code  # here, not at import: --help stays free of pydantic and YAML

        if code := plan_code(planned.plan):
            raise typer.Exit(code)
