"""Writers never clobber: not the input spec, not an existing file unless --overwrite (export's and
xlsx's --force is its alias; on plan and apply --force stays the safety override). --only/--exclude
naming nothing in the spec or the CRM is an error, not "No changes"."""

from __future__ import annotations

import json

import pytest

from .safe_helpers import crm_target, invoke, statuses_spec, store_of


@pytest.mark.parametrize("command", [["plan", "{spec}", "-t", "{target}", "--out"], ["graph", "{spec}", "-o"]])
def test_a_writer_refuses_to_write_over_the_input_spec(command, runner, write_spec, tmp_path):
    spec = write_spec(statuses_spec(2))
    before = spec.read_bytes()
    args = [a.format(spec=spec, target=crm_target(tmp_path)) for a in command]
    for extra in ([], ["--overwrite"]):
        result = invoke(runner, *args, spec, *extra)
        assert result.exit_code == 1 and "is the input" in result.stderr, result.output
    assert spec.read_bytes() == before


def test_a_plan_file_is_never_written_into_the_input_spec_folder(runner, write_spec, tmp_path):
    write_spec(statuses_spec(2), "spec/main.yaml")
    result = invoke(runner, "plan", tmp_path / "spec", "-t", crm_target(tmp_path), "--out", tmp_path / "spec/plan.yaml")
    assert result.exit_code == 1 and "inside the input spec folder" in result.stderr
    assert not (tmp_path / "spec/plan.yaml").exists()


@pytest.mark.parametrize("command", [["plan", "{spec}", "-t", "{target}", "--out"], ["graph", "{spec}", "-o"]])
def test_a_writer_refuses_an_existing_file_unless_overwrite(command, runner, write_spec, tmp_path):
    spec, out = write_spec(statuses_spec(2)), tmp_path / "out.txt"
    out.write_text("keep me", encoding="utf-8")
    args = [a.format(spec=spec, target=crm_target(tmp_path)) for a in command]
    refused = invoke(runner, *args, out)
    assert refused.exit_code == 1 and "already exists; pass --overwrite" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    assert invoke(runner, *args, out, "--overwrite").exit_code == 0
    assert out.read_text(encoding="utf-8") != "keep me"


def test_plan_force_stays_the_safety_override_not_an_overwrite(runner, write_spec, tmp_path):
    spec, out = write_spec(statuses_spec(2)), tmp_path / "plan.json"
    out.write_text("{}", encoding="utf-8")
    result = invoke(runner, "plan", spec, "-t", crm_target(tmp_path), "--out", out, "--force")
    assert result.exit_code == 1 and "already exists" in result.stderr and out.read_text() == "{}"


def test_export_and_xlsx_take_overwrite_and_keep_force_as_its_alias(runner, write_spec, tmp_path):
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(2))
    assert invoke(runner, "apply", spec, "-t", target, "--yes").exit_code == 0
    out = tmp_path / "exported.yaml"
    out.write_text("old", encoding="utf-8")
    assert invoke(runner, "export", "-t", target, "-o", out).exit_code == 1
    assert invoke(runner, "export", "-t", target, "-o", out, "--overwrite").exit_code == 0
    assert invoke(runner, "export", "-t", target, "-o", out, "--force").exit_code == 0
    book = tmp_path / "spec.xlsx"
    assert invoke(runner, "xlsx", "export", spec, "-o", book).exit_code == 0
    assert invoke(runner, "xlsx", "export", spec, "-o", book).exit_code == 1
    assert invoke(runner, "xlsx", "export", spec, "-o", book, "--overwrite").exit_code == 0
    same = invoke(runner, "xlsx", "export", spec, "-o", spec, "--overwrite")
    assert same.exit_code == 1 and "is the input" in same.stderr and spec.read_text().startswith("version")


@pytest.mark.parametrize("option, value, words", [
    ("--only", "statuses.s99", 'no order status "s99" in the spec or in the CRM (did you mean "statuses.s09"?)'),
    ("--exclude", "statuses.nope", 'no order status "nope" in the spec or in the CRM'),
    ("--only", "triggers", "there are no triggers in the spec or in the CRM"),
])
def test_only_or_exclude_naming_nothing_is_an_error(option, value, words, runner, write_spec, tmp_path):
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(12))
    for command in (["plan"], ["apply", "--yes"]):
        result = invoke(runner, command[0], spec, "-t", target, *command[1:], option, value)
        assert result.exit_code == 1, result.output
        assert words in result.stderr and "No changes" not in result.stdout
    assert store_of(target).writes == 0


def test_only_naming_something_live_but_unchanged_is_fine(runner, write_spec, tmp_path):
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(3))
    assert invoke(runner, "apply", spec, "-t", target, "--yes").exit_code == 0
    result = invoke(runner, "plan", spec, "-t", target, "--only", "statuses.s01")
    assert result.exit_code == 0, result.output
