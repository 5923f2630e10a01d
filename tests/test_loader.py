"""Loader: YAML → Spec, and every bad input → one located message."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.errors import SpecError
from crmdeploy.loader import load
from crmdeploy.secrets import MASK, Sensitive

from .conftest import SHOP, SPECS


def error_of(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load(path)
    return str(info.value)


def test_shop_spec_loads_every_area():
    spec = load(SHOP).spec
    assert len(spec.statuses) == 25
    assert {g.code for g in spec.status_groups} >= {"new", "approval", "supplier-delivery", "assembling",
                                                     "delivery", "return", "complete", "cancel"}
    cancel = [s.code for s in spec.statuses if s.group == "cancel"]
    assert "cancel-other" in cancel and len(cancel) == 7


def test_cyrillic_round_trips(write_spec):
    path = write_spec("status_groups:\n  - {code: approval, name: Согласование}\n")
    assert load(path).spec.status_groups[0].name == "Согласование"


def test_folder_is_merged_in_name_order(tmp_path, write_spec):
    write_spec("status_groups:\n  - {code: new, name: Новый}\n", "a/1-groups.yaml")
    write_spec("statuses:\n  - {code: new, name: Новый, group: new}\n", "a/2-statuses.yml")
    spec = load(tmp_path / "a").spec
    assert [s.code for s in spec.statuses] == ["new"]


def test_folder_errors_name_the_right_file_and_line(tmp_path, write_spec):
    write_spec("statuses:\n  - {code: a, name: A, group: g}\n", "d/1.yaml")
    write_spec("version: 1\nstatus_groups:\n  - {code: g, name: G}\nstatuses:\n  - {code: b, name: B, group: x}\n",
               "d/2.yaml")
    message = error_of(tmp_path / "d")
    assert "2.yaml:5:" in message and "statuses[1].group" in message and 'unknown status group "x"' in message


def test_env_secret_is_sensitive_and_masked(write_spec, monkeypatch):
    monkeypatch.setenv("CRMD_TEST_SECRET", "s3cr3t-value")
    path = write_spec('integrations:\n  - {code: cdek, kind: delivery, credentials: {password: "${env:CRMD_TEST_SECRET}"}}\n')
    secret = load(path).spec.integrations[0].credentials["password"]
    assert isinstance(secret, Sensitive)
    assert secret.reveal() == "s3cr3t-value"
    assert str(secret) == repr(secret) == f"{secret}" == MASK


def test_missing_secret_is_reported_with_its_place(write_spec, monkeypatch):
    monkeypatch.delenv("CRMD_UNSET", raising=False)
    path = write_spec('integrations:\n  - code: x\n    kind: other\n    credentials: {key: "${env:CRMD_UNSET}"}\n')
    [problem] = load(path).missing_secrets()
    assert str(problem) == f"{path}:4:19: integrations[0].credentials.key: environment variable CRMD_UNSET is not set"


def test_plain_secret_in_credentials_is_refused(write_spec):
    path = write_spec("integrations:\n  - {code: x, kind: other, credentials: {key: plain-text}}\n")
    assert "must be a secret reference like ${env:NAME}" in error_of(path)


BAD = {
    "bad_yaml": ("statuses: [\n  {code: a\n", "spec.yaml:3:1: invalid YAML"),
    "unknown_field": ("status_groups:\n  - code: new\n    name: N\n    colour: red\n",
                      'spec.yaml:4:5: status_groups[0].colour: unknown field "colour"'),
    "misspelt_field": ("statuses:\n  - {code: a, name: A, grop: new}\n",
                       'statuses[0].grop: unknown field "grop" (did you mean "group"?)'),
    "wrong_type": ("status_groups:\n  - {code: new, name: N, ordering: first}\n",
                   "spec.yaml:2:26: status_groups[0].ordering: Input should be a valid integer"),
    "missing_field": ("status_groups:\n  - {code: new}\n", "status_groups[0].name: required field is missing"),
    "duplicate_key": ("status_groups:\n  - {code: new, name: A}\n  - {code: new, name: B}\n",
                      'spec.yaml:3:6: status_groups[1].code: duplicate status group "new" (first defined at '),
    "duplicate_mapping_key": ("status_groups:\n  - code: new\n    code: old\n    name: N\n",
                              'spec.yaml:3:5: status_groups[0].code: key "code" appears twice in one mapping '
                              "(first at line 2)"),
    "bad_reference": ("status_groups:\n  - {code: approval, name: A}\nstatuses:\n"
                      "  - {code: approved, name: A, group: approval}\ntemplates:\n"
                      "  - {code: t, subject: S, body: B}\ntriggers:\n"
                      "  - code: on-approved\n    conditions: {status: aproved}\n    actions: [{send_template: t}]\n",
                      'spec.yaml:9:18: triggers[0].conditions.status: unknown order status "aproved" '
                      '(did you mean "approved"?)'),
    "bad_template_reference": ("triggers:\n  - code: x\n    actions: [{send_template: nope}]\n",
                               'triggers[0].actions[0].send_template: unknown message template "nope"'),
    "two_actions_in_one": ("templates:\n  - {code: t, subject: S, body: B}\ntriggers:\n  - code: x\n"
                           "    actions: [{send_template: t, notify: {text: hi}}]\n",
                           "triggers[0].actions[0]: an action has exactly one of"),
    "empty_file": ("", "spec.yaml:1:1: the file is empty"),
    "not_a_mapping": ("- a\n- b\n", "a spec file must be a mapping of kinds"),
    "wrong_version": ("version: 2\n", "version: Input should be 1"),
    "bad_code": ("status_groups:\n  - {code: 'a b', name: N}\n", "status_groups[0].code: must be letters, digits"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_one_located_message(name, write_spec):
    text, expected = BAD[name]
    message = error_of(write_spec(text))
    assert expected in message
    assert "Traceback" not in message


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("status_groups:\n  - {code: a, name: Caf\xe9}\n".encode("latin-1"))
    assert "latin1.yaml:2:24: not UTF-8 text (byte 0xe9 at offset 38)" in error_of(path)


def test_missing_file(tmp_path):
    assert "no such file or folder" in error_of(tmp_path / "nope.yaml")


def test_alias_bomb_is_refused_quickly(write_spec):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    message = error_of(write_spec("\n".join(lines) + "\n"))
    assert "YAML aliases repeated too often" in message


def test_merge_keys_and_anchors_work(write_spec):
    path = write_spec("x-base: &base {group: new, active: true}\n" * 0 +
                      "status_groups:\n  - {code: new, name: N}\nstatuses:\n"
                      "  - &s {code: a, name: A, group: new}\n  - {<<: *s, code: b}\n")
    assert [s.code for s in load(path).spec.statuses] == ["a", "b"]


def test_minimal_spec_is_valid():
    assert len(load(SPECS / "minimal.yaml").spec.statuses) == 2
