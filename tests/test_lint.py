"""Spec lint: each rule fires on its case, shop.yaml is clean, --strict turns warnings into exit 1."""

from __future__ import annotations

import pytest

from crmdeploy.cli import app
from crmdeploy.lint import RULES, lint
from crmdeploy.loader import load

from .conftest import SHOP

# A clean spec; each case below appends lines that break exactly one rule.
BASE = """\
version: 1
status_groups:
  - {code: new, name: Новый}
  - {code: cancel, name: Отмена}
statuses:
  - {code: new, name: Новый, group: new, transitions: [cancel-price]}
  - {code: cancel-price, name: "Отмена: причина не выбрана", group: cancel}
templates:
  - {code: hello, channel: sms, body: Привет}
triggers:
  - code: on-new
    conditions: {status: new}
    actions: [{send_template: hello}]
"""

CASES = {
    "cancel_group_without_base_status": (
        BASE.replace("причина не выбрана", "цена"),
        (4, "status_groups[1].code", 'cancel group "cancel" has no base "reason not chosen" status (e.g. «Не '
            'выбран статус отмены»): add one, so the manager sets the real reason later')),
    "status_nothing_uses": (
        BASE.replace(", transitions: [cancel-price]", ""),
        (7, "statuses[1].code", 'status "cancel-price" is used by nothing (no trigger, required field, '
            "item-status mapping or transition): does it solve a task?")),
    "too_many_statuses": (
        "lint: {max_active_statuses: 1}\n" + BASE,
        (8, "statuses[1].code", "2 active order statuses, more than 1 (lint.max_active_statuses): the ТЗ "
            "advises as few as possible, each solving a task")),
    "cancel_group_without_reasons": (
        BASE.replace('group: cancel}', 'group: cancel, active: false}'),
        (4, "status_groups[1].code", 'cancel group "cancel" has no active statuses to carry the cancel reason')),
    "group_without_statuses": (
        BASE.replace("status_groups:\n", "status_groups:\n  - {code: delivery, name: Доставка}\n"),
        (3, "status_groups[0].code", 'status group "delivery" has no statuses')),
    "status_in_inactive_group": (
        BASE.replace("{code: new, name: Новый}", "{code: new, name: Новый, active: false}"),
        (6, "statuses[0].group",
         'active status "new" is in the inactive group "new", so it has no group in the CRM')),
    "template_never_sent": (
        BASE.replace("templates:\n", "templates:\n  - {code: unused, channel: sms, body: x}\n"),
        (9, "templates[0].code", 'no active trigger sends template "unused"')),
    "trigger_on_inactive_status": (
        BASE.replace("group: new, transitions", "group: new, active: false, transitions")
        + "  - code: on-reason\n    conditions: {from_status: cancel-price}\n    actions: [{send_template: hello}]\n",
        (12, "triggers[0].conditions.status",
         'trigger "on-new" fires on the inactive status "new", so it never fires')),
    "required_at_inactive_status": (
        BASE.replace('group: cancel}', 'group: cancel, active: false}\n  - {code: cancel-x, name: Не выбрана, group: cancel}')
        .replace("transitions: [cancel-price]", "transitions: [cancel-price, cancel-x]")
        + "custom_fields:\n  - {code: reason, name: Причина, type: string, required_at: [cancel-price]}\n",
        (16, "custom_fields[0].required_at",
         'field "reason" is required at status "cancel-price", which is not an active status')),
    "trigger_to_do": (
        BASE + "  - {code: on-cancel, conditions: {status: cancel-price}, active: false, todo: Позвонить клиенту}\n",
        (14, "triggers[1].todo", 'trigger "on-cancel" is marked to-do and has no actions yet: Позвонить клиенту')),
}


def test_the_base_case_is_clean(write_spec):
    assert lint(load(write_spec(BASE))) == []


def test_shop_is_clean():
    assert lint(load(SHOP)) == []


def test_every_rule_has_a_case():
    assert sorted(CASES) == sorted(rule.__name__ for rule in RULES)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_rule_fires_with_its_place(rule, write_spec):
    text, (line, field, message) = CASES[rule]
    problems = lint(load(write_spec(text)))
    assert [(p.location.line, p.field, p.message) for p in problems] == [(line, field, message)]
    only = next(r for r in RULES if r.__name__ == rule)
    assert list(only(load(write_spec(text)))) == problems


def test_validate_warns_on_stderr_and_exits_0(runner, write_spec):
    path = write_spec(CASES["template_never_sent"][0])
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stderr == f'Warning: {path}:9:6: templates[0].code: no active trigger sends template "unused"\n'
    assert result.stdout == f"{path}: valid (7 resources, 1 warning)\n"


def test_strict_makes_warnings_errors(runner, write_spec):
    path = write_spec(CASES["template_never_sent"][0])
    result = runner.invoke(app, ["validate", str(path), "--strict"])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f'Error: {path}:9:6: templates[0].code: no active trigger sends')
    assert "1 lint warning; --strict makes them errors" in result.stderr


def test_strict_passes_a_clean_spec(runner):
    assert runner.invoke(app, ["validate", str(SHOP), "--strict"]).exit_code == 0


def test_group_rules_index_the_statuses_once_with_the_same_findings(write_spec):
    """The group rules look statuses up by group (linear); they find exactly what a scan of
    every status for every group finds, in many groups, cancel ones and empty ones included."""
    groups = [f"  - {{code: g{i}, name: Группа {i}}}" for i in range(30)]
    groups += [f"  - {{code: cancel-{i}, name: Отмена {i}}}" for i in range(5)]
    statuses = [f"  - {{code: s{i}, name: Статус {i}, group: g{i % 20}}}" for i in range(60)]
    statuses += ["  - {code: c0, name: Отказ — причина не выбрана, group: cancel-0}",
                 "  - {code: c1, name: Отказ 1, group: cancel-1, active: false}"]
    loaded = load(write_spec("version: 1\nstatus_groups:\n" + "\n".join(groups)
                             + "\nstatuses:\n" + "\n".join(statuses) + "\n"))
    found = {(p.field, p.message) for p in lint(loaded) if p.field.startswith("status_groups")}
    spec = loaded.spec
    expected = set()
    for i, group in enumerate(spec.status_groups):
        members = [s for s in spec.statuses if s.group == group.code]  # the quadratic reference
        cancel = group.code.startswith("cancel")
        if cancel and not any(s.active for s in members):
            expected.add((f"status_groups[{i}].code",
                          f'cancel group "{group.code}" has no active statuses to carry the cancel reason'))
        elif not cancel and not members:
            expected.add((f"status_groups[{i}].code", f'status group "{group.code}" has no statuses'))
    assert found == expected
    assert len(expected) == 10 + 4   # g20..g29 empty; cancel-1..4 without an active status
