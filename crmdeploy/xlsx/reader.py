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

import yaml
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import Problem, SpecError
from ..loader import validate_document
from ..secrets import Sensitive, parse_env_ref, secret_env_name
from ..spec.root import SpecBase
from ..yamlpos import Document, dotted
from .book import Book, CellLocation, Rec, text
from .grammar import Parsed, parse_trigger, split_cell
from .grid import find_tables, sheet_rows
from .layout import LISTS_TAB, TABS, tab_named
from .tabs import READERS
from .words import translit, unique

log = logging.getLogger(__name__)
ORDER = ("status_groups", "statuses", "product_statuses", "payment_types", "payment_statuses", "delivery_types",
         "order_types", "order_methods", "custom_dictionaries", "custom_fields", "user_groups", "users",
         "templates", "triggers", "integrations")
SECRET_FIELD = (("парол", "password"), ("токен", "token"), ("ключ", "api_key"), ("secret", "secret"))
ENV_LINES = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\$\{env:[A-Za-z_][A-Za-z0-9_]*\})\s*$")


@dataclass
class Imported:
    spec: SpecBase
    warnings: list[Problem] = field(default_factory=list)


def read_workbook(path: Path) -> Imported:
    book = Book(str(path))
    _read_tabs(book, path)
    _finish(book)
    if book.problems:
        raise SpecError(_sorted(book.problems))
    document = _document(book)
    try:
        spec = validate_document(document)
    except SpecError as exc:
        headers = _headers(book)
        raise SpecError([_russian(p, headers) for p in exc.problems]) from None
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
    from ..kinds import BY_NAME
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
    _triggers(book)
    _secrets(book)


def _key(kind: str, data: dict) -> str:
    """The key the spec gives this record (a custom field's may be "entity/code"), as `Kind.key_of` says."""
    from ..kinds import BY_NAME
    return BY_NAME[kind].key_of(BY_NAME[kind].model.model_construct(**data))


def _triggers(book: Book) -> None:
    taken = {r.code for r in book.records.get("triggers", []) if r.code}
    for rec in book.records.get("triggers", []):          # the Триггеры tab
        rec.data["code"] = rec.code or unique(rec.base, taken)
        _tab_actions(book, rec)
    links = _links(book)
    made: dict[str, Rec] = {}
    for status in book.records.get("statuses", []):
        cell, where, header = status.extra.get("trigger", ("", None, ""))
        if cell:
            _cell_triggers(book, status, cell, where, header, links.get(status.data["code"], []), taken, made)
    _apply_links(book, links, taken, made)


def _links(book: Book) -> dict[str, list[str]]:
    """status code → template codes the Коммуникации tab sends at that status."""
    links: dict[str, list[str]] = {}
    for rec in book.records.get("templates", []):
        raw, where, header = rec.extra.get("statuses", (None, None, ""))
        if raw is None:
            continue
        from .book import Ref
        ref = Ref(("status",), "statuses", text(raw), where, header, True)
        from .book import split_names
        for part in split_names(text(raw), book.names, "statuses"):
            code = book.resolve(ref, part)
            if code:
                links.setdefault(code, []).append(rec.data["code"])
    return links


def _cell_triggers(book: Book, status: Rec, cell: str, where: CellLocation, header: str, linked: list[str],
                   taken: set[str], made: dict[str, Rec]) -> None:
    texts, stray = split_cell(cell)
    for line in stray:
        book.warn(where, header, f"«{line}»: начните с «Да, …» или «Нет» — прочитано как «Да, {line}»")
        texts.append(f"Да, {line}")
    for line in texts:
        parsed = parse_trigger(line, book.names, linked)
        for message in parsed.errors:
            book.error(where, header, message)
        for message in parsed.notes:
            book.warn(where, header, message)
        rec = _trigger_rec(book, status, parsed, where, header, taken)
        made.setdefault(status.data["code"], rec)
        if parsed.todo:
            book.warn(where, header, f"не понятно, что сделать: «{'; '.join(parsed.todo)}» — триггер сохранён "
                      "с пометкой «доработать» (validate напомнит); действия пишите так: письмо «Шаблон», "
                      "задача «Текст» через 4 ч, уведомление «Текст» для «Группа»")


def _trigger_rec(book: Book, status: Rec, parsed: Parsed, where: CellLocation, header: str,
                 taken: set[str]) -> Rec:
    rec = Rec("triggers", where)
    book.records.setdefault("triggers", []).append(rec)
    code = parsed.code if parsed.code and parsed.code not in taken else None
    if parsed.code and code is None:
        book.error(where, header, f"код триггера «{parsed.code}» уже занят: напишите другой")
    rec.data["code"] = code or unique(f"on-{status.data['code']}", taken)
    taken.add(rec.data["code"])
    name = status.data["name"] if parsed.name is None else (parsed.name or None)
    if name:
        rec.data["name"] = name
    rec.data["conditions"] = {"status": status.data["code"]}
    rec.data["actions"] = parsed.actions
    if parsed.todo:
        rec.data["todo"] = "; ".join(parsed.todo)
    if not parsed.actions:
        rec.data["active"] = False
    for path in (("code",), ("name",), ("conditions",), ("actions",), ("todo",)):
        rec.where[path], rec.headers[path] = where, header
    return rec


def _apply_links(book: Book, links: dict[str, list[str]], taken: set[str], made: dict[str, Rec]) -> None:
    statuses = {s.data["code"]: s for s in book.records.get("statuses", [])}
    for status_code, templates in links.items():
        for template in templates:
            fired = [t for t in book.records.get("triggers", [])
                     if t.data.get("conditions", {}).get("status") == status_code]
            if any({"send_template": template} in t.data.get("actions", []) for t in fired):
                continue
            status = statuses[status_code]
            if status_code in made:
                made[status_code].data["actions"].append({"send_template": template})
                made[status_code].data.pop("active", None)
                continue
            cell, where, header = status.extra.get("trigger", ("", status.row, "Триггер"))
            if re.match(r"^\s*нет\b", cell, re.IGNORECASE):
                book.warn(where, header, "в столбце Триггер написано «Нет», но на вкладке Коммуникации есть "
                          "сообщение для этого статуса — создан триггер, который его отправляет")
            made[status_code] = _trigger_rec(book, status, Parsed(actions=[{"send_template": template}]),
                                             where or status.row, header, taken)


def _tab_actions(book: Book, rec: Rec) -> None:
    raw, where, header = rec.extra["actions"]
    rec.where[("actions",)], rec.headers[("actions",)] = where, header
    if raw is None:
        rec.data.setdefault("actions", [])
        return
    if str(raw).lstrip().startswith("- "):
        try:
            rec.data["actions"] = yaml.safe_load(str(raw))
        except yaml.YAMLError:
            book.error(where, header, "не читается как YAML-список: пишите действия словами, по одному на строку")
        return
    parsed = parse_trigger("Да: " + "; ".join(str(raw).splitlines()), book.names, [])
    for message in parsed.errors:
        book.error(where, header, message)
    rec.data["actions"] = parsed.actions
    if parsed.todo:
        rec.data["todo"] = "; ".join(filter(None, [rec.data.get("todo"), *parsed.todo]))
        book.warn(where, header, f"не понятно «{'; '.join(parsed.todo)}» — сохранено в «Что ещё сделать»")


# --- secrets ------------------------------------------------------------------------------------------------
def _secrets(book: Book) -> None:
    names: set[str] = set()
    for rec in book.records.get("integrations", []):
        raw, where, header = rec.extra["secret"]
        if raw is not None:
            field_name = next((f for word, f in SECRET_FIELD if word in header.casefold()), "password")
            creds = _credentials(book, str(raw), rec.data["code"], field_name, where, header, names)
            book.put(rec, "credentials", creds, where, header)
    for rec in book.access:
        raw, where, header = rec.extra["secret"]
        if raw is not None:
            creds = _credentials(book, str(raw), translit(rec.data["system"]), "password", where, header, names)
            book.put(rec, "password", next(iter(creds.values())), where, header)


def _credentials(book: Book, raw: str, owner: str, field_name: str, where: CellLocation, header: str,
                 names: set[str]) -> dict[str, Sensitive]:
    """`${env:X}` lines are kept; anything else is a clear-text secret, replaced by `${env:OWNER_FIELD}`."""
    lines = [line for line in raw.splitlines() if line.strip()]
    if lines and all(ENV_LINES.match(line) for line in lines):
        return {m.group(1): Sensitive.from_env(parse_env_ref(m.group(2)))
                for m in (ENV_LINES.match(line) for line in lines)}
    if env := parse_env_ref(raw.strip()):
        return {field_name: Sensitive.from_env(env)}
    env = first = secret_env_name(owner, field_name)
    n = 1
    while env in names:
        n += 1
        env = f"{first}_{n}"
    names.add(env)
    book.warn(where, header, f"пароль/ключ не записан в спецификацию: задайте переменную окружения {env} "
              f"(в спецификации — ${{env:{env}}})")
    return {field_name: Sensitive.from_env(env)}


# --- the spec as a document with positions -------------------------------------------------------------------
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
    _collect_secrets(document, prefix, rec.data)


def _collect_secrets(document: Document, path: tuple, value: Any) -> None:
    if isinstance(value, Sensitive) and value.env:
        document.secrets.append((path, value.env))
    elif isinstance(value, dict):
        for k, v in value.items():
            _collect_secrets(document, path + (k,), v)


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
