"""Spec → the ТЗ workbook a client reads: the template's five tabs, names not codes, words not YAML.

Each tab: a merged title row, a note, a blank row, then its tables (the first without a
title, the others under a small one). Headers are frozen, carry a note on what to write,
and every enum or reference column has a dropdown (references draw from the hidden
«Списки» tab). Codes, order and the active flag sit in narrow grey columns at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import CrmdeployError
from ..spec.root import Spec, SpecBase
from . import words
from .layout import LISTS_TAB, TABS, YESNO, Col, Tab, Table
from .rows import ROWS, names_of
from .words import STANDARD_GROUPS

MAX_CELL = 32_767   # Excel's limit on the text of one cell
BLANK_ROWS = 15     # empty rows left under each table of a blank template
HEADING = Font(bold=True, size=14)
TITLE = Font(bold=True, size=12)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TECH_FILL = PatternFill("solid", fgColor="EDEDED")
GROUP_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="top")
NEEDED = '"Да,Нет,Позже"'


def build_workbook(spec: SpecBase, *, blank: bool = False) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    names = names_of(spec)
    lists = _lists(book, names)
    for tab in TABS:
        tables = [t for t in tab.tables if blank or tab.tables.index(t) == 0 or _has(spec, t)]
        if tab.title in ("Заказы", "Поля", "Справочники", "Триггеры") and not blank and not any(
                ROWS[t.kind](spec, names, t) for t in tables):
            continue   # an extra tab only when it has something to show
        _tab(book.create_sheet(tab.title), tab, tables, spec, names, lists, blank)
    book.move_sheet(LISTS_TAB, len(book.sheetnames))
    return book


def blank_spec() -> SpecBase:
    """The template: no resources, but the status groups retailCRM has, as group rows to fill under."""
    groups = [{"code": code, "name": names[0].capitalize(), "ordering": (i + 1) * 10}
              for i, (code, names) in enumerate(STANDARD_GROUPS.items())]
    return Spec.model_validate({"status_groups": groups})


def save_workbook(spec: SpecBase, path: Path, *, force: bool = False, blank: bool = False) -> None:
    if path.exists() and not force:
        raise CrmdeployError(f"{path} already exists; pass --force to overwrite")
    book = build_workbook(spec, blank=blank)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except OSError as exc:
        raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None


def _has(spec: SpecBase, table: Table) -> bool:
    return bool(spec.access_notes) if table.kind == "access_notes" else bool(spec.resources(table.kind))


def _tab(ws: Worksheet, tab: Tab, tables: list[Table], spec: SpecBase, names: Any, lists: dict, blank: bool) -> None:
    width = max(len(t.columns) for t in tables)
    ws.cell(1, 1, tab.heading).font = HEADING
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=min(width, 6))
    if tab.help:
        ws.cell(2, 1, tab.help).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=min(width, 6))
        ws.row_dimensions[2].height = 32
    row = 4
    for i, table in enumerate(tables):
        if i:
            ws.cell(row, 1, table.title).font = TITLE
            row += 1
        header = row
        _header(ws, header, table)
        if i == 0:
            ws.freeze_panes = f"A{header + 1}"
        rows = ROWS[table.kind](spec, names, table)
        for values in rows:
            row += 1
            _row(ws, row, table, dict(values))
        if table.kind == "statuses":
            _merge_runs(ws, header + 1, rows, table, "cms")
        last = row + (BLANK_ROWS if blank or not rows else 0)
        _dropdowns(ws, table, header + 1, max(last, header + 1), lists)
        row = last + 3


def _header(ws: Worksheet, row: int, table: Table) -> None:
    for c, col in enumerate(table.columns, 1):
        cell = ws.cell(row, c, col.header)
        cell.font, cell.alignment = BOLD, WRAP
        cell.fill = TECH_FILL if col.tech else HEADER_FILL
        if col.note:
            cell.comment = Comment(col.note, "crmdeploy", width=320, height=40 + 16 * (len(col.note) // 45))
        dim = ws.column_dimensions[get_column_letter(c)]
        dim.width = max(col.width, dim.width or 0) if dim.width and dim.width != 13 else col.width
    ws.row_dimensions[row].height = 30


def _row(ws: Worksheet, row: int, table: Table, values: dict) -> None:
    group = values.pop("__group__", None)
    for c, col in enumerate(table.columns, 1):
        value = values.get(col.key)
        if value is not None:
            _put(ws, row, c, value)
    if group:   # a status group row: its name over the table's words columns, coloured
        span = sum(1 for col in table.columns if not col.tech)
        for c in range(1, span + 1):
            ws.cell(row, c).fill = GROUP_FILL
        ws.cell(row, 1).font = BOLD
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)


def _merge_runs(ws: Worksheet, first: int, rows: list[dict], table: Table, key: str) -> None:
    """One cell over consecutive rows with the same value, as the template shows a CMS status
    that stands for several CRM statuses (import gives a merged value to every row it spans)."""
    c = 1 + next(i for i, col in enumerate(table.columns) if col.key == key)
    start = 0
    for i in range(1, len(rows) + 1):
        same = i < len(rows) and rows[i].get(key) is not None and rows[i].get(key) == rows[start].get(key)
        if not same:
            if i - start > 1 and rows[start].get(key) is not None:
                ws.merge_cells(start_row=first + start, start_column=c, end_row=first + i - 1, end_column=c)
                ws.cell(first + start, c).alignment = Alignment(vertical="center", wrap_text=True)
            start = i


def _put(ws: Worksheet, row: int, column: int, value: Any) -> None:
    if isinstance(value, str) and len(value) > MAX_CELL:
        raise CrmdeployError(f"{ws.title}, row {row}: a value of {len(value):,} characters does not fit in an "
                             f"Excel cell (at most {MAX_CELL:,})")
    try:
        cell = ws.cell(row, column, value)
    except IllegalCharacterError:
        raise CrmdeployError(f"{ws.title}, row {row}: a control character that an Excel cell cannot hold") from None
    if isinstance(value, str):
        cell.data_type = "s"   # text that starts with "=" stays text, never a formula
        if "\n" in value:
            cell.alignment = WRAP


def _lists(book: Workbook, names: Any) -> dict[str, str]:
    """The hidden tab of names the reference dropdowns draw from: kind → its range."""
    ws = book.create_sheet(LISTS_TAB)
    ws.sheet_state = "hidden"
    ranges = {}
    kinds = sorted({c.choices[4:] for t in (t for tab in TABS for t in tab.tables) for c in t.columns
                    if c.choices and c.choices.startswith("ref:")})
    for c, kind in enumerate(kinds, 1):
        ws.cell(1, c, kind)
        shown = [names.show(kind, key) for key in names.keys.get(kind, {})]
        for r, name in enumerate(shown, 2):
            _put(ws, r, c, name)
        letter = get_column_letter(c)
        ranges[kind] = f"{quote_sheetname(LISTS_TAB)}!${letter}$2:${letter}${max(2, len(shown) + 1)}"
    return ranges


def _dropdowns(ws: Worksheet, table: Table, first: int, last: int, lists: dict[str, str]) -> None:
    for c, col in enumerate(table.columns, 1):
        formula = _choices(col, lists)
        if formula:
            rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
            rule.add(f"{get_column_letter(c)}{first}:{get_column_letter(c)}{last}")
            ws.add_data_validation(rule)


def _choices(col: Col, lists: dict[str, str]) -> str | None:
    if col.choices == YESNO:
        return '"Да,Нет"'
    if col.choices == "NEEDED":
        return NEEDED
    if col.choices and col.choices.startswith("ref:"):
        return lists.get(col.choices[4:])
    if col.choices:
        return '"' + ",".join(words.enum_labels(getattr(words, col.choices))) + '"'
    return None
