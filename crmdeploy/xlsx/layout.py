"""The ТЗ workbook's tables, declared once: tabs, titles, columns and the words that name them.

The writer prints `header`, `note` and `choices`; the reader finds a column by its
header as people word it: the header itself or a synonym (compared after `norm`),
else the first column (by `prio`, then order) one of whose `keys` the header contains.
Tab order and names follow the TrendKey template (Доступы, Статусы, Пользователи,
Коммуникации, Интеграции); the tabs after them hold what has no place in those five.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..kinds import area_of
from .words import AREAS, norm

YESNO = "yesno"


@dataclass(frozen=True)
class Col:
    key: str
    header: str
    keys: tuple[str, ...] = ()      # words a header may contain
    width: int = 16
    note: str = ""                  # the header's comment in the workbook
    choices: str | None = None      # YESNO, an enum name in words.py, or "ref:<kind>"
    prio: int = 5                   # lower is tried first when matching by `keys`
    tech: bool = False              # a narrow technical column at the end (code, order, active)

    def matches(self, header: str) -> bool:
        return header == norm(self.header)

    def contained(self, header: str) -> bool:
        return any(norm(key) in header for key in self.keys)


@dataclass(frozen=True)
class Table:
    kind: str
    title: str
    titles: tuple[str, ...]
    columns: tuple[Col, ...]

    def col(self, key: str) -> Col:
        return next(c for c in self.columns if c.key == key)

    def match(self, headers: list[str]) -> dict[int, Col]:
        """Column index → Col for every header recognised; each Col at most once."""
        found: dict[int, Col] = {}
        for i, header in enumerate(headers):
            col = next((c for c in self.columns if c.matches(header) and c not in found.values()), None)
            if header and col:
                found[i] = col
        ranked = sorted(self.columns, key=lambda c: (c.prio, self.columns.index(c)))
        for i, header in enumerate(headers):
            if header and i not in found:
                col = next((c for c in ranked if c.contained(header) and c not in found.values()), None)
                if col:
                    found[i] = col
        return found

    def is_title(self, text: str) -> bool:
        return norm(text) in {norm(t) for t in (self.title, *self.titles)}


@dataclass(frozen=True)
class Tab:
    title: str
    names: tuple[str, ...]     # other names the tab may have
    areas: tuple[str, ...]     # the ТЗ areas it shows (`Kind.area`): its tables are theirs, in TABLES order
    heading: str               # the merged title row export writes
    help: str                  # the note row under it

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(t for t in TABLES if area_of(t.kind) in self.areas)


# --- columns used by many tables ------------------------------------------------------------------------
CODE = Col("code", "Код", ("код",), 12, "Код в retailCRM. Можно не заполнять: код получится из названия "
           "(транслитом) и будет тем же при каждом импорте.", prio=0, tech=True)
ORDER = Col("ordering", "Порядок", ("порядок", "сортиров"), 9, "Порядок сортировки (число). "
            "Пусто — по порядку строк.", tech=True)
ACTIVE = Col("active", "Активен", ("активн", "включен"), 9, "Да / Нет. Пусто — Да.", YESNO, tech=True)
COMMENT = Col("comment", "Комментарий", ("коммент", "примеч", "заметк"), 36,
              "Любой текст: сохраняется в спецификации, в CRM не отправляется.")
CMS = Col("cms", "Статус в CMS интернет-магазина", ("cms", "сайт", "интернет", "магазин", "битрикс", "1с"), 26,
          "Как это называется в CMS магазина. Одна ячейка, объединённая на несколько строк, "
          "относится ко всем этим строкам.", prio=1)
DEF_CRM = Col("default_for_crm", "По умолчанию в CRM", ("умолчанию в crm", "умолчанию crm", "по умолчанию"), 12,
              "Да / Нет", YESNO, prio=2)
DEF_API = Col("default_for_api", "По умолчанию в API", ("умолчанию в api", "умолчанию api"), 12, "Да / Нет",
              YESNO, prio=1)
DESCRIPTION = Col("description", "Описание", ("описан",), 30, "Описание, которое видно в CRM.")
PAY_TYPES = Col("payment_types", "Типы оплат", ("типы оплат", "тип оплат", "способы оплат"), 30,
                "Названия типов оплат через запятую или с новой строки.", "ref:payment_types", prio=2)
DELIVERY_TYPES = Col("delivery_types", "Типы доставок", ("доставк",), 24,
                     "Названия типов доставок через запятую или с новой строки.", "ref:delivery_types", prio=2)


def cms(header: str) -> Col:
    return Col("cms", header, CMS.keys, CMS.width, CMS.note, prio=1)


def crm(header: str, *keys: str) -> Col:
    return Col("name", header, ("retailcrm", "crm", "назван", *keys), 30, "Название в retailCRM (обязательно).")


TRIGGER_NOTE = ("Нет — триггер не нужен. «Да, …» — что сделать, через точку с запятой:\n"
                "письмо «Название шаблона» / SMS «Название шаблона» (или просто «письмо клиенту» — "
                "шаблоны этого статуса с вкладки Коммуникации);\n"
                "задача «Текст» для группы «Группа» через 4 ч;\n"
                "уведомление «Текст» для «Группа»;\n"
                "поле «Название поля» = значение.\n"
                "Несколько триггеров — с новой строки, каждый с «Да». Имя и код: Да «Имя» [код]: …\n"
                "Что не распознано, сохранится как задача на доработку (validate напомнит).")

STATUSES = Table("statuses", "Статусы заказов", ("статусы заказа", "статусы", "статусы заказов retailcrm"), (
    Col("group", "Группа статусов", ("групп",), 20, "Группа: строка-заголовок над её статусами (можно "
        "объединить ячейки и закрасить) или ячейка, объединённая по вертикали. Новый, Согласование, "
        "Комплектация, Доставка, Выполнен, Отменен получают коды retailCRM.", "ref:status_groups"),
    CMS,
    crm("Статус в retailCRM", "статус"),
    COMMENT,
    Col("trigger", "Триггер", ("триггер", "автоматиз", "действи"), 44, TRIGGER_NOTE),
    Col("transitions", "Переходы", ("переход", "матриц"), 30, "Куда заказ может перейти дальше: коды статусов, "
        "как в спецификации, например [approved, cancel-other] или [{to: packing, groups: [warehouse]}] "
        "(groups — кто вправе перевести). Пусто — куда угодно.", prio=2),
    CODE, ORDER, ACTIVE))

PAYMENT_STATUSES = Table("payment_statuses", "Статусы оплат", ("статусы оплаты", "статус оплаты"), (
    cms("Статус оплаты в CMS"), crm("Статус оплаты в retailCRM", "статус"), COMMENT,
    Col("payment_complete", "Оплата завершена", ("заверш", "оплачен полностью"), 12, "Да / Нет", YESNO, prio=2),
    PAY_TYPES, DEF_CRM, DEF_API, DESCRIPTION, CODE, ORDER, ACTIVE))

PAYMENT_TYPES = Table("payment_types", "Типы оплат", ("типы оплаты", "способы оплаты", "способы оплат"), (
    cms("Тип оплаты в CMS"), crm("Тип оплаты в retailCRM", "тип", "способ"), COMMENT, DEF_CRM, DEF_API,
    DESCRIPTION, CODE, ACTIVE))

DELIVERY = Table("delivery_types", "Типы доставок", ("типы доставки", "способы доставки", "доставки"), (
    cms("Тип доставки в CMS"), crm("Тип доставки в retailCRM", "тип", "способ", "служба"), COMMENT,
    Col("default_cost", "Стоимость", ("стоимост", "цена"), 12, "Число, «400 руб.» или «бесплатно».", prio=3),
    Col("default_net_cost", "Себестоимость", ("себестоим",), 12, "Число или «бесплатно».", prio=2),
    PAY_TYPES, DEF_CRM, DESCRIPTION, CODE, ACTIVE))

PRODUCT_STATUSES = Table("product_statuses", "Статусы товаров", ("статусы товара", "статусы позиций"), (
    cms("Статус товара в CMS"), crm("Статус товара в retailCRM", "статус"), COMMENT,
    Col("order_status", "Статус заказа", ("статус заказа",), 24, "Статус заказа, в который переходит "
        "заказ (название со вкладки Статусы).", "ref:statuses", prio=2),
    Col("cancel_status", "Статус отмены", ("отмен",), 10, "Да / Нет", YESNO, prio=2),
    CODE, ORDER, ACTIVE))

ACCESS = Table("access_notes", "Доступы к системам", ("доступы", "логины", "учетные записи", "доступы к сайту"), (
    Col("system", "Система", ("систем", "сервис", "ресурс", "куда"), 24, "Куда вход: сайт, хостинг, 1С…"),
    Col("url", "Адрес", ("адрес", "ссылк", "url"), 30),
    Col("login", "Логин", ("логин", "login", "пользовател"), 20),
    Col("password", "Пароль", ("парол", "password", "ключ", "токен"), 20,
        "Пароль в спецификацию не попадёт: вместо него будет ${env:ИМЯ}, а импорт скажет, какую "
        "переменную окружения задать."),
    COMMENT))

RIGHTS = Table("user_groups", "Права групп пользователей", ("права", "права доступа", "группы пользователей"), (
    Col("name", "Группа", ("групп", "роль", "отдел"), 22, "Название группы пользователей."),
    *(Col(f"right:{area}", label, (norm(label)[:6],), 18, "Через запятую: просмотр, создание, "
          "редактирование, удаление; «полный» — всё; пусто или «нет» — ничего.",
          prio=3 if area == "product_status" else 5) for area, label in AREAS),
    Col("other_rights", "Другие права", ("другие", "прочие", "коды прав"), 20,
        "Коды прав retailCRM через запятую.", prio=2),
    Col("is_manager", "Менеджеры", ("менеджер",), 11, "Да / Нет: группа менеджеров.", YESNO),
    Col("is_delivery_men", "Курьеры", ("курьер",), 10, "Да / Нет", YESNO),
    Col("order_types", "Типы заказов", ("типы заказ", "тип заказ"), 20, "Названия через запятую.",
        "ref:order_types", prio=2),
    DELIVERY_TYPES, COMMENT, CODE))

USERS = Table("users", "Пользователи", ("сотрудники", "менеджеры"), (
    Col("position", "Должность", ("должн",), 26),
    Col("groups", "Группа", ("групп", "отдел", "роль"), 24, "Названия групп со вкладки Доступы, через "
        "запятую.", "ref:user_groups"),
    Col("fio", "ФИО", ("фио", "ф и о", "сотрудник"), 30, "Фамилия Имя Отчество в одной ячейке.", prio=2),
    Col("last_name", "Фамилия", ("фамил",), 16, prio=3),
    Col("first_name", "Имя", ("имя",), 16, prio=4),
    Col("patronymic", "Отчество", ("отчеств",), 16, prio=3),
    Col("email", "E-mail", ("mail", "почта", "email", "логин"), 30, "Адрес почты — он же логин в CRM."),
    Col("phone", "Телефон", ("телефон",), 16),
    Col("is_admin", "Администратор", ("админ",), 12, "Да / Нет", YESNO),
    Col("is_manager", "Менеджер", ("менеджер",), 10, "Да / Нет", YESNO),
    COMMENT, ACTIVE))

TEMPLATES = Table("templates", "Шаблоны сообщений", ("сообщения", "шаблоны", "коммуникации"), (
    Col("status", "Статус", ("статус", "событ", "когда"), 26, "После какого статуса отправить (название со "
        "вкладки Статусы; несколько — с новой строки). Станет триггером, который отправляет это сообщение.",
        "ref:statuses"),
    Col("channel", "Канал", ("канал", "тип сообщ", "способ", "вид"), 10, "Email или SMS.", "CHANNEL", prio=3),
    Col("name", "Название", ("назван", "шаблон"), 28, "Название шаблона (по нему на него ссылаются триггеры)."),
    Col("subject", "Тема письма", ("тема",), 36, "Для Email — обязательно, для SMS — пусто."),
    Col("body", "Текст сообщения", ("текст", "содержан", "сообщен"), 70,
        "Текст. Можно [номер], [имя], [сумма], [трек-номер] — импорт заменит их на переменные retailCRM."),
    COMMENT, CODE, ACTIVE))

INTEGRATIONS = Table("integrations", "Интеграции", ("сервисы", "подключения"), (
    Col("name", "Сервис", ("сервис", "интеграц", "служба", "назван", "систем"), 24),
    Col("purpose", "Назначение", ("назначен", "для чего", "зачем", "описан"), 30),
    Col("needed", "Нужна?", ("нужн", "необходим", "подключ"), 10,
        "Да / Нет / Позже. Нет и Позже — интеграция сохранится выключенной.", "NEEDED"),
    Col("kind", "Тип", ("тип", "вид"), 16, "Служба доставки, Телефония, Оплата, Маркетплейс, Мессенджер, "
        "Другое.", "INTEGRATION_KIND"),
    Col("login", "Логин", ("логин", "login", "аккаунт"), 18),
    Col("secret", "Пароль / ключ", ("парол", "ключ", "токен", "secret"), 28,
        "Пароль в спецификацию не попадёт: вместо него будет ${env:СЕРВИС_PASSWORD}, а импорт скажет, "
        "какую переменную окружения задать."),
    Col("base_url", "Адрес API", ("адрес", "url", "api"), 28),
    Col("settings", "Настройки", ("настрой", "параметр"), 30, "По строке на настройку: имя: значение."),
    DELIVERY_TYPES, COMMENT, CODE))

ORDER_TYPES = Table("order_types", "Типы заказов", ("тип заказа",), (
    crm("Тип заказа", "тип"), DEF_CRM, DEF_API, CODE, ORDER, ACTIVE))
ORDER_METHODS = Table("order_methods", "Способы оформления", ("способы оформления заказа", "источники"), (
    crm("Способ оформления", "способ"), DEF_CRM, DEF_API, CODE, ACTIVE))

FIELDS = Table("custom_fields", "Пользовательские поля", ("поля", "доп поля", "дополнительные поля"), (
    Col("entity", "Сущность", ("сущност", "где", "объект"), 14, "Заказ, Клиент, Корпоративный клиент, "
        "Компания.", "ENTITY", prio=2),
    crm("Название поля"),
    Col("type", "Тип", ("тип",), 16, "Строка, Текст, Целое число, Число, Флажок, Дата, Email, Справочник, "
        "Справочник (несколько значений).", "FIELD_TYPE"),
    Col("dictionary", "Справочник", ("справоч",), 20, "Для типа Справочник: название справочника.",
        "ref:custom_dictionaries"),
    Col("required", "Обязательное", ("обязательное", "обязат"), 12, "Да / Нет", YESNO, prio=3),
    Col("required_at", "Обязательно в статусах", ("в статус", "статус"), 26,
        "Названия статусов, с новой строки.", "ref:statuses", prio=2),
    Col("in_filter", "В фильтре", ("фильтр",), 10, "Да / Нет", YESNO),
    Col("in_list", "В списке", ("в списке",), 10, "Да / Нет", YESNO),
    Col("display_area", "Область", ("област", "раздел", "блок"), 16, choices="DISPLAY_AREA"),
    Col("view_mode", "Режим", ("режим",), 14, choices="VIEW_MODE"),
    Col("default", "Значение по умолчанию", ("умолчан",), 16),
    CODE, ORDER))

DICTIONARIES = Table("custom_dictionaries", "Справочники", ("справочник",), (
    Col("dictionary", "Справочник", ("справоч",), 24, "Название справочника (ячейку можно объединить по "
        "вертикали на все его значения).", prio=3),
    Col("element", "Значение", ("значен", "элемент", "вариант"), 24),
    Col("element_code", "Код значения", ("код значен", "код элемент"), 14, prio=0, tech=True),
    Col("element_ordering", "Порядок", ("порядок",), 9, tech=True),
    Col("code", "Код справочника", ("код справоч", "код"), 14, prio=1, tech=True)))

TRIGGERS = Table("triggers", "Триггеры", ("триггеры подробно", "автоматизация"), (
    Col("name", "Название", ("назван",), 30),
    Col("event", "Событие", ("событ",), 22, choices="EVENT"),
    Col("status", "Статус", ("статус",), 24, "Название статуса заказа.", "ref:statuses", prio=6),
    Col("from_status", "Из статуса", ("из статус",), 20, choices="ref:statuses", prio=2),
    Col("payment_status", "Статус оплаты", ("статус оплат",), 18, choices="ref:payment_statuses", prio=2),
    Col("delivery_type", "Тип доставки", ("доставк",), 18, choices="ref:delivery_types", prio=2),
    Col("order_method", "Способ оформления", ("способ",), 18, choices="ref:order_methods", prio=2),
    Col("after", "Через", ("через", "таймер", "спустя"), 10, "Таймер: заказ всё ещё в этом статусе "
        "спустя 30m, 4h или 5d (минуты, часы, дни).", prio=2),
    Col("actions", "Действия", ("действ",), 60, "Как в столбце Триггер вкладки Статусы, по действию на "
        "строку (или YAML-список, как в спецификации)."),
    Col("todo", "Что ещё сделать", ("сделать", "доработ", "todo"), 30,
        "Что пока не выражено действиями: validate напомнит."),
    Col("ordering", "Порядок", ("порядок",), 9, "Какой триггер срабатывает первым (число).", tech=True),
    ACTIVE, CODE))

DOCUMENTS = Table("documents", "Печатные формы", ("печатные формы", "документы"), (
    crm("Печатная форма", "документ", "форма"),
    Col("entity", "Сущность", ("сущност",), 12, "order (заказ) или customer (клиент)."),
    Col("template", "Шаблон", ("шаблон",), 50, "Текст формы с переменными, например {{ order.number }}."),
    COMMENT, CODE, ACTIVE))

CHANNELS = Table("channels", "Каналы", ("каналы", "каналы связи"), (
    crm("Канал", "канал"),
    Col("kind", "Вид", ("вид", "тип"), 12, "telephony, messenger, email или chat."),
    Col("routing", "Кто отвечает", ("отвечает", "очеред", "маршрут"), 44, "YAML: queue — группы (код) и "
        "пользователи (e-mail) по очереди; fallback_after — через сколько (1m, 2h); fallback_to — кому тогда."),
    Col("fills", "Заполняет поля", ("заполня", "поля"), 30, "YAML-список полей заказа: phone, first_name, "
        "order/vin…"),
    COMMENT, CODE, ACTIVE))

SITES = Table("sites", "Магазины", ("магазины", "сайты"), (
    crm("Магазин", "сайт"),
    Col("url", "Адрес сайта", ("адрес", "url", "сайт"), 28),
    Col("cms", "CMS", ("cms", "движок"), 16, "На чём сделан магазин: 1С-Битрикс, WooCommerce…"),
    Col("currency", "Валюта", ("валют",), 8, "RUB, USD, EUR…"),
    Col("phones", "Телефоны", ("телефон",), 16), Col("address", "Адрес", ("адрес магазина",), 24),
    DEF_CRM, COMMENT, CODE, ORDER))

# Column key → (spec field, how the cell reads: text, bool, int, money, yaml, ref:KIND, refs:KIND) for the
# tables that are plain lists of named things: read by tabs.read_simple, written by rows.simple.
COMMON = {"name": ("name", "text"), "comment": ("comment", "text"), "ordering": ("ordering", "int"),
          "active": ("active", "bool"), "default_for_crm": ("default_for_crm", "bool"),
          "default_for_api": ("default_for_api", "bool"), "description": ("description", "text")}
SIMPLE: dict[str, dict[str, tuple[str, str]]] = {
    "payment_statuses": {"cms": ("cms_status", "text"), "payment_complete": ("payment_complete", "bool"),
                         "payment_types": ("payment_types", "refs:payment_types")},
    "payment_types": {"cms": ("cms_type", "text")},
    "delivery_types": {"cms": ("cms_type", "text"), "default_cost": ("default_cost", "money"),
                       "default_net_cost": ("default_net_cost", "money"),
                       "payment_types": ("payment_types", "refs:payment_types")},
    "product_statuses": {"cms": ("cms_status", "text"), "order_status": ("order_status", "ref:statuses"),
                         "cancel_status": ("cancel_status", "bool")},
    "order_types": {}, "order_methods": {},
    "documents": {"entity": ("entity", "text"), "template": ("template", "text")},
    "channels": {"kind": ("kind", "text"), "routing": ("routing", "yaml"), "fills": ("fills", "yaml")},
    "sites": {"url": ("url", "text"), "cms": ("cms", "text"), "currency": ("currency", "text"),
              "phones": ("phones", "text"), "address": ("address", "text")},
}

# Every table, in the order a tab shows its tables; which tab is the kind's area's (Tab.areas).
TABLES: tuple[Table, ...] = (ACCESS, RIGHTS, STATUSES, PAYMENT_STATUSES, PAYMENT_TYPES, DELIVERY, PRODUCT_STATUSES,
                             USERS, TEMPLATES, DOCUMENTS, CHANNELS, SITES, INTEGRATIONS, ORDER_TYPES, ORDER_METHODS,
                             FIELDS, DICTIONARIES, TRIGGERS)

TABS: tuple[Tab, ...] = (
    Tab("Доступы", ("доступ", "права"), ("access",), "Доступы",
        "Логины к системам (пароли в спецификацию не попадают) и права групп пользователей."),
    Tab("Статусы", ("статусы заказов",), ("pipeline", "payments"), "Статусы",
        "Группы статусов — строки-заголовки. Ниже — статусы оплат, типы оплат, типы доставок и "
        "статусы товаров. Код можно не заполнять."),
    Tab("Пользователи", ("сотрудники",), ("users",), "Пользователи", "Один сотрудник — одна строка."),
    Tab("Коммуникации", ("сообщения", "шаблоны"), ("messages",), "Коммуникации",
        "Одно сообщение — одна строка. Статус связывает сообщение с триггером, который его отправляет."),
    Tab("Интеграции", ("сервисы",), ("integrations",), "Интеграции",
        "Пароли и ключи в спецификацию не попадают: импорт заменит их на переменные окружения."),
    Tab("Заказы", ("типы заказов",), ("orders",), "Типы заказов и способы оформления", ""),
    Tab("Поля", ("пользовательские поля", "доп поля"), ("fields",), "Пользовательские поля", ""),
    Tab("Справочники", ("справочник",), ("dictionaries",), "Справочники", "Одно значение — одна строка."),
    Tab("Триггеры", ("триггеры подробно",), ("automation",), "Триггеры с условиями",
        "Триггеры, которые не уместились в столбец Триггер вкладки Статусы: с условиями сверх статуса, "
        "с другим событием, выключенные."),
)
LISTS_TAB = "Списки"   # the hidden tab the dropdowns draw names from


def tab_named(name: str) -> Tab | None:
    word = norm(name)
    return next((t for t in TABS if word == norm(t.title) or word in map(norm, t.names)), None)


def tab_of(kind: str) -> Tab:
    """The tab a kind is on: the one showing its ТЗ area."""
    return next(t for t in TABS if area_of(kind) in t.areas)
