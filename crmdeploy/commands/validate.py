"""`crmdeploy validate`."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import TargetOpt, guard, total_resources
from .fleet import OptionalSpecArg, ProjectOpt, VarOpt, single, validate_project


def validate(
    spec: OptionalSpecArg = None,
    strict: Annotated[bool, typer.Option("--strict", help="Treat lint warnings as errors (exit 1).")] = False,
    target: TargetOpt = None, project: ProjectOpt = None, var: VarOpt = None,
) -> None:
    """Check a spec: YAML syntax, field names and types, duplicate keys and references.

    Exits 0 when the spec is valid, 1 with one line per problem (file:line:column: field: what)
    when it is not. Lint warnings (e.g. a template no trigger sends) go to stderr; --strict makes
    them errors. Reads no CRM and needs no secrets. Without a SPEC, every target of the project file
    (crmdeploy.yaml) is checked with its own spec list and vars; -t NAME checks one.
    """
    from ..lint import lint, strict_error

    if spec is None and target is None:
        raise typer.Exit(validate_project(project, var))
    with guard():
        loaded = single(spec, target, project, var, None, located=True).loaded   # lint locates its warnings
        warnings = lint(loaded)
        if warnings and strict:
            raise strict_error(warnings)
        for warning in warnings:
            typer.echo(f"Warning: {warning}", err=True)
        noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
        typer.echo(f"{spec or target}: valid ({total_resources(loaded.spec)} resources{noted})")
