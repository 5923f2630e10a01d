"""`crmdeploy xlsx template|import|export`: the ТЗ workbook (the TrendKey template's five tabs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import Command, OutOpt, OverwriteOpt, SpecArg, guard, note, total_resources, write_spec

app = typer.Typer(help="The ТЗ workbook: a spec as an Excel file and back.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False, rich_markup_mode=None)


@app.command("import", cls=Command)
def xlsx_import(
    workbook: Annotated[Path, typer.Argument(help="The ТЗ workbook (.xlsx).", show_default=False)],
    output: OutOpt = None,
    force: OverwriteOpt = False,
) -> None:
    """Read a ТЗ workbook filled in by hand into a spec: names, not codes; merged cells, group rows and
    free-text triggers understood; passwords become ${env:NAME}. Every problem (in Russian) names the
    sheet, row and column; with any problem nothing is written."""
    from ..xlsx.reader import read_workbook

    from ..outputs import refuse_overwrite

    with guard():
        if output is not None and output.suffix:
            refuse_overwrite(output, overwrite=force, inputs=(workbook,), flag="--overwrite (or --force)")
        imported = read_workbook(workbook)
        for warning in imported.warnings:
            typer.echo(f"Warning: {warning}", err=True)
        where = write_spec(imported.spec, output, f"Imported from {workbook.name} by `crmdeploy xlsx import`.",
                           force)
        note(f"Imported {total_resources(imported.spec)} resources from {workbook} to {where}.")


@app.command("export", cls=Command)
def xlsx_export(
    spec: SpecArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).",
                                         show_default=False)] = ...,  # required (`...`: older typer too)
    force: OverwriteOpt = False,
) -> None:
    """Write a spec as the ТЗ workbook a client reads: Доступы, Статусы, Пользователи, Коммуникации,
    Интеграции (plus tabs for what has no place there), with dropdowns and notes; import reads it back."""
    from ..loader import load
    from ..xlsx.writer import save_workbook

    from ..outputs import refuse_overwrite

    with guard():
        refuse_overwrite(output, overwrite=force, inputs=(spec,), flag="--overwrite (or --force)")
        save_workbook(load(spec).spec, output, force=force)
        note(f"Wrote {output}.")


@app.command("template", cls=Command)
def xlsx_template(
    output: Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).",
                                         show_default=False)] = Path("ТЗ.xlsx"),
    force: OverwriteOpt = False,
) -> None:
    """Write a blank ТЗ workbook to fill in (the place to start): the five tabs, retailCRM's status
    groups as group rows, dropdowns and a note on every header. Then: crmdeploy xlsx import."""
    from ..xlsx.writer import blank_spec, save_workbook

    with guard():
        save_workbook(blank_spec(), output, force=force, blank=True)
        note(f"Wrote {output}. Fill it in, then: crmdeploy xlsx import {output} -o spec/")
