"""`crmdeploy --help` stays fast by importing neither pydantic nor YAML (they cost most of its
start-up); a command imports them when it runs. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def test_the_cli_module_and_help_import_neither_pydantic_nor_yaml():
    code = ("import sys\nfrom crmdeploy.cli import main\nsys.argv = ['crmdeploy', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('IMPORTED', *(m for m in ('pydantic', 'yaml', 'requests', 'rich', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    imported = out.stdout.splitlines()[-1].split()
    assert imported[0] == "IMPORTED" and set(imported[1:]) <= set(_imported_by_typer_help()), out.stdout[-300:]


def _imported_by_typer_help() -> list[str]:
    """What typer's own --help imports (older typers format help with rich): not ours to avoid."""
    code = ("import sys, typer\napp = typer.Typer()\n@app.command()\ndef hello(): pass\n"
            "@app.command()\ndef bye(): pass\nsys.argv = ['x', '--help']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print('IMPORTED', *(m for m in ('rich',) if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[-1].split()[1:]


def test_a_crmdeploy_process_ends_with_its_exit_code_and_all_its_output(tmp_path):
    """Run as its own process, crmdeploy ends with os._exit once its output is flushed (it does not
    free a large spec object by object): the exit code and every line of output must survive that."""
    state = tmp_path / "state.json"
    plan = subprocess.run([sys.executable, "-m", "crmdeploy", "plan", str(ROOT / "specs" / "shop.yaml"),
                           "-t", f"mock://{state}", "--detailed-exitcode"],
                          capture_output=True, text=True, cwd=ROOT)
    assert plan.returncode == 2, plan.stderr
    assert plan.stdout.rstrip().splitlines()[-1].startswith("Plan: 113 to create"), plan.stdout[-300:]
    missing = subprocess.run([sys.executable, "-m", "crmdeploy", "validate", str(tmp_path / "none.yaml")],
                             capture_output=True, text=True, cwd=ROOT)
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    usage = subprocess.run([sys.executable, "-m", "crmdeploy", "--no-such-option"], capture_output=True,
                           text=True, cwd=ROOT)
    assert usage.returncode == 64


def _imported_by(args: list[str], prefix: str = "crmdeploy.") -> set[str]:
    code = ("import sys\nfrom crmdeploy.cli import main\nsys.argv = ['crmdeploy', *%r]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('IMPORTED', *sorted(m for m in sys.modules if m.startswith(%r)))" % (args, prefix))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(out.stdout.splitlines()[-1].split()[1:])


def test_help_builds_no_command_and_loads_no_spec_machinery():
    """`--help` lists the commands from the command table: no command module, spec model, loader
    or adapter is imported for it."""
    imported = _imported_by(["--help"])
    assert not {m for m in imported if m.split(".")[1] in ("spec", "kinds", "loader", "run", "registry")}, imported
    assert not {m for m in imported if m.startswith("crmdeploy.commands.")} - {"crmdeploy.commands._common"}, imported


def test_validate_and_plan_import_only_their_own_machinery(tmp_path):
    """A plain `validate SPEC` needs no project file, saved plan or deploy machinery; a plan of a
    spec against a URL needs neither the journal, lock and snapshots of apply nor the project's."""
    shop = str(ROOT / "specs" / "shop.yaml")
    unneeded = {"crmdeploy.project", "crmdeploy.targets", "crmdeploy.savedplan", "crmdeploy.deploy",
                "crmdeploy.journal", "crmdeploy.lock", "crmdeploy.snapshot"}
    assert not _imported_by(["validate", shop]) & unneeded
    assert not _imported_by(["-q", "plan", shop, "-t", "mock://"]) & unneeded
    assert "crmdeploy.deploy" in _imported_by(["-q", "plan", shop, "-t", "mock://", "--out", str(tmp_path / "p.json")])


def test_every_command_is_listed_and_runs_as_registered():
    """The command table is the one list: --help shows each (in its order, with its docstring's
    first words), and each is built by typer as registering it would."""
    import inspect

    import typer
    from typer.testing import CliRunner

    from crmdeploy.cli import COMMANDS, _target, app

    out = CliRunner().invoke(app, ["--help"]).output
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.startswith("  ")
              and not line.startswith("   ")]
    assert listed[:len(COMMANDS)] == list(COMMANDS)
    group = typer.main.get_command(app)
    for name, (_, _, summary) in COMMANDS.items():
        target = _target(name)
        doc = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
        assert summary == doc.split("\n\n")[0], name   # --help's text is the docstring's
        row = next(line for line in out.splitlines() if line.split()[:1] == [name])
        assert row.split()[1:4] == doc.split()[:3], row
        assert group.commands[name].name == name
        assert CliRunner().invoke(app, [name, "--help"]).exit_code == 0


def test_the_executable_pauses_the_collector_for_start_up_and_the_command_resumes_it():
    """`crmdeploy` (entry.main) imports the CLI with the collector paused; by the time the command
    loads the spec it runs again, with start-up's objects frozen out of its scans."""
    code = ("import gc, sys\nimport crmdeploy.cli as cli, crmdeploy.loader as loader\n"
            "seen = {}\nreal_main, real_load = cli.main, loader.load\n"
            "def main():\n    seen['start-up'] = gc.isenabled()\n    real_main()\n"
            "def load(*a, **k):\n    seen['command'] = gc.isenabled()\n"
            "    seen['frozen'] = gc.get_freeze_count() > 0\n"
            "    return real_load(*a, **k)\n"
            "cli.main, loader.load = main, load\nsys.argv = ['crmdeploy', 'validate', %r]\n"
            "from crmdeploy.entry import main as entry\n"
            "try:\n    entry()\nexcept SystemExit:\n    pass\n"
            "print('SEEN', seen)" % str(ROOT / "specs" / "shop.yaml"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[-1] == "SEEN {'start-up': False, 'command': True, 'frozen': True}", out


def test_every_command_resumes_the_collector():
    """Each command, the workbook's subcommands included, is built as a `Command` (whose invoke
    ends start-up): a command built otherwise would run its whole job with the collector off."""
    import typer

    from crmdeploy.cli import COMMANDS, app
    from crmdeploy.commands._common import Command

    group = typer.main.get_command(app)
    built = [group.commands[name] for name in COMMANDS]
    leaves = [c for b in built for c in (b.commands.values() if hasattr(b, "commands") else [b])]
    assert len(leaves) > len(COMMANDS) and all(isinstance(c, Command) for c in leaves), leaves


def test_the_start_up_pause_leaves_a_collector_someone_else_disabled_alone():
    import gc

    from crmdeploy import gcpause

    was = gc.isenabled()
    gc.disable()
    try:
        gcpause.pause_for_startup()
        gcpause.end_startup()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_the_installed_crmdeploy_script_runs_the_executable_entry_point(tmp_path):
    """The `crmdeploy` script pip writes from pyproject's [project.scripts] (not written by us)
    starts `crmdeploy.entry:main`: its commands run, with their exit codes and output."""
    script = Path(sys.executable).parent / ("crmdeploy.exe" if sys.platform == "win32" else "crmdeploy")
    if not script.exists():
        pytest.skip("crmdeploy is not installed in this interpreter's environment (see the README)")
    assert "crmdeploy.entry" in script.read_text(encoding="utf-8", errors="replace")
    valid = subprocess.run([str(script), "validate", str(ROOT / "specs" / "shop.yaml")],
                           capture_output=True, text=True, cwd=tmp_path)
    assert valid.returncode == 0 and "valid (113 resources" in valid.stdout, valid.stderr
    plan = subprocess.run([str(script), "plan", str(ROOT / "specs" / "shop.yaml"), "-t",
                           f"mock://{tmp_path / 'state.json'}", "--detailed-exitcode"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert plan.returncode == 2 and "Plan: 113 to create" in plan.stdout, plan.stderr
