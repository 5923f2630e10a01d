"""`crmdeploy --help` stays fast by importing neither pydantic nor YAML (they cost most of its
start-up); a command imports them when it runs. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys

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
