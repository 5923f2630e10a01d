"""The journal: one JSON line per write, with before and after, and never a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.mock import MockAdapter
from adapters.store import Store
from crmdeploy.apply import Outcome, Status, apply_plan
from crmdeploy.journal import Journal
from crmdeploy.plan import Action, Change, FieldDiff, Plan
from crmdeploy.spec.pipeline import StatusGroup
from .safe_helpers import crm_target, invoke, journal_lines, statuses_spec, store_of

from .conftest import SHOP


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_one_line_per_write_and_no_secret(runner, secrets_env, tmp_path):
    target = crm_target(tmp_path)

    result = invoke(runner, "apply", SHOP, "--target", target, "--yes")

    journal = tmp_path / ".crmdeploy" / "journal.jsonl"
    lines = journal_lines(journal)
    assert result.exit_code == 0, result.output
    assert len(lines) == store_of(target).writes == 113
    assert {(e["kind"], e["key"]) for e in lines} == \
        {(k, key) for k, records in store_of(target).resources.items() for key in records}
    text = journal.read_text(encoding="utf-8")
    assert not [v for v in secrets_env.values() if v in text]
    cdek = next(e for e in lines if (e["kind"], e["key"]) == ("integrations", "cdek"))
    assert cdek["after"]["credentials"] == {"account": "(sensitive)", "secure_password": "(sensitive)"}
    assert set(lines[0]) == {"format_version", "time", "target", "kind", "key", "action", "result", "before", "after"}
    assert {e["target"] for e in lines} == {target}


def test_update_and_deactivate_lines_carry_before_and_after(runner, write_spec, tmp_path):
    target, journal = crm_target(tmp_path), tmp_path / "audit.jsonl"
    invoke(runner, "apply", write_spec(statuses_spec(2)), "--target", target, "--yes", "--journal", journal)

    invoke(runner, "apply", write_spec(statuses_spec(1, renamed=1), "b.yaml"), "--target", target, "--yes",
           "--prune", "--journal", journal)

    update, deactivate = journal_lines(journal)[3:]
    assert (update["action"], update["key"]) == ("update", "s00")
    assert update["before"]["name"] == "Status 0" and update["after"]["name"] == "Status 0 renamed"
    assert update["after"]["group"] == "work"
    assert (deactivate["action"], deactivate["before"]["active"], deactivate["after"]["active"]) == \
        ("deactivate", True, False)


def test_the_journal_path_comes_from_the_environment_too(runner, write_spec, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_JOURNAL", str(tmp_path / "env.jsonl"))
    invoke(runner, "apply", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path), "--yes")
    assert len(journal_lines(tmp_path / "env.jsonl")) == 2


def test_a_failed_write_is_recorded_with_the_error_and_a_skipped_one_is_not(tmp_path):
    journal = Journal(tmp_path / "j.jsonl", "mock://", {"status_groups": []})
    group = StatusGroup(code="g", name="G")
    change = Change("status_groups", "g", Action.CREATE, (FieldDiff("name", None, "G"),), group)

    journal.record(Outcome(change, Status.FAILED, "status_groups.g: 400 invalid"))
    journal.record(Outcome(change, Status.SKIPPED, "depends on something"))
    journal.record(Outcome(Change("statuses", "x", Action.UNMANAGED), Status.APPLIED))

    [line] = journal_lines(tmp_path / "j.jsonl")
    assert (line["result"], line["error"], line["before"], line["after"]) == \
        ("failed", "status_groups.g: 400 invalid", None, None)


def test_lines_are_written_as_the_writes_happen(tmp_path):
    """Each line is on disk before the next write starts, so a crash loses no record."""
    store, path = Store(), tmp_path / "j.jsonl"
    seen: list[int] = []
    adapter = MockAdapter(store)
    original = adapter.create

    def create(kind, resource):
        seen.append(len(journal_lines(path)))
        original(kind, resource)

    adapter.create = create
    changes = [Change("status_groups", c, Action.CREATE, (), StatusGroup(code=c, name=c)) for c in "abc"]
    apply_plan(Plan.of("mock://", changes), adapter, Journal(path, "mock://", {}).record)
    assert seen == [0, 1, 2] and len(journal_lines(path)) == 3
