"""Every exit code of the table in crmdeploy/errors.py, as a user meets it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from crmdeploy.cli import app
from crmdeploy.errors import (
    EXIT_CHANGES,
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
)

from .conftest import ROOT

MINIMAL = str(ROOT / "specs/minimal.yaml")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


@pytest.mark.parametrize("args", [
    ["plan", MINIMAL, "--no-such-flag"],         # unknown option
    ["plan"],                                    # missing argument
    ["apply"],
    ["xlsx", "export", MINIMAL],                 # missing required option, in a sub-group
    ["no-such-command"],
    ["--no-such-global-flag", "plan", MINIMAL],
    ["plan", MINIMAL, "--format", "yaml"],       # a value out of its choices
    ["plan", MINIMAL, "--parallelism", "0"],     # a value out of its range
])
def test_usage_errors_exit_64_never_2(cli, args) -> None:
    result = cli(*args)
    assert result.exit_code == EXIT_USAGE == 64, result.output
    assert "Traceback" not in result.output


def test_detailed_exitcode_0_2_then_1_and_3(cli, tmp_path) -> None:
    target = f"mock://{tmp_path / 'crm.json'}"
    assert cli("plan", MINIMAL, "-t", target, "--detailed-exitcode").exit_code == EXIT_CHANGES == 2
    assert cli("apply", MINIMAL, "-t", target, "--yes").exit_code == EXIT_OK
    assert cli("plan", MINIMAL, "-t", target, "--detailed-exitcode").exit_code == EXIT_OK
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nstatus_groups: [{code: a}]\n")
    assert cli("plan", str(bad), "-t", target).exit_code == EXIT_ERROR == 1


def test_refused_is_3(cli, tmp_path) -> None:
    target = f"mock://{tmp_path / 'crm.json'}"
    spec = tmp_path / "groups.yaml"
    spec.write_text("version: 1\nstatus_groups:\n" + "".join(
        f"  - {{code: g{i}, name: G{i}, ordering: {i}}}\n" for i in range(10)))
    assert cli("apply", str(spec), "-t", target, "--yes").exit_code == EXIT_OK
    spec.write_text("version: 1\nstatus_groups:\n" + "".join(
        f"  - {{code: g{i}, name: Renamed {i}, ordering: {i}}}\n" for i in range(10)))
    result = cli("plan", str(spec), "-t", target)
    assert result.exit_code == EXIT_REFUSED == 3, result.output


def test_the_table_is_in_help_and_the_readme(cli) -> None:
    result = cli("--help")
    assert result.exit_code == EXIT_OK
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code, meaning in EXIT_CODES.items():
        assert f"{code:>5}  {meaning}" in result.output
        assert f"| {code} |" in readme


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_interrupted_is_130(tmp_path) -> None:
    """A real process given SIGINT while it waits for confirmation on a terminal-less stdin."""
    code = ("import sys, time, crmdeploy.commands._common as c\n"
            "def wait(*a, **k):\n    print('ready', flush=True); time.sleep(30)\n"
            "c.confirm = wait\n"
            "from crmdeploy.commands import apply as a\na.confirm = wait\n"
            "from crmdeploy.cli import main\n"
            f"sys.argv = ['crmdeploy', 'apply', {MINIMAL!r}, '-t', 'mock://']\nmain()\n")
    # A suite started in the background inherits SIGINT ignored; a terminal's Ctrl-C is not.
    process = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for line in process.stdout:
        if line.strip() == "ready":
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == EXIT_INTERRUPTED == 130
    assert "Interrupted." in err and "Traceback" not in err
