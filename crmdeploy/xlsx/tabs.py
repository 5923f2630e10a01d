"""One reader per table of the ТЗ workbook: rows → records (codes and references resolved later)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .book import Book, Rec, Ref, base_code, code_cell, named_rows, read_cells, skip_row, text
from .people import read_access, read_integrations, read_rights, read_users
from .grid import Found, filled
from .layout import COMMON, SIMPLE
from .words import KNOWN_SERVICES, integer, norm, standard_group, translit

HAS_ORDERING = {"statuses", "status_groups", "payment_statuses", "product_statuses", "order_types", "custom_fields"}
PLACEHOLDERS = {"номер": "{{ order.number }}", "номер заказа": "{{ order.number }}",
                "имя": "{{ customer.first_name }}", "имя клиента": "{{ customer.first_name }}",
                "фамилия": "{{ customer.last_name }}", "сумма": "{{ order.total }}",
                "сумма заказа": "{{ order.total }}", "ссылка на оплату": "{{ payment.link }}",
                "служба доставки": "{{ order.delivery.name }}", "адрес доставки": "{{ order.delivery.address }}"}


def _ordering(rec: Rec, found: Found, n: int) -> None:
    """Without a Порядок column, the order of the rows: 10, 20, 30…"""
    if rec.kind in HAS_ORDERING and not found.has("ordering"):
        rec.data["ordering"] = n * 10


def read_simple(book: Book, found: Found, sheet: str) -> None:
    kind = found.table.kind
    for n, r, values, name in named_rows(book, found, sheet, "name", "названия в retailCRM"):
        rec = book.new(kind, sheet, r)
        read_cells(book, rec, found, values, {**COMMON, **SIMPLE[kind]})
        code_cell(book, rec, found, values, KNOWN_SERVICES.get(norm(name)) or base_code(name))
        _ordering(rec, found, n)
        book.comment_extra(rec, found, values)


def read_statuses(book: Book, found: Found, sheet: str) -> None:
    groups: dict[str, Rec] = {g.extra["key"]: g for g in book.records.get("status_groups", [])}
    current: Rec | None = None
    counts: dict[int, int] = {}
    for r, values in found.rows:
        name, _ = found.get(values, "name")
        group, _ = found.get(values, "group")
        cells = filled(values)
        label = group if found.has("group") else (values[cells[0]] if len(cells) == 1 else None)
        label = label if isinstance(label, str) or label is None else text(label)
        if not text(name):
            if text(label):
                current = _group(book, groups, label, sheet, r, found, values, row_of_its_own=True)
            else:
                skip_row(book, found, sheet, r, values, "статуса в retailCRM")
            continue
        if text(group):
            current = _group(book, groups, label, sheet, r, found, values, row_of_its_own=False)
        rec = book.new("statuses", sheet, r)
        if current is None:
            book.error(rec.row, "Группа статусов", "у статуса нет группы: добавьте над ним строку с названием "
                       "группы (например, Новый) или заполните столбец «Группа статусов»")
        else:
            rec.refs.append(_group_ref(current, rec))
            counts[id(current)] = counts.get(id(current), 0) + 1
        read_cells(book, rec, found, values, {**COMMON, "cms": ("cms_status", "text"),
                                              "transitions": ("transitions", "yaml")})
        code_cell(book, rec, found, values, base_code(name))
        _ordering(rec, found, counts.get(id(current), 1))
        book.comment_extra(rec, found, values)
        trigger, where, header = book.cell(rec, found, values, "trigger")
        rec.extra["trigger"] = (text(trigger), where, header)


def _group_ref(group: Rec, rec: Rec) -> Any:
    return Ref(("group",), "status_groups", group.data["name"], rec.row, "Группа статусов")


def _group(book: Book, groups: dict[str, Rec], name: str, sheet: str, r: int, found: Found, values: tuple,
           row_of_its_own: bool) -> Rec:
    key = norm(name)
    rec = groups.get(key)
    if rec is None:
        rec = groups[key] = book.new("status_groups", sheet, r)
        rec.extra["key"] = key
        book.put(rec, "name", name, book.at(sheet, r, 1), "Группа статусов")
        rec.base = standard_group(name) or translit(name)
        if not found.has("ordering"):
            rec.data["ordering"] = len(groups) * 10
    if row_of_its_own:   # a group row: its Код, Порядок and Активен cells are the group's
        code_cell(book, rec, found, values, rec.base)
        read_cells(book, rec, found, values, {"ordering": ("ordering", "int"), "active": ("active", "bool")})
    return rec


def read_templates(book: Book, found: Found, sheet: str) -> None:
    for _, r, values, body in named_rows(book, found, sheet, "body", "текста сообщения"):
        rec = book.new("templates", sheet, r)
        read_cells(book, rec, found, values, {"name": ("name", "text"), "subject": ("subject", "text"),
                                            "channel": ("channel", "enum:CHANNEL"), "active": ("active", "bool"),
                                            "comment": ("comment", "text")})
        if "channel" not in rec.data and found.get(values, "channel")[0] is None:
            rec.data["channel"] = "email" if rec.data.get("subject") else "sms"
            if rec.data["channel"] == "sms":
                book.warn(rec.row, "Канал", "канал не указан и темы нет — сообщение будет SMS; для письма "
                          "напишите Email и тему")
        raw, where, header = book.cell(rec, found, values, "body")
        book.put(rec, "body", _placeholders(book, str(raw), where, header), where, header)
        subject, swhere, sheader = book.cell(rec, found, values, "subject")
        if subject is not None:
            book.put(rec, "subject", _placeholders(book, str(subject), swhere, sheader), swhere, sheader)
        if not found.has("name"):   # no Название column: name it by its subject, or its status for an SMS
            status = text(found.get(values, "status")[0]).splitlines()
            name = text(subject) or (f"SMS: {status[0]}" if status else "")
            if name:
                rec.data["name"] = name
        code_cell(book, rec, found, values, base_code(rec.data.get("name") or rec.data.get("subject") or text(body)[:30]))
        rec.extra["statuses"] = book.cell(rec, found, values, "status")
        book.comment_extra(rec, found, values)


def _placeholders(book: Book, body: str, where: Any, header: str) -> str:
    def swap(match: re.Match) -> str:
        found = PLACEHOLDERS.get(norm(match.group(1)))
        if found is None:
            book.warn(where, header, f"[{match.group(1)}] оставлен как есть: замените на переменную retailCRM, "
                      "например {{ order.number }}")
        return found or match.group(0)
    return re.sub(r"\[([^\[\]\n]{1,40})\]", swap, body)


def read_fields(book: Book, found: Found, sheet: str) -> None:
    for n, r, values, name in named_rows(book, found, sheet, "name", "названия поля"):
        rec = book.new("custom_fields", sheet, r)
        read_cells(book, rec, found, values, {
            "name": ("name", "text"), "entity": ("entity", "enum:ENTITY"), "type": ("type", "enum:FIELD_TYPE"),
            "dictionary": ("dictionary", "ref:custom_dictionaries"), "required": ("required", "bool"),
            "required_at": ("required_at", "refs:statuses"), "in_filter": ("in_filter", "bool"),
            "in_list": ("in_list", "bool"), "display_area": ("display_area", "enum:DISPLAY_AREA"),
            "view_mode": ("view_mode", "enum:VIEW_MODE"), "default": ("default", "text"),
            "ordering": ("ordering", "int")})
        if "type" not in rec.data and found.get(values, "type")[0] is None:
            book.error(rec.row, "Тип", "напишите тип поля: Строка, Число, Дата, Справочник…")
        code_cell(book, rec, found, values, base_code(name).replace("-", "_"))
        book.comment_extra(rec, found, values)


def read_dictionaries(book: Book, found: Found, sheet: str) -> None:
    current: Rec | None = None
    by_name: dict[str, Rec] = {}
    for r, values in found.rows:
        name, _ = found.get(values, "dictionary")
        if text(name):
            current = by_name.get(norm(name))
            if current is None:
                current = by_name[norm(name)] = book.new("custom_dictionaries", sheet, r)
                book.read(current, found, values, "dictionary", "name")
                current.data["elements"] = []
                current.extra["taken"] = set()
            code, where, header = book.cell(current, found, values, "code")
            if code is not None and current.code is None:
                current.code = text(code)
                current.where[("code",)], current.headers[("code",)] = where, header
            current.base = base_code(name)
        element, _ = found.get(values, "element")
        if current is None or not text(element):
            if current is None:
                skip_row(book, found, sheet, r, values, "названия справочника")
            continue
        _element(book, current, found, values, r, element)


def _element(book: Book, rec: Rec, found: Found, values: tuple, r: int, element: Any) -> None:
    item: dict[str, Any] = {"name": element if isinstance(element, str) else text(element)}
    code, where, header = book.cell(rec, found, values, "element_code")
    taken: set[str] = rec.extra["taken"]
    if code is not None:
        item["code"] = text(code)
        taken.add(item["code"])
    else:
        rec.extra.setdefault("later", []).append(item)
    ordering, owhere, oheader = book.cell(rec, found, values, "element_ordering")
    if ordering is not None:
        if integer(ordering) is None:
            book.error(owhere, oheader, f"напишите целое число (сейчас «{text(ordering)}»)")
        else:
            item["ordering"] = integer(ordering)
    elif not found.has("element_ordering"):
        item["ordering"] = (len(rec.data["elements"]) + 1) * 10
    rec.data["elements"].append(item)


def read_triggers(book: Book, found: Found, sheet: str) -> None:
    for r, values in found.rows:
        rec = book.new("triggers", sheet, r)
        read_cells(book, rec, found, values, {"name": ("name", "text"), "event": ("event", "enum:EVENT"),
                                            "active": ("active", "bool"), "todo": ("todo", "text"),
                                            "ordering": ("ordering", "int")})
        after, where, header = book.cell(rec, found, values, "after")
        if after is not None:
            book.put(rec, ("conditions", "after"), text(after), where, header)
        for key, kind in (("status", "statuses"), ("from_status", "statuses"), ("payment_status", "payment_statuses"),
                          ("delivery_type", "delivery_types"), ("order_method", "order_methods")):
            raw, where, header = book.cell(rec, found, values, key)
            if raw is not None:
                rec.refs.append(Ref(("conditions", key), kind, text(raw), where, header))
        code_cell(book, rec, found, values, base_code(rec.data.get("name"), "trigger"))
        rec.extra["actions"] = book.cell(rec, found, values, "actions")


READERS: dict[str, Callable[[Book, Found, str], None]] = {
    **{kind: read_simple for kind in SIMPLE}, "statuses": read_statuses, "access_notes": read_access,
    "user_groups": read_rights, "users": read_users, "templates": read_templates,
    "integrations": read_integrations, "custom_fields": read_fields, "custom_dictionaries": read_dictionaries,
    "triggers": read_triggers,
}
