"""Readers of the people and access tables: Доступы (logins, rights), Пользователи, Интеграции;
and the one place a clear-text password or key becomes `${env:NAME}`."""

from __future__ import annotations

import re
from typing import Any

from ..secrets import Sensitive, parse_env_ref, secret_env_name
from .book import Book, CellLocation, Rec, base_code, code_cell, named_rows, read_cells, text
from .grid import Found
from .words import INTEGRATION_KIND, KNOWN_SERVICES, LATER, enum_value, norm, parse_rights, translit, yes_no

SECRET_FIELD = (("парол", "password"), ("токен", "token"), ("ключ", "api_key"), ("secret", "secret"))
ENV_LINES = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\$\{env:[A-Za-z_][A-Za-z0-9_]*\})\s*$")


def read_access(book: Book, found: Found, sheet: str) -> None:
    for _, r, values, system in named_rows(book, found, sheet, "system", "названия системы"):
        rec = Rec("access_notes", book.at(sheet, r))
        book.access.append(rec)
        read_cells(book, rec, found, values, {"system": ("system", "text"), "url": ("url", "text"),
                                            "login": ("login", "text"), "comment": ("comment", "text")})
        rec.extra["secret"] = book.cell(rec, found, values, "password")
        book.comment_extra(rec, found, values)


def read_rights(book: Book, found: Found, sheet: str) -> None:
    for _, r, values, name in named_rows(book, found, sheet, "name", "названия группы"):
        rec = book.new("user_groups", sheet, r)
        read_cells(book, rec, found, values, {
            "name": ("name", "text"), "is_manager": ("is_manager", "bool"),
            "is_delivery_men": ("is_delivery_men", "bool"), "comment": ("comment", "text"),
            "order_types": ("order_types", "refs:order_types"),
            "delivery_types": ("delivery_types", "refs:delivery_types")})
        code_cell(book, rec, found, values, base_code(name))
        _rights(book, rec, found, values)
        book.comment_extra(rec, found, values)


def _rights(book: Book, rec: Rec, found: Found, values: tuple) -> None:
    permissions: list[str] = []
    for c, col in found.columns.items():
        raw = values[c] if c < len(values) else None
        if not text(raw):
            continue
        where = CellLocation(rec.row.file, rec.row.line, c + 1)
        if col.key == "other_rights":
            permissions += [p.strip() for p in re.split(r"[,;\n]", text(raw)) if p.strip()]
        elif col.key.startswith("right:"):
            codes, unknown = parse_rights(col.key[6:], raw)
            permissions += codes
            if unknown:
                note = f"{col.header}: {text(raw)}"
                rec.data["comment"] = "\n".join(filter(None, [rec.data.get("comment"), note]))
                book.warn(where, col.header, f"не понятно «{', '.join(unknown)}» — записано в комментарий "
                          "группы; права пишите словами: просмотр, создание, редактирование, удаление, "
                          "полный или нет")
    if permissions or any(c.key.startswith("right:") for c in found.columns.values()):
        rec.data["permissions"] = sorted(set(permissions))
        rec.where[("permissions",)] = rec.row


def read_users(book: Book, found: Found, sheet: str) -> None:
    for r, values in found.rows:
        email, _ = found.get(values, "email")
        rec = book.new("users", sheet, r)
        if not text(email):
            book.error(rec.row, "E-mail", "у сотрудника нет e-mail: он нужен как логин в CRM — допишите его")
            continue
        read_cells(book, rec, found, values, {
            "email": ("email", "text"), "position": ("position", "text"), "phone": ("phone", "text"),
            "is_admin": ("is_admin", "bool"), "is_manager": ("is_manager", "bool"), "active": ("active", "bool"),
            "comment": ("comment", "text"), "groups": ("groups", "refs:user_groups"),
            "last_name": ("last_name", "text"), "first_name": ("first_name", "text"),
            "patronymic": ("patronymic", "text")})
        fio, where, header = book.cell(rec, found, values, "fio")
        parts = text(fio).split()
        if parts:
            fields = {1: ("first_name",), 2: ("last_name", "first_name")}.get(len(parts),
                                                                             ("last_name", "first_name", "patronymic"))
            parts = parts if len(parts) <= 3 else parts[:2] + [" ".join(parts[2:])]
            for field, part in zip(fields, parts):
                book.put(rec, field, part, where, header)
        if "first_name" not in rec.data:
            book.error(rec.row, header or "ФИО", "у сотрудника нет имени: напишите ФИО (Фамилия Имя Отчество)")
        book.comment_extra(rec, found, values)


def read_integrations(book: Book, found: Found, sheet: str) -> None:
    for _, r, values, name in named_rows(book, found, sheet, "name", "названия сервиса"):
        rec = book.new("integrations", sheet, r)
        read_cells(book, rec, found, values, {
            "name": ("name", "text"), "purpose": ("purpose", "text"), "kind": ("kind", "enum:INTEGRATION_KIND"),
            "base_url": ("base_url", "text"), "comment": ("comment", "text"),
            "delivery_types": ("delivery_types", "refs:delivery_types")})
        code_cell(book, rec, found, values, KNOWN_SERVICES.get(norm(name)) or base_code(name))
        _needed(book, rec, found, values)
        if "kind" not in rec.data:
            words = norm(f"{text(name)} {rec.data.get('purpose', '')}")
            kind = next((v for v, _, more in INTEGRATION_KIND if any(norm(w)[:6] in words for w in more)), None)
            rec.data["kind"] = kind or enum_value(INTEGRATION_KIND, name) or "other"
            rec.where[("kind",)] = rec.row
        _settings(book, rec, found, values)
        rec.extra["secret"] = book.cell(rec, found, values, "secret")
        book.comment_extra(rec, found, values)


def _needed(book: Book, rec: Rec, found: Found, values: tuple) -> None:
    raw, where, header = book.cell(rec, found, values, "needed")
    if raw is None:
        return
    answer = yes_no(raw)
    if answer is None:
        later = norm(raw) in LATER
        if not later:
            book.warn(where, header, f"«{text(raw)}» — не Да/Нет/Позже: интеграция сохранена выключенной, "
                      "ответ записан в комментарий")
        note = "Нужна: позже" if later else f"Нужна: {text(raw)}"
        rec.data["comment"] = "\n".join(filter(None, [rec.data.get("comment"), note]))
    book.put(rec, "active", bool(answer), where, header)


def _settings(book: Book, rec: Rec, found: Found, values: tuple) -> None:
    import yaml

    settings: dict[str, Any] = {}
    raw, where, header = book.cell(rec, found, values, "settings")
    if raw is not None:
        try:
            loaded = yaml.safe_load(str(raw))
        except yaml.YAMLError:
            loaded = None
        if not isinstance(loaded, dict):
            book.error(where, header, "напишите по строке на настройку: имя: значение (например, tariff: 136)")
        else:
            settings.update(loaded)
    login, lwhere, lheader = book.cell(rec, found, values, "login")
    if login is not None:
        settings["login"] = text(login)
    if settings:
        book.put(rec, "settings", settings, where if raw is not None else lwhere, header or lheader)


def replace_secrets(book: Book) -> None:
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
