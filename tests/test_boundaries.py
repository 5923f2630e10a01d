"""Architecture rules that must hold as the code grows."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT, SHOP

HTTP_MODULES = {"requests", "urllib3", "http", "httpx", "tenacity"}


def test_core_never_imports_an_http_stack():
    offenders = []
    for path in sorted((ROOT / "crmdeploy").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in HTTP_MODULES]
    assert offenders == []


def test_a_mock_run_never_imports_requests(tmp_path):
    code = ("import sys; from crmdeploy.cli import main; sys.argv = ['crmdeploy', 'plan', %r, '-t', 'mock://'];\n"
            "try: main()\nexcept SystemExit: pass\n"
            "assert 'requests' not in sys.modules, 'requests was imported'\nprint('ok')" % str(SHOP))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_module_entry_point_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "crmdeploy", "validate", str(SHOP)], capture_output=True,
                            text=True, cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0 and "valid (113 resources)" in result.stdout
