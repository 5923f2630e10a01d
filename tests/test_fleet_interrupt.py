"""Ctrl-C during `apply --all`: every target stops after the writes under way, each journals what
it wrote and releases its lock, the report shows every target, and the process exits 130 at once
(not when the slowest target would have finished). A real process, real signal, real servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from crmdeploy.cli import app

from .safe_helpers import statuses_spec

STATUSES = 60


def test_ctrl_c_during_apply_all_stops_every_target_soon_and_a_rerun_converges(
        tmp_path, start_emulator, api_key, runner, monkeypatch):
    servers = {name: start_emulator(latency_ms=60) for name in ("east", "west")}
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "pipeline.yaml").write_text(statuses_spec(STATUSES), encoding="utf-8")
    (tmp_path / "crmdeploy.yaml").write_text("targets:\n" + "".join(
        f"  {name}: {{url: '{server.url}', spec: [spec/], api_key_env: CRM_KEY}}\n"
        for name, server in servers.items()), encoding="utf-8")
    env = {**os.environ, "CRM_KEY": api_key, "CRMDEPLOY_RATE_LIMIT": "0", "CRMDEPLOY_STATE_HOME": str(tmp_path)}
    # A suite started in the background inherits SIGINT ignored; a terminal's Ctrl-C is not.
    process = subprocess.Popen([sys.executable, "-m", "crmdeploy", "apply", "--all", "--yes", "--parallelism", "1"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not all(s.emulator.store.writes >= 3 for s in servers.values()):
        assert process.poll() is None and time.monotonic() < deadline, "the applies never got going"
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = process.communicate(timeout=60)
    waited = time.monotonic() - sent
    written = {name: s.emulator.store.writes for name, s in servers.items()}

    assert process.returncode == 130, err
    assert "Traceback" not in err
    # each was stopped well short of its 61 writes (at 60 ms each, about 3.5 s of work left)
    assert all(3 <= n < STATUSES + 1 for n in written.values()), written
    assert waited < 3.0, f"took {waited:.1f} s to stop"
    assert "east    interrupted" in out and "west    interrupted" in out
    assert out.endswith("2 targets: 0 ok, 0 failed or refused, 2 interrupted.\n")
    assert "interrupted after" in err

    monkeypatch.setenv("CRM_KEY", api_key)
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "0")
    monkeypatch.setenv("CRMDEPLOY_STATE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    rerun = runner.invoke(app, ["apply", "--all", "--yes"])      # the locks were released
    assert rerun.exit_code == 0, rerun.output
    assert runner.invoke(app, ["plan", "--all", "--detailed-exitcode"]).exit_code == 0
    for server in servers.values():
        stats = server.emulator.stats()
        assert stats["duplicate_creates"] == 0 and server.emulator.store.writes == STATUSES + 1
