"""The ТЗ workbook: spec → xlsx → spec, and import errors that name sheet, row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel

from crmdeploy.cli import app
from crmdeploy.errors import SpecError
from crmdeploy.kinds import BY_NAME, KINDS
from crmdeploy.loader import load
from crmdeploy.xlsx.cells import _core, field_annotation
from crmdeploy.xlsx.layout import LAYOUT
from crmdeploy.xlsx.reader import read_workbook
from crmdeploy.xlsx.writer import build_workbook

from .conftest import SECRETS, SHOP


@pytest.fixture
def shop_book(tmp_path: Path) -> Path:
    path = tmp_path / "TZ.xlsx"
    build_workbook(load(SHOP).spec).save(path)
    return path


def edit(path: Path, sheet: str, find: str, header: str, value: Any) -> int:
    """Set the cell under `header` in the row whose first cells hold `find`; returns the row number."""
    book = load_workbook(path)
    ws = book[sheet]
    rows = list(ws.iter_rows())
    header_row = next(r for r in rows if any(c.value == header for c in r))
    column = next(c.column for c in header_row if c.value == header)
    row = next(r for r in rows if find in [c.value for c in r[:2]])
    ws.cell(row[0].row, column).value = value   # cell(r, c, None) would leave the old value
    book.save(path)
    return row[0].row


def import_error(path: Path) -> str:
    with pytest.raises(SpecError) as caught:
        read_workbook(path)
    return str(caught.value)


# --- round trip ---------------------------------------------------------------------------------------
def test_shop_round_trips_through_the_workbook(shop_book):
    assert read_workbook(shop_book).spec == load(SHOP).spec


def test_cli_export_then_import_to_a_folder_gives_the_same_spec(runner, tmp_path):
    book, out = tmp_path / "TZ.xlsx", tmp_path / "spec"
    assert runner.invoke(app, ["xlsx", "export", str(SHOP), "-o", str(book)]).exit_code == 0
    result = runner.invoke(app, ["xlsx", "import", str(book), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Imported 106 resources" in result.stderr
    assert load(out).spec == load(SHOP).spec


def test_the_tz_tabs_are_there_and_statuses_has_the_tz_columns(shop_book):
    book = load_workbook(shop_book)
    for tab in ("Доступы", "Статусы", "Пользователи", "Коммуникации", "Интеграции", "Оплата и доставка", "Триггеры"):
        assert tab in book.sheetnames
    headers = [c.value for c in book["Статусы"][2]]
    assert headers[:6] == ["Группа статусов", "Код статуса", "Статус в CRM", "Статус в CMS магазина",
                           "Комментарий", "Нужен триггер"]
    new = [c.value for c in book["Статусы"][3]]
    assert new[:6] == ["new", "new", "Новый", "pending", "Заказ с сайта или от менеджера", "да"]


def test_trigger_needed_says_whether_a_trigger_fires_on_the_status(shop_book):
    ws = load_workbook(shop_book)["Статусы"]
    needed = {row[1]: row[5] for row in ws.iter_rows(min_row=3, values_only=True) if row[1]}
    assert needed["approved"] == "да" and needed["packing"] == "нет"


def test_secrets_are_placeholders_never_values(shop_book, secrets_env):
    cells = [str(c) for ws in load_workbook(shop_book) for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "account: ${env:CDEK_ACCOUNT}\nsecure_password: ${env:CDEK_PASSWORD}" in cells
    assert not [c for c in cells for s in SECRETS.values() if s in c]


def test_every_kind_has_one_table_and_every_field_a_column():
    blocks = [b for sheet in LAYOUT for b in sheet.blocks]
    assert sorted(b.kind for b in blocks) == sorted(k.name for k in KINDS)
    for block in blocks:
        paths = {c.path for c in block.columns if c.path}
        assert _uncovered(BY_NAME[block.kind].model, (), paths) == [], block.kind


def _uncovered(model: type[BaseModel], prefix: tuple, paths: set[tuple]) -> list[tuple]:
    missing = []
    for name in model.model_fields:
        path = prefix + (name,)
        if path in paths:
            continue
        inner = _core(field_annotation(model, (name,)))
        if isinstance(inner, type) and issubclass(inner, BaseModel) and any(p[:len(path)] == path for p in paths):
            missing += _uncovered(inner, path, paths)
        else:
            missing.append(path)
    return missing


def test_text_that_looks_like_a_formula_stays_text(write_spec, tmp_path):
    spec = write_spec('version: 1\ntemplates:\n  - {code: t, channel: sms, body: "=SUM(A1:A2)"}\n')
    book = tmp_path / "TZ.xlsx"
    build_workbook(load(spec).spec).save(book)
    assert read_workbook(book).spec.templates[0].body == "=SUM(A1:A2)"


# --- errors name sheet, row and column ---------------------------------------------------------------
def test_unknown_status_group_names_sheet_row_and_column(shop_book):
    row = edit(shop_book, "Статусы", "approved", "Группа статусов", "aproval")
    assert import_error(shop_book) == (f"{shop_book}[Статусы] row {row}, column A: Группа статусов: "
                                       'unknown status group "aproval" (did you mean "approval"?)')


def test_error_location_is_a_sheet_row_and_column(shop_book):
    row = edit(shop_book, "Статусы", "approved", "Активен", "может быть")
    with pytest.raises(SpecError) as caught:
        read_workbook(shop_book)
    problem = caught.value.problems[0]
    assert (problem.location.file, problem.location.line, problem.location.column) == \
        (f"{shop_book}[Статусы]", row, 8)
    assert problem.field == "Активен"
    assert 'expected "да" or "нет"' in problem.message


def test_unknown_column_is_an_error(shop_book):
    book = load_workbook(shop_book)
    book["Пользователи"].cell(2, 12, "Отдел")
    book.save(shop_book)
    message = import_error(shop_book)
    assert message.startswith(f"{shop_book}[Пользователи] row 2, column L: Отдел: unknown column")


def test_invalid_yaml_in_a_cell(shop_book):
    row = edit(shop_book, "Триггеры", "on-new", "Действия", "- send_template: [order-new")
    assert import_error(shop_book).startswith(f"{shop_book}[Триггеры] row {row}, column I: Действия: invalid YAML")


def test_a_problem_inside_a_yaml_cell_keeps_its_path(shop_book):
    row = edit(shop_book, "Триггеры", "on-no-call", "Действия", "- create_task: {text: Позвонить, due_in: 2 hours}")
    message = import_error(shop_book)
    assert message.startswith(f"{shop_book}[Триггеры] row {row}, column I: Действия[0].create_task.due_in: ")


def test_an_empty_required_cell(shop_book):
    row = edit(shop_book, "Пользователи", "ivanov@autoparts.example", "Имя", None)
    assert import_error(shop_book) == (f"{shop_book}[Пользователи] row {row}, column B: Имя: "
                                       "required field is missing")


def test_a_duplicate_code_names_both_rows(shop_book):
    row = edit(shop_book, "Статусы", "no-call", "Код статуса", "new")
    message = import_error(shop_book)
    assert message.startswith(f"{shop_book}[Статусы] row {row}, column B: Код статуса: duplicate order status")
    assert f"(first defined at {shop_book}[Статусы] row {row - 1}, column B)" in message


def test_a_plain_secret_is_refused_without_being_shown(shop_book):
    edit(shop_book, "Интеграции", "telephony", "Секреты", "api_key: hunter2-real-key")
    message = import_error(shop_book)
    assert "Секреты.api_key: must be a secret reference" in message
    assert "hunter2" not in message


def test_not_a_workbook_is_one_clear_error(runner, tmp_path):
    bad = tmp_path / "TZ.xlsx"
    bad.write_text("not a zip", encoding="utf-8")
    result = runner.invoke(app, ["xlsx", "import", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bad}: not an .xlsx workbook")
    assert "Traceback" not in result.output


def test_a_trigger_needed_cell_that_disagrees_is_a_warning(shop_book, runner):
    row = edit(shop_book, "Статусы", "packing", "Нужен триггер", "да")
    result = runner.invoke(app, ["xlsx", "import", str(shop_book)])
    assert result.exit_code == 0, result.output
    assert f"Warning: {shop_book}[Статусы] row {row}, column F: Нужен триггер: \"да\" does not match" \
        in result.stderr


# --- a workbook an analyst wrote ---------------------------------------------------------------------
def test_an_analysts_workbook_with_reordered_columns_and_no_titles(tmp_path):
    book = Workbook()
    book.active.title = "Общее"   # not a ТЗ tab: ignored
    groups = book.create_sheet("Группы статусов")
    groups.append(["Название", "Код"])
    groups.append(["Новый", "new"])
    statuses = book.create_sheet("Статусы")
    statuses.append(["Статус в CRM", "Код статуса", "Группа статусов", "Порядок", "Активен"])
    statuses.append(["Новый", "new", "new", 10, "Да"])
    statuses.append(["Перезвонить", 20.0, "new", "20", "нет"])   # a code Excel made a number
    delivery = book.create_sheet("Оплата и доставка")
    delivery.append(["Типы доставки"])
    delivery.append(["Код", "Название", "Стоимость"])
    delivery.append(["cdek", "СДЭК", "350,5"])
    path = tmp_path / "TZ.xlsx"
    book.save(path)
    spec = read_workbook(path).spec
    assert [(s.code, s.name, s.group, s.ordering, s.active) for s in spec.statuses] == \
        [("new", "Новый", "new", 10, True), ("20", "Перезвонить", "new", 20, False)]
    assert spec.delivery_types[0].default_cost == 350.5


def test_import_refuses_to_overwrite(shop_book, runner, tmp_path):
    out = tmp_path / "spec.yaml"
    out.write_text("keep", encoding="utf-8")
    result = runner.invoke(app, ["xlsx", "import", str(shop_book), "-o", str(out)])
    assert result.exit_code == 1 and out.read_text(encoding="utf-8") == "keep"


def test_export_refuses_to_overwrite_without_force(shop_book, runner):
    before = shop_book.read_bytes()
    result = runner.invoke(app, ["xlsx", "export", str(SHOP), "-o", str(shop_book)])
    assert result.exit_code == 1 and "--force" in result.stderr
    assert shop_book.read_bytes() == before
    assert runner.invoke(app, ["xlsx", "export", str(SHOP), "-o", str(shop_book), "--force"]).exit_code == 0


def test_the_sample_workbook_script_writes_shop_as_a_workbook(tmp_path):
    import subprocess
    import sys

    script = SHOP.parent.parent / "scripts" / "sample-workbook.sh"
    out = tmp_path / "shop-tz.xlsx"
    done = subprocess.run(["sh", str(script), str(out)], capture_output=True, text=True,
                          env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert read_workbook(out).spec == load(SHOP).spec
