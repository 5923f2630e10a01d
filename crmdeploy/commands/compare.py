"""`crmdeploy compare`."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import Format, FormatOpt, InsecureOpt, color, guard
from .fleet import ProjectOpt, project_of

TargetArg = Annotated[str, typer.Argument(help="A project target's name, or a URL.", show_default=False)]


def compare(a: TargetArg, b: TargetArg, fmt: FormatOpt = Format.text, project: ProjectOpt = None,
            insecure: InsecureOpt = False) -> None:
    """Show how account B differs from account A, kind by kind and field by field; no spec needed.

    A and B are names of targets in the project file (each read with its own API key) or URLs.
    When both are HTTP accounts, each needs a key of its own (api_key_env in the project file):
    the global CRMDEPLOY_API_KEY is refused, so one account's key never reaches the other's host.
    Secrets are never compared. Exits 0 whether or not they differ, 1 on error.
    """
    from ..compare import RENDERERS
    from ..targets import compare_targets, resolve

    with guard(fmt):
        chosen = project_of(project) if not (_url(a) and _url(b)) else None
        comparison = compare_targets(resolve(a, chosen), resolve(b, chosen), {"insecure": insecure})
        typer.echo(RENDERERS[fmt.value](comparison, color=color()), nl=False)


def _url(text: str) -> bool:
    return "://" in text

