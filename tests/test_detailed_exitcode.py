"""`plan --detailed-exitcode`: 0 no changes, 2 changes present, 1 error (for CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .safe_helpers import crm_target, invoke, statuses_spec


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_changes_present_exit_2(runner, write_spec, tmp_path):
    result = invoke(runner, "plan", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path),
                    "--detailed-exitcode")
    assert result.exit_code == 2
    assert "Plan: 2 to create" in result.stdout


def test_no_changes_exit_0(runner, write_spec, tmp_path):
    spec, target = write_spec(statuses_spec(1)), crm_target(tmp_path)
    invoke(runner, "apply", spec, "--target", target, "--yes")

    result = invoke(runner, "plan", spec, "--target", target, "--detailed-exitcode")

    assert result.exit_code == 0
    assert "No changes." in result.stdout


def test_error_exit_1(runner, write_spec, tmp_path):
    spec = write_spec("version: 1\nstatuses:\n  - {code: a, name: A, group: missing}\n")
    result = invoke(runner, "plan", spec, "--target", crm_target(tmp_path), "--detailed-exitcode")
    assert result.exit_code == 1
    assert 'unknown status group "missing"' in result.stderr


def test_without_the_flag_changes_exit_0(runner, write_spec, tmp_path):
    result = invoke(runner, "plan", write_spec(statuses_spec(1)), "--target", crm_target(tmp_path))
    assert result.exit_code == 0
