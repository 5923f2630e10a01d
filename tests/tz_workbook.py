"""A ТЗ workbook as an integrator fills the TrendKey template in by hand (built with openpyxl, not export).

Shaped after the template the seed document describes (/work/shared/seeds/003_*.txt: tabs Доступы,
Статусы, Пользователи, Коммуникации, Интеграции; the auto-parts example: «Согласовано» in the CMS
over six CRM statuses, cancel reasons, payment statuses 2 vs 4, delivery types, item statuses only
in the CRM). Merged title rows, notes, blank rows, coloured group rows, vertical merges, header
synonyms, free-text triggers and clear-text passwords, as people write them.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

GROUP_FILL = PatternFill("solid", fgColor="FFF2CC")
ADMIN_PASSWORD = "S3cret-Admin!"
CDEK_SECRET = "cdek-secret-XYZ"
TELEPHONY_SECRET = "tel-key-SECRET"
HOST_PASSWORD = "hostpass123"

# What the fixture holds, by kind: every item must survive import.
EXPECTED = {"status_groups": 6, "statuses": 18, "payment_statuses": 4, "payment_types": 4, "delivery_types": 3,
            "product_statuses": 4, "user_groups": 3, "users": 3, "templates": 7, "triggers": 12,
            "integrations": 4, "access_notes": 2}


def title(ws: Worksheet, row: int, text: str, width: int = 5) -> None:
    ws.cell(row, 1, text).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def rows(ws: Worksheet, start: int, values: list[list]) -> int:
    for i, row in enumerate(values):
        for c, value in enumerate(row, 1):
            if value is not None:
                ws.cell(start + i, c, value)
    return start + len(values)


def group_row(ws: Worksheet, row: int, name: str, width: int = 5) -> None:
    ws.cell(row, 1, name).font = Font(bold=True)
    for c in range(1, width + 1):
        ws.cell(row, c).fill = GROUP_FILL
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def merge_down(ws: Worksheet, column: int, first: int, last: int) -> None:
    ws.merge_cells(start_row=first, start_column=column, end_row=last, end_column=column)


def access(book: Workbook) -> None:
    ws = book.create_sheet("Доступы")
    title(ws, 1, "Доступы")
    ws.cell(2, 1, "Логины и пароли к сайту и хостингу; права групп пользователей в CRM")
    ws.merge_cells("A2:E2")
    rows(ws, 4, [["Система", "Ссылка", "логин", "Пароль", "Примечание"],
                 ["Админка сайта", "https://autoparts.example/bitrix", "admin", ADMIN_PASSWORD, "Битрикс"],
                 ["Хостинг", "https://host.example", "shop", HOST_PASSWORD, None]])
    ws.cell(9, 1, "Права доступа").font = Font(bold=True)
    rows(ws, 10, [["Группа", "Заказы", "Клиенты", "Задачи", "Аналитика", "Статусы товаров", "Менеджеры?",
                   "Отдел"],
                  ["Менеджеры", "просмотр, редактирование", "просмотр и редактирование", "создание", "нет", None,
                   "да", "Продажи"],
                  ["Руководители", "полный", "полный", "полный", "просмотр", None, "да", "Продажи"],
                  ["Склад", "только свои", None, None, None, "редактирование", "нет", "Склад"]])


def statuses(book: Workbook) -> None:
    ws = book.create_sheet("Статусы")
    title(ws, 1, "Статусы заказов интернет-магазина автозапчастей")
    ws.cell(2, 1, "Чем меньше статусов, тем лучше. Каждый статус решает свою задачу.")
    ws.merge_cells("A2:E2")
    rows(ws, 4, [["Группа статусов", "Статус в CMS интернет-магазина", "  статус в RetailCRM ", "Комментарий",
                  "Триггер", "Ответственный", "Код"]])
    group_row(ws, 5, "Новый")
    rows(ws, 6, [[None, "Новый", "Новый", "Заказ с сайта или по телефону", "Да, письмо клиенту"],
                 [None, "Новый", "Недозвон", "Клиент не отвечает", "Да, задача перезвонить через 4 часа",
                  "Менеджер"]])
    group_row(ws, 8, "Согласование")
    rows(ws, 9, [[None, "Согласовано", "Согласовано", "Состав и цена подтверждены", "Да, письмо клиенту"],
                 [None, None, "Ожидает предоплаты", None,
                  "Да, письмо клиенту; задача «Проверить поступление предоплаты» через 1 день"],
                 [None, None, "Закупка", "Менеджер заказывает запчасти", "Нет"],
                 [None, None, "Упаковка"],
                 [None, None, "Готов к отправке", None, "Да, уведомить руководителя"],
                 [None, None, "Передан в службу доставки", "Трек-номер отправлен клиенту", "Да, SMS клиенту",
                  None, "handed-to-delivery"]])
    merge_down(ws, 2, 9, 14)   # the shop's «Согласовано» stands for six CRM statuses
    rows(ws, 15, [["Доставка", "Отправлен", "В пути"],
                  [None, None, "В пункте выдачи", "Хранение 7 дней", "Да, письмо клиенту"]])
    merge_down(ws, 1, 15, 16)  # a group merged down the side instead of a group row
    merge_down(ws, 2, 15, 16)
    group_row(ws, 17, "Выполнен")
    rows(ws, 18, [[None, "Выполнен", "Выполнен", None, "Да, письмо клиенту"]])
    group_row(ws, 19, "Отменен")
    rows(ws, 20, [[None, "Отменен", "Не выбран статус отмены", "Менеджер уточняет причину",
                   "Да, уведомить руководителя"],
                  [None, None, "Не устроили сроки доставки"],
                  [None, None, "Не устроила предоплата"],
                  [None, None, "Не устроила цена"],
                  [None, None, "Пропал, не отвечает 5 дней", None, "Да, проверить историю звонков"],
                  [None, None, "Брак", None, "Да, письмо клиенту"]])
    merge_down(ws, 2, 20, 25)
    group_row(ws, 26, "Возврат")
    rows(ws, 27, [[None, "Возврат", "Возврат оформлен", None,
                   "Да, задача «Оформить возврат» для группы «Руководители» через 1 дн"]])
    ws.cell(30, 1, "Статусы оплат").font = Font(bold=True)
    rows(ws, 31, [["Статус в CMS", "Статус в retailCRM", "Комментарий"],
                  ["Оплачен", "Оплачен"], ["Не оплачен", "Не оплачен"],
                  [None, "Частично оплачен", "Только в CRM"], [None, "Наложенный платеж"]])
    ws.cell(37, 1, "Типы оплат").font = Font(bold=True)
    rows(ws, 38, [["Тип оплаты в CMS", "Тип оплаты в retailCRM"],
                  ["Наличными", "Наличные"], [None, "Банковская карта"], ["Онлайн", "Онлайн-оплата"],
                  [None, "Безналичный расчет"]])
    ws.cell(44, 1, "Типы доставок").font = Font(bold=True)
    rows(ws, 45, [["Доставка в CMS", "Доставка в retailCRM", "Стоимость"],
                  ["Почта России", "Почта России", "350 руб."], ["СДЭК", "СДЭК", "400 руб."],
                  ["Самовывоз", "Самовывоз", "бесплатно"]])
    ws.cell(50, 1, "Статусы товаров").font = Font(bold=True)
    rows(ws, 51, [["Статус в CMS", "Статус в retailCRM", "Комментарий"],
                  [None, "В резерве"], [None, "Заказан у поставщика"], [None, "Отгружен"],
                  [None, "Возвращён", "Товар вернулся на склад"]])


def users(book: Workbook) -> None:
    ws = book.create_sheet("Пользователи")
    title(ws, 1, "Пользователи", 4)
    rows(ws, 3, [["Должность", "Группа", "ФИО", "E-mail"],
                 ["Менеджер по продажам", "Менеджеры", "Иванов Иван Иванович", "ivanov@autoparts.example"],
                 ["Руководитель отдела продаж", "Руководители, Менеджеры", "Смирнова Ольга",
                  "Head@Autoparts.example"],
                 ["Кладовщик", "Склад", "Кузнецов Дмитрий", "sklad@autoparts.example"]])


def communications(book: Workbook) -> None:
    ws = book.create_sheet("Коммуникации")
    title(ws, 1, "Коммуникации: автоматические сообщения клиентам", 4)
    rows(ws, 3, [["Статус", "Тип сообщения", "Тема письма", "Текст сообщения"],
                 ["Новый", "Email", "Заказ [номер] принят", "Здравствуйте, [имя]! Мы получили заказ [номер]."],
                 ["Согласовано", "E-mail", "Заказ согласован", "Заказ [номер] на сумму [сумма] согласован."],
                 ["Ожидает предоплаты", "Email", "Счёт на предоплату", "Оплатите заказ по ссылке [ссылка на оплату]"],
                 ["Передан в службу доставки", "SMS", None, "Заказ [номер] отправлен, трек [трек-номер]"],
                 ["В пункте выдачи", "Email", "Заказ ждёт вас", "Заказ [номер] в пункте выдачи."],
                 ["Выполнен", "Email", "Спасибо за покупку", "Заказ [номер] выполнен."],
                 ["Брак", "Email", "Заказ отменён", "Заказ [номер] отменён: брак."]])


def integrations(book: Workbook) -> None:
    ws = book.create_sheet("Интеграции")
    title(ws, 1, "Интеграции", 7)
    rows(ws, 3, [["Сервис", "Назначение", "Нужна?", "Тип", "Логин", "Пароль / ключ", "Комментарий"],
                 ["СДЭК", "Доставка заказов", "Да", "Служба доставки", "autoparts", CDEK_SECRET, None],
                 ["Почта России", "Доставка по России", "Позже", "Служба доставки", None, None, None],
                 ["IP-телефония", "Звонки клиентов", "Да", "Телефония", "1234", TELEPHONY_SECRET,
                  "Запись разговоров"],
                 ["Яндекс.Маркет", "Продажи на маркетплейсе", "Нет", None, None, None, None]])


def build(path: Path, *, mistakes: bool = False) -> Path:
    book = Workbook()
    book.remove(book.active)
    access(book)
    statuses(book)
    users(book)
    communications(book)
    integrations(book)
    if mistakes:   # a status no tab declares; a group nobody defined
        book["Коммуникации"].append(["Доставлен курьером", "SMS", None, "Заказ [номер] доставлен"])
        book["Пользователи"].append(["Курьер", "Курьеры", "Петров Пётр", "petrov@autoparts.example"])
    book.save(path)
    return path
