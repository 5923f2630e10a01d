"""A worksheet as a person laid it out → the tables on it, each a header and its rows.

Merged cells: a value merged over several rows applies to every row it spans (a CMS
status over six CRM statuses, a group down the side); a merge across columns only is
a title or a group row, its value in the first cell. Rows above the first header
(titles, notes, blanks) are skipped. A new table starts at a header row that follows
a blank row or a title naming one of the tab's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from .layout import Col, Tab, Table
from .words import norm


@dataclass
class Found:
    table: Table
    header: int                                   # 1-based row of the header
    columns: dict[int, Col]                       # 0-based column → Col
    unknown: dict[int, str]                       # 0-based column → header text not recognised
    rows: list[tuple[int, tuple]] = field(default_factory=list)   # (1-based row, values)

    def get(self, values: tuple, key: str) -> tuple[Any, int | None]:
        """(value, 1-based column) of `key` in a row; (None, None) when the table has no such column."""
        for c, col in self.columns.items():
            if col.key == key:
                return (values[c] if c < len(values) else None), c + 1
        return None, None

    def has(self, key: str) -> bool:
        return any(col.key == key for col in self.columns.values())


def sheet_rows(ws: Worksheet) -> list[tuple]:
    """Every row's values, vertical merges filled down (in the merge's first column)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for merged in ws.merged_cells.ranges:
        if merged.max_row == merged.min_row:
            continue
        value = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
            row = rows[r - 1]
            if len(row) >= merged.min_col:
                row[merged.min_col - 1] = value
    return [tuple(r) for r in rows]


def filled(row: tuple) -> list[int]:
    return [i for i, v in enumerate(row) if v is not None and str(v).strip()]


def find_tables(tab: Tab, rows: list[tuple]) -> tuple[list[Found], list[tuple[int, str]]]:
    """The tables of `tab` on these rows, and (row, text) of titles naming no table of this tab."""
    found: list[Found] = []
    unknown_titles: list[tuple[int, str]] = []
    current: Found | None = None
    pending: Table | None = None
    after_break = True
    for r, row in enumerate(rows, 1):
        cells = filled(row)
        if not cells:
            after_break = True
            continue
        single = _text(row[cells[0]]) if len(cells) == 1 else ""
        titled = next((t for t in tab.tables if single and t.is_title(single)), None)
        if titled and _header_follows(tab, rows, r, titled, found):
            pending, after_break, current = titled, True, None
            continue
        header = _header(tab, row, pending, found) if (after_break or current is None) else None
        if header:
            current = Found(header[0], r, header[1], _unknown(row, header[1]))
            found.append(current)
            pending, after_break = None, False
            continue
        if current is not None:
            current.rows.append((r, row))
        elif single and found:
            unknown_titles.append((r, single))
        after_break = False
    return found, unknown_titles


def _header_follows(tab: Tab, rows: list[tuple], r: int, table: Table, found: list[Found]) -> bool:
    nxt = next((row for row in rows[r:] if filled(row)), None)
    header = _header(tab, nxt, table, found) if nxt else None
    return header is not None and header[0] is table


def _header(tab: Tab, row: tuple, pending: Table | None, found: list[Found]) -> tuple[Table, dict] | None:
    if not all(isinstance(row[i], str) for i in filled(row)):
        return None
    headers = [norm(v) if isinstance(v, str) else "" for v in row]
    seen = {f.table.kind for f in found}
    others = [t for t in tab.tables if t.kind not in seen] or list(tab.tables)
    for candidates in ([pending] if pending else [], others):
        best: tuple[Table, dict] | None = None
        for table in candidates:
            columns = table.match(headers)
            if len(columns) >= 2 and 2 * len(columns) >= len(filled(row)) \
                    and (best is None or len(columns) > len(best[1])):
                best = (table, columns)
        if best:
            return best
    return None


def _unknown(row: tuple, columns: dict[int, Col]) -> dict[int, str]:
    return {i: _text(row[i]) for i in filled(row) if i not in columns}


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""
