"""The ТЗ workbook's vocabulary: Russian words ↔ spec values, in both directions.

Everything a person may write in words (yes/no, channels, integration kinds, field
types, rights, delays, money) is declared here once; the reader parses with these
tables and the writer prints the first word of each entry, so what export writes
import reads back exactly.
"""

from __future__ import annotations

import re
from typing import Any

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
MAX_CODE = 60


def norm(text: Any) -> str:
    """A header or a word as compared: lower case, ё→е, no punctuation, single spaces."""
    text = str(text or "").casefold().replace("ё", "е")
    return " ".join(re.sub(r"[^\w@.+/-]+", " ", text).replace("/", " ").split())


def translit(text: str) -> str:
    """`Ожидает предоплаты` → `ozhidaet-predoplaty`: a stable code from a Russian name."""
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in str(text).casefold())
    code = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:MAX_CODE].strip("-")
    return code or "item"


def unique(code: str, taken: set[str]) -> str:
    """`code`, or `code-2`, `code-3`… whichever is free; the result is added to `taken`."""
    found, n = code, 1
    while found in taken:
        n += 1
        found = f"{code}-{n}"
    taken.add(found)
    return found


# --- yes / no ----------------------------------------------------------------------------------------
YES, NO = "Да", "Нет"
_YES = {"да", "yes", "true", "1", "+", "y", "д", "нужна", "нужен", "нужно", "есть", "активен", "вкл"}
_NO = {"нет", "no", "false", "0", "-", "n", "н", "не нужна", "не нужен", "выкл", "—"}
LATER = {"позже", "потом", "later", "не сейчас", "во второй очереди", "вторая очередь"}


def yes_no(raw: Any) -> bool | None:
    """True / False, or None when the cell says neither."""
    if isinstance(raw, bool):
        return raw
    word = norm(raw) if not isinstance(raw, (int, float)) else str(int(raw))
    if word in _YES or word.startswith("да "):
        return True
    if word in _NO or word.startswith("нет "):
        return False
    return None


# --- enums: (spec value, Russian label, more words people use) ---------------------------------------
Enum = tuple[tuple[str, str, tuple[str, ...]], ...]

CHANNEL: Enum = (("email", "Email", ("e-mail", "почта", "письмо", "эл почта", "электронная почта", "mail")),
                 ("sms", "SMS", ("смс", "сообщение sms")))
INTEGRATION_KIND: Enum = (
    ("delivery", "Служба доставки", ("доставка", "delivery", "логистика", "курьерская служба")),
    ("telephony", "Телефония", ("ip-телефония", "ip телефония", "звонки", "telephony", "атс")),
    ("payment", "Оплата", ("платежная система", "эквайринг", "онлайн-касса", "касса", "payment")),
    ("marketplace", "Маркетплейс", ("маркетплейсы", "marketplace")),
    ("messenger", "Мессенджер", ("мессенджеры", "чат", "чаты", "messenger")),
    ("other", "Другое", ("прочее", "other", "сайт", "cms")))
ENTITY: Enum = (("order", "Заказ", ("заказы",)), ("customer", "Клиент", ("клиенты", "покупатель")),
                ("customer_corporate", "Корпоративный клиент", ("юрлицо",)),
                ("company", "Компания", ("компании",)),
                ("loyalty_account", "Участие в программе лояльности", ("лояльность",)))
FIELD_TYPE: Enum = (
    ("string", "Строка", ("строковое",)), ("text", "Текст", ("текстовое", "многострочный текст")),
    ("integer", "Целое число", ("целое",)), ("numeric", "Число", ("число с дробной частью", "дробное", "сумма")),
    ("boolean", "Флажок", ("да нет", "да/нет", "галочка", "чекбокс")), ("date", "Дата", ()),
    ("datetime", "Дата и время", ("дата время",)),
    ("email", "Email", ("e-mail", "почта")), ("dictionary", "Справочник", ("список", "выбор из списка")),
    ("multiselect_dictionary", "Справочник (несколько значений)",
     ("справочник несколько значений", "множественный выбор", "несколько из списка")),
    ("file", "Файл", ("файл", "скан", "вложение")))
DISPLAY_AREA: Enum = (("main_data", "Основные данные", ()), ("customer", "Клиент", ()),
                      ("delivery", "Доставка", ()), ("payment", "Оплата", ()), ("address", "Адрес", ()),
                      ("shipment", "Отгрузка", ()), ("dimensions", "Габариты", ()),
                      ("legal_details", "Реквизиты", ()))
VIEW_MODE: Enum = (("editable", "Редактируемое", ()), ("not_editable", "Только чтение", ("не редактируемое",)),
                   ("miss", "Скрыто", ("скрытое", "не показывать")))
EVENT: Enum = (("order.status_changed", "Смена статуса заказа", ("смена статуса",)),
               ("order.created", "Создание заказа", ("новый заказ", "создан заказ")),
               ("order.payment_status_changed", "Смена статуса оплаты", ("оплата",)),
               ("order.delivery_changed", "Смена доставки", ()),
               ("customer.created", "Создание клиента", ("новый клиент",)))


def enum_value(enum: Enum, raw: Any) -> str | None:
    """The spec value a word names (its label, a synonym or the value itself), or None."""
    word = norm(raw)
    for value, label, more in enum:
        if word in (norm(value), norm(label), *map(norm, more)):
            return value
    return None


def enum_label(enum: Enum, value: str | None) -> str | None:
    return next((label for v, label, _ in enum if v == value), value)


def enum_labels(enum: Enum) -> list[str]:
    return [label for _, label, _ in enum]


# --- status groups retailCRM knows, and services with a known code -----------------------------------
STANDARD_GROUPS = {
    "new": ("новый", "новые", "new"),
    "approval": ("согласование", "согласовано", "approval"),
    "assembling": ("комплектация", "комплектование", "assembling"),
    "delivery": ("доставка", "доставка клиенту", "delivery"),
    "complete": ("выполнен", "выполнено", "выполнены", "завершен", "complete"),
    "cancel": ("отменен", "отмена", "отменены", "отказ", "cancel"),
}
KNOWN_SERVICES = {"сдэк": "cdek", "cdek": "cdek", "почта россии": "russian-post", "boxberry": "boxberry",
                  "dpd": "dpd", "pickpoint": "pickpoint", "яндекс доставка": "yandex-delivery",
                  "деловые линии": "dellin", "пэк": "pecom"}


def standard_group(name: str) -> str | None:
    word = norm(name)
    return next((code for code, words in STANDARD_GROUPS.items() if word in words), None)


# --- rights: an area column per permission prefix, words per action -----------------------------------
AREAS = (("order", "Заказы"), ("customer", "Клиенты"), ("task", "Задачи"), ("analytics", "Аналитика"),
         ("settings", "Настройки"), ("product", "Товары"), ("product_status", "Статусы товаров"))
ACTIONS = (("view", "просмотр", ("смотреть", "видит", "чтение", "читать", "view")),
           ("create", "создание", ("создавать", "добавление", "create")),
           ("edit", "редактирование", ("редактировать", "правка", "изменение", "изменять", "edit")),
           ("delete", "удаление", ("удалять", "delete")))
ALL_RIGHTS = ("полный", "полный доступ", "все", "всё", "full")
NO_RIGHTS = ("нет", "-", "—", "нет доступа", "no")


def rights_words(area: str, permissions: list[str]) -> str | None:
    words = [word for action, word, _ in ACTIONS if f"{area}_{action}" in permissions]
    return ", ".join(words) if words else None


def parse_rights(area: str, raw: Any) -> tuple[list[str], list[str]]:
    """(permission codes, words not understood) for one cell of the rights table."""
    text = norm(raw)
    if not text or text in NO_RIGHTS:
        return [], []
    if text in ALL_RIGHTS or text in ("да", "+"):
        actions = [a for a, _, _ in ACTIONS] if text not in ("да", "+") else ["view"]
        return [f"{area}_{a}" for a in actions], []
    found, unknown = [], []
    for part in re.split(r"[,;/\n]|\s+и\s+", str(raw).casefold().replace("ё", "е")):
        part = norm(part)
        if not part:
            continue
        words = [part] if _action(part) else part.split()
        if all(_action(w) for w in words):
            found += [f"{area}_{_action(w)}" for w in words]
        else:
            unknown.append(part)
    return found, unknown


def _action(word: str) -> str | None:
    return next((a for a, name, more in ACTIONS if word == name or word in more or word.startswith(name[:5])), None)


# --- money, numbers, delays ---------------------------------------------------------------------------
FREE = ("бесплатно", "бесплатная", "free", "0")


def money(raw: Any) -> float | None:
    """`400 руб.`, `1 200,50 ₽`, `бесплатно` → a number; None when no number is there."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    text = norm(raw)
    if text in FREE:
        return 0.0
    found = re.search(r"\d[\d\s]*(?:[.,]\d+)?", str(raw).replace("\xa0", " "))
    return float(found.group(0).replace(" ", "").replace(",", ".")) if found else None


def integer(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return int(raw) if float(raw).is_integer() else None
    text = str(raw).strip()
    return int(text) if re.fullmatch(r"\d+", text) else None


UNITS = (("m", "мин", ("м", "минута", "минуты", "минут", "min")),
         ("h", "ч", ("час", "часа", "часов", "h")),
         ("d", "дн", ("д", "день", "дня", "дней", "сутки", "суток", "d")))
DELAY = re.compile(r"через\s+(\d+)?\s*(мин\w*|м|час\w*|ч|дн\w*|день|д|сут\w*)\.?", re.IGNORECASE)


def delay_words(due_in: str) -> str:
    """`4h` → `через 4 ч`."""
    unit = next(word for code, word, _ in UNITS if code == due_in[-1])
    return f"через {due_in[:-1]} {unit}"


def parse_delay(match: re.Match) -> str:
    number, unit = match.group(1) or "1", match.group(2).casefold()
    code = next(c for c, word, more in UNITS if unit == word or unit in more or unit.startswith(word[:3]))
    return f"{number}{code}"
