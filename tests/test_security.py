"""Security: no secret and no API key in anything crmdeploy produces; the key goes only, and only
encrypted, to the host named; the emulator listens on loopback and wants the key on every request."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from adapters.emulator import Emulator, EmulatorServer, Request, Settings, routes
from adapters.emulator.resources import Fail
from adapters.retailcrm import config
from adapters.store import Store
from crmdeploy.cli import app
from crmdeploy.loader import load
from crmdeploy.secrets import Sensitive

from .conftest import ROOT, SHOP
from .hostile_server import Canned, hostile

ROTATED = "cdek-pass-rotated-55e0a1"   # a second value of a secret, set half-way through
WRONG_KEY = "wrong-key-9d3f7b2c"


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "crmdeploy", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120)


def produced_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under `root`, and every member of every zip (a workbook is one), as bytes."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield str(path), data
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield f"{path}!{name}", archive.read(name)


def echo_secrets_back(request: Request) -> None:
    """A server that quotes what it was sent in its error: the worst case for a secret."""
    if "crmdeploy/integrations" in request.path:
        raise Fail(400, "Errors in the entity format", {"credentials": f"not accepted: {request.form}"})


class Outputs:
    """Everything the commands of one test printed, with the exit codes they ended with."""

    def __init__(self, runner):
        self.runner, self.texts, self.codes = runner, [], []

    def __call__(self, *args: object, code: int = 0):
        result = self.runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        self.texts.append(result.stdout + result.stderr)
        assert result.exit_code == code, (args, result.output)
        return result


def test_every_command_keeps_every_secret_and_the_key_out_of_every_byte_it_produces(
        runner, secrets_env, http_env, start_emulator, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    known = [*secrets_env.values(), ROTATED, http_env, WRONG_KEY]
    server = start_emulator(Store(tmp_path / "emulator-state.json"))
    fresh = start_emulator()
    url, run = server.url, Outputs(runner)

    run("validate", SHOP)
    for fmt in ("text", "json", "markdown"):
        run("plan", SHOP, "--target", url, "--format", fmt)
    run("plan", SHOP, "--target", url, "--out", "plan.json")
    run("apply", "plan.json", "--yes")
    monkeypatch.setenv("CDEK_PASSWORD", ROTATED)  # a rotated secret: an update that sends the new one
    rotated = run("plan", SHOP, "--target", url)
    assert "~ integrations.cdek" in rotated.stdout and "(sensitive)" in rotated.stdout
    run("apply", SHOP, "--target", url, "--yes")
    run("apply", SHOP, "--target", f"mock://{tmp_path / 'mock-state.json'}", "--yes")
    run("export", "--target", url)
    run("export", "--target", url, "--output", "exported-folder")
    run("export", "--target", url, "--output", "exported.yaml")
    run("xlsx", "export", SHOP, "--output", "shop.xlsx")
    run("xlsx", "import", "shop.xlsx", "--output", "imported.yaml")
    run("schema")
    run("graph", SHOP)
    run("graph", SHOP, "--format", "dot")
    for command in ([], ["plan"], ["apply"], ["export"], ["mock-server"], ["xlsx", "export"]):
        run(*command, "--help")
    # Error paths: a server quoting the secrets back, a wrong key.
    fresh.emulator.on_write = echo_secrets_back
    quoted = run("apply", SHOP, "--target", fresh.url, "--yes", code=1)
    assert "integrations.cdek: 400 Errors in the entity format: credentials: not accepted:" in quoted.stdout
    assert "(sensitive)" in quoted.stdout
    monkeypatch.setenv("CRMDEPLOY_API_KEY", WRONG_KEY)
    for command in (["plan", SHOP], ["apply", SHOP, "--yes"], ["export"]):
        run(*command, "--target", url, code=1)
    monkeypatch.setenv("CRMDEPLOY_API_KEY", http_env)

    # The same in real processes, with debug logs on, and the emulator's own start-up line.
    env = {"CDEK_PASSWORD": ROTATED}
    debug = [run_cli("-vv", "apply", str(SHOP), "--target", start_emulator().url, "--yes", cwd=tmp_path, env=env),
             run_cli("-vv", "plan", str(SHOP), "--target", url, cwd=tmp_path, env=env),
             run_cli("-vv", "export", "--target", url, cwd=tmp_path, env=env),
             run_cli("-vv", "plan", str(SHOP), "--target", url, cwd=tmp_path, env={"CRMDEPLOY_API_KEY": WRONG_KEY})]
    assert [r.returncode for r in debug] == [0, 0, 0, 1]
    assert "DEBUG: POST /api/v5/crmdeploy/integrations/cdek/edit -> 201" in debug[0].stderr
    started = mock_server_start_line(http_env, tmp_path)

    # Secrets were really used: the CRM holds the rotated one, the files hold placeholders.
    stored = server.emulator.store.get("integrations", "cdek")["credentials"]["secure_password"]
    assert stored == Sensitive(ROTATED)
    assert "${env:CDEK_PASSWORD}" in (tmp_path / "plan.json").read_text(encoding="utf-8")
    texts = [*run.texts, caplog.text, *(r.stdout + r.stderr for r in debug), started]
    blobs = [("output", t.encode()) for t in texts] + list(produced_files(tmp_path))
    assert {name for name, _ in blobs} >= {str(tmp_path / n) for n in (
        "plan.json", "exported.yaml", "shop.xlsx", "imported.yaml", "mock-state.json", "emulator-state.json",
        ".crmdeploy/journal.jsonl")}
    assert list(tmp_path.glob(".crmdeploy/snapshots/*")) and list(tmp_path.glob("exported-folder/*.yaml"))
    leaks = [(name, secret) for name, data in blobs for secret in known if secret.encode() in data]
    assert leaks == []


def mock_server_start_line(api_key: str, cwd: Path) -> str:
    server = subprocess.Popen([sys.executable, "-m", "crmdeploy", "-vv", "mock-server", "--port", "0"],
                              cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT), "CRMDEPLOY_API_KEY": api_key},
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = server.stdout.readline()
        url = line.split(" on ")[1].split()[0]
        assert requests.get(url + "/api/v5/reference/statuses", headers={"X-API-KEY": api_key},
                            timeout=5).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=10)
    assert url.startswith("http://127.0.0.1:")  # loopback unless told otherwise
    return line + out + err


# --- the key goes only to the host named, and only encrypted ---------------------------------------

@pytest.mark.parametrize("url", ["http://demo.retailcrm.ru", "http://10.0.0.5:8765", "http://localhost.evil.example",
                                 "http://0.0.0.0:8765"])
def test_plain_http_to_a_host_that_is_not_loopback_is_refused_before_connecting(runner, http_env, monkeypatch, url):
    monkeypatch.setattr(requests.Session, "request", lambda *a, **k: pytest.fail("a connection was attempted"))
    result = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", url])
    assert result.exit_code == 1
    assert "Error: refusing plain http to" in result.stderr
    assert "the API key would travel unencrypted" in result.stderr


def test_plain_http_to_loopback_ignores_a_proxy_from_the_environment(runner, http_env, emulator, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")   # nothing listens there
    monkeypatch.setenv("NO_PROXY", "")
    result = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", emulator.url])
    assert result.exit_code == 0, result.output


def test_a_redirect_is_not_followed_so_the_key_never_reaches_the_other_host(runner, http_env, emulator):
    elsewhere = emulator.url + "/api/v5/reference/statuses"
    with hostile(http_env, {("GET", "/api/v5/reference/statuses"): Canned(302, b"", {"Location": elsewhere})}) \
            as redirecting:
        result = runner.invoke(app, ["plan", str(ROOT / "specs/minimal.yaml"), "--target", redirecting.url])
    assert result.exit_code == 1
    assert f"was redirected to {emulator.url}; crmdeploy does not follow redirects" in result.stderr
    assert emulator.emulator.stats()["requests"] == {"GET": 0, "POST": 0}


@pytest.fixture
def tls_emulator(api_key: str, tmp_path: Path):
    """The emulator over TLS, with a certificate of a CA nobody trusts unless told to."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key, rate_limit=0)))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server, "https" + server.url.removeprefix("http"), tmp_path / "ca.pem"
    server.stop()
    thread.join(timeout=5)


def test_tls_is_verified_and_turned_off_only_when_asked_and_then_with_a_warning(
        runner, http_env, tls_emulator, monkeypatch, caplog, tmp_path):
    server, url, ca = tls_emulator
    spec = str(ROOT / "specs/minimal.yaml")
    monkeypatch.setenv("CURL_CA_BUNDLE", "")  # an empty bundle variable must not turn checking off

    refused = runner.invoke(app, ["plan", spec, "--target", url])

    assert refused.exit_code == 1
    assert refused.stderr == f"Error: cannot reach {url} (TLS handshake failed)\n"
    assert server.emulator.stats()["requests"] == {"GET": 0, "POST": 0}  # the key was never sent

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))  # a CA the user trusts: checked, and accepted
    trusted = runner.invoke(app, ["plan", spec, "--target", url])
    assert trusted.exit_code == 0, trusted.output
    assert "verification is OFF" not in caplog.text

    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    for asked in (["--insecure"], ["--insecure"], []):
        if not asked:
            monkeypatch.setenv("CRMDEPLOY_INSECURE", "1")
        caplog.clear()
        insecure = runner.invoke(app, ["plan", spec, "--target", url, *asked])
        assert insecure.exit_code == 0, insecure.output
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == [config.INSECURE_WARNING]
    process = run_cli("plan", spec, "--target", url, "--insecure", cwd=tmp_path)  # on a real stderr too
    assert process.returncode == 0, process.stderr
    assert process.stderr.splitlines() == [f"WARNING: {config.INSECURE_WARNING}"]


# --- the emulator ------------------------------------------------------------------------------------

def test_the_emulator_listens_on_loopback_unless_told_otherwise(runner, api_key, monkeypatch):
    server = EmulatorServer(Emulator(Store(), Settings(api_key=api_key)))
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()
    option = next(p for p in typer_params("mock-server") if p.name == "host")
    assert option.default == "127.0.0.1"


def typer_params(command: str):
    import typer.main

    click_command = typer.main.get_command(app).commands[command]
    return click_command.params


def _concrete(template: str) -> str:
    return re.sub(r"\{\w+\}", "x", template)


def test_the_emulator_wants_the_key_on_every_request(start_emulator, api_key):
    server = start_emulator()
    paths = {(r.method, _concrete(r.template)) for r in routes.build(extensions=True)}
    paths |= {("GET", "/api/emulator/stats"), ("GET", "/nowhere"), ("POST", "/api/v5/nowhere/edit")}
    answers = []
    for method, path in sorted(paths):
        for headers, params in (({}, {}), ({"X-API-KEY": "x" + api_key}, {}), ({}, {"apiKey": api_key[:-1]})):
            answer = requests.request(method, server.url + path, headers=headers, params=params,
                                      data={"status": json.dumps({"name": "X"})}, timeout=5)
            answers.append((answer.status_code, answer.json()["errorMsg"]))
    assert len(answers) == 3 * len(paths) and len(paths) >= 40
    assert sorted(set(answers)) == [(403, '"apiKey" is missing.'), (403, 'Wrong "apiKey" value.')]
    assert server.emulator.store.writes == 0
