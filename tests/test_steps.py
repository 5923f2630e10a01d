"""Issue 15: timers, the new actions, documents, transitions, channels, sites, datetime/file fields,
and the ТЗ's lint advice. Every bad input is one located error, exit 1, no traceback."""

from __future__ import annotations

import pytest

from adapters.mock import MockAdapter
from crmdeploy.apply import apply_plan
from crmdeploy.cli import app
from crmdeploy.graph import build, mermaid
from crmdeploy.lint import lint
from crmdeploy.loader import load
from crmdeploy.run import make_plan

from .conftest import SHOP

BASE = """version: 1
status_groups: [{code: new, name: Новый}, {code: cancel, name: Отмена}]
statuses:
  - {code: new, name: Новый, group: new, transitions: [cancel-other]}
  - {code: cancel-other, name: Причина отмены не выбрана, group: cancel}
user_groups: [{code: managers, name: Менеджеры}]
users: [{email: head@x.example, first_name: Ольга, groups: [managers]}]
documents: [{code: invoice, name: Счёт, template: "<p>{{ order.number }}</p>"}]
"""


@pytest.mark.parametrize("extra, where, message", [
    ("triggers: [{code: t, conditions: {status: new, after: 5 days}, actions: [{change_status: cancel-other}]}]\n",
     "triggers[0].conditions.after", "must be a duration"),
    ("triggers: [{code: t, conditions: {status: new}, actions: [{send_document: {document: offer}}]}]\n",
     "triggers[0].actions[0].send_document.document", 'unknown document "offer"'),
    ("channels: [{code: c, name: Телефон, kind: telephony, routing: {queue: [sales]}}]\n",
     "channels[0].routing.queue[0]", 'unknown user group "sales"'),
    ("channels: [{code: c, name: Телефон, kind: telephony, routing: {queue: [managers], fallback_after: 1 min, "
     "fallback_to: [head@x.example]}}]\n", "channels[0].routing.fallback_after", "must be a duration"),
    ("triggers: [{code: t, conditions: {status: new}, actions: [{assign_manager: {group: sales}}]}]\n",
     "triggers[0].actions[0].assign_manager.group", 'unknown user group "sales"'),
    ("triggers: [{code: t, conditions: {status: new}, actions: [{set_field: {field: nope, value: 1}}]}]\n",
     "triggers[0].actions[0].set_field.field", 'unknown custom field "nope"'),
])
def test_each_bad_input_is_one_located_error(runner, write_spec, extra, where, message) -> None:
    result = runner.invoke(app, ["validate", str(write_spec(BASE + extra))])
    assert result.exit_code == 1, result.output
    assert where in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def test_a_transition_to_an_unknown_status_is_a_located_error(runner, write_spec) -> None:
    spec = write_spec(BASE.replace("transitions: [cancel-other]", "transitions: [cancel-othr]"))
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1 and "statuses[0].transitions[0]" in result.stderr
    assert 'unknown order status "cancel-othr"' in result.stderr and "Traceback" not in result.output


def test_a_timer_needs_its_status(runner, write_spec) -> None:
    spec = write_spec(BASE + "triggers: [{code: t, conditions: {after: 5d}, actions: [{change_status: new}]}]\n")
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1 and "needs \"conditions.status\"" in result.stderr


def test_standard_order_fields_need_no_custom_field(write_spec) -> None:
    spec = load(write_spec(BASE + "triggers: [{code: t, conditions: {status: new, after: 4h}, ordering: 5, "
                                  "actions: [{set_field: {field: manager_comment, value: x}}, "
                                  "{webhook: {url: 'https://h.example/x', body: '{}'}}]}]\n")).spec
    [trigger] = spec.triggers
    assert trigger.conditions.after == "4h" and trigger.ordering == 5 and trigger.actions[1].webhook.method == "POST"


def test_the_shop_plans_applies_and_converges_on_the_mock(secrets_env) -> None:
    loaded, adapter = load(SHOP), MockAdapter()
    plan = make_plan(loaded, adapter)
    assert plan.summary()["create"] == 113
    assert apply_plan(plan, adapter).ok
    assert not make_plan(loaded, adapter).has_changes


def test_the_shop_uses_every_new_construct() -> None:
    spec = load(SHOP).spec
    timer = next(t for t in spec.triggers if t.conditions.after)
    assert (timer.conditions.status, timer.conditions.after) == ("no-call", "5d")
    assert any(a.change_status == "cancel-no-answer" for a in timer.actions)
    prepay = next(t for t in spec.triggers if t.code == "on-awaiting-prepayment")
    assert prepay.actions[0].send_document.document == "invoice"
    phone = next(c for c in spec.channels if c.kind == "telephony")
    assert phone.routing.fallback_to == ["head@autoparts.example"]
    assert {s.code for s in spec.statuses if s.group == "approval" and s.transitions} >= {"approved", "packing"}
    assert {f.type for f in spec.custom_fields} >= {"datetime", "file"} and spec.sites


def test_graph_draws_transitions_and_timers() -> None:
    text = mermaid(build(load(SHOP).spec))
    assert "s_approved -->|\"→\"| s_awaiting_prepayment" in text
    assert "after 5d" in text and "sets status" in text


def test_lint_gives_the_tz_advice(write_spec) -> None:
    spec = write_spec("""version: 1
lint: {max_active_statuses: 2}
status_groups: [{code: new, name: Новый}, {code: cancel, name: Отмена}]
statuses:
  - {code: new, name: Новый, group: new}
  - {code: a, name: A, group: new}
  - {code: cancel-price, name: "Отмена: цена", group: cancel}
triggers: [{code: t, conditions: {status: new, after: 5d}, actions: [{change_status: cancel-price}]}]
""")
    messages = [p.message for p in lint(load(spec))]
    assert any('no base "reason not chosen" status' in m for m in messages)
    assert any('status "a" is used by nothing' in m for m in messages)
    assert any("3 active order statuses, more than 2" in m for m in messages)
    assert lint(load(SHOP)) == []


def test_cms_mapping_prints_each_crm_code_with_its_cms_counterpart(runner) -> None:
    result = runner.invoke(app, ["cms-mapping", str(SHOP)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "kind,crm_code,crm_name,cms_value"
    assert "order status,awaiting-prepayment,Ожидает предоплаты,on-hold" in lines
    assert "order status,cancel-price,Отмена: не устроила цена,cancelled" in lines
