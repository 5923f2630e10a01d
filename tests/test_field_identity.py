"""Custom fields are identified by (entity, code): "order/vin" everywhere (issue 10, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.store import Store
from crmdeploy import savedplan
from crmdeploy.errors import SavedPlanError
from crmdeploy.journal import migrate

from .safe_helpers import crm_target, invoke, journal_lines, store_of

import pytest

TWO_ENTITIES = """\
version: 1
custom_fields:
  - {code: source_channel, entity: order, name: Канал заказа, type: string}
  - {code: source_channel, entity: customer, name: Канал клиента, type: string}
triggers:
  - code: mark
    event: order.created
    actions:
      - set_field: {field: order/source_channel, value: site}
"""


def test_the_same_code_on_two_entities_validates_plans_applies_and_converges(runner, write_spec, tmp_path):
    spec, target = write_spec(TWO_ENTITIES), crm_target(tmp_path)
    assert invoke(runner, "validate", spec).exit_code == 0

    plan = invoke(runner, "plan", spec, "--target", target, "--format", "json")
    keys = [(c["kind"], c["key"], c["action"]) for c in json.loads(plan.stdout)["changes"]]
    assert ("custom_fields", "customer/source_channel", "create") in keys
    assert ("custom_fields", "order/source_channel", "create") in keys
    assert json.loads(plan.stdout)["format_version"] == 2
    assert "custom_fields.order/source_channel" in invoke(runner, "plan", spec, "--target", target).stdout

    assert invoke(runner, "apply", spec, "--target", target, "--yes").exit_code == 0
    assert sorted(store_of(target).resources["custom_fields"]) == ["customer/source_channel",
                                                                    "order/source_channel"]
    again = invoke(runner, "plan", spec, "--target", target, "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    # The journal names each field by entity and code.
    keys = {(line["key"], line["format_version"]) for line in journal_lines(tmp_path / ".crmdeploy" / "journal.jsonl")
            if line["kind"] == "custom_fields"}
    assert keys == {("order/source_channel", 2), ("customer/source_channel", 2)}


def test_only_selects_one_entitys_field(runner, write_spec, tmp_path):
    spec, target = write_spec(TWO_ENTITIES), crm_target(tmp_path)
    result = invoke(runner, "plan", spec, "--target", target, "--format", "json",
                    "--only", "custom_fields.customer/source_channel")
    assert [(c["kind"], c["key"]) for c in json.loads(result.stdout)["changes"]] == [
        ("custom_fields", "customer/source_channel")]


def test_a_duplicate_within_one_entity_names_both_places(runner, write_spec):
    spec = write_spec("version: 1\ncustom_fields:\n"
                      "  - {code: vin, entity: order, name: A, type: string}\n"
                      "  - {code: vin, entity: customer, name: B, type: string}\n"
                      "  - {code: vin, name: C, type: string}\n")
    result = runner.invoke(__import__("crmdeploy.cli", fromlist=["app"]).app, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f'Error: {spec}:5:6: custom_fields[2].code: duplicate custom field "order/vin" '
                                     f"(first defined at {spec}:3:6)")


def test_a_bare_code_in_set_field_is_a_located_error_that_says_how_to_write_it(runner, write_spec):
    from crmdeploy.cli import app
    spec = write_spec(TWO_ENTITIES.replace("field: order/source_channel", "field: source_channel"))
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f'Error: {spec}:9:21: triggers[0].actions[0].set_field.field: unknown custom field "source_channel" '
        '(a custom field is named ENTITY/CODE: write "customer/source_channel" or "order/source_channel")')
    assert "Traceback" not in result.output


def test_a_custom_field_of_an_entity_that_does_not_exist_is_a_located_error(runner, write_spec):
    from crmdeploy.cli import app
    spec = write_spec("version: 1\ncustom_fields:\n  - {code: vin, entity: orders, name: VIN, type: string}\n")
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {spec}:3:17: custom_fields[0].entity: Input should be 'order', "
                                     "'customer', 'customer_corporate', 'company' or 'loyalty_account' (got 'orders')")
    assert "Traceback" not in result.output


# --- files written by the previous version (custom fields keyed by code alone) -----------------

def _v1_state(path: Path) -> None:
    """A mock state file exactly as crmdeploy with store version 1 wrote it."""
    path.write_text(json.dumps({
        "format": "crmdeploy-mock", "version": 1, "writes": 2,
        "resources": {"custom_fields": {
            "vin": {"code": "vin", "entity": "order", "name": "VIN", "type": "string"},
            "car_year": {"code": "car_year", "entity": "customer", "name": "Год", "type": "integer"}}},
        "usage": {"custom_fields": {"vin": 3}}}, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")


def test_a_version_1_mock_state_is_migrated(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    _v1_state(tmp_path / "crm.json")
    store = store_of(target)
    assert sorted(store.resources["custom_fields"]) == ["customer/car_year", "order/vin"]
    assert store.usage_of("custom_fields", "order/vin") == 3

    spec = write_spec("version: 1\ncustom_fields:\n"
                      "  - {code: vin, entity: order, name: VIN, type: string}\n"
                      "  - {code: car_year, entity: customer, name: Год, type: integer}\n")
    assert invoke(runner, "plan", spec, "--target", target, "--detailed-exitcode").exit_code == 0
    invoke(runner, "apply", spec.parent / write_spec(
        "version: 1\ncustom_fields:\n  - {code: vin, entity: order, name: VIN-код, type: string}\n", "b.yaml"),
        "--target", target, "--yes")
    saved = json.loads((tmp_path / "crm.json").read_text(encoding="utf-8"))
    assert saved["version"] == 2
    assert saved["resources"]["custom_fields"]["order/vin"]["name"] == "VIN-код"


def test_a_mock_state_of_an_unknown_version_is_one_clear_error(runner, write_spec, tmp_path):
    (tmp_path / "crm.json").write_text(json.dumps({"format": "crmdeploy-mock", "version": 9, "resources": {}}))
    result = runner.invoke(__import__("crmdeploy.cli", fromlist=["app"]).app,
                           ["plan", str(write_spec("version: 1\n")), "--target", crm_target(tmp_path)])
    assert result.exit_code == 1
    assert "not a crmdeploy-mock v2 state file (it is version 9" in result.stderr
    assert "Traceback" not in result.output


def test_a_saved_plan_of_format_1_is_refused_with_one_clear_error(tmp_path):
    # As crmdeploy wrote it before custom fields had an entity in their key (savedplan VERSION 1).
    body = {"format": "crmdeploy-plan", "format_version": 1, "crmdeploy": "0.1.0", "created": "2026-01-01T00:00:00+00:00",
            "target": "mock://crm.json", "options": {"prune": False, "only": [], "exclude": []},
            "safety": {}, "summary": {"create": 1},
            "changes": [{"kind": "custom_fields", "key": "vin", "action": "create",
                         "fields": [{"field": "name", "old": None, "new": "VIN"}],
                         "resource": {"code": "vin", "entity": "order", "name": "VIN", "type": "string"}}],
            "fingerprint": {"custom_fields": {"capability": "write", "objects": {}}}}
    path = tmp_path / "old.plan.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    assert savedplan.sniff(path)
    with pytest.raises(SavedPlanError, match=r"old.plan.json: a plan file made by an earlier crmdeploy "
                                             r"\(plan format 1.*make a new plan"):
        savedplan.read(path)


def test_a_saved_plan_of_format_1_refused_by_apply_exits_1(runner, tmp_path):
    from crmdeploy.cli import app
    path = tmp_path / "old.plan.json"
    path.write_text(json.dumps({"format": "crmdeploy-plan", "format_version": 1, "changes": []}), encoding="utf-8")
    result = runner.invoke(app, ["apply", str(path), "--yes"])
    assert result.exit_code == 1
    assert "plan format 1" in result.stderr and "Traceback" not in result.output


def test_a_version_1_journal_is_migrated_before_the_next_line(runner, write_spec, tmp_path):
    journal = tmp_path / ".crmdeploy" / "journal.jsonl"
    journal.parent.mkdir()
    old = {"time": "2026-01-01T00:00:00+00:00", "target": "mock://x", "kind": "custom_fields", "key": "car_year",
           "action": "create", "result": "applied", "before": None,
           "after": {"code": "car_year", "entity": "customer", "name": "Год", "type": "integer"}}
    other = {**old, "kind": "statuses", "key": "new", "after": {"code": "new", "name": "Новый", "group": "new"}}
    journal.write_text(json.dumps(old, ensure_ascii=False) + "\n" + json.dumps(other, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    invoke(runner, "apply", write_spec(TWO_ENTITIES), "--target", crm_target(tmp_path), "--yes")
    lines = journal_lines(journal)
    assert [(l["kind"], l["key"]) for l in lines[:2]] == [("custom_fields", "customer/car_year"), ("statuses", "new")]
    assert all(l["format_version"] == 2 for l in lines) and len(lines) == 5
    assert not migrate(journal)  # already version 2


def test_a_torn_line_in_an_old_journal_is_kept_as_it_is(runner, write_spec, tmp_path):
    journal = tmp_path / ".crmdeploy" / "journal.jsonl"
    journal.parent.mkdir()
    old = {"time": "t", "target": "mock://x", "kind": "custom_fields", "key": "vin", "action": "create",
           "result": "applied", "before": None, "after": {"code": "vin", "name": "VIN", "type": "string"}}
    journal.write_text(json.dumps(old) + "\n{\"time\": \"tor", encoding="utf-8")
    invoke(runner, "apply", write_spec(TWO_ENTITIES), "--target", crm_target(tmp_path), "--yes")
    raw = journal.read_text(encoding="utf-8").splitlines()
    assert json.loads(raw[0])["key"] == "order/vin" and raw[1] == '{"time": "tor'
    assert all(json.loads(line)["format_version"] == 2 for line in raw[2:]) and len(raw) == 5


def test_mock_store_keys(tmp_path):
    store = Store(tmp_path / "s.json")
    assert store.path == tmp_path / "s.json" and store.resources == {}


def test_manual_fields_are_never_compared_or_sent_and_each_is_one_manual_step():
    from crmdeploy.diff import diff_kind
    from crmdeploy.kinds import BY_NAME
    from crmdeploy.plan import Action
    from crmdeploy.spec.fields import CustomField

    kind = BY_NAME["custom_fields"]
    want = CustomField(code="reason", name="Причина", type="text", required_at=["cancel"])
    live = CustomField(code="reason", name="Причина", type="text")   # the target never shows required_at
    changes = diff_kind(kind, [want], [live], manual_fields=frozenset({"required_at"}))
    assert [(c.action, c.address, c.intent) for c in changes] == [
        (Action.MANUAL, "custom_fields.order/reason:required_at", Action.UPDATE)]
    assert changes[0].fields[0].new == ["cancel"]

    [create, step] = sorted(diff_kind(kind, [want], [], manual_fields=frozenset({"required_at"})),
                            key=lambda c: c.action.value)
    assert (create.action, step.action) == (Action.CREATE, Action.MANUAL)
    assert create.resource.required_at is None      # what is sent leaves the field out
    assert "required_at" not in {f.field for f in create.fields}


@pytest.mark.parametrize("item", ["{code: slots, name: Слоты, elements: []}", "{code: slots, name: Слоты}"])
def test_a_dictionary_without_elements_is_a_located_error(runner, write_spec, item):
    from crmdeploy.cli import app
    spec = write_spec(f"version: 1\ncustom_dictionaries:\n  - {item}\n")
    result = runner.invoke(app, ["validate", str(spec)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: {spec}:3:5: custom_dictionaries[0]: a dictionary needs at least "
                                     'one element in "elements"')
    assert "Traceback" not in result.output
