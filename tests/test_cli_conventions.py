"""What people expect of a CLI: --version, shell completion, NO_COLOR, -q, and Python >= 3.11 said plainly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import crmdeploy
from crmdeploy.cli import app

from .conftest import ROOT

MINIMAL = str(ROOT / "specs/minimal.yaml")
CLI = [sys.executable, "-c", "from crmdeploy.cli import main; main()"]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, list(args), **kw)


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"crmdeploy {crmdeploy.__version__} (Python ")


def test_version_matches_the_installed_metadata() -> None:
    from importlib.metadata import version

    assert version("crmdeploy") == crmdeploy.__version__


def test_completion_is_offered_and_completes_commands_and_options(tmp_path) -> None:
    env = {**os.environ, "_CRMDEPLOY_COMPLETE": "complete_bash", "COMP_WORDS": "crmdeploy pl", "COMP_CWORD": "1"}
    words = subprocess.run(CLI, env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert words.stdout.split() == ["plan"], words.stderr
    env.update(COMP_WORDS=f"crmdeploy apply {MINIMAL} --for", COMP_CWORD="3")
    options = subprocess.run(CLI, env=env, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert set(options.stdout.split()) == {"--format", "--force", "--force-unlock"}
    # typer otherwise detects the shell from the process tree (under `sh`, e.g. scripts/newest, it
    # finds sh and refuses): its own switch makes the option take the shell named
    script = subprocess.run([*CLI, "--show-completion", "bash"], capture_output=True, text=True, cwd=tmp_path,
                            timeout=60, env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert "_CRMDEPLOY_COMPLETE" in script.stdout
    assert "--install-completion" in subprocess.run([*CLI, "--help"], capture_output=True, text=True).stdout


def _plan_on_a_terminal(tmp_path, **env: str) -> str:
    """`crmdeploy plan` with stdout on a pseudo-terminal: what a person at a terminal sees."""
    import pty

    code = ("import sys; from crmdeploy.cli import main; "
            f"sys.argv = ['crmdeploy', 'plan', {MINIMAL!r}, '-t', 'mock://']; main()")
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=follower, stderr=subprocess.DEVNULL,
                               cwd=tmp_path, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals")
def test_colour_on_a_terminal_but_not_with_no_color(tmp_path) -> None:
    assert "\x1b[" in _plan_on_a_terminal(tmp_path)
    plain = _plan_on_a_terminal(tmp_path, NO_COLOR="1")
    assert "\x1b[" not in plain and "Plan: 4 to create" in plain


def test_no_colour_when_piped(tmp_path) -> None:
    piped = subprocess.run([*CLI, "plan", MINIMAL, "-t", "mock://"], capture_output=True, text=True,
                           cwd=tmp_path, timeout=60, env={k: v for k, v in os.environ.items() if k != "NO_COLOR"})
    assert piped.returncode == 0 and "Plan: 4 to create" in piped.stdout
    assert "\x1b[" not in piped.stdout + piped.stderr


def test_quiet_drops_informational_lines_but_keeps_output_and_errors(cli, tmp_path) -> None:
    loud = cli("plan", MINIMAL)
    assert "Target: mock://.crmdeploy/mock.json (the default" in loud.stderr
    quiet = cli("-q", "plan", MINIMAL, "--out", str(tmp_path / "plan.json"))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout
    assert cli("--quiet", "apply", str(tmp_path / "plan.json")).stderr == ""
    failed = cli("-q", "plan", str(tmp_path / "missing.yaml"))
    assert failed.exit_code == 1 and failed.stderr.startswith("Error: ")


@pytest.mark.parametrize("old", [(3, 10, 12, "final", 0), (3, 8, 0, "final", 0), (2, 7, 18, "final", 0)])
def test_an_older_python_is_told_plainly(old) -> None:
    with pytest.raises(SystemExit) as info:
        crmdeploy.require_python(old)
    assert str(info.value) == (f"crmdeploy needs Python 3.11 or newer; this is Python {old[0]}.{old[1]}. "
                               "Make the venv with a newer one, e.g.: python3.11 -m venv .venv")


def test_the_running_python_passes_and_pyproject_agrees() -> None:
    crmdeploy.require_python((3, 11, 0, "final", 0))
    crmdeploy.require_python(sys.version_info)
    assert 'requires-python = ">=3.11"' in (ROOT / "pyproject.toml").read_text()
