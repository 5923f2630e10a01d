"""ТЗ workbook → Spec, as a person fills the template in: names not codes, words not YAML.

Tabs are read in any order of appearance; then codes are assigned (written ones
first, the rest generated from the names), references are resolved by name,
the Триггер column and the Коммуникации links become triggers, clear-text
passwords become `${env:NAME}`; then the loader's own validation runs on the
result. Every problem is collected and raised at once, in Russian, located.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import Problem, SpecError
from ..kinds import BY_NAME, KINDS
from ..loader import validate_document
from ..secrets import secrets_in
from ..spec.root import SpecBase
from ..yamlpos import Document, dotted
from .book import Book, CellLocation, Rec, text
from .grid import find_tables, sheet_rows
from .layout import LISTS_TAB, TABS, tab_named
from .people import replace_secrets
from .tabs import READERS
from .triggers import build_triggers
from .words import translit, unique

log = logging.getLogger(__name__)
ORDER = tuple(kind.name for kind in KINDS)




@dataclass
class Imported:
    spec: SpecBase
    warnings: list[Problem] = field(default_factory=list)


def read_workbook(path: Path) -> Imported:
    book = Book(str(path))
    _read_tabs(book, path)
    _finish(book)
    problems = list(book.problems)
    try:
        spec = validate_document(_document(book))
    except SpecError as exc:
        # The loader's own checks too, all at once — but none on a row that already has a problem.
        rows = {(p.location.file, p.location.line) for p in problems if p.location}
        headers = _headers(book)
        problems += [_russian(p, headers) for p in exc.problems
                     if not p.location or (p.location.file, p.location.line) not in rows]
    if problems:
        raise SpecError(_sorted(problems))
    return Imported(spec, _sorted(book.warnings))


def _read_tabs(book: Book, path: Path) -> None:
    try:
        workbook = load_workbook(path, data_only=True)
    except FileNotFoundError:
        raise SpecError([Problem(None, "", f"{path}: нет такого файла")]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpecError([Problem(None, "", f"{path}: это не книга .xlsx ({exc})")]) from None
    try:
        sheets = [(ws, tab_named(ws.title)) for ws in workbook.worksheets]
        for ws, tab in sheets:
            if tab is None and ws.title != LISTS_TAB:
                book.warn(book.at(ws.title, 1), "", f"вкладка «{ws.title}» не из шаблона ТЗ и не прочитана "
                          f"(вкладки шаблона: {', '.join(t.title for t in TABS)})")
        for tab in TABS:   # the template's order, whatever the workbook's
            for ws in (ws for ws, t in sheets if t is tab):
                _read_tab(book, tab, ws)
    finally:
        workbook.close()


def _read_tab(book: Book, tab: Any, ws: Any) -> None:
    rows = sheet_rows(ws)
    tables, unknown = find_tables(tab, rows)
    if not tables and any(any(v is not None for v in row) for row in rows):
        book.warn(book.at(ws.title, 1), "", "не найдена строка заголовков: напишите заголовки столбцов, как в "
                  f"шаблоне ({', '.join(c.header for c in tab.tables[0].columns[:4])}…)")
    for r, title in unknown:
        book.warn(book.at(ws.title, r), "", f"«{title}»: такой таблицы в шаблоне нет, строки под ней прочитаны "
                  "как продолжение таблицы выше — если это новая таблица, назовите её как в шаблоне "
                  f"({', '.join(t.title for t in tab.tables)})")
    for found in tables:
        for c, header in found.unknown.items():
            keeps = "comment" in _fields_of(found.table.kind)
            book.warn(book.at(ws.title, found.header, c + 1), header,
                      "столбца нет в шаблоне — " + ("его значения добавлены в комментарий" if keeps
                                                    else "он не прочитан"))
        READERS[found.table.kind](book, found, ws.title)


def _fields_of(kind: str) -> set[str]:
    return set(BY_NAME[kind].model.model_fields) if kind in BY_NAME else {"comment"}


# --- after every tab is read --------------------------------------------------------------------------------
def _finish(book: Book) -> None:
    for kind in ORDER:
        if kind not in ("users", "triggers", "custom_dictionaries"):
            book.assign_codes(kind, scope="entity" if kind == "custom_fields" else None)
    book.assign_codes("custom_dictionaries")
    for rec in book.records.get("custom_dictionaries", []):
        for item in rec.extra.get("later", []):
            item["code"] = unique(translit(item["name"]), rec.extra["taken"])
    for kind in ORDER:
        for rec in book.records.get(kind, []):
            key = rec.data.get("email" if kind == "users" else "code")
            if key is not None and kind != "triggers":
                book.names.add(kind, text(key).lower() if kind == "users" else _key(kind, rec.data),
                               rec.data.get("name"))
            if kind == "templates":
                book.names.channel[rec.data["code"]] = rec.data.get("channel", "email")
    for kind in ORDER:
        for rec in book.records.get(kind, []):
            book.resolve_refs(rec)
    build_triggers(book)
    replace_secrets(book)


def _key(kind: str, data: dict) -> str:
    """The key the spec gives this record (a custom field's may be "entity/code"), as `Kind.key_of` says."""
    return BY_NAME[kind].key_from(data)


def _document(book: Book) -> Document:
    document = Document({})
    for kind in ORDER:
        recs = book.records.get(kind, [])
        if recs:
            document.data[kind] = [rec.data for rec in recs]
        for i, rec in enumerate(recs):
            _locate(document, (kind, i), rec)
    if book.access:
        document.data["access_notes"] = [rec.data for rec in book.access]
        for i, rec in enumerate(book.access):
            _locate(document, ("access_notes", i), rec)
    return document


def _locate(document: Document, prefix: tuple, rec: Rec) -> None:
    document.positions[prefix] = rec.row
    for path, where in rec.where.items():
        if where is not None:
            document.positions[prefix + path] = where
    document.secrets += [(prefix + path, secret.env) for path, secret in secrets_in(rec.data) if secret.env]


def _headers(book: Book) -> dict[str, str]:
    """`statuses[3].name` → the header of the column it was read from."""
    found = {}
    for kind, recs in [*book.records.items(), ("access_notes", book.access)]:
        for i, rec in enumerate(recs):
            found.update({dotted((kind, i, *path)): header for path, header in rec.headers.items() if header})
    return found


TRANSLATED = (
    (re.compile(r'^duplicate .+? "(.+)" \(first defined at (.+)\)$'), r"«\1» уже есть: \2 — оставьте одну строку"),
    (re.compile(r"^required field is missing$"), "не заполнено — допишите значение"),
    (re.compile(r"^must be an email address (.*)$"), r"напишите адрес почты \1"),
    (re.compile(r"^must be letters, digits.*?(\(сейчас .*\))?$"),
     r"код: только латинские буквы, цифры, «-», «_» и «.» \1 — или оставьте ячейку пустой"),
)


def _russian(problem: Problem, headers: dict[str, str]) -> Problem:
    """A check of the loader, in the workbook's words: the column's header, and Russian."""
    field_ = problem.field
    for end in range(len(field_), 0, -1):
        if field_[:end] in headers and (end == len(field_) or field_[end] in ".["):
            field_ = headers[field_[:end]] + field_[end:]
            break
    message = problem.message.replace("(got ", "(сейчас ")
    for pattern, russian in TRANSLATED:
        if pattern.match(message):
            return Problem(problem.location, field_, pattern.sub(russian, message).replace("  ", " "))
    return Problem(problem.location, field_, f"значение не подходит: {message}")


def _sorted(problems: list[Problem]) -> list[Problem]:
    def key(p: Problem) -> tuple:
        loc = p.location
        return (loc.file, loc.line, loc.column) if loc else ("", 0, 0)
    return sorted(problems, key=key)


__all__ = ["Imported", "read_workbook", "CellLocation", "dotted"]
