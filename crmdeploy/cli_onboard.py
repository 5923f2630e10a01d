"""Onboarding commands: export a live CRM, the ТЗ workbook in and out, the schema, the pipeline graph."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli import InsecureOpt, SpecArg, TargetOpt, _target, app, guard
from .errors import CrmdeployError

OutOpt = Annotated[Optional[Path], typer.Option(
    "--output", "-o", show_default=False,
    help="A .yaml/.yml file, or a folder that gets one file per ТЗ area. Default: stdout.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite files that already exist.")]


def _write_spec(spec: object, output: Path | None, header: str, force: bool) -> str:
    """Print the spec, or write it to `output`; returns what was written, for the summary."""
    from .specfile import outputs, render, strays, write_files

    if output is None:
        typer.echo(render(spec, header=header), nl=False)
        return "stdout"
    files = outputs(spec, output, header)
    write_files(files, force=force)
    if output.is_dir() and (others := strays(files)):
        typer.echo(f"Warning: {output} also holds {', '.join(p.name for p in others)}; "
                   "plan and apply will merge them with this spec", err=True)
    return f"{output} ({len(files)} file{'s' if len(files) != 1 else ''})"


def _total(spec: object) -> int:
    from .kinds import KINDS

    return sum(len(spec.resources(k.name)) for k in KINDS)


@app.command()
def export(target: TargetOpt = None, output: OutOpt = None, force: ForceOpt = False,
           insecure: InsecureOpt = False) -> None:
    """Write the live CRM's configuration as a spec: every kind the target can read.

    Planning the result against the same target shows no changes. Secrets the CRM does not
    return are written as ${env:NAME} placeholders; set those variables before apply.
    Existing files are never overwritten without --force.
    """
    from .export import export_spec
    from .registry import open_target

    with guard():
        adapter = open_target(_target(target), insecure=insecure)
        try:
            result = export_spec(adapter)
        finally:
            adapter.close()
        where = _write_spec(result.spec, output, f"Exported from {adapter.target} by `crmdeploy export`.", force)
        if result.unreadable:
            typer.echo(f"Not exported (the target cannot read them): {', '.join(result.unreadable)}", err=True)
        for problem in result.problems:
            typer.echo(f"Warning: {problem}", err=True)
        typer.echo(f"Exported {result.total} resources from {adapter.target} to {where}.", err=True)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a spec, for editors (YAML language server) and CI checks."""
    from .schema import spec_schema

    typer.echo(json.dumps(spec_schema(), ensure_ascii=False, indent=2))


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    png = "png"


@app.command()
def graph(
    spec: SpecArg,
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="mermaid, dot, or png (needs graphviz).")]
    = GraphFormat.mermaid,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", show_default=False,
                                                   help="Write to this file (required for png).")] = None,
) -> None:
    """Draw the order pipeline: status groups as lanes, statuses in order, triggers as arrows
    to the templates they send and the tasks they create."""
    from . import graph as pictures
    from .loader import load

    with guard():
        if fmt is GraphFormat.png and output is None:
            raise CrmdeployError("--format png writes an image; name the file with --output FILE.png")
        diagram = pictures.build(load(spec).spec)
        data = pictures.png(diagram) if fmt is GraphFormat.png else pictures.TEXT_FORMATS[fmt.value](diagram)
        if output is None:
            typer.echo(data, nl=False)
        else:
            _write_bytes(output, data if isinstance(data, bytes) else data.encode())


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None


xlsx_app = typer.Typer(help="The ТЗ workbook: a spec as an Excel file and back.", no_args_is_help=True,
                       pretty_exceptions_show_locals=False, rich_markup_mode=None)
app.add_typer(xlsx_app, name="xlsx")


@xlsx_app.command("import")
def xlsx_import(
    workbook: Annotated[Path, typer.Argument(help="The ТЗ workbook (.xlsx).", show_default=False)],
    output: OutOpt = None,
    force: ForceOpt = False,
) -> None:
    """Read a ТЗ workbook into a spec. Problems name the sheet, row and column."""
    from .xlsx.reader import read_workbook

    with guard():
        imported = read_workbook(workbook)
        for warning in imported.warnings:
            typer.echo(f"Warning: {warning}", err=True)
        where = _write_spec(imported.spec, output, f"Imported from {workbook.name} by `crmdeploy xlsx import`.",
                            force)
        typer.echo(f"Imported {_total(imported.spec)} resources from {workbook} to {where}.", err=True)


@xlsx_app.command("export")
def xlsx_export(
    spec: SpecArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).",
                                         show_default=False)],
    force: ForceOpt = False,
) -> None:
    """Write a spec as a ТЗ workbook: Статусы, Доступы, Пользователи, Коммуникации, Интеграции and more."""
    from .loader import load
    from .xlsx.writer import save_workbook

    with guard():
        save_workbook(load(spec).spec, output, force=force)
        typer.echo(f"Wrote {output}.", err=True)
