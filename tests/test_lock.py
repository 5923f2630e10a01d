"""One apply at a time per target: the lock file, its holder, stale locks, --force-unlock."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from crmdeploy.errors import LockError
from crmdeploy.lock import Holder, acquire, hold, lock_path, read_holder, release
from .safe_helpers import crm_target, invoke, statuses_spec, store_of

from crmdeploy.registry import identity
from crmdeploy.statedir import lock_file

from .conftest import ROOT, locks_left


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped, so the pid names no process any more
    return child.pid


def _plant(target: str, pid: int, host: str | None = None) -> Path:
    path = lock_file(identity(target))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(),
                                "started": "2024-01-02T03:04:05+00:00", "target": target}), encoding="utf-8")
    return path


def test_the_lock_file_names_its_holder_and_no_secret(tmp_path):
    target = "https://shop.retailcrm.ru"
    with hold(target, directory=tmp_path) as me:
        holder = read_holder(lock_path(target, tmp_path))
        assert (holder.pid, holder.host, holder.target) == (os.getpid(), socket.gethostname(), target)
        assert lock_path(target, tmp_path).name == f"{lock_path(target, tmp_path).stem}.lock"
        assert target not in lock_path(target, tmp_path).name
    assert me.token and not lock_path(target, tmp_path).exists()


def test_a_second_acquire_fails_at_once_naming_the_holder(tmp_path):
    with hold("mock://x", directory=tmp_path) as me:
        with pytest.raises(LockError) as caught:
            acquire("mock://x", directory=tmp_path)
    assert f"another apply to mock://x is running: pid {me.pid} on host {me.host}, started {me.started}" \
        in str(caught.value)


def test_locks_are_per_target(tmp_path):
    with hold("mock://a", directory=tmp_path), hold("mock://b", directory=tmp_path):
        pass


def test_release_leaves_a_lock_that_is_no_longer_ours(tmp_path):
    me = acquire("mock://x", directory=tmp_path)
    path = lock_path("mock://x", tmp_path)
    path.write_text(json.dumps({**json.loads(path.read_text()), "token": "someone-else"}))
    release(me, tmp_path)
    assert path.exists()


def test_a_stale_lock_is_reported_and_force_unlock_clears_it(runner, write_spec, tmp_path, caplog):
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(1))
    pid = _dead_pid()
    path = _plant(target, pid)

    stale = invoke(runner, "apply", spec, "--target", target, "--yes")
    cleared = invoke(runner, "apply", spec, "--target", target, "--yes", "--force-unlock")

    assert stale.exit_code == 1
    assert f"stale lock on {target}: pid {pid} on host {socket.gethostname()}" in stale.stderr
    assert "no longer running; run again with --force-unlock" in stale.stderr
    assert cleared.exit_code == 0, cleared.output
    assert f"cleared the lock of pid {pid} on host" in caplog.text
    assert not path.exists() and store_of(target).has("statuses", "s00")


def test_force_unlock_will_not_clear_a_running_holder_on_this_host(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    _plant(target, os.getpid())
    result = invoke(runner, "apply", write_spec(statuses_spec(1)), "--target", target, "--yes", "--force-unlock")
    assert result.exit_code == 1
    assert "not clearing the lock" in result.stderr and "is still running" in result.stderr


def test_a_lock_of_another_host_is_held_not_stale(tmp_path):
    _plant("mock://x", _dead_pid(), host="elsewhere.example")
    with pytest.raises(LockError, match="another apply to mock://x is running: pid .* on host elsewhere.example"):
        acquire("mock://x", path=lock_file(identity("mock://x")))
    assert not Holder(1, "elsewhere.example", "", "mock://x").stale


def test_a_damaged_lock_file_is_reported(tmp_path):
    path = lock_path("mock://x", tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(LockError, match="is damaged or being written"):
        acquire("mock://x", directory=tmp_path)
    acquire("mock://x", directory=tmp_path, force_unlock=True)


def _read_until(fd: int, marker: bytes, limit: float = 60.0) -> bytes:
    """Read from `fd` until `marker` shows up; the limit only stops a broken test from hanging."""
    seen = b""
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], limit)
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            raise AssertionError(f"{marker!r} never came; got {seen.decode(errors='replace')}")
        seen += chunk
    return seen


def test_two_concurrent_applies_one_fails_at_once_and_the_crm_ends_correct(write_spec, tmp_path):
    """Real processes: the first holds the lock while it waits at its confirmation prompt."""
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(12))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "crmdeploy", "apply", str(spec), "--target", target]
    master, slave = pty.openpty()  # a terminal for stdin, so the first apply asks and waits
    first = subprocess.Popen(command, cwd=tmp_path, env=env, stdin=slave,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        _read_until(first.stdout.fileno(), b"Apply these changes")

        second = subprocess.run([*command, "--yes"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=120)

        assert second.returncode == 1
        assert f"another apply to {target} is running: pid {first.pid} on host {socket.gethostname()}" \
            in second.stderr
        assert not Path(target.removeprefix("mock://")).exists()  # the second one wrote nothing
        os.write(master, b"y\n")
        out, err = first.communicate(timeout=120)
    finally:
        os.close(master)
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err.decode()
    assert b"Apply complete: 13 applied, 0 failed, 0 skipped." in out
    store = store_of(target)
    assert store.writes == 13 and sorted(store.resources["statuses"]) == [f"s{i:02d}" for i in range(12)]
    assert not locks_left()  # released
