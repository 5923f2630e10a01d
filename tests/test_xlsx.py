"""The ТЗ workbook: a hand-filled TrendKey-shaped workbook imports in one step; export writes the same
layout for a client and reads back into a spec that plans no changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from crmdeploy.cli import app
from crmdeploy.errors import SpecError
from crmdeploy.kinds import KINDS
from crmdeploy.loader import load
from crmdeploy.xlsx.reader import read_workbook
from crmdeploy.xlsx.writer import blank_spec, build_workbook

from . import tz_workbook
from .conftest import SECRETS, SHOP

HAND_SECRETS = (tz_workbook.ADMIN_PASSWORD, tz_workbook.CDEK_SECRET, tz_workbook.TELEPHONY_SECRET,
                tz_workbook.HOST_PASSWORD)


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    return tz_workbook.build(tmp_path / "ТЗ.xlsx")


@pytest.fixture
def imported(hand: Path):
    return read_workbook(hand)


def by_code(items: list) -> dict:
    return {getattr(i, "code", None) or getattr(i, "email", None): i for i in items}


def counts(spec) -> dict[str, int]:
    found = {k.name: len(spec.resources(k.name)) for k in KINDS if spec.resources(k.name)}
    return {**found, "access_notes": len(spec.access_notes)}


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


# --- the hand-made workbook: every item survives ---------------------------------------------------------
def test_the_hand_made_workbook_imports_in_one_step_and_keeps_every_item(imported):
    assert counts(imported.spec) == tz_workbook.EXPECTED


def test_cli_import_writes_a_spec_that_validates(hand, runner, tmp_path):
    out = tmp_path / "spec.yaml"
    result = runner.invoke(app, ["xlsx", "import", str(hand), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Imported 68 resources" in result.stderr   # + 2 access notes, which are not CRM resources
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output
    # the to-do trigger is the one thing validate reminds about
    assert 'trigger "on-propal-ne-otvechaet-5-dney" is marked to-do' in check.stderr


def test_status_groups_map_to_retailcrm_codes_and_others_are_transliterated(imported):
    groups = {g.name: g.code for g in imported.spec.status_groups}
    assert groups == {"Новый": "new", "Согласование": "approval", "Доставка": "delivery", "Выполнен": "complete",
                      "Отменен": "cancel", "Возврат": "vozvrat"}


def test_a_merged_cms_status_applies_to_every_row_it_spans(imported):
    approval = [s for s in imported.spec.statuses if s.group == "approval"]
    assert [s.name for s in approval] == ["Согласовано", "Ожидает предоплаты", "Закупка", "Упаковка",
                                          "Готов к отправке", "Передан в службу доставки"]
    assert {s.cms_status for s in approval} == {"Согласовано"}
    assert {s.cms_status for s in imported.spec.statuses if s.group == "cancel"} == {"Отменен"}


def test_a_group_merged_down_the_side_and_coloured_group_rows(imported):
    statuses = by_code(imported.spec.statuses)
    assert statuses["v-puti"].group == statuses["v-punkte-vydachi"].group == "delivery"
    assert statuses["v-punkte-vydachi"].cms_status == "Отправлен"
    assert [s.ordering for s in imported.spec.statuses if s.group == "new"] == [10, 20]


def test_a_written_code_wins_and_generated_codes_are_stable(hand, imported):
    statuses = by_code(imported.spec.statuses)
    assert "handed-to-delivery" in statuses and statuses["ozhidaet-predoplaty"].name == "Ожидает предоплаты"
    assert read_workbook(hand).spec == imported.spec


def test_the_four_tables_below_the_statuses(imported):
    spec = imported.spec
    assert [(p.name, p.cms_status) for p in spec.payment_statuses] == [
        ("Оплачен", "Оплачен"), ("Не оплачен", "Не оплачен"), ("Частично оплачен", None), ("Наложенный платеж", None)]
    assert by_code(spec.payment_statuses)["chastichno-oplachen"].comment == "Только в CRM"
    assert [(p.name, p.cms_type) for p in spec.payment_types][:3] == [
        ("Наличные", "Наличными"), ("Банковская карта", None), ("Онлайн-оплата", "Онлайн")]
    assert [(d.code, d.default_cost, d.cms_type) for d in spec.delivery_types] == [
        ("russian-post", 350.0, "Почта России"), ("cdek", 400.0, "СДЭК"), ("samovyvoz", 0.0, "Самовывоз")]
    assert [p.name for p in spec.product_statuses] == ["В резерве", "Заказан у поставщика", "Отгружен", "Возвращён"]


def test_extra_columns_become_comments_with_a_note(imported):
    statuses = by_code(imported.spec.statuses)
    assert statuses["nedozvon"].comment == "Клиент не отвечает\nОтветственный: Менеджер"
    notes = messages(imported.warnings)
    assert any("[Статусы] строка 4, столбец F: Ответственный: столбца нет в шаблоне" in m for m in notes)


def test_users_fio_split_and_groups_by_name(imported):
    users = by_code(imported.spec.users)
    ivanov = users["ivanov@autoparts.example"]
    assert (ivanov.last_name, ivanov.first_name, ivanov.patronymic) == ("Иванов", "Иван", "Иванович")
    assert users["head@autoparts.example"].groups == ["menedzhery", "rukovoditeli"]
    assert users["head@autoparts.example"].patronymic is None


def test_rights_table_becomes_user_groups_with_permissions(imported):
    groups = by_code(imported.spec.user_groups)
    assert groups["menedzhery"].permissions == ["customer_edit", "customer_view", "order_edit", "order_view",
                                                "task_create"]
    assert groups["menedzhery"].is_manager is True
    assert "order_delete" in groups["rukovoditeli"].permissions
    assert groups["sklad"].permissions == ["product_status_edit"]
    assert groups["sklad"].comment == "Заказы: только свои\nОтдел: Склад"   # nothing the person wrote is lost
    assert any("Заказы: не понятно «только свои»" in m for m in messages(imported.warnings))


def test_templates_by_status_with_placeholders(imported):
    templates = by_code(imported.spec.templates)
    new = templates["zakaz-nomer-prinyat"]
    assert new.subject == "Заказ {{ order.number }} принят"
    assert new.body == "Здравствуйте, {{ customer.first_name }}! Мы получили заказ {{ order.number }}."
    sms = templates["sms-peredan-v-sluzhbu-dostavki"]
    assert sms.channel == "sms" and "[трек-номер]" in sms.body
    assert any("[трек-номер] оставлен как есть" in m for m in messages(imported.warnings))


def test_one_trigger_per_yes_with_the_action_it_names(imported):
    triggers = {t.conditions.status: t for t in imported.spec.triggers}
    assert len(imported.spec.triggers) == len(triggers) == 12
    assert "zakupka" not in triggers and "upakovka" not in triggers            # «Нет» and empty
    assert triggers["novyy"].actions[0].send_template == "zakaz-nomer-prinyat"  # «письмо клиенту» + Коммуникации
    task = triggers["nedozvon"].actions[0].create_task
    assert (task.text, task.due_in) == ("Перезвонить", "4h")
    both = triggers["ozhidaet-predoplaty"].actions
    assert both[0].send_template == "schet-na-predoplatu" and both[1].create_task.due_in == "1d"
    notify = triggers["gotov-k-otpravke"].actions[0].notify
    assert (notify.text, notify.groups) == ("Уведомить руководителя", ["rukovoditeli"])
    assert triggers["handed-to-delivery"].actions[0].send_template == "sms-peredan-v-sluzhbu-dostavki"
    returned = triggers["vozvrat-oformlen"].actions[0].create_task
    assert (returned.group, returned.due_in) == ("rukovoditeli", "1d")


def test_a_yes_without_a_known_action_is_a_to_do_trigger(imported):
    todo = next(t for t in imported.spec.triggers if t.todo)
    assert (todo.conditions.status, todo.todo, todo.actions, todo.active) == \
        ("propal-ne-otvechaet-5-dney", "проверить историю звонков", [], False)
    assert any("[Статусы] строка 24, столбец E: Триггер: не понятно, что сделать" in m
               for m in messages(imported.warnings))


def test_integrations_not_needed_are_kept_inactive(imported):
    integrations = by_code(imported.spec.integrations)
    assert integrations["cdek"].active and integrations["cdek"].kind == "delivery"
    assert integrations["cdek"].settings == {"login": "autoparts"}
    assert (integrations["russian-post"].active, integrations["russian-post"].comment) == (False, "Нужна: позже")
    assert integrations["yandeks-market"].active is False
    assert integrations["yandeks-market"].kind == "marketplace"   # guessed from what it is for
    assert integrations["ip-telefoniya"].kind == "telephony"


def test_passwords_become_env_references_with_a_warning_and_are_never_shown(hand, runner, tmp_path):
    out = tmp_path / "spec.yaml"
    result = runner.invoke(app, ["xlsx", "import", str(hand), "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "password: ${env:CDEK_PASSWORD}" in text
    assert "password: ${env:IP_TELEFONIYA_PASSWORD}" in text
    assert "password: ${env:ADMINKA_SAYTA_PASSWORD}" in text
    assert "задайте переменную окружения CDEK_PASSWORD" in result.stderr
    for secret in HAND_SECRETS:
        assert secret not in text and secret not in result.output


def test_access_notes_keep_system_logins(imported):
    notes = imported.spec.access_notes
    assert [(n.system, n.url, n.login, n.password.env, n.comment) for n in notes] == [
        ("Админка сайта", "https://autoparts.example/bitrix", "admin", "ADMINKA_SAYTA_PASSWORD", "Битрикс"),
        ("Хостинг", "https://host.example", "shop", "KHOSTING_PASSWORD", None)]


def test_an_access_note_password_does_not_block_apply(hand, runner, tmp_path):
    out = tmp_path / "spec.yaml"
    assert runner.invoke(app, ["xlsx", "import", str(hand), "-o", str(out)]).exit_code == 0
    loaded = load(out)
    assert [env for _, env in loaded.unset_secrets()] == ["CDEK_PASSWORD", "IP_TELEFONIYA_PASSWORD"]


# --- genuine mistakes: located Russian errors, exit 1, nothing written ------------------------------------
def test_a_workbook_with_mistakes_names_each_place_and_writes_nothing(tmp_path, runner):
    book = tz_workbook.build(tmp_path / "ТЗ.xlsx", mistakes=True)
    out = tmp_path / "spec"
    result = runner.invoke(app, ["xlsx", "import", str(book), "-o", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert f"{book}[Коммуникации] строка 11, столбец A: Статус: статус заказа «Доставлен курьером» не найден " \
        "на вкладке Статусы: напишите название оттуда" in result.stderr
    assert f"{book}[Пользователи] строка 7, столбец B: Группа: группа пользователей «Курьеры» не найдена " \
        "на вкладке Доступы" in result.stderr
    assert "Traceback" not in result.output


def test_every_mistake_at_once_and_in_russian(tmp_path):
    book = tz_workbook.build(tmp_path / "ТЗ.xlsx")
    wb = load_workbook(book)
    wb["Статусы"]["E11"] = "Да, письмо «Нет такого шаблона»"
    wb["Статусы"]["C46"] = "много"
    wb["Пользователи"]["D5"] = None
    wb["Пользователи"]["D6"] = "не почта"
    wb.save(book)
    with pytest.raises(SpecError) as caught:
        read_workbook(book)
    found = messages(caught.value.problems)
    assert any("[Статусы] строка 11, столбец E: Триггер: шаблон «Нет такого шаблона» не найден" in m for m in found)
    assert any("[Статусы] строка 46, столбец C: Стоимость: напишите сумму" in m for m in found)
    assert any("[Пользователи] строка 5: E-mail: у сотрудника нет e-mail" in m for m in found)
    assert any("[Пользователи] строка 6, столбец D: E-mail: напишите адрес почты" in m for m in found)  # loader's too


def test_not_a_workbook_is_one_clear_error(runner, tmp_path):
    bad = tmp_path / "TZ.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    result = runner.invoke(app, ["xlsx", "import", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: это не книга .xlsx" in result.stderr and "Traceback" not in result.output


# --- export: the same five tabs, for a client ------------------------------------------------------------
@pytest.fixture
def shop_book(tmp_path: Path) -> Path:
    path = tmp_path / "TZ.xlsx"
    build_workbook(load(SHOP).spec).save(path)
    return path


def test_export_writes_the_template_tabs_first(shop_book):
    book = load_workbook(shop_book)
    assert book.sheetnames[:5] == ["Доступы", "Статусы", "Пользователи", "Коммуникации", "Интеграции"]
    assert book["Списки"].sheet_state == "hidden"
    statuses = book["Статусы"]
    assert [c.value for c in statuses[4]][:9] == ["Группа статусов", "Статус в CMS интернет-магазина",
                                                  "Статус в retailCRM", "Комментарий", "Триггер", "Переходы", "Код", "Порядок",
                                                  "Активен"]
    assert statuses.freeze_panes == "A5"
    assert [c.value for c in statuses[5]][:7] == ["Новый", None, None, None, None, None, "new"]   # a group row
    assert "A5:F5" in {str(r) for r in statuses.merged_cells.ranges}
    cms = [r for r in statuses.merged_cells.ranges if r.min_col == r.max_col == 2]   # one CMS status, many rows
    assert cms and all(r.max_row > r.min_row for r in cms)
    assert statuses["E4"].comment is not None and "задача «Текст»" in statuses["E4"].comment.text


def test_export_has_a_dropdown_for_every_enum_and_reference(shop_book):
    book = load_workbook(shop_book)
    rules = [dv for ws in book for dv in ws.data_validations.dataValidation]
    channel = [dv for dv in book["Коммуникации"].data_validations.dataValidation if "B" in str(dv.sqref)]
    assert channel[0].formula1 == '"Email,SMS"'
    groups = [dv for dv in book["Пользователи"].data_validations.dataValidation if str(dv.sqref).startswith("B")]
    assert groups[0].formula1.startswith("'Списки'!$")
    assert len(rules) >= 40 and not any(dv.showErrorMessage for dv in rules)   # several names per cell allowed


def test_trigger_words_in_the_status_tab(shop_book):
    rows = {r[2]: r for r in load_workbook(shop_book)["Статусы"].iter_rows(values_only=True) if r[2]}
    assert rows["Недозвон"][4] == ("Да «Недозвон — повторный звонок»: задача «Перезвонить клиенту» для группы "
                                   "«Менеджеры» через 4 ч")
    assert rows["Упаковка"][4] == "Нет"
    assert rows["Новый"][4] == "Нет (см. вкладку Триггеры)"   # on order creation: the Триггеры tab


def test_shop_round_trips_through_the_workbook(shop_book):
    spec, back = load(SHOP).spec, read_workbook(shop_book).spec
    for kind in KINDS:
        assert by_code(back.resources(kind.name)) == by_code(spec.resources(kind.name)), kind.name


def test_export_then_import_plans_no_changes_against_the_applied_shop(runner, tmp_path, secrets_env):
    target = f"mock://{tmp_path / 'crm.json'}"
    assert runner.invoke(app, ["apply", str(SHOP), "--target", target, "--yes"]).exit_code == 0
    book, out = tmp_path / "TZ.xlsx", tmp_path / "spec"
    assert runner.invoke(app, ["xlsx", "export", str(SHOP), "-o", str(book)]).exit_code == 0
    result = runner.invoke(app, ["xlsx", "import", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = runner.invoke(app, ["plan", str(out), "--target", target])
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.startswith("No changes.")


def test_export_never_writes_a_secret(shop_book, secrets_env):
    cells = [str(c) for ws in load_workbook(shop_book) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "account: ${env:CDEK_ACCOUNT}\nsecure_password: ${env:CDEK_PASSWORD}" in cells
    assert not [c for c in cells for s in SECRETS.values() if s in c]


def test_text_that_looks_like_a_formula_stays_text(write_spec, tmp_path):
    spec = write_spec('version: 1\ntemplates:\n  - {code: t, channel: sms, body: "=SUM(A1:A2)"}\n')
    book = tmp_path / "TZ.xlsx"
    build_workbook(load(spec).spec).save(book)
    assert read_workbook(book).spec.templates[0].body == "=SUM(A1:A2)"


def test_export_refuses_to_overwrite_without_force(shop_book, runner):
    before = shop_book.read_bytes()
    result = runner.invoke(app, ["xlsx", "export", str(SHOP), "-o", str(shop_book)])
    assert result.exit_code == 1 and "--force" in result.stderr
    assert shop_book.read_bytes() == before


def test_the_blank_template_has_the_aids_and_imports_as_the_standard_groups(tmp_path):
    path = tmp_path / "template.xlsx"
    build_workbook(blank_spec(), blank=True).save(path)
    book = load_workbook(path)
    assert book.sheetnames[:5] == ["Доступы", "Статусы", "Пользователи", "Коммуникации", "Интеграции"]
    assert book["Статусы"]["A5"].value == "Новый" and book["Пользователи"].freeze_panes == "A5"
    assert book["Пользователи"].data_validations.dataValidation
    assert [g.code for g in read_workbook(path).spec.status_groups] == ["new", "approval", "assembling", "delivery",
                                                                       "complete", "cancel"]


def test_the_sample_workbook_script_writes_shop_as_a_workbook(tmp_path):
    import subprocess
    import sys

    script = SHOP.parent.parent / "scripts" / "sample-workbook.sh"
    out = tmp_path / "shop-tz.xlsx"
    done = subprocess.run(["sh", str(script), str(out)], capture_output=True, text=True,
                          env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert counts(read_workbook(out).spec) == counts(load(SHOP).spec)


def test_a_workbook_without_titles_or_the_template_tabs(tmp_path):
    book = Workbook()
    book.active.title = "Общее"   # not a template tab: a warning, never an error
    ws = book.create_sheet("статусы")
    ws.append(["Статус CRM", "Группа"])
    ws.append(["Новый", "Новый"])
    ws.append(["Перезвонить", "Новый"])
    path = tmp_path / "TZ.xlsx"
    book.save(path)
    imported = read_workbook(path)
    assert [(s.code, s.group) for s in imported.spec.statuses] == [("novyy", "new"), ("perezvonit", "new")]
    assert any("вкладка «Общее» не из шаблона" in m for m in messages(imported.warnings))


def test_the_template_command_writes_a_blank_workbook_that_imports(runner, tmp_path):
    path = tmp_path / "ТЗ.xlsx"
    result = runner.invoke(app, ["xlsx", "template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert f"crmdeploy xlsx import {path}" in result.stderr
    again = runner.invoke(app, ["xlsx", "template", "-o", str(path)])
    assert again.exit_code == 1 and "--force" in again.stderr
    imported = runner.invoke(app, ["xlsx", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "{code: approval, name: Согласование, ordering: 20}" in imported.stdout


def test_a_check_of_the_loader_is_reported_in_the_workbooks_words(hand):
    wb = load_workbook(hand)
    wb["Пользователи"]["D6"] = "не почта"
    wb.save(hand)
    with pytest.raises(SpecError) as caught:
        read_workbook(hand)
    assert messages(caught.value.problems) == [
        f"{hand}[Пользователи] строка 6, столбец D: E-mail: напишите адрес почты (сейчас 'не почта')"]


def test_custom_fields_and_dictionaries_by_name(tmp_path):
    book = tz_workbook.build(tmp_path / "ТЗ.xlsx")
    wb = load_workbook(book)
    fields = wb.create_sheet("Поля")
    fields.append(["Сущность", "Название поля", "Тип", "Справочник", "Обязательно в статусах"])
    fields.append(["Заказ", "VIN автомобиля", "Строка", None, "Согласовано"])
    fields.append(["Заказ", "Марка автомобиля", "Справочник", "Марки", "Согласовано\nОжидает предоплаты"])
    fields.append(["Клиент", "VIN автомобиля", "строка", None, None])   # the same code, another entity
    dictionaries = wb.create_sheet("Справочники")
    dictionaries.append(["Справочник", "Значение"])
    dictionaries.append(["Марки", "LADA"])
    dictionaries.append([None, "KIA"])
    statuses = wb["Статусы"]
    statuses["E14"] = "Да, SMS клиенту; поле «Марка автомобиля» = «kia»; поле «customer/vin_avtomobilya» = «нет»"
    wb.save(book)
    spec = read_workbook(book).spec
    assert [(f.entity, f.code, f.type, f.dictionary, f.required_at) for f in spec.custom_fields] == [
        ("order", "vin_avtomobilya", "string", None, ["soglasovano"]),
        ("order", "marka_avtomobilya", "dictionary", "marki", ["ozhidaet-predoplaty", "soglasovano"]),
        ("customer", "vin_avtomobilya", "string", None, None)]
    assert [(e.code, e.name, e.ordering) for e in spec.custom_dictionaries[0].elements] == \
        [("lada", "LADA", 10), ("kia", "KIA", 20)]
    trigger = next(t for t in spec.triggers if t.conditions.status == "handed-to-delivery")
    assert [(a.set_field.field, a.set_field.value) for a in trigger.actions[1:]] == [
        ("order/marka_avtomobilya", "kia"), ("customer/vin_avtomobilya", "нет")]


def test_a_bare_yes_sends_the_statuss_messages_or_is_a_to_do(hand):
    wb = load_workbook(hand)
    wb["Статусы"]["E6"] = "Да"      # Новый: a message on Коммуникации
    wb["Статусы"]["E11"] = "да"     # Закупка: nothing to send
    wb.save(hand)
    triggers = {t.conditions.status: t for t in read_workbook(hand).spec.triggers}
    assert [a.send_template for a in triggers["novyy"].actions] == ["zakaz-nomer-prinyat"]
    assert (triggers["zakupka"].actions, triggers["zakupka"].active) == ([], False)
    assert "без действия" in triggers["zakupka"].todo


def test_the_hand_made_spec_round_trips_through_export(imported, tmp_path):
    """What import kept (comments, CMS columns, to-do triggers, inactive integrations, access notes)
    survives export → import unchanged."""
    path = tmp_path / "again.xlsx"
    build_workbook(imported.spec).save(path)
    back = read_workbook(path).spec
    for kind in KINDS:
        assert by_code(back.resources(kind.name)) == by_code(imported.spec.resources(kind.name)), kind.name
    assert back.access_notes == imported.spec.access_notes
