"""`crmdeploy schema`."""

from __future__ import annotations

import json

import typer


def schema() -> None:
    """Print the JSON Schema of a spec, for editors (YAML language server) and CI checks."""
    from ..schema import spec_schema

    typer.echo(json.dumps(spec_schema(), ensure_ascii=False, indent=2))
