"""The import's working state: records read from rows, each value with the cell it came from.

A record is a resource as plain data plus where each field was read; references are
kept as the words in the cell until every tab is read, then resolved by name. Every
problem is collected (all at once, in Russian, located at sheet, row and column) and
raised together at the end: a workbook with a mistake never yields a partial spec.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from ..errors import Location, Problem
from ..kinds import BY_NAME
from . import words as _words
from .grammar import Names
from .grid import Found, filled
from .layout import tab_of
from .words import Enum, enum_labels, enum_value, integer, money, norm, translit, unique, yes_no

TITLES = {  # a resource in words, the ending of «не найден…» (the tab it is on: its area's, `tab_of`)
    "status_groups": ("группа статусов", "а"), "statuses": ("статус заказа", ""),
    "payment_statuses": ("статус оплаты", ""), "payment_types": ("тип оплаты", ""),
    "delivery_types": ("тип доставки", ""), "product_statuses": ("статус товара", ""),
    "order_types": ("тип заказа", ""), "order_methods": ("способ оформления", ""),
    "custom_dictionaries": ("справочник", ""), "custom_fields": ("поле", "о"),
    "user_groups": ("группа пользователей", "а"), "users": ("пользователь", ""),
    "templates": ("шаблон", ""), "triggers": ("триггер", ""),
    "integrations": ("интеграция", "а"),
}


@dataclass(frozen=True)
class CellLocation(Location):
    """`TZ.xlsx[Статусы] строка 5, столбец B` — a place a person can find in Excel."""

    def __str__(self) -> str:
        column = f", столбец {get_column_letter(self.column)}" if self.column else ""
        return f"{self.file} строка {self.line}{column}"


@dataclass
class Ref:
    path: tuple
    kind: str
    text: str
    where: CellLocation
    header: str
    many: bool = False


@dataclass
class Rec:
    kind: str
    row: CellLocation
    data: dict = field(default_factory=dict)
    where: dict[tuple, CellLocation] = field(default_factory=dict)
    headers: dict[tuple, str] = field(default_factory=dict)
    refs: list[Ref] = field(default_factory=list)
    code: str | None = None          # written in the Код column
    base: str = "item"               # the code to generate from when none is written
    extra: dict[str, Any] = field(default_factory=dict)   # what a tab reader keeps for later steps


class Book:
    def __init__(self, filename: str):
        self.filename = filename
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.records: dict[str, list[Rec]] = {}
        self.names = Names()
        self.access: list[Rec] = []
        self.secrets: list[tuple[tuple, str]] = []

    # --- places and messages ---------------------------------------------------------------------------
    def at(self, sheet: str, row: int, column: int | None = None) -> CellLocation:
        return CellLocation(f"{self.filename}[{sheet}]", row, column or 0)

    def error(self, where: Location | None, header: str, message: str) -> None:
        self.problems.append(Problem(where, header, message))

    def warn(self, where: Location | None, header: str, message: str) -> None:
        self.warnings.append(Problem(where, header, message))

    # --- records ---------------------------------------------------------------------------------------
    def new(self, kind: str, sheet: str, row: int) -> Rec:
        rec = Rec(kind, self.at(sheet, row))
        self.records.setdefault(kind, []).append(rec)
        return rec

    def cell(self, rec: Rec, found: Found, values: tuple, key: str) -> tuple[Any, CellLocation, str]:
        """(value, location, header) of the column `key` in this row; value None when blank or absent."""
        value, column = found.get(values, key)
        header = found.columns[column - 1].header if column else ""
        if isinstance(value, str) and not value.strip():
            value = None
        return value, CellLocation(rec.row.file, rec.row.line, column or 0), header

    def put(self, rec: Rec, path: tuple | str, value: Any, where: CellLocation, header: str) -> None:
        path = (path,) if isinstance(path, str) else path
        target = rec.data
        for name in path[:-1]:
            target = target.setdefault(name, {})
        target[path[-1]] = value
        rec.where[path], rec.headers[path] = where, header

    def read(self, rec: Rec, found: Found, values: tuple, key: str, path: str, how: str = "text") -> Any:
        """Read one column into `path` with the converter `how`; a bad value is a located error."""
        raw, where, header = self.cell(rec, found, values, key)
        if raw is None:
            return None
        value, message = convert(how, raw)
        if message:
            self.error(where, header, message)
            return None
        if how.startswith("ref"):
            rec.refs.append(Ref((path,), how.split(":")[1], str(raw), where, header, how.startswith("refs")))
            return raw
        self.put(rec, path, value, where, header)
        return value

    def comment_extra(self, rec: Rec, found: Found, values: tuple) -> None:
        """Columns the template does not have: their values are appended to the comment."""
        notes = [f"{found.unknown[c]}: {text(values[c])}" for c in found.unknown
                 if c < len(values) and text(values[c])]
        if notes:
            old = rec.data.get("comment")
            where = rec.where.get(("comment",), rec.row)
            self.put(rec, "comment", "\n".join(([old] if old else []) + notes), where, "Комментарий")

    # --- codes, names, references ---------------------------------------------------------------------
    def assign_codes(self, kind: str, key: str = "code", scope: str | None = None) -> None:
        """Written codes first (a duplicate is an error), then generated ones, unique, in row order.
        `scope`: a field within whose values codes must differ (a custom field's entity)."""
        taken: dict[tuple, CellLocation] = {}
        for rec in self.records.get(kind, []):
            if rec.code is not None:
                where = (self._scope(rec, scope), rec.code)
                if where in taken:
                    self.error(rec.where.get((key,)), rec.headers.get((key,), "Код"),
                               f"код «{rec.code}» уже занят строкой {taken[where].line}: напишите другой "
                               "или оставьте ячейку пустой")
                taken[where] = rec.where.get((key,), rec.row)
        used: dict[Any, set[str]] = {}
        for (group, code) in taken:
            used.setdefault(group, set()).add(code)
        for rec in self.records.get(kind, []):
            if rec.code is None:
                rec.data[key] = unique(rec.base, used.setdefault(self._scope(rec, scope), set()))
                rec.where[(key,)] = rec.row
            else:
                rec.data[key] = rec.code

    @staticmethod
    def _scope(rec: Rec, scope: str | None) -> Any:
        if scope is None:
            return None
        default = BY_NAME[rec.kind].model.model_fields[scope].default
        return rec.data.get(scope, default)

    def resolve_refs(self, rec: Rec) -> None:
        for ref in rec.refs:
            if ref.many:
                keys = [self.resolve(ref, part) for part in split_names(ref.text, self.names, ref.kind)]
                value: Any = [k for k in keys if k is not None]
            else:
                value = self.resolve(ref, ref.text.strip())
            if value is not None:
                self.put(rec, ref.path, value, ref.where, ref.header)

    def resolve(self, ref: Ref, text_: str) -> str | None:
        key = self.names.resolve(ref.kind, text_)
        if key is not None:
            return key
        (what, ending), tab = TITLES[ref.kind], tab_of(ref.kind).title
        known = self.names.known(ref.kind)
        if norm(text_) in self.names.by_name.get(ref.kind, {}):
            message = f"«{text_}» — так называются несколько ({what}): напишите код"
        else:
            close = difflib.get_close_matches(text_, known, n=1, cutoff=0.6)
            hint = f"может быть, «{close[0]}»?" if close else \
                f"есть: {', '.join(known[:8])}" if known else "там пока ничего нет"
            message = f"{what} «{text_}» не найден{ending} на вкладке {tab}: напишите название оттуда ({hint})"
        self.error(ref.where, ref.header, message)
        return None


# --- reading a row into a record (every table reader uses these) ---------------------------------------
def code_cell(book: Book, rec: Rec, found: Any, values: tuple, base: str) -> None:
    raw, where, header = book.cell(rec, found, values, "code")
    rec.base = base
    if raw is not None:
        rec.code = text(raw)
        rec.where[("code",)], rec.headers[("code",)] = where, header


def read_cells(book: Book, rec: Rec, found: Any, values: tuple, fields: dict[str, tuple[str, str]]) -> None:
    for key, (path, how) in fields.items():
        book.read(rec, found, values, key, path, how)


def named_rows(book: Book, found: Any, sheet: str, column: str, what: str) -> Iterator[tuple[int, int, tuple, Any]]:
    """(n, row, values, name) for each row of a table that names what it describes in `column` (n:
    its place among all the rows, from 1); a row that does not is skipped, saying it lacks `what`."""
    for n, (r, values) in enumerate(found.rows, 1):
        name, _ = found.get(values, column)
        if text(name):
            yield n, r, values, name
        else:
            skip_row(book, found, sheet, r, values, what)


def skip_row(book: Book, found: Any, sheet: str, r: int, values: tuple, what: str) -> None:
    shown = "; ".join(text(values[i]) for i in filled(values))
    book.warn(book.at(sheet, r), "", f"строка пропущена: нет {what} (в ней: «{shown}») — допишите или удалите её")



def split_names(raw: str, names: Names, kind: str) -> list[str]:
    """A cell of several names: one per line, or separated by `;` or `,` (a name with a comma still works)."""
    whole = raw.strip()
    if not whole or names.resolve(kind, whole):
        return [whole] if whole else []
    parts: list[str] = []
    for line in whole.replace(";", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        parts += [line] if names.resolve(kind, line) else [p.strip() for p in line.split(",") if p.strip()]
    return parts


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def convert(how: str, raw: Any) -> tuple[Any, str | None]:
    """A cell's value as the spec wants it, or (None, what to write instead)."""
    if how == "text" or how.startswith("ref"):
        return (text(raw) if not isinstance(raw, str) else raw), None
    if how == "bool":
        value = yes_no(raw)
        return value, None if value is not None else f"напишите Да или Нет (сейчас «{text(raw)}»)"
    if how == "int":
        value = integer(raw)
        return value, None if value is not None else f"напишите целое число (сейчас «{text(raw)}»)"
    if how == "money":
        value = money(raw)
        return value, None if value is not None else \
            f"напишите сумму, например 400, «400 руб.» или «бесплатно» (сейчас «{text(raw)}»)"
    if how == "yaml":   # a structured value (a status's transitions, a channel's routing) as YAML
        import yaml

        try:
            return yaml.safe_load(str(raw)), None
        except yaml.YAMLError:
            return None, "не читается как YAML: пишите как в спецификации, например [approved, cancel-other]"
    if how.startswith("enum:"):
        enum: Enum = ENUMS[how[5:]]
        value = enum_value(enum, raw)
        return value, None if value is not None else \
            f"напишите одно из: {', '.join(enum_labels(enum))} (сейчас «{text(raw)}»)"
    raise ValueError(how)


def base_code(name: Any, fallback: str = "item") -> str:
    return translit(text(name)) if text(name) else fallback


ENUMS: dict[str, Enum] = {name: getattr(_words, name) for name in
                          ("CHANNEL", "INTEGRATION_KIND", "ENTITY", "FIELD_TYPE", "DISPLAY_AREA", "VIEW_MODE",
                           "EVENT")}
