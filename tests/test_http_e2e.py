"""End to end over HTTP: the CLI against the emulator on an ephemeral port."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests
from .conftest import ROOT, SECRETS, SHOP

from crmdeploy.apply import Status, apply_plan
from crmdeploy.cli import app
from crmdeploy.kinds import KINDS
from crmdeploy.loader import load
from crmdeploy.run import make_plan


def assert_store_equals_spec(store) -> None:
    spec = load(SHOP).spec
    for kind in KINDS:
        want = {kind.key_of(r): kind.from_record(kind.record(r)) for r in spec.resources(kind.name)}
        have = {key: kind.model.model_validate(record) for key, record in
                ((kind.key_of(kind.model.model_validate(r)), r) for r in store.records(kind.name))}
        assert have == want, kind.name


def no_secret_in(text: str, key: str) -> None:
    assert key not in text
    for value in SECRETS.values():
        assert value not in text


def test_plan_apply_plan_converges_and_a_second_apply_sends_no_writes(
        runner, secrets_env, http_env: str, emulator) -> None:
    target = ["--target", emulator.url]
    first = runner.invoke(app, ["plan", str(SHOP), *target])
    assert first.exit_code == 0, first.output
    assert "Plan: 113 to create, 0 to update, 0 to deactivate, 0 manual." in first.stdout
    applied = runner.invoke(app, ["apply", str(SHOP), *target, "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 113 applied, 0 failed, 0 skipped." in applied.stdout
    again = runner.invoke(app, ["plan", str(SHOP), *target])
    assert again.stdout == f"No changes. {emulator.url} matches the spec.\n"
    posts = emulator.emulator.stats()["requests"]["POST"]
    writes = emulator.emulator.store.writes
    second = runner.invoke(app, ["apply", str(SHOP), *target, "--yes"])
    assert second.exit_code == 0 and "No changes." in second.stdout
    assert emulator.emulator.stats()["requests"]["POST"] == posts  # zero write requests reached the server
    assert emulator.emulator.store.writes == writes
    assert_store_equals_spec(emulator.emulator.store)
    for result in (first, applied, again, second):
        no_secret_in(result.output, http_env)


def test_apply_converges_with_a_fifth_of_requests_failing(
        start_emulator, connect, sleeps: list[float], secrets_env, caplog) -> None:
    server = start_emulator(fail_rate=0.2, drop_rate=0.05, seed=20)
    adapter = connect(server.url)
    loaded = load(SHOP)
    with caplog.at_level(logging.DEBUG):
        report = apply_plan(make_plan(loaded, adapter), adapter)
        assert [o.message for o in report.outcomes if o.status is not Status.APPLIED] == []
        assert not make_plan(loaded, adapter).has_changes
    assert server.emulator.stats()["faults"] > 10 and len(sleeps) >= server.emulator.stats()["faults"]
    assert_store_equals_spec(server.emulator.store)
    no_secret_in(caplog.text, adapter.transport.key)


def test_a_wrong_key_is_one_clear_line_and_exit_1(runner, secrets_env, emulator, monkeypatch) -> None:
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "wrong-key-4a7c")
    for command in (["plan", str(SHOP)], ["apply", str(SHOP), "--yes"]):
        result = runner.invoke(app, [*command, "--target", emulator.url])
        assert result.exit_code == 1
        assert result.output.splitlines() == [
            f'Error: {emulator.url}: 403 API key rejected or lacks permission (Wrong "apiKey" value.)']
        assert "wrong-key-4a7c" not in result.output


def test_the_key_can_come_from_a_file(runner, emulator, api_key: str, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("CRMDEPLOY_API_KEY", raising=False)
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "0")
    key_file = tmp_path / "retailcrm.key"
    key_file.write_text(api_key + "\n")
    result = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", emulator.url,
                                 "--api-key-file", str(key_file)])
    assert result.exit_code == 0, result.output
    assert "Plan: 4 to create" in result.stdout
    missing = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", emulator.url])
    assert missing.exit_code == 1 and "no API key: set CRMDEPLOY_API_KEY" in missing.output


def test_an_unreachable_target_is_one_line_naming_it(runner, http_env: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", f"http://127.0.0.1:{port}"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: cannot reach http://127.0.0.1:{port} (connection refused)"]


def test_on_a_real_account_those_kinds_are_manual_and_skipped(
        runner, secrets_env, http_env: str, start_emulator) -> None:
    server = start_emulator(extensions=False)
    spec = load(SHOP).spec
    planned = runner.invoke(app, ["plan", str(SHOP), "--target", server.url])
    assert "! status_groups.supplier-delivery (status group): create in the admin UI" in planned.stdout
    assert "! triggers.on-new (trigger): the target cannot read this" in planned.stdout
    assert "! integrations.cdek (integration)" in planned.stdout
    applied = runner.invoke(app, ["apply", str(SHOP), "--target", server.url, "--yes"])
    assert applied.exit_code == 0, applied.output
    assert "skipped  users.head@autoparts.example: manual: create in the admin UI" in applied.stdout
    assert ("skipped  statuses.supplier-ordered: blocked: waits for status_groups.supplier-delivery (manual)"
            in applied.stdout)
    groups = {r["code"] for r in server.emulator.store.records("status_groups")}
    assert groups == {"new", "approval", "assembling", "delivery", "complete", "cancel"}  # as every account starts
    assert len(server.emulator.store.records("payment_types")) == len(spec.resources("payment_types"))
    assert server.emulator.store.records("integrations") == []  # a credential went nowhere


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crmdeploy", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120)


def test_the_key_and_secrets_appear_in_no_output_even_with_debug_logs(secrets_env, http_env: str, emulator,
                                                                      tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outputs = [run_cli("-vv", "apply", str(SHOP), "--target", emulator.url, "--yes", env=env, cwd=tmp_path),
               run_cli("-vv", "plan", str(SHOP), "--target", emulator.url, env=env, cwd=tmp_path),
               run_cli("plan", str(SHOP), "--target", emulator.url, env={**env, "CRMDEPLOY_API_KEY": "bad" + http_env},
                       cwd=tmp_path)]
    assert [r.returncode for r in outputs] == [0, 0, 1]
    # statuses with `transitions` travel on the extension route, the other kinds on reference/*
    assert "DEBUG: POST /api/v5/crmdeploy/statuses/new/edit -> 201" in outputs[0].stderr
    assert "DEBUG: POST /api/v5/reference/payment-types/cash/edit -> 201" in outputs[0].stderr
    for result in outputs:
        no_secret_in(result.stdout + result.stderr, http_env)


def test_mock_server_prints_its_url_serves_and_stops_on_ctrl_c(api_key: str, tmp_path) -> None:
    state = tmp_path / "crm.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CRMDEPLOY_API_KEY": api_key}
    server = subprocess.Popen([sys.executable, "-m", "crmdeploy", "mock-server", "--port", "0", "--state", str(state)],
                              cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = server.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        answer = requests.post(url + "/api/v5/reference/payment-types/cash/edit", timeout=5,
                               headers={"X-API-KEY": api_key}, data={"paymentType": '{"name": "Cash"}'})
        assert answer.status_code == 201
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=10)
    assert server.returncode == 0, err
    assert out.strip() == "Stopped."
    assert '"cash"' in state.read_text(encoding="utf-8")


def test_mock_server_needs_a_key(runner, monkeypatch) -> None:
    monkeypatch.delenv("CRMDEPLOY_API_KEY", raising=False)
    result = runner.invoke(app, ["mock-server", "--port", "0"])
    assert result.exit_code == 1
    assert "needs a key for clients to send" in result.output
