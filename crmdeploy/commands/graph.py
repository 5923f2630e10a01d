"""`crmdeploy graph`: the order pipeline as a picture."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import CrmdeployError
from ._common import SpecArg, guard


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    png = "png"


def graph(
    spec: SpecArg,
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="mermaid, dot, or png (needs graphviz).")]
    = GraphFormat.mermaid,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", show_default=False,
                                                   help="Write to this file (required for png).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite",
                                            help="Let --output replace a file that exists (never the spec).")] = False,
) -> None:
    """Draw the order pipeline: status groups as lanes, statuses in order, triggers as arrows
    to the templates they send and the tasks they create."""
    from .. import graph as pictures
    from ..outputs import refuse_overwrite
    from ..loader import load

    with guard():
        if fmt is GraphFormat.png and output is None:
            raise CrmdeployError("--format png writes an image; name the file with --output FILE.png")
        if output is not None:
            refuse_overwrite(output, overwrite=overwrite, inputs=(spec,))
        diagram = pictures.build(load(spec).spec)
        data = pictures.png(diagram) if fmt is GraphFormat.png else pictures.TEXT_FORMATS[fmt.value](diagram)
        if output is None:
            typer.echo(data, nl=False)
        else:
            _write_bytes(output, data if isinstance(data, bytes) else data.encode())


def _write_bytes(path: Path, data: bytes) -> None:
    from ..outputs import write_atomic

    write_atomic(path, data)
