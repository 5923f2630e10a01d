"""The mock state file is durable: every acknowledged write is on disk before the journal has it.

A real `crmdeploy apply` on the default target killed with SIGKILL at random write points; a
full disk or a read-only folder at a write or at compaction; a symlinked state file; a log a
dead process left half written or already compacted; damaged state files.
"""

from __future__ import annotations

import errno
import json
import random
from pathlib import Path

import pytest

from adapters import durable
from adapters.mock import MockAdapter
from adapters.store import Store
from benchmarks.crashes import check_point, ok, write_spec
from benchmarks.generate import counts
from crmdeploy.kinds import BY_NAME
from crmdeploy.spec.pipeline import StatusGroup

from .safe_helpers import invoke, statuses_spec

SIZE = 200


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec"), SIZE)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_apply_killed_at_a_random_write_loses_nothing_the_journal_calls_applied(seed, generated, tmp_path):
    total = sum(counts(SIZE).values())
    k = random.Random(seed).randrange(1, total)
    point = check_point(tmp_path, generated, k, total)
    # Before the fix no state file existed until the command ended: all k lost, and created twice.
    assert point["lost"] == 0, point
    assert point["in_flight"] <= 1, point
    assert point["recovery_exit"] == 0, point
    assert point["recovery_writes"] == point["rest"], point
    assert point["created_twice"] == 0 and point["converged"], point
    assert ok(point)


def _group(code: str) -> StatusGroup:
    return StatusGroup(code=code, name=f"Group {code}")


def test_a_write_is_on_disk_when_it_returns_without_close(tmp_path):
    state = tmp_path / "crm.json"
    adapter = MockAdapter(Store(state), f"mock://{state}")
    adapter.create(BY_NAME["status_groups"], _group("a"))
    adapter.create(BY_NAME["status_groups"], _group("b"))
    # No close(): the process could die here. A fresh reader sees both writes.
    assert set(Store(state).resources["status_groups"]) == {"a", "b"}
    adapter.close()
    assert not durable.log_path(state).exists()
    assert set(json.loads(state.read_text())["resources"]["status_groups"]) == {"a", "b"}


def test_a_torn_last_log_line_is_the_write_in_flight_and_is_dropped(tmp_path):
    state = tmp_path / "crm.json"
    store = Store(state)
    store.put("status_groups", "a", {"code": "a", "name": "A"})
    with durable.log_path(state).open("ab") as log:
        log.write(b'{"kind": "status_groups", "key": "b", "rec')  # the process died mid-line
    again = Store(state)
    assert set(again.resources["status_groups"]) == {"a"}
    again.put("status_groups", "c", {"code": "c", "name": "C"})  # appends on a line of its own
    assert set(Store(state).resources["status_groups"]) == {"a", "c"}


def test_a_log_already_compacted_is_not_replayed_twice(tmp_path):
    state = tmp_path / "crm.json"
    store = Store(state)
    store.put("status_groups", "a", {"code": "a", "name": "A"})
    stale = durable.log_path(state).read_bytes()
    store.save()
    durable.log_path(state).write_bytes(stale)  # a crash between the rename and the log's removal
    again = Store(state)
    assert again.writes == 1
    again.put("status_groups", "b", {"code": "b", "name": "B"})
    assert Store(state).writes == 2


def _disk_full_after(monkeypatch, calls: int, code: int = errno.ENOSPC) -> None:
    real_write, seen = durable._write, [0]

    def write(fd, data):
        seen[0] += 1
        if seen[0] > calls:
            raise OSError(code, {errno.ENOSPC: "No space left on device", errno.EROFS: "Read-only file system"}[code])
        return real_write(fd, data)

    monkeypatch.setattr(durable, "_write", write)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_disk_at_a_write_is_one_clear_error_and_keeps_what_was_acknowledged(
        code, runner, write_spec, tmp_path, monkeypatch):
    state = tmp_path / "crm.json"
    spec = write_spec(statuses_spec(5))
    assert invoke(runner, "apply", spec, "-t", f"mock://{state}", "--yes", "--only", "status_groups").exit_code == 0
    before = state.read_bytes()
    _disk_full_after(monkeypatch, 3)  # the log's first line and two statuses, then the disk is full
    result = invoke(runner, "apply", spec, "-t", f"mock://{state}", "--yes")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and ("No space left" in errors[0] or "Read-only" in errors[0]), result.stderr
    assert "Traceback" not in result.stderr
    assert state.read_bytes() == before            # not compacted on a failing disk
    assert _leftovers(tmp_path) == []
    monkeypatch.setattr(durable, "_write", durable.os.write)
    assert set(Store(state).resources["statuses"]) == {"s00", "s01"}   # what was acknowledged
    journal = [json.loads(x) for x in Path(".crmdeploy/journal.jsonl").read_text().splitlines()]
    assert [e["key"] for e in journal if e["kind"] == "statuses"] == ["s00", "s01"]
    assert invoke(runner, "apply", spec, "-t", f"mock://{state}", "--yes").exit_code == 0
    assert set(Store(state).resources["statuses"]) == {f"s{i:02d}" for i in range(5)}


def test_a_full_disk_at_compaction_leaves_the_state_and_no_temp_file(tmp_path, monkeypatch):
    state = tmp_path / "crm.json"
    store = Store(state)
    store.put("status_groups", "a", {"code": "a", "name": "A"})
    store.save()
    before = state.read_bytes()
    store.put("status_groups", "b", {"code": "b", "name": "B"})
    monkeypatch.setattr(durable, "_fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(durable.StorageError, match="No space left on device"):
        store.save()
    monkeypatch.undo()
    assert state.read_bytes() == before and _leftovers(tmp_path) == []
    assert set(Store(state).resources["status_groups"]) == {"a", "b"}   # still in the log


def test_a_symlinked_state_file_stays_a_symlink(runner, write_spec, tmp_path):
    real = tmp_path / "real" / "crm.json"
    real.parent.mkdir()
    link = tmp_path / "crm.json"
    link.symlink_to(real)
    spec = write_spec(statuses_spec(3))
    assert invoke(runner, "apply", spec, "-t", f"mock://{link}", "--yes").exit_code == 0
    assert link.is_symlink() and link.resolve() == real
    assert set(json.loads(real.read_text())["resources"]["statuses"]) == {"s00", "s01", "s02"}
    assert invoke(runner, "plan", spec, "-t", f"mock://{link}", "--detailed-exitcode").exit_code == 0


@pytest.mark.parametrize("damage", [
    lambda good: good[: len(good) // 2],                                   # truncated
    lambda good: "not json at all",
    lambda good: json.dumps({"format": "crmdeploy-mock", "version": 1, "resources": ["x"]}),
    lambda good: json.dumps({"format": "crmdeploy-mock", "version": 1, "resources": {"statuses": {"a": 1}}}),
    lambda good: json.dumps({"format": "crmdeploy-mock", "version": 1, "resources": {}, "writes": "many"}),
    lambda good: "[" * 100_000 + "]" * 100_000,                            # 100,000 levels
    lambda good: '{"format": "crmdeploy-mock", "version": 1, "usage": ' + "[" * 100_000 + "]" * 100_000 + "}",
], ids=["truncated", "not-json", "resources-list", "record-not-object", "writes-not-number", "nested", "nested-inside"])
def test_a_damaged_state_file_is_one_error_line(damage, runner, write_spec, tmp_path):
    state = tmp_path / "crm.json"
    spec = write_spec(statuses_spec(2))
    assert invoke(runner, "apply", spec, "-t", f"mock://{state}", "--yes").exit_code == 0
    state.write_text(damage(state.read_text()), encoding="utf-8")
    result = invoke(runner, "plan", spec, "-t", f"mock://{state}")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Error: {state}"), result.stderr


def test_a_damaged_write_log_is_one_error_line(runner, write_spec, tmp_path):
    state = tmp_path / "crm.json"
    spec = write_spec(statuses_spec(2))
    store = Store(state)
    store.put("status_groups", "work", {"code": "work", "name": "Work"})
    durable.log_path(state).write_bytes(durable.log_path(state).read_bytes() + b"garbage\n{}\n")
    result = invoke(runner, "plan", spec, "-t", f"mock://{state}")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and "write-log" in result.stderr, result.stderr
