"""Applies that die or collide: a real `crmdeploy apply` process against an emulator in this one.

The emulator holds every write after the K-th (a `Gate`), so the test knows exactly what the
process got done before it is SIGKILLed or before a second apply tries its luck.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmdeploy.loader import load

from .conftest import ROOT, SHOP, locks_left
from .fault_helpers import Gate, assert_spec_in_store, created_per_key, spec_keys
from .safe_helpers import invoke, journal_lines

TOTAL = 113  # resources in shop.yaml, all created by the first apply
JOURNAL = Path(".crmdeploy/journal.jsonl")


def start_apply(url: str, cwd: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the key, pacing off and the secrets come from the fixtures
    return subprocess.Popen([sys.executable, "-m", "crmdeploy", "apply", str(SHOP), "--target", url, "--yes", *extra],
                            cwd=cwd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal() -> None:
    """A test run in the background inherits an ignored SIGINT; an apply started by a person does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(check, what: str, limit: float = 60.0) -> None:
    """Poll until `check()`; the limit only stops a broken test from hanging."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened")
        time.sleep(0.01)


def requests_seen(server) -> dict[str, int]:
    return server.emulator.stats()["requests"]


@pytest.mark.parametrize("k", [1, 37, 112])
def test_an_apply_killed_after_k_writes_leaves_a_stale_lock_a_journal_and_a_crm_the_next_apply_finishes(
        k, start_emulator, runner, secrets_env, http_env, tmp_path):
    server = start_emulator()
    store, gate = server.emulator.store, Gate(k, refuse=True)
    server.emulator.on_write = gate
    process = start_apply(server.url, tmp_path)
    try:
        assert gate.reached.wait(60), process.stderr.read() if process.poll() is not None else "no write held"
        wait_for(lambda: len(journal_lines(JOURNAL)) >= k, f"{k} journal lines")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        gate.open()
    dead = journal_lines(JOURNAL)

    # What happened before the kill: exactly k writes, each in the journal as applied.
    assert process.returncode == -signal.SIGKILL
    assert store.writes == k and len(dead) == k
    assert {(e["kind"], e["key"]) for e in dead} == set(created_per_key(store))
    assert {e["result"] for e in dead} == {"applied"}

    # The dead process's lock is reported as stale, and nothing is read or written past it.
    seen = requests_seen(server)
    stale = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")
    assert stale.exit_code == 1
    assert f"stale lock on {server.url}: pid {process.pid} on host {socket.gethostname()}" in stale.stderr
    assert "is no longer running; run again with --force-unlock" in stale.stderr
    assert requests_seen(server) == seen

    # --force-unlock clears it, and the apply does the rest: each resource created once in all.
    server.emulator.on_write = None
    recovered = invoke(runner, "apply", SHOP, "--target", server.url, "--yes", "--force-unlock")
    assert recovered.exit_code == 0, recovered.output
    assert f"Apply complete: {TOTAL - k} applied, 0 failed, 0 skipped." in recovered.stdout
    spec = load(SHOP).spec
    assert_spec_in_store(store, spec)
    assert created_per_key(store) == {key: 1 for key in spec_keys(spec)} and store.writes == TOTAL
    lines = journal_lines(JOURNAL)
    assert lines[:k] == dead and len(lines) == TOTAL
    assert {(e["kind"], e["key"]) for e in lines} == spec_keys(spec)
    assert not locks_left()
    assert invoke(runner, "plan", SHOP, "--target", server.url).stdout == \
        f"No changes. {server.url} matches the spec.\n"


def test_two_applies_at_once_one_proceeds_the_other_fails_at_once_and_the_crm_ends_correct(
        start_emulator, runner, secrets_env, http_env, tmp_path):
    server = start_emulator()
    store, gate = server.emulator.store, Gate(20)
    server.emulator.on_write = gate
    # One write at a time, so no write of the first apply is still arriving while the second runs.
    first = start_apply(server.url, tmp_path, "--parallelism", "1")
    try:
        assert gate.reached.wait(60), "the first apply never reached its 21st write"
        seen = requests_seen(server)

        second = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")

        assert second.exit_code == 1
        assert f"another apply to {server.url} is running: pid {first.pid} on host {socket.gethostname()}" \
            in second.stderr
        assert requests_seen(server) == seen  # it failed before touching the CRM
        gate.open()
        out, err = first.communicate(timeout=120)
    finally:
        gate.open()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, err
    assert f"Apply complete: {TOTAL} applied, 0 failed, 0 skipped." in out
    spec = load(SHOP).spec
    assert_spec_in_store(store, spec)
    assert created_per_key(store) == {key: 1 for key in spec_keys(spec)}
    assert not locks_left()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_apply_says_so_releases_its_lock_and_the_next_apply_finishes(
        signum, start_emulator, runner, secrets_env, http_env, tmp_path):
    server = start_emulator()
    store, gate = server.emulator.store, Gate(50, refuse=True)
    server.emulator.on_write = gate
    process = start_apply(server.url, tmp_path)
    try:
        assert gate.reached.wait(60), "the apply never reached its 51st write"
        process.send_signal(signum)  # Ctrl-C, or a cancelled CI job, while a write is on the wire
        out, err = process.communicate(timeout=60)
    finally:
        gate.open()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130 and err.endswith("Interrupted.\n"), err
    assert "Traceback" not in err
    assert not locks_left()  # released on the way out
    assert store.writes == 50 and len(journal_lines(JOURNAL)) == 50

    server.emulator.on_write = None
    again = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")  # no --force-unlock needed
    assert again.exit_code == 0, again.output
    assert f"Apply complete: {TOTAL - 50} applied, 0 failed, 0 skipped." in again.stdout
    assert created_per_key(store) == {key: 1 for key in spec_keys(load(SHOP).spec)}
