"""A saved plan writes only what it shows: a stored resource that disagrees with the displayed
changes is refused; with CRMDEPLOY_PLAN_KEY the plan is HMAC-signed and must verify; a damaged
plan file is one error line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmdeploy import savedplan

from .safe_helpers import crm_target, invoke, statuses_spec, store_of


def _edit(path: Path, change) -> None:
    """Edit the plan file and recompute its plain SHA-256, as anyone can."""
    body = json.loads(path.read_text(encoding="utf-8"))
    change(body)
    body["checksum"] = savedplan._checksum(body)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


def _change(body: dict, address: str) -> dict:
    return next(c for c in body["changes"] if f"{c['kind']}.{c['key']}" == address)


def _saved(runner, write_spec, tmp_path, spec_text: str, before: str | None = None) -> tuple[str, Path]:
    target, plan_file = crm_target(tmp_path), tmp_path / "plan.json"
    if before is not None:
        assert invoke(runner, "apply", write_spec(before, "before.yaml"), "-t", target, "--yes").exit_code == 0
    made = invoke(runner, "plan", write_spec(spec_text), "-t", target, "--out", plan_file)
    assert made.exit_code == 0, made.output
    return target, plan_file


def test_a_create_whose_stored_resource_differs_from_what_is_shown_is_refused(runner, write_spec, tmp_path):
    target, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(2))
    _edit(plan_file, lambda body: _change(body, "statuses.s01")["resource"].update(name="Not what was reviewed"))
    result = invoke(runner, "apply", plan_file, "--yes")
    assert result.exit_code == 1
    assert "would write what it does not show" in result.stderr
    assert 'statuses.s01.name: shown as "Status 1", stored as "Not what was reviewed"' in result.stderr
    assert not Path(target.removeprefix("mock://")).exists()  # nothing written


def test_a_create_with_a_field_that_is_not_shown_is_refused(runner, write_spec, tmp_path):
    target, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(2))
    _edit(plan_file, lambda body: _change(body, "statuses.s00")["resource"].update(ordering=999))
    result = invoke(runner, "apply", plan_file, "--yes")
    assert result.exit_code == 1 and "statuses.s00.ordering: shown as null, stored as 999" in result.stderr


def test_an_update_that_would_change_a_field_it_does_not_show_is_refused(runner, write_spec, tmp_path):
    target, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(3, renamed=1), before=statuses_spec(3))
    writes = store_of(target).writes
    _edit(plan_file, lambda body: _change(body, "statuses.s00")["resource"].update(active=False))
    result = invoke(runner, "apply", plan_file, "--yes")
    assert result.exit_code == 1, result.output
    assert "statuses.s00.active: not shown, but stored as false" in result.stderr
    assert store_of(target).writes == writes and store_of(target).get("statuses", "s00")["active"] is True


def test_an_untouched_plan_still_applies(runner, write_spec, tmp_path):
    target, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(3, renamed=2), before=statuses_spec(3))
    assert invoke(runner, "apply", plan_file, "--yes").exit_code == 0
    assert store_of(target).get("statuses", "s01")["name"] == "Status 1 renamed"


def test_with_a_plan_key_the_plan_is_signed_and_a_consistent_forgery_is_refused(runner, write_spec, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_PLAN_KEY", "ci-secret-key-1")
    target, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(2))
    assert json.loads(plan_file.read_text())["signature"].startswith("hmac-sha256:")

    def forge(body):  # what is shown and what is stored changed together: only the signature can tell
        change = _change(body, "statuses.s01")
        change["resource"]["name"] = "Forged"
        next(f for f in change["fields"] if f["field"] == "name")["new"] = "Forged"
    _edit(plan_file, forge)
    result = invoke(runner, "apply", plan_file, "--yes")
    assert result.exit_code == 1 and "signature does not verify" in result.stderr
    assert "ci-secret-key-1" not in result.output
    assert not Path(target.removeprefix("mock://")).exists()


def test_with_a_plan_key_an_unsigned_plan_is_refused_and_a_signed_one_needs_the_key(runner, write_spec, tmp_path,
                                                                                    monkeypatch):
    target, unsigned = _saved(runner, write_spec, tmp_path, statuses_spec(2))
    monkeypatch.setenv("CRMDEPLOY_PLAN_KEY", "ci-secret-key-1")
    refused = invoke(runner, "apply", unsigned, "--yes")
    assert refused.exit_code == 1 and "the plan is not signed, and CRMDEPLOY_PLAN_KEY is set" in refused.stderr

    signed = tmp_path / "signed.json"
    assert invoke(runner, "plan", tmp_path / "spec.yaml", "-t", target, "--out", signed).exit_code == 0
    monkeypatch.setenv("CRMDEPLOY_PLAN_KEY", "another-key")
    assert "does not verify" in invoke(runner, "apply", signed, "--yes").stderr
    monkeypatch.delenv("CRMDEPLOY_PLAN_KEY")
    assert "set CRMDEPLOY_PLAN_KEY" in invoke(runner, "apply", signed, "--yes").stderr
    monkeypatch.setenv("CRMDEPLOY_PLAN_KEY", "ci-secret-key-1")
    applied = invoke(runner, "apply", signed, "--yes")
    assert applied.exit_code == 0, applied.output
    assert sorted(store_of(target).resources["statuses"]) == ["s00", "s01"]


@pytest.mark.parametrize("damage", [
    lambda text: text[: len(text) // 2],
    lambda text: text.replace('"changes": [', '"changes": "many", "x": [', 1),
    lambda text: text.replace('"fingerprint": {', '"fingerprint": {"statuses": 7, "x": {', 1),
    lambda text: text.replace('"kind": "statuses"', '"kind": "no-such-kind"', 1),
    lambda text: text.replace('"fields": [', '"fields": ["name", ', 1),
    lambda text: text.rstrip()[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}",
], ids=["truncated", "changes-not-list", "fingerprint-entry", "unknown-kind", "field-not-object", "nested"])
def test_a_damaged_plan_file_is_one_error_line(damage, runner, write_spec, tmp_path):
    _, plan_file = _saved(runner, write_spec, tmp_path, statuses_spec(2))
    text = damage(plan_file.read_text(encoding="utf-8"))
    try:
        body = json.loads(text)
        body["checksum"] = savedplan._checksum(body)  # damage that kept the JSON readable: a valid checksum
        text = json.dumps(body)
    except (ValueError, RecursionError):
        pass
    plan_file.write_text(text, encoding="utf-8")
    result = invoke(runner, "apply", plan_file, "--yes")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Error: {plan_file}"), result.stderr
