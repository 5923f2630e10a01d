"""The rows export writes, per table: a dict of column key → what the cell shows (names, words).

A trigger goes into the Триггер column of its status only when the grammar carries it
exactly (the words, read back, give the same trigger); every other one goes to the
Триггеры tab, whose actions are words too unless only YAML can say them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..kinds import KINDS
from ..spec.comms import Action, Trigger
from ..spec.root import SpecBase
from ..specfile import cell_yaml, resource_data
from .grammar import Names, format_actions, format_trigger, parse_trigger
from .layout import SIMPLE, Table
from .words import (ACTIONS, AREAS, CHANNEL, DISPLAY_AREA, ENTITY, EVENT, FIELD_TYPE, INTEGRATION_KIND, NO, VIEW_MODE,
                    YES, enum_label, rights_words)

Rows = list[dict[str, Any]]


def names_of(spec: SpecBase) -> Names:
    """Every resource by the name the workbook shows (a user by email), as the reader takes them back."""
    names = Names()
    for kind in KINDS:
        for resource in spec.resources(kind.name):
            names.add(kind.name, kind.key_of(resource), getattr(resource, "name", None))
    for template in spec.templates:
        names.channel[template.code] = template.channel
    names.placed = _place_triggers(spec, names)   # type: ignore[attr-defined]
    return names


def yn(value: bool | None) -> str | None:
    return None if value is None else YES if value else NO


def listed(names: Names, kind: str, keys: list[str] | None) -> str | None:
    return "\n".join(names.show(kind, k) for k in keys) if keys else None


def _common(r: Any) -> dict[str, Any]:
    return {"name": r.name, "code": r.code, "comment": getattr(r, "comment", None),
            "ordering": getattr(r, "ordering", None), "active": yn(getattr(r, "active", None)),
            "default_for_crm": yn(getattr(r, "default_for_crm", None)),
            "default_for_api": yn(getattr(r, "default_for_api", None)),
            "description": getattr(r, "description", None)}


# --- Статусы ------------------------------------------------------------------------------------------------
def statuses(spec: SpecBase, names: Names, table: Table) -> Rows:
    rows: Rows = []
    cells: dict[str, list[str]] = names.placed[0]   # type: ignore[attr-defined]
    for group in spec.status_groups:
        rows.append({"__group__": True, "group": group.name, "code": group.code, "ordering": group.ordering,
                     "active": yn(group.active)})
        for s in (s for s in spec.statuses if s.group == group.code):
            rows.append({**_common(s), "cms": s.cms_status, "transitions": _transitions(s), "trigger": "\n".join(cells.get(s.code, [])) or _no(spec, s.code)})
    return rows


def _transitions(status: Any) -> str | None:
    if status.transitions is None:
        return None
    moves = [t.to if not t.groups else {"to": t.to, "groups": t.groups} for t in status.transitions]
    return cell_yaml(moves)


def _place_triggers(spec: SpecBase, names: Names) -> tuple[dict[str, list[str]], list[Trigger]]:
    status_names = {s.code: s.name for s in spec.statuses}
    cells: dict[str, list[str]] = {}
    rest: list[Trigger] = []
    for trigger in spec.triggers:
        status = trigger.conditions.status
        simple = trigger.event == "order.status_changed" and status in status_names and \
            trigger.conditions.model_dump(exclude_none=True) == {"status": status}
        default = f"on-{status}" if not cells.get(status) else ""
        line = format_trigger(trigger, status_names.get(status, ""), default, names) if simple else None
        if line and _reads_back(line, trigger, status, status_names[status], default, names):
            cells.setdefault(status, []).append(line)
        else:
            rest.append(trigger)
    return cells, rest


def _reads_back(line: str, trigger: Trigger, status: str, status_name: str, default: str, names: Names) -> bool:
    if "\n" in line:
        return False
    parsed = parse_trigger(line, names, [])
    if parsed.errors or parsed.notes:
        return False
    data: dict[str, Any] = {"code": parsed.code or default, "conditions": {"status": status},
                            "actions": parsed.actions}
    name = status_name if parsed.name is None else parsed.name
    if name:
        data["name"] = name
    if parsed.todo:
        data["todo"] = "; ".join(parsed.todo)
    if not parsed.actions:
        data["active"] = False
    try:
        return Trigger.model_validate(data) == trigger
    except ValueError:
        return False


def simple(spec: SpecBase, names: Names, table: Table) -> Rows:
    """A plain list of named things: its cells as `layout.SIMPLE` says the reader takes them back."""
    cells = SIMPLE[table.kind]
    return [{**_common(r), **{key: _cell(how, getattr(r, name), names) for key, (name, how) in cells.items()}}
            for r in spec.resources(table.kind)]


def _cell(how: str, value: Any, names: Names) -> Any:
    if value is None:
        return None
    if how == "bool":
        return yn(value)
    if how.startswith("refs:"):
        return listed(names, how.removeprefix("refs:"), value)
    if how.startswith("ref:"):
        return names.show(how.removeprefix("ref:"), value)
    if how == "yaml":
        return cell_yaml(value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value) if value else None
    return value


# --- Доступы ------------------------------------------------------------------------------------------------
def access_notes(spec: SpecBase, names: Names, table: Table) -> Rows:
    return [{"system": n.system, "url": n.url, "login": n.login, "comment": n.comment,
             "password": f"${{env:{n.password.env}}}" if n.password and n.password.env else None}
            for n in spec.access_notes]


def rights(spec: SpecBase, names: Names, table: Table) -> Rows:
    rows = []
    known = {f"{area}_{action}" for area, _ in AREAS for action, _, _ in ACTIONS}
    for g in spec.user_groups:
        permissions = list(g.permissions or [])
        row = {"name": g.name, "code": g.code, "comment": g.comment, "is_manager": yn(g.is_manager),
               "is_delivery_men": yn(g.is_delivery_men), "order_types": listed(names, "order_types", g.order_types),
               "delivery_types": listed(names, "delivery_types", g.delivery_types),
               "other_rights": ", ".join(p for p in permissions if p not in known) or None}
        row.update({f"right:{area}": rights_words(area, permissions) for area, _ in AREAS})
        rows.append(row)
    return rows


# --- Пользователи, Коммуникации, Интеграции ------------------------------------------------------------------
def users(spec: SpecBase, names: Names, table: Table) -> Rows:
    return [{"position": u.position, "groups": listed(names, "user_groups", u.groups), "fio": _fio(u),
             "email": u.email, "phone": u.phone, "is_admin": yn(u.is_admin), "is_manager": yn(u.is_manager),
             "comment": u.comment, "active": yn(u.active),
             **({} if _fio(u) else {"last_name": u.last_name, "first_name": u.first_name,
                                    "patronymic": u.patronymic})} for u in spec.users]


def _fio(user: Any) -> str | None:
    """Фамилия Имя Отчество, when splitting it back gives the same three fields."""
    parts = [user.last_name, user.first_name, user.patronymic]
    if any(p is not None and (len(p.split()) != 1 or p != p.strip()) for p in parts):
        return None
    if user.last_name is None:
        return user.first_name if user.patronymic is None else None
    return " ".join(p for p in parts if p)


def templates(spec: SpecBase, names: Names, table: Table) -> Rows:
    at: dict[str, list[str]] = {}
    for trigger in spec.triggers:
        status = trigger.conditions.status
        for action in trigger.actions:
            if status and action.send_template and status not in at.setdefault(action.send_template, []):
                at[action.send_template].append(status)
    return [{"status": listed(names, "statuses", at.get(t.code)), "channel": enum_label(CHANNEL, t.channel),
             "name": t.name, "subject": t.subject, "body": t.body, "comment": t.comment, "code": t.code,
             "active": yn(t.active)} for t in spec.templates]


def integrations(spec: SpecBase, names: Names, table: Table) -> Rows:
    rows = []
    for i in spec.integrations:
        data = resource_data("integrations", i)
        settings = dict(i.settings or {})
        login = settings.pop("login", None) if isinstance(settings.get("login"), str) else None
        rows.append({"name": i.name, "purpose": i.purpose, "needed": yn(i.active),
                     "kind": enum_label(INTEGRATION_KIND, i.kind), "login": login,
                     "secret": cell_yaml(data["credentials"]) if data.get("credentials") else None,
                     "base_url": i.base_url, "settings": cell_yaml(settings) if settings else None,
                     "delivery_types": listed(names, "delivery_types", i.delivery_types),
                     "comment": i.comment, "code": i.code})
    return rows


# --- the extra tabs -----------------------------------------------------------------------------------------
def fields(spec: SpecBase, names: Names, table: Table) -> Rows:
    return [{**_common(f), "entity": enum_label(ENTITY, f.entity), "type": enum_label(FIELD_TYPE, f.type),
             "dictionary": names.show("custom_dictionaries", f.dictionary) if f.dictionary else None,
             "required": yn(f.required), "required_at": listed(names, "statuses", f.required_at),
             "in_filter": yn(f.in_filter), "in_list": yn(f.in_list),
             "display_area": enum_label(DISPLAY_AREA, f.display_area) if f.display_area else None,
             "view_mode": enum_label(VIEW_MODE, f.view_mode) if f.view_mode else None,
             "default": f.default} for f in spec.custom_fields]


def dictionaries(spec: SpecBase, names: Names, table: Table) -> Rows:
    rows: Rows = []
    for d in spec.custom_dictionaries:
        head = {"dictionary": d.name, "code": d.code}
        if not d.elements:
            rows.append(head)
        for i, e in enumerate(d.elements):
            rows.append({**(head if i == 0 else {}), "element": e.name, "element_code": e.code,
                         "element_ordering": e.ordering})
    return rows


def triggers(spec: SpecBase, names: Names, table: Table) -> Rows:
    rows = []
    for t in names.placed[1]:   # type: ignore[attr-defined]
        c = t.conditions
        rows.append({"name": t.name, "event": enum_label(EVENT, t.event), "code": t.code, "todo": t.todo,
                     "active": yn(t.active), "actions": _actions_cell(t.actions, names),
                     "after": c.after, "ordering": t.ordering,
                     **{key: names.show(kind, getattr(c, key)) if getattr(c, key) else None
                        for key, kind in (("status", "statuses"), ("from_status", "statuses"),
                                          ("payment_status", "payment_statuses"),
                                          ("delivery_type", "delivery_types"), ("order_method", "order_methods"))}})
    return rows


def _actions_cell(actions: list[Action], names: Names) -> str | None:
    if not actions:
        return None
    lines = format_actions(actions, names)
    parsed = parse_trigger("Да: " + "; ".join(lines), names, [])
    try:
        same = [Action.model_validate(a) for a in parsed.actions] == list(actions)
    except ValueError:
        same = False
    if same and not parsed.todo and not parsed.errors and not any("\n" in line for line in lines):
        return "\n".join(lines)
    return cell_yaml([a.model_dump(exclude_none=True) for a in actions])


ROWS: dict[str, Callable[[SpecBase, Names, Table], Rows]] = {
    "statuses": statuses, "access_notes": access_notes, "user_groups": rights, "users": users,
    "templates": templates, "integrations": integrations, "custom_fields": fields,
    "custom_dictionaries": dictionaries, "triggers": triggers,
    **{kind: simple for kind in SIMPLE},
}


def _no(spec: SpecBase, status: str) -> str:
    """«Нет», or where the status's triggers are when they need the Триггеры tab."""
    if any(t.conditions.status == status for t in spec.triggers):
        return f"{NO} (см. вкладку Триггеры)"
    return NO
