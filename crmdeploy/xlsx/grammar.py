"""The Триггер column in words, both ways: «Да, задача перезвонить через 4 часа» ↔ a trigger's actions.

What export writes (one trigger per line) is a fixed form of what people write:

    Да «Заказ согласован» [on-approved]: письмо «Заказ согласован»; задача «Проверить наличие» для группы «Менеджеры» через 2 ч

Name and code are optional (default: the status's name and `on-<status code>`). Actions are
`письмо «Шаблон»` / `SMS «Шаблон»`, `задача «Текст»[ для группы «Группа»][ для «e-mail»][ через N мин|ч|дн]`,
`уведомление «Текст»[ для «Группа», «e-mail»]`, `поле «Поле» = значение`. Free text is read as far as it
names an action; the rest is kept as the trigger's to-do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .words import DELAY, delay_words, norm, parse_delay

QUOTED = re.compile(r"«([^»]*)»")
NAMED = re.compile(r"^да\s*«([^»]*)»\s*(?:\[([^\]]+)\])?\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
CODED = re.compile(r"^да\s*\[([^\]]+)\]\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)
PLAIN = re.compile(r"^да\b[\s,:.\-—–]*(.*)$", re.IGNORECASE | re.DOTALL)
NO = re.compile(r"^(нет|не нужен|не требуется|-|—)\b", re.IGNORECASE)


class Names:
    """Name ↔ key of every resource a trigger may name, as the workbook shows them."""

    def __init__(self) -> None:
        self.by_name: dict[str, dict[str, str | None]] = {}
        self.keys: dict[str, dict[str, str]] = {}       # kind → key → display name
        self.channel: dict[str, str] = {}               # template code → email / sms

    def add(self, kind: str, key: str, name: str | None) -> None:
        shown = name if name else key
        self.keys.setdefault(kind, {})[key] = shown
        names = self.by_name.setdefault(kind, {})
        word = norm(shown)
        names[word] = None if word in names and names[word] != key else key   # None: ambiguous

    def resolve(self, kind: str, text: str) -> str | None:
        found = self.by_name.get(kind, {}).get(norm(text))
        if found:
            return found
        return text.strip() if text.strip() in self.keys.get(kind, {}) else None

    def show(self, kind: str, key: str) -> str:
        name = self.keys.get(kind, {}).get(key, key)
        return name if self.resolve(kind, name) == key else key

    def known(self, kind: str) -> list[str]:
        return list(self.keys.get(kind, {}).values())


@dataclass
class Parsed:
    name: str | None = None          # None: not written; "" written empty
    code: str | None = None
    actions: list[dict] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_cell(text: str) -> tuple[list[str], list[str]]:
    """(one text per «Да …» trigger, lines that say neither Да nor Нет) of a Триггер cell."""
    triggers: list[str] = []
    stray: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line or NO.match(line):
            continue
        if re.match(r"^да\b", line, re.IGNORECASE):
            triggers.append(line)
        elif triggers:
            triggers[-1] += "; " + line
        else:
            stray.append(line)
    return triggers, stray


def parse_trigger(text: str, names: Names, linked: list[str]) -> Parsed:
    """One «Да …» text → name, code, actions, to-do. `linked`: templates of this status (Коммуникации)."""
    parsed = Parsed()
    if m := NAMED.match(text):
        parsed.name, parsed.code, rest = m.group(1).strip(), m.group(2), m.group(3)
    elif m := CODED.match(text):
        parsed.code, rest = m.group(1), m.group(2)
    else:
        rest = PLAIN.match(text).group(1) if PLAIN.match(text) else text
    parsed.code = parsed.code.strip() if parsed.code else None
    for phrase in split_actions(rest):
        _phrase(phrase, names, linked, parsed)
    return parsed


def split_actions(text: str) -> list[str]:
    """Split on `;` outside «quotes»."""
    parts, depth, current = [], 0, []
    for ch in text:
        depth += (ch == "«") - (ch == "»") if depth or ch == "«" else 0
        if ch == ";" and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _phrase(phrase: str, names: Names, linked: list[str], parsed: Parsed) -> None:
    low = norm(QUOTED.sub(" ", phrase))
    if re.match(r"^(письм|email|e-mail|sms|смс|сообщени|отправ)", low):
        _send(phrase, low, names, linked, parsed)
    elif re.match(r"^(задач|перезвон|позвон|связат|напомн)", low):
        parsed.actions.append({"create_task": _task(phrase, names, parsed)})
    elif re.match(r"^(уведом|оповест|сообщить|известить)", low):
        parsed.actions.append({"notify": _notify(phrase, names, parsed)})
    elif re.match(r"^поле\b", low) and "=" in phrase:
        _set_field(phrase, names, parsed)
    else:
        parsed.todo.append(phrase)


def _send(phrase: str, low: str, names: Names, linked: list[str], parsed: Parsed) -> None:
    quoted = QUOTED.search(phrase)
    if quoted:
        code = names.resolve("templates", quoted.group(1))
        if code is None:
            parsed.errors.append(f"шаблон «{quoted.group(1)}» не найден на вкладке Коммуникации")
        else:
            parsed.actions.append({"send_template": code})
        return
    channel = "sms" if re.match(r"^(sms|смс)", low) else "email" if re.match(r"^(письм|email|e-mail)", low) else None
    chosen = [t for t in linked if channel is None or names.channel.get(t) == channel]
    if not chosen:
        parsed.todo.append(phrase)
        parsed.notes.append(f"«{phrase}»: на вкладке Коммуникации нет сообщения для этого статуса — "
                            "добавьте его там или напишите письмо «Название шаблона»")
    parsed.actions.extend({"send_template": code} for code in chosen)


def _task(phrase: str, names: Names, parsed: Parsed) -> dict:
    task: dict[str, Any] = {}
    rest = phrase
    if delay := DELAY.search(rest):
        task["due_in"] = parse_delay(delay)
        rest = rest[:delay.start()] + rest[delay.end():]
    for m in re.finditer(r"для\s+(группы\s+|пользователя\s+)?«([^»]*)»", rest, re.IGNORECASE):
        _assignee(m.group(2), bool(m.group(1) and "польз" in m.group(1).casefold()), names, task, parsed)
    rest = re.sub(r"для\s+(группы\s+|пользователя\s+)?«[^»]*»", " ", rest, flags=re.IGNORECASE)
    quoted = QUOTED.search(rest)
    text = quoted.group(1) if quoted else re.sub(r"^\s*задач[аиу]?\s*[:\-—]?\s*", "", rest, flags=re.IGNORECASE)
    text = " ".join(text.split()) if not quoted else text
    task["text"] = text[:1].upper() + text[1:] if text and not quoted else (text or phrase)
    return {k: task[k] for k in ("text", "group", "user", "due_in") if k in task}


def _assignee(name: str, user: bool, names: Names, task: dict, parsed: Parsed) -> None:
    if user or "@" in name:
        task["user"] = _found(names, "users", name, parsed)
    else:
        task["group"] = _found(names, "user_groups", name, parsed)


MISSING = {"users": "пользователь «{}» не найден на вкладке Пользователи",
           "user_groups": "группа «{}» не найдена на вкладке Доступы"}


def _found(names: Names, kind: str, name: str, parsed: Parsed) -> str:
    key = names.resolve(kind, name)
    if key is None:
        parsed.errors.append(MISSING[kind].format(name))
    return key or name


def _notify(phrase: str, names: Names, parsed: Parsed) -> dict:
    form = re.match(r"^уведомление\s*«([^»]*)»\s*(?:для\s+(.*))?$", phrase.strip(), re.IGNORECASE | re.DOTALL)
    if form:
        notify: dict[str, Any] = {"text": form.group(1)}
        who = QUOTED.findall(form.group(2) or "")
        groups = [_found(names, "user_groups", w, parsed) for w in who if "@" not in w]
        users = [_found(names, "users", w, parsed) for w in who if "@" in w]
    else:
        quoted = QUOTED.search(phrase)
        text = quoted.group(1) if quoted else " ".join(phrase.split())
        notify = {"text": text[:1].upper() + text[1:]}
        groups, users = _groups_named_in(phrase, names), []
        if not groups:
            parsed.notes.append(f"«{phrase}»: не понятно, кого уведомить — напишите уведомление «Текст» "
                                "для «Группа»")
    if groups:
        notify["groups"] = sorted(set(groups))
    if users:
        notify["users"] = sorted(set(users))
    return notify


def _groups_named_in(phrase: str, names: Names) -> list[str]:
    """«уведомить руководителя» → the group «Руководители»: words compared by their first five letters."""
    stems = {w[:5] for w in norm(phrase).split()[1:] if len(w) >= 5}
    return [key for key, shown in names.keys.get("user_groups", {}).items()
            if any(w[:5] in stems for w in norm(shown).split() if len(w) >= 5)]


def _set_field(phrase: str, names: Names, parsed: Parsed) -> None:
    m = re.match(r"^поле\s*«([^»]*)»\s*=\s*(.*)$", phrase.strip(), re.IGNORECASE | re.DOTALL)
    if not m:
        parsed.todo.append(phrase)
        return
    key = names.resolve("custom_fields", m.group(1))
    if key is None:
        parsed.errors.append(f"поле «{m.group(1)}» не найдено на вкладке Поля")
        return
    parsed.actions.append({"set_field": {"field": key, "value": field_value(m.group(2).strip())}})


def field_value(text: str) -> Any:
    if q := re.fullmatch(r"«([^»]*)»", text):
        return q.group(1)
    if norm(text) in ("да", "нет"):
        return norm(text) == "да"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    return text


def show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (int, float)):
        return str(value)
    return f"«{value}»"


# --- spec → words -------------------------------------------------------------------------------------------
def format_actions(actions: list, names: Names) -> list[str]:
    return [_format_action(a, names) for a in actions]


def _format_action(action: Any, names: Names) -> str:
    if action.send_template:
        word = "SMS" if names.channel.get(action.send_template) == "sms" else "письмо"
        return f"{word} «{names.show('templates', action.send_template)}»"
    if task := action.create_task:
        text = f"задача «{task.text}»"
        if task.group:
            text += f" для группы «{names.show('user_groups', task.group)}»"
        if task.user:
            text += f" для «{task.user}»"
        return text + (f" {delay_words(task.due_in)}" if task.due_in else "")
    if notify := action.notify:
        who = [f"«{names.show('user_groups', g)}»" for g in notify.groups or ()] + \
              [f"«{u}»" for u in notify.users or ()]
        return f"уведомление «{notify.text}»" + (f" для {', '.join(who)}" if who else "")
    if setter := action.set_field:
        return f"поле «{names.show('custom_fields', setter.field)}» = {show_value(setter.value)}"
    # The rest has no words yet: the Триггеры tab writes such a trigger's actions as YAML.
    if action.change_status:
        return f"статус «{names.show('statuses', action.change_status)}»"
    if assign := action.assign_manager:
        return f"назначить «{names.show('user_groups', assign.group) if assign.group else assign.user}»"
    if action.send_document:
        return f"документ «{names.show('documents', action.send_document.document)}»"
    return f"вебхук {action.webhook.method} {action.webhook.url}"


def format_trigger(trigger: Any, status_name: str, default_code: str, names: Names) -> str:
    head = "Да"
    if trigger.name != status_name:
        head += f" «{trigger.name or ''}»"
    if trigger.code != default_code:
        head += f" [{trigger.code}]"
    parts = format_actions(trigger.actions, names) + ([trigger.todo] if trigger.todo else [])
    return f"{head}: {'; '.join(parts)}"
