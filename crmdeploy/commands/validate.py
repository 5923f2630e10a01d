"""`crmdeploy validate`."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import SpecArg, guard, total_resources


def validate(
    spec: SpecArg,
    strict: Annotated[bool, typer.Option("--strict", help="Treat lint warnings as errors (exit 1).")] = False,
) -> None:
    """Check a spec: YAML syntax, field names and types, duplicate keys and references.

    Exits 0 when the spec is valid, 1 with one line per problem (file:line:column: field: what)
    when it is not. Lint warnings (e.g. a template no trigger sends) go to stderr; --strict makes
    them errors. Reads no CRM and needs no secrets.
    """
    from ..lint import lint, strict_error
    from ..loader import load

    with guard():
        loaded = load(spec)
        warnings = lint(loaded)
        if warnings and strict:
            raise strict_error(warnings)
        for warning in warnings:
            typer.echo(f"Warning: {warning}", err=True)
        noted = f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""
        typer.echo(f"{spec}: valid ({total_resources(loaded.spec)} resources{noted})")
