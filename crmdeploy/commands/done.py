"""`crmdeploy done`: record manual steps as done, so they stop counting as pending."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import ApiKeyFileOpt, InsecureOpt, TargetOpt, guard, target_or_default
from .fleet import ProjectOpt, VarOpt, single


def done(
    spec: Annotated[Optional[Path], typer.Argument(
        help="The spec (file or folder) whose manual steps were done.", show_default=False)] = None,
    addresses: Annotated[Optional[list[str]], typer.Argument(
        help="Steps to record, as the plan names them: templates.order-approved, "
             "custom_fields.order/reason:required_at.", show_default=False)] = None,
    target: TargetOpt = None,
    all_steps: Annotated[bool, typer.Option("--all", help="Record every pending step crmdeploy cannot read back.")] = False,
    forget: Annotated[Optional[list[str]], typer.Option(
        "--forget", help="Remove the record of this step (repeatable), e.g. one the spec no longer has.",
        show_default=False)] = None,
    api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False, project: ProjectOpt = None,
    var: VarOpt = None,
) -> None:
    """Record manual steps as done in crmdeploy.manual.yaml beside the spec (commit that file).

    Only what crmdeploy cannot check by reading is recorded: kinds the target cannot read (templates
    and triggers over API v5) and fields it can neither write nor read back (a custom field's
    required_at, a user group's permissions, an integration's settings and credentials). Status
    groups, users and user groups are verified by reading instead. A recorded step is no longer pending (plan --detailed-exitcode exits 0
    when nothing else is); it comes back, with the fields that changed, when the spec changes it.
    """
    from ..deploy import record_steps
    from ..registry import open_target

    with guard():
        if not addresses and not all_steps and not forget:
            from ..errors import UsageError
            raise UsageError("name the steps to record (ADDRESS ...), or --all, or --forget ADDRESS")
        chosen = single(spec, target, project, var, api_key_file)
        adapter = open_target(target_or_default(chosen.url), **chosen.keys, insecure=insecure)
        try:
            path, said = record_steps(chosen.loaded, adapter, list(addresses or []), all_steps=all_steps,
                                      forget=list(forget or []))
        finally:
            adapter.close()
        for line in said:
            typer.echo(line)
        typer.echo(f"{path}: {len(said)} change(s); commit it next to the spec." if said
                   else "Nothing to record: no manual step crmdeploy cannot read back is pending.", err=True)
