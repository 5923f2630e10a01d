"""ТЗ workbook → Spec. Every problem names the sheet, the row and the column.

The workbook becomes the same plain data + positions a YAML file does, so the
loader's own validation (types, unknown values, references, duplicates) runs
unchanged; only the field names are turned back into the column headers.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import Location, Problem, SpecError
from ..kinds import BY_NAME
from ..loader import MAX_PROBLEMS, validate_document
from ..secrets import Sensitive, parse_env_ref
from ..spec.root import SpecBase
from ..yamlpos import Document, dotted
from .cells import cell_format, field_annotation, from_cell, to_cell
from .layout import LAYOUT, Block, Column, Sheet

log = logging.getLogger(__name__)
Row = tuple[Any, ...]


@dataclass(frozen=True)
class CellLocation(Location):
    """`TZ.xlsx[Статусы] row 5, column B` — a place an analyst can find in Excel."""

    def __str__(self) -> str:
        return f"{self.file} row {self.line}, column {get_column_letter(self.column)}"


@dataclass
class Imported:
    spec: SpecBase
    warnings: list[Problem] = field(default_factory=list)


def read_workbook(path: Path) -> Imported:
    reader = _Reader(str(path))
    for sheet, rows in _sheets(path):
        reader.sheet(sheet, rows)
    if reader.problems:
        raise SpecError(reader.problems[:MAX_PROBLEMS])
    try:
        spec = validate_document(reader.doc)
    except SpecError as exc:
        raise SpecError([reader.relabel(p) for p in exc.problems]) from None
    return Imported(spec, reader.derived_warnings(spec))


def _sheets(path: Path) -> list[tuple[Sheet, list[Row]]]:
    """The rows of every sheet the layout knows; other sheets are left alone."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise SpecError([Problem(None, "", f"{path}: no such file")]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SpecError([Problem(None, "", f"{path}: not an .xlsx workbook ({exc})")]) from None
    try:
        known = {sheet.title: sheet for sheet in LAYOUT}
        for name in book.sheetnames:
            if name not in known:
                log.warning("%s: sheet %r is not part of the ТЗ layout; ignored", path, name)
        return [(sheet, [tuple(r) for r in book[sheet.title].iter_rows(values_only=True)])
                for sheet in LAYOUT if sheet.title in book.sheetnames]
    finally:
        book.close()


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _blank(row: Row) -> bool:
    return all(_text(v) == "" for v in row)


class _Reader:
    def __init__(self, filename: str):
        self.filename = filename
        self.doc = Document({})
        self.problems: list[Problem] = []
        self.derived: list[tuple[str, int, Column, Any, Location]] = []

    def sheet(self, sheet: Sheet, rows: list[Row]) -> None:
        titles = {b.title for b in sheet.blocks}
        for block in sheet.blocks:
            header = _header_row(rows, block, sheet)
            if header is None:
                continue
            columns = self.columns(sheet, block, rows[header], header)
            for r in range(header + 1, len(rows)):
                if _blank(rows[r]) or _text(rows[r][0]) in titles:
                    break
                self.record(sheet, block, columns, r, rows[r])

    def where(self, sheet: Sheet, r: int, c: int) -> CellLocation:
        return CellLocation(f"{self.filename}[{sheet.title}]", r + 1, c + 1)

    def columns(self, sheet: Sheet, block: Block, row: Row, r: int) -> dict[int, Column]:
        """Columns by position, matched on their header text so an analyst may reorder them."""
        by_header = {c.header.casefold(): c for c in block.columns}
        found: dict[int, Column] = {}
        for c, value in enumerate(row):
            header = _text(value)
            if not header:
                continue
            column = by_header.get(header.casefold())
            if column is None:
                known = ", ".join(col.header for col in block.columns)
                self.problems.append(Problem(self.where(sheet, r, c), header,
                                             f'unknown column in the "{block.title}" table (known: {known})'))
            elif column in found.values():
                self.problems.append(Problem(self.where(sheet, r, c), header, "the column appears twice"))
            else:
                found[c] = column
        return found

    def record(self, sheet: Sheet, block: Block, columns: dict[int, Column], r: int, row: Row) -> None:
        items = self.doc.data.setdefault(block.kind, [])
        i, record = len(items), {}
        items.append(record)
        self.doc.positions[(block.kind, i)] = self.where(sheet, r, 0)
        for c, column in columns.items():
            raw = row[c] if c < len(row) else None
            if column.derive is not None:
                self.derived.append((block.kind, i, column, raw, self.where(sheet, r, c)))
                continue
            path = (block.kind, i, *column.path)
            self.doc.positions[path] = self.where(sheet, r, c)
            try:
                value = from_cell(cell_format(field_annotation(BY_NAME[block.kind].model, column.path)), raw)
            except ValueError as exc:
                self.problems.append(Problem(self.where(sheet, r, c), column.header, str(exc)))
                continue
            if value is not None:
                _set(record, column.path, self.secrets(value, path))

    def secrets(self, value: Any, path: tuple) -> Any:
        """`${env:NAME}` anywhere in a cell becomes a Sensitive, as in a YAML spec."""
        if isinstance(value, str) and (env := parse_env_ref(value.strip())):
            self.doc.secrets.append((path, env))
            return Sensitive.from_env(env)
        if isinstance(value, dict):
            return {k: self.secrets(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.secrets(v, path + (n,)) for n, v in enumerate(value)]
        return value

    def relabel(self, problem: Problem) -> Problem:
        """`statuses[3].group` → `Группа статусов`; what lies below a YAML cell stays."""
        match = re.match(r"^(\w+)\[(\d+)\]\.?(.*)$", problem.field)
        block = _block_of(match.group(1)) if match else None
        if block is None:
            return problem
        rest = match.group(3)
        for column in sorted(block.columns, key=lambda c: -len(c.path)):
            name = dotted(column.path)
            if column.path and (rest == name or rest.startswith((name + ".", name + "["))):
                return replace(problem, field=column.header + rest[len(name):])
        return problem

    def derived_warnings(self, spec: SpecBase) -> list[Problem]:
        """A computed column that disagrees with the spec: warn, since it is not imported."""
        warnings = []
        for kind, i, column, raw, where in self.derived:
            expected = column.derive(spec, spec.resources(kind)[i])
            fmt = cell_format(type(expected))
            try:
                given = from_cell(fmt, raw)
            except ValueError:
                given = raw
            if given is not None and given != expected:
                warnings.append(Problem(where, column.header, f'"{_text(raw)}" does not match the other sheets '
                                        f'(they give "{to_cell(fmt, expected)}"); this column is filled in '
                                        "on export and not imported"))
        return warnings


def _header_row(rows: list[Row], block: Block, sheet: Sheet) -> int | None:
    """The block's header row: the one under its title, or the first row of a one-table sheet."""
    for r, row in enumerate(rows):
        if row and _text(row[0]) == block.title:
            return r + 1 if r + 1 < len(rows) else None
    if len(sheet.blocks) == 1:
        return next((r for r, row in enumerate(rows) if not _blank(row)), None)
    return None


def _block_of(kind: str) -> Block | None:
    return next((b for sheet in LAYOUT for b in sheet.blocks if b.kind == kind), None)


def _set(record: dict, path: tuple[str, ...], value: Any) -> None:
    for name in path[:-1]:
        record = record.setdefault(name, {})
    record[path[-1]] = value
