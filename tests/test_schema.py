"""`crmdeploy schema`: a JSON Schema that editors and CI can check specs with."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from crmdeploy.cli import app

from .conftest import SHOP, SPECS


@pytest.fixture(scope="module")
def schema() -> dict:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def errors(schema: dict, data: dict) -> list[str]:
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]


@pytest.mark.parametrize("name", ["shop.yaml", "minimal.yaml"])
def test_the_schema_accepts_the_example_specs(schema, name):
    assert errors(schema, yaml.safe_load((SPECS / name).read_text(encoding="utf-8"))) == []


def test_an_unknown_field_is_rejected(schema):
    data = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    data["statuses"][0]["colour"] = "red"
    assert errors(schema, data) == ["Additional properties are not allowed ('colour' was unexpected)"]


def test_an_unknown_kind_is_rejected(schema):
    assert errors(schema, {"version": 1, "stauses": []}) == \
        ["Additional properties are not allowed ('stauses' was unexpected)"]


def test_a_secret_must_be_an_env_reference(schema):
    spec = {"version": 1, "integrations": [{"code": "x", "kind": "other", "credentials": {"token": "hunter2"}}]}
    assert len(errors(schema, spec)) == 1
    spec["integrations"][0]["credentials"]["token"] = "${env:X_TOKEN}"
    assert errors(schema, spec) == []


def test_an_access_note_password_must_be_an_env_reference_and_a_todo_trigger_needs_no_action(schema):
    spec = {"version": 1, "access_notes": [{"system": "Сайт", "password": "hunter2"}]}
    assert len(errors(schema, spec)) == 1
    spec["access_notes"][0]["password"] = "${env:SAYT_PASSWORD}"
    spec["triggers"] = [{"code": "t", "todo": "Позвонить клиенту", "active": False}]
    assert errors(schema, spec) == []


def test_wrong_types_and_values_are_rejected(schema):
    spec = {"version": 1, "custom_fields": [{"code": "f", "name": "F", "type": "colour"}],
            "status_groups": [{"code": "g", "name": "G", "ordering": "first"}]}
    assert len(errors(schema, spec)) == 2


def test_validate_never_echoes_a_plain_secret(runner, write_spec):
    # The schema and the loader agree: a literal there is refused, and the message must not repeat it.
    path = write_spec('version: 1\nintegrations:\n  - {code: x, kind: other, credentials: {token: "hunter2-real"}}\n')
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {path}:3:42: integrations[0].credentials.token: must be a secret reference "
                             "like ${env:NAME}, never the secret itself\n")


# Issue 15's constructs, as an editor checks them with the schema alone (no crmdeploy at hand).
STEPS_OK = {
    "version": 1,
    "status_groups": [{"code": "g", "name": "G"}],
    "statuses": [{"code": "a", "name": "A", "group": "g", "transitions": ["b", {"to": "b", "groups": ["managers"]}]},
                 {"code": "b", "name": "B", "group": "g"}],
    "custom_fields": [{"code": "when", "name": "When", "type": "datetime"},
                      {"code": "scan", "name": "Scan", "type": "file"}],
    "documents": [{"code": "invoice", "name": "Счёт", "entity": "order", "template": "Счёт № {{ order.number }}"}],
    "channels": [{"code": "phone", "name": "Phone", "kind": "telephony",
                  "routing": {"queue": ["managers", "head@shop.ru"], "fallback_after": "30m", "fallback_to": ["head@shop.ru"]},
                  "fills": ["manager_comment"]}],
    "sites": [{"code": "shop", "name": "Shop", "url": "https://shop.ru", "currency": "RUB"}],
    "triggers": [{"code": "t", "ordering": 10, "conditions": {"status": "a", "after": "5d"},
                  "actions": [{"change_status": "b"}, {"assign_manager": {"group": "managers"}},
                              {"webhook": {"url": "https://hooks.shop.ru/x", "method": "POST"}},
                              {"send_document": {"document": "invoice"}}]}],
}


def test_the_schema_accepts_each_step_construct(schema):
    assert errors(schema, STEPS_OK) == []


@pytest.mark.parametrize("path, bad", [
    (("triggers", 0, "conditions", "after"), "5 days"),
    (("channels", 0, "routing", "fallback_after"), "soon"),
    (("channels", 0, "kind"), "pigeon"),
    (("custom_fields", 0, "type"), "timestamp"),
    (("sites", 0, "currency"), "GBP"),
    (("statuses", 0, "transitions", 1), {"to": "b", "who": ["x"]}),
    (("triggers", 0, "actions", 2, "webhook", "url"), "not a url"),
    (("triggers", 0, "actions", 3, "send_document"), {"doc": "invoice"}),
])
def test_the_schema_rejects_a_wrong_step_value(schema, path, bad):
    spec = json.loads(json.dumps(STEPS_OK))
    node = spec
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    assert len(errors(schema, spec)) >= 1
