"""`crmdeploy export`: the live CRM's configuration as a spec."""

from __future__ import annotations

import typer

from ._common import (
    ApiKeyFileOpt,
    InsecureOpt,
    OutOpt,
    OverwriteOpt,
    ParallelismOpt,
    TargetOpt,
    guard,
    note,
    reading,
    target_or_default,
    write_spec,
)


def export(target: TargetOpt = None, output: OutOpt = None, force: OverwriteOpt = False,
           api_key_file: ApiKeyFileOpt = None, insecure: InsecureOpt = False,
           parallelism: ParallelismOpt = None) -> None:
    """Write the live CRM's configuration as a spec: every kind the target can read.

    Planning the result against the same target shows no changes. Secrets the CRM does not
    return are written as ${env:NAME} placeholders; set those variables before apply.
    Existing files are never overwritten without --force.
    """
    from ..export import export_spec
    from ..registry import open_target

    with guard():
        adapter = open_target(target_or_default(target), api_key_file=api_key_file, insecure=insecure,
                              parallelism=parallelism)
        try:
            with reading() as progress:
                result = export_spec(adapter, progress)
        finally:
            adapter.close()
        where = write_spec(result.spec, output, f"Exported from {adapter.target} by `crmdeploy export`.", force)
        if result.unreadable:
            typer.echo(f"Not exported (the target cannot read them): {', '.join(result.unreadable)}", err=True)
        for problem in result.problems:
            typer.echo(f"Warning: {problem}", err=True)
        note(f"Exported {result.total} resources from {adapter.target} to {where}.")
