"""`plan --out` and `apply PLAN`: exactly the reviewed changes, or a refusal when the CRM moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmdeploy.errors import EXIT_ERROR, EXIT_REFUSED
from .safe_helpers import crm_target, invoke, statuses_spec, store_of

from .conftest import SHOP


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # locks, journal and snapshots go under tmp_path/.crmdeploy


def test_saved_plan_applies_exactly_its_changes(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    spec = write_spec(statuses_spec(3))
    saved = invoke(runner, "plan", spec, "--target", target, "--out", tmp_path / "plan.json")
    assert saved.exit_code == 0, saved.output
    spec.write_text(statuses_spec(5), encoding="utf-8")  # the spec moves on; the reviewed plan does not

    result = invoke(runner, "apply", tmp_path / "plan.json", "--yes")

    assert result.exit_code == 0, result.output
    assert "Apply complete: 4 applied, 0 failed, 0 skipped." in result.stdout
    assert sorted(store_of(target).resources["statuses"]) == ["s00", "s01", "s02"]


def test_plan_made_against_an_empty_crm_cannot_be_applied_twice(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(2)), "--target", target, "--out", plan_file)
    first = invoke(runner, "apply", plan_file, "--yes")
    writes = store_of(target).writes

    second = invoke(runner, "apply", plan_file, "--yes")

    assert first.exit_code == 0
    assert second.exit_code == EXIT_REFUSED
    assert "is stale: 3 change(s)" in second.stderr
    assert "status_groups.work: appeared (it was absent when the plan was made)" in second.stderr
    assert store_of(target).writes == writes


def test_stale_plan_names_the_object_changed_between_plan_and_apply(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(3)), "--target", target, "--yes")
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(3, renamed=1), "new.yaml"), "--target", target,
           "--out", plan_file)
    store = store_of(target)  # someone edits a status by hand in the CRM meanwhile
    store.put("statuses", "s02", {**store.get("statuses", "s02"), "name": "edited by hand"})
    store.save()

    result = invoke(runner, "apply", plan_file, "--yes")

    assert result.exit_code == EXIT_REFUSED
    assert "statuses.s02: changed" in result.stderr
    assert "statuses.s00" not in result.stderr  # unchanged since the plan, so not named
    assert store_of(target).get("statuses", "s00")["name"] == "Status 0"


def test_object_gone_since_the_plan_is_named(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(2)), "--target", target, "--yes")
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(2, renamed=2), "b.yaml"), "--target", target,
           "--out", plan_file)
    store = store_of(target)
    del store.resources["statuses"]["s01"]
    store.dirty = True
    store.save()

    result = invoke(runner, "apply", plan_file, "--yes")

    assert result.exit_code == EXIT_REFUSED
    assert "statuses.s01: disappeared" in result.stderr


def test_saved_plan_never_holds_a_secret_and_apply_reads_it_again(runner, secrets_env, tmp_path,
                                                                  monkeypatch):
    target = crm_target(tmp_path)
    plan_file = tmp_path / "plan.json"
    assert invoke(runner, "plan", SHOP, "--target", target, "--out", plan_file).exit_code == 0
    text = plan_file.read_text(encoding="utf-8")
    assert not [v for v in secrets_env.values() if v in text]
    assert "${env:CDEK_PASSWORD}" in text

    monkeypatch.delenv("CDEK_PASSWORD")
    refused = invoke(runner, "apply", plan_file, "--yes")
    assert refused.exit_code == EXIT_ERROR
    assert "integrations.cdek needs the environment variable CDEK_PASSWORD, which is not set" in refused.stderr
    assert not Path(target.removeprefix("mock://")).exists()

    monkeypatch.setenv("CDEK_PASSWORD", secrets_env["CDEK_PASSWORD"])
    applied = invoke(runner, "apply", plan_file, "--yes")
    assert applied.exit_code == 0, applied.output
    assert invoke(runner, "plan", SHOP, "--target", target).stdout.endswith("matches the spec.\n")


def test_a_modified_plan_file_is_refused(runner, write_spec, tmp_path):
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path), "--out", plan_file)
    body = json.loads(plan_file.read_text(encoding="utf-8"))
    body["changes"][1]["resource"]["name"] = "sneaked in"
    plan_file.write_text(json.dumps(body), encoding="utf-8")

    result = invoke(runner, "apply", plan_file, "--yes")

    assert result.exit_code == EXIT_ERROR
    assert "modified after it was saved" in result.stderr


def test_a_plan_for_another_target_is_refused(runner, write_spec, tmp_path):
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path), "--out", plan_file)

    result = invoke(runner, "apply", plan_file, "--target", f"mock://{tmp_path / 'other.json'}", "--yes")

    assert result.exit_code == EXIT_REFUSED
    assert f"was made for {crm_target(tmp_path)}, not mock://{tmp_path / 'other.json'}" in result.stderr


def test_selection_options_do_not_apply_to_a_saved_plan(runner, write_spec, tmp_path):
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path), "--out", plan_file)

    result = invoke(runner, "apply", plan_file, "--only", "statuses", "--yes")

    assert result.exit_code == EXIT_ERROR
    assert "a saved plan applies exactly the changes it shows" in result.stderr


def test_a_json_spec_is_not_taken_for_a_saved_plan(runner, tmp_path):
    spec = tmp_path / "spec.json"  # JSON is YAML: a spec may be written in it
    spec.write_text(json.dumps({"version": 1, "status_groups": [{"code": "g", "name": "G"}]}), encoding="utf-8")

    result = invoke(runner, "apply", spec, "--target", crm_target(tmp_path), "--yes")

    assert result.exit_code == 0, result.output
    assert "Apply complete: 1 applied" in result.stdout


def test_a_long_list_of_changes_is_cut_short(runner, write_spec, tmp_path):
    plan_file = tmp_path / "plan.json"
    invoke(runner, "plan", write_spec(statuses_spec(25)), "--target", crm_target(tmp_path), "--out", plan_file)
    invoke(runner, "apply", plan_file, "--yes")

    result = invoke(runner, "apply", plan_file, "--yes")

    assert "is stale: 26 change(s)" in result.stderr
    assert result.stderr.count(": appeared") == 20 and "  … and 6 more\nMake a new plan." in result.stderr
