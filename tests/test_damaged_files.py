"""Damaged local files and settings are one error line each, never a traceback or a half-done apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.retailcrm import config

from .safe_helpers import crm_target, invoke, statuses_spec, store_of


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("Target:", "Snapshot of"))]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_a_key_file_with_a_byte_order_mark_gives_the_key_without_it(tmp_path):
    path = tmp_path / "key"
    path.write_bytes("\ufeffabc123XYZ\r\n".encode("utf-8"))
    assert config.api_key(path) == "abc123XYZ"


@pytest.mark.parametrize("content", [b"first-key\nsecond-key\n", b"key with spaces\n", "ключ\n".encode(),
                                     b"\xff\xfe\x00k"])
def test_a_key_file_that_is_not_one_key_is_one_error_line(content, runner, write_spec, tmp_path):
    path = tmp_path / "key"
    path.write_bytes(content)
    result = invoke(runner, "plan", write_spec(statuses_spec(1)), "-t", "http://127.0.0.1:9", "--api-key-file", path)
    line = _one_error_line(result)
    assert "API key" in line
    for secret in (b"first-key", b"second-key", "ключ".encode()):
        assert secret.decode() not in result.output


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "0", "-5"])
def test_an_unusable_timeout_is_one_error_line(value, runner, write_spec, monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "k" * 32)
    monkeypatch.setenv("CRMDEPLOY_TIMEOUT", value)
    line = _one_error_line(invoke(runner, "plan", write_spec(statuses_spec(1)), "-t", "http://127.0.0.1:9"))
    assert "timeout" in line


@pytest.mark.parametrize("value", ["inf", "nan", "-1"])
def test_an_unusable_rate_limit_is_one_error_line(value, runner, write_spec, monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "k" * 32)
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", value)
    line = _one_error_line(invoke(runner, "plan", write_spec(statuses_spec(1)), "-t", "http://127.0.0.1:9"))
    assert "CRMDEPLOY_RATE_LIMIT" in line


def test_a_journal_whose_last_line_was_torn_gets_whole_lines_after_it(runner, write_spec, tmp_path):
    journal = Path(".crmdeploy/journal.jsonl")
    journal.parent.mkdir()
    journal.write_text('{"time": "2024-01-01", "kind": "statu', encoding="utf-8")  # a process died mid-line
    assert invoke(runner, "apply", write_spec(statuses_spec(2)), "-t", crm_target(tmp_path), "--yes").exit_code == 0
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith('"statu')
    assert [json.loads(line)["key"] for line in lines[1:]] == ["work", "s00", "s01"]


def test_a_journal_that_cannot_be_written_stops_apply_before_any_write(runner, write_spec, tmp_path):
    Path("journal-dir").mkdir()
    target = crm_target(tmp_path)
    result = invoke(runner, "apply", write_spec(statuses_spec(2)), "-t", target, "--yes", "--journal", "journal-dir")
    assert "journal" in _one_error_line(result)
    assert store_of(target).writes == 0
