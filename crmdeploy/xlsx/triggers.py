"""Triggers from the workbook: the Триггер column of Статусы, the Коммуникации links, the Триггеры tab.

Each «Да …» in a status's Триггер cell is one trigger on that status (its actions read by
`grammar`); a message the Коммуникации tab sends at a status is sent by a trigger on it —
the status's own when it has one, else a new one. The Триггеры tab's actions are words too,
or a YAML list.
"""

from __future__ import annotations

import re

import yaml

from .book import Book, CellLocation, Ref, Rec, split_names, text
from .grammar import Parsed, parse_trigger, split_cell
from .words import unique


def build_triggers(book: Book) -> None:
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
        ref = Ref(("status",), "statuses", text(raw), where, header, True)
        for part in split_names(text(raw), book.names, "statuses"):
            code = book.resolve(ref, part)
            if code:
                links.setdefault(code, []).append(rec.data["code"])
    return links


BARE = "в ТЗ написано «Да» без действия: уточнить, что делает триггер"


def _cell_triggers(book: Book, status: Rec, cell: str, where: CellLocation, header: str, linked: list[str],
                   taken: set[str], made: dict[str, Rec]) -> None:
    texts, stray = split_cell(cell)
    for line in stray:
        book.warn(where, header, f"«{line}»: начните с «Да, …» или «Нет» — прочитано как «Да, {line}»")
        texts.append(f"Да, {line}")
    for line in texts:
        parsed = parse_trigger(line, book.names, linked)
        if not parsed.actions and not parsed.todo and not parsed.errors:   # a bare «Да»
            parsed.actions = [{"send_template": code} for code in linked]
            parsed.todo = [] if linked else [BARE]
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
