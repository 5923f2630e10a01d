"""docs/ci.md's pre-commit hook and plain git hook run `validate` as written."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import ROOT


def _hook() -> dict:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return hook


def _run(entry: list[str], cwd: Path) -> subprocess.CompletedProcess:
    program = Path(sys.executable).parent / entry[0]
    assert program.exists(), program  # the console script pip installed next to this Python
    return subprocess.run([str(program), *entry[1:]], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_pre_commit_hook_passes_a_valid_spec_and_blocks_a_broken_one(tmp_path) -> None:
    hook = _hook()
    assert hook["id"] == "crmdeploy-validate" and hook["pass_filenames"] is False
    spec = tmp_path / "spec"
    spec.mkdir()
    shutil.copy(ROOT / "specs/minimal.yaml", spec / "minimal.yaml")
    entry = shlex.split(hook["entry"]) + hook["args"]
    assert _run(entry, tmp_path).returncode == 0
    (spec / "minimal.yaml").write_text("version: 1\nstatus_groups: [{code: a, nam: A}]\n")
    broken = _run(entry, tmp_path)
    assert broken.returncode == 1 and "minimal.yaml:2:" in broken.stderr


def test_the_docs_name_the_hook_and_the_exit_codes() -> None:
    text = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    assert "id: crmdeploy-validate" in text and "--detailed-exitcode" in text
    assert "-f markdown" in text and "apply spec/ --yes" in text
