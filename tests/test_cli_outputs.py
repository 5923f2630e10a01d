"""plan -f markdown fits a pull-request comment; apply -f json reports what was written; a saved plan
applies without asking again; export takes the key as plan and apply do; progress off a terminal."""

from __future__ import annotations

import json

from crmdeploy.cli import app
from crmdeploy.plan import Action, Change, FieldDiff, Plan
from crmdeploy.render import MARKDOWN_LIMIT, plan_markdown

from .conftest import ROOT
from .safe_helpers import crm_target, invoke, statuses_spec

MINIMAL = str(ROOT / "specs/minimal.yaml")


def _big_plan(n: int) -> Plan:
    return Plan("mock://", tuple(
        Change("statuses", f"status-{i:05}", Action.UPDATE,
               fields=(FieldDiff("name", "Старое имя " + "x" * 60, "Новое имя " + "y" * 60),))
        for i in range(n)))


def test_a_small_markdown_plan_is_whole() -> None:
    text = plan_markdown(_big_plan(3))
    assert text.count("`statuses.status-") == 3 and "not shown" not in text


def test_a_huge_markdown_plan_is_cut_to_a_comment_and_says_where_the_rest_is() -> None:
    text = plan_markdown(_big_plan(5_000), full="every change is in the saved plan plan.json")
    assert len(text) <= MARKDOWN_LIMIT == 65_536
    shown = text.count("`statuses.status-")
    assert 100 < shown < 5_000
    assert f"**{5_000 - shown:,} more changes not shown**" in text
    assert "every change is in the saved plan plan.json" in text
    assert "Plan: 0 to create, 5000 to update" in text   # the summary counts every change


def test_plan_markdown_from_the_cli_names_the_saved_plan(runner, write_spec, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "plan", write_spec(statuses_spec(2)), "-t", crm_target(tmp_path), "-f", "markdown")
    assert result.exit_code == 0 and result.stdout.startswith("### crmdeploy plan for")


def test_apply_json_reports_every_write(runner, write_spec, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = crm_target(tmp_path)
    result = invoke(runner, "apply", write_spec(statuses_spec(2)), "-t", target, "--yes", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # stdout is the JSON alone; the plan went to stderr
    assert report["format_version"] == 1 and report["target"] == target
    assert report["summary"] == {"applied": len(report["outcomes"]), "failed": 0, "skipped": 0}
    assert {(o["action"], o["status"]) for o in report["outcomes"]} == {("create", "applied")}
    assert "to create" in result.stderr
    again = invoke(runner, "apply", write_spec(statuses_spec(2)), "-t", target, "--yes", "-f", "json")
    assert json.loads(again.stdout)["outcomes"] == []


def test_apply_json_errors_are_json_too(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "apply", tmp_path / "missing.yaml", "-t", "mock://", "--yes", "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["messages"]


def test_a_saved_plan_applies_without_asking_again_but_a_spec_asks(runner, write_spec, tmp_path,
                                                                    monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = crm_target(tmp_path)
    spec = write_spec(statuses_spec(2))
    asked = invoke(runner, "apply", spec, "-t", target)  # no terminal to ask on, no --yes
    assert asked.exit_code == 1 and "pass --yes" in asked.stderr
    invoke(runner, "plan", spec, "-t", target, "--out", tmp_path / "plan.json")
    applied = invoke(runner, "apply", tmp_path / "plan.json")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete:" in applied.stdout


def test_export_takes_the_key_from_a_file_or_its_variable(runner, emulator, api_key, monkeypatch,
                                                          tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRMDEPLOY_API_KEY", raising=False)
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "0")
    key_file = tmp_path / "retailcrm.key"
    key_file.write_text(api_key + "\n")
    by_option = runner.invoke(app, ["export", "-t", emulator.url, "--api-key-file", str(key_file)])
    assert by_option.exit_code == 0, by_option.output
    assert by_option.stdout.startswith("# Exported from")
    monkeypatch.setenv("CRMDEPLOY_API_KEY_FILE", str(key_file))
    by_variable = runner.invoke(app, ["export", "-t", emulator.url])
    assert by_variable.exit_code == 0 and by_variable.stdout == by_option.stdout
    monkeypatch.delenv("CRMDEPLOY_API_KEY_FILE")
    missing = runner.invoke(app, ["export", "-t", emulator.url])
    assert missing.exit_code == 1 and "no API key" in missing.stderr
