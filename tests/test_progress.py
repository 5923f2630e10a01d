"""Progress on stderr while applying (only on a terminal) and the final applied/failed/skipped table."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from rich.console import Console

from crmdeploy.apply import ApplyReport, Outcome, Status
from crmdeploy.plan import Action, Change
from crmdeploy.progress import bar, meter
from crmdeploy.render import report_text
from .safe_helpers import crm_target, invoke, statuses_spec

from .conftest import ROOT


def _outcome(kind: str, key: str, status: Status, message: str = "") -> Outcome:
    return Outcome(Change(kind, key, Action.CREATE), status, message)


def test_the_bar_draws_on_a_terminal():
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=100)
    with bar(2, console) as tick:
        tick(_outcome("statuses", "a", Status.APPLIED))
        tick(_outcome("statuses", "b", Status.FAILED))
    assert "Applying" in sink.getvalue() and "2/2" in sink.getvalue()


def test_off_a_terminal_a_line_every_few_seconds_and_none_for_quick_work():
    sink, lines, now = io.StringIO(), io.StringIO(), [0.0]
    with bar(4, Console(file=sink, force_terminal=False), stream=lines, clock=lambda: now[0]) as tick:
        tick(_outcome("statuses", "a", Status.APPLIED))        # 0 s: too soon for a line
        now[0] = 6.0
        tick(_outcome("statuses", "b", Status.APPLIED))        # 6 s: one line
        now[0] = 7.0
        tick(_outcome("statuses", "c", Status.APPLIED))        # 1 s after it: none
        now[0] = 12.0
        tick(_outcome("statuses", "d", Status.APPLIED))
    assert sink.getvalue() == ""
    assert lines.getvalue() == "Applying: 2/4 (6 s)\nApplying: 4/4 (12 s)\n"


def test_no_progress_at_all_when_turned_off():
    sink, lines = io.StringIO(), io.StringIO()
    with meter("Reading", 3, Console(file=sink, force_terminal=True), enabled=False, stream=lines,
               every=0) as step:
        step("statuses")
    assert sink.getvalue() == lines.getvalue() == ""


def test_apply_without_a_terminal_has_no_bar_on_stderr(runner, write_spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke(runner, "apply", write_spec(statuses_spec(2)), "--target", crm_target(tmp_path), "--yes")
    assert "Applying" not in result.stderr and "\x1b[" not in result.stderr


def test_the_final_table_counts_applied_failed_skipped_per_kind():
    report = ApplyReport([_outcome("status_groups", "g", Status.APPLIED),
                          _outcome("statuses", "a", Status.FAILED, "400 bad"),
                          _outcome("statuses", "b", Status.SKIPPED, "depends on statuses.a"),
                          _outcome("statuses", "c", Status.APPLIED)])
    assert report_text(report) == (
        "  kind           applied   failed  skipped\n"
        "  status_groups        1        0        0\n"
        "  statuses             1        1        1\n"
        "  ----------------------------------------\n"
        "  total                2        1        1\n"
        "\n"
        "  failed   statuses.a: 400 bad\n"
        "  skipped  statuses.b: depends on statuses.a\n"
        "Apply complete: 2 applied, 1 failed, 1 skipped.\n")


def test_an_empty_report_has_no_table():
    assert report_text(ApplyReport()) == "Apply complete: 0 applied, 0 failed, 0 skipped.\n"


def test_the_cli_module_does_not_import_rich_or_the_deploy_machinery():
    """`crmdeploy --help` must start fast: rich and the safe-deploy modules load inside the commands."""
    # What typer itself loads (some releases import rich at once) is typer's business: measured first.
    code = ("import sys, typer; before = set(sys.modules); import crmdeploy.cli; "
            "print(sorted(m for m in ('rich', 'crmdeploy.deploy') if m in set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_plan_off_a_terminal_never_imports_rich(tmp_path):
    """Progress off a terminal is plain lines: rich (slow to import) loads only to draw a bar."""
    code = ("import sys; from crmdeploy.cli import main; sys.argv = ['crmdeploy', '-q', 'plan', %r, '-t', 'mock://']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\nprint('rich' in sys.modules, file=sys.stderr)"
            % str(ROOT / "specs/minimal.yaml"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.stderr.strip().splitlines()[-1] == "False", out.stderr


def test_a_long_apply_off_a_terminal_shows_progress_lines_and_q_silences_them(
        runner, write_spec, start_emulator, http_env, monkeypatch):
    """Through the CLI against a server that takes 20 ms a request: 31 writes take over 0.6 s,
    so with a line every 0.1 s the CI log shows some (how many depends on the machine)."""
    monkeypatch.setenv("CRMDEPLOY_PROGRESS_SECONDS", "0.1")
    spec = write_spec(statuses_spec(30))
    loud = invoke(runner, "apply", spec, "--target", start_emulator(latency_ms=20).url, "--yes")
    assert loud.exit_code == 0, loud.output
    lines = [line for line in loud.stderr.splitlines() if line.startswith("Applying: ")]
    assert lines and all(re.fullmatch(r"Applying: \d+/31 \(\d+ s\)", line) for line in lines)
    assert "\x1b[" not in loud.stderr
    quiet = invoke(runner, "-q", "apply", spec, "--target", start_emulator(latency_ms=20).url, "--yes")
    assert quiet.exit_code == 0 and "Applying: " not in quiet.stderr


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf", "nan"])
def test_a_bad_progress_interval_is_a_usage_error(value, runner, write_spec, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_PROGRESS_SECONDS", value)
    result = invoke(runner, "apply", write_spec(statuses_spec(2)), "--target", crm_target(tmp_path), "--yes")
    assert result.exit_code == 64
    assert "CRMDEPLOY_PROGRESS_SECONDS=" in result.stderr and "is not a number of seconds above 0" in result.stderr
    assert "Traceback" not in result.output
