"""Spec → ТЗ workbook, following LAYOUT: per block a title row, a header row, a row per resource."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import CrmdeployError
from ..kinds import BY_NAME
from ..spec.base import Resource
from ..spec.root import SpecBase
from ..specfile import resource_data
from .cells import cell_format, field_annotation, to_cell
from .layout import LAYOUT, Block, Column

MAX_CELL = 32_767   # Excel's limit on the text of one cell
TITLE_FONT = Font(bold=True, size=12)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def build_workbook(spec: SpecBase) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    for sheet in LAYOUT:
        ws = book.create_sheet(sheet.title)
        row = 1
        for block in sheet.blocks:
            row = _write_block(ws, row, block, spec) + 2   # one empty row between blocks
        if len(sheet.blocks) == 1:
            ws.freeze_panes = "A3"
    return book


def save_workbook(spec: SpecBase, path: Path, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise CrmdeployError(f"{path} already exists; pass --force to overwrite")
    book = build_workbook(spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except OSError as exc:
        raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _write_block(ws: Worksheet, row: int, block: Block, spec: SpecBase) -> int:
    """Write one block from `row`; return the last row written."""
    ws.cell(row, 1, block.title).font = TITLE_FONT
    for c, column in enumerate(block.columns, 1):
        cell = ws.cell(row + 1, c, column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        dimension = ws.column_dimensions[get_column_letter(c)]
        dimension.width = max(column.width, dimension.width or 0)   # blocks share a sheet's columns
    row += 1
    for i, resource in enumerate(spec.resources(block.kind)):
        row += 1
        data = resource_data(block.kind, resource, defaults=True)
        for c, column in enumerate(block.columns, 1):
            _put(ws, row, c, _value(block, column, spec, resource, data), f"{block.kind}[{i}]")
    return row


def _value(block: Block, column: Column, spec: SpecBase, resource: Resource, data: dict) -> Any:
    if column.derive is not None:
        value = column.derive(spec, resource)
        return to_cell(cell_format(type(value)), value)
    fmt = cell_format(field_annotation(BY_NAME[block.kind].model, column.path))
    for name in column.path:
        data = data.get(name) if isinstance(data, dict) else None
    return to_cell(fmt, data)


def _put(ws: Worksheet, row: int, column: int, value: Any, where: str) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL:
        raise CrmdeployError(f"{where}: a value of {len(value):,} characters does not fit in an Excel cell "
                             f"(at most {MAX_CELL:,})")
    try:
        cell = ws.cell(row, column, value)
    except IllegalCharacterError:
        raise CrmdeployError(f"{where}: a control character that an Excel cell cannot hold") from None
    if isinstance(value, str):
        cell.data_type = "s"   # text that starts with "=" stays text, never a formula
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

