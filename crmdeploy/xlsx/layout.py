"""The ТЗ workbook's layout, declared once: which sheet holds which kind, in which columns.

Both directions read this table; nothing else in the xlsx code knows a kind. A
column maps a header to a field path of the resource; its cell format (text,
yes/no, number, code list, YAML) follows from the model's type of that field.
A column with `derive` instead of a path is computed on export and only checked
on import (the ТЗ's "trigger needed" is a fact about the Триггеры sheet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..spec.base import Resource
from ..spec.root import SpecBase

Derive = Callable[[SpecBase, Resource], Any]


@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...] = ()
    derive: Derive | None = None
    width: int = 16


@dataclass(frozen=True)
class Block:
    """One table on a sheet: a title row, a header row, one row per resource."""

    kind: str
    title: str
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Sheet:
    title: str
    blocks: tuple[Block, ...]


def col(header: str, path: str, width: int = 16) -> Column:
    return Column(header, tuple(path.split(".")), width=width)


def _trigger_needed(spec: SpecBase, status: Resource) -> bool:
    return any(status.code in (t.conditions.status, t.conditions.from_status) for t in spec.triggers)


CODE, NAME, ACTIVE, ORDERING = col("Код", "code"), col("Название", "name", 30), col("Активен", "active", 10), \
    col("Порядок", "ordering", 10)
DEFAULTS = (col("По умолчанию в CRM", "default_for_crm", 12), col("По умолчанию в API", "default_for_api", 12))

LAYOUT: tuple[Sheet, ...] = (
    Sheet("Статусы", (Block("statuses", "Статусы заказа", (
        col("Группа статусов", "group", 18), col("Код статуса", "code", 22), col("Статус в CRM", "name", 34),
        col("Статус в CMS магазина", "cms_status", 18), col("Комментарий", "comment", 36),
        Column("Нужен триггер", derive=_trigger_needed, width=10), ORDERING, ACTIVE)),)),
    Sheet("Группы статусов", (Block("status_groups", "Группы статусов", (CODE, NAME, ORDERING, ACTIVE)),)),
    Sheet("Статусы товаров", (Block("product_statuses", "Статусы товаров", (
        CODE, NAME, ORDERING, ACTIVE, col("Статус отмены", "cancel_status", 10),
        col("Статус заказа", "order_status", 20))),)),
    Sheet("Оплата и доставка", (
        Block("payment_types", "Типы оплаты", (CODE, NAME, ACTIVE, *DEFAULTS, col("Описание", "description", 30))),
        Block("payment_statuses", "Статусы оплаты", (
            CODE, NAME, ACTIVE, ORDERING, col("Оплата завершена", "payment_complete", 10), *DEFAULTS,
            col("Описание", "description", 30), col("Типы оплаты", "payment_types", 30))),
        Block("delivery_types", "Типы доставки", (
            CODE, NAME, ACTIVE, col("Стоимость", "default_cost", 10), col("Себестоимость", "default_net_cost", 10),
            DEFAULTS[0], col("Описание", "description", 30), col("Типы оплаты", "payment_types", 30))),
    )),
    Sheet("Заказы", (
        Block("order_types", "Типы заказов", (CODE, NAME, ACTIVE, ORDERING, *DEFAULTS)),
        Block("order_methods", "Способы оформления", (CODE, NAME, ACTIVE, *DEFAULTS)),
    )),
    Sheet("Поля", (Block("custom_fields", "Пользовательские поля", (
        CODE, NAME, col("Сущность", "entity", 12), col("Тип", "type", 12), col("Обязательное", "required", 10),
        col("Обязательно в статусах", "required_at", 24), col("Справочник", "dictionary", 16),
        col("В фильтре", "in_filter", 10), col("В списке", "in_list", 10), ORDERING,
        col("Область", "display_area", 12), col("Режим", "view_mode", 12), col("По умолчанию", "default", 14))),)),
    Sheet("Справочники", (Block("custom_dictionaries", "Справочники", (
        CODE, NAME, col("Элементы", "elements", 50))),)),
    Sheet("Доступы", (Block("user_groups", "Группы пользователей", (
        CODE, NAME, col("Менеджеры", "is_manager", 10), col("Курьеры", "is_delivery_men", 10),
        col("Права", "permissions", 40), col("Типы заказов", "order_types", 20),
        col("Типы доставки", "delivery_types", 20))),)),
    Sheet("Пользователи", (Block("users", "Пользователи", (
        col("Email", "email", 28), col("Имя", "first_name"), col("Фамилия", "last_name"),
        col("Отчество", "patronymic"), col("Должность", "position", 28), col("Телефон", "phone"), ACTIVE,
        col("Администратор", "is_admin", 10), col("Менеджер", "is_manager", 10), col("Группы", "groups", 20))),)),
    Sheet("Коммуникации", (Block("templates", "Шаблоны сообщений", (
        CODE, NAME, col("Канал", "channel", 8), col("Тема", "subject", 36), col("Текст", "body", 60), ACTIVE)),)),
    Sheet("Триггеры", (Block("triggers", "Триггеры", (
        CODE, NAME, col("Событие", "event", 22), col("Статус", "conditions.status", 18),
        col("Из статуса", "conditions.from_status", 14), col("Статус оплаты", "conditions.payment_status", 14),
        col("Тип доставки", "conditions.delivery_type", 14), col("Способ оформления", "conditions.order_method", 14),
        col("Действия", "actions", 60), ACTIVE)),)),
    Sheet("Интеграции", (Block("integrations", "Интеграции", (
        CODE, NAME, col("Тип", "kind", 12), ACTIVE, col("Адрес API", "base_url", 28), col("Настройки", "settings", 30),
        col("Секреты", "credentials", 40), col("Типы доставки", "delivery_types", 20))),)),
)
