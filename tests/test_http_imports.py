"""Only adapters/ talk HTTP, and only when an HTTP target is used."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

PROBE = """
import sys
import crmdeploy.cli
from crmdeploy.registry import open_target
open_target("mock://").close()
print("mock:", sorted(m for m in ("requests", "urllib3", "http.server") if m in sys.modules))
import adapters.emulator
print("emulator:", sorted(m for m in ("requests", "urllib3") if m in sys.modules))
"""


def test_a_mock_run_and_the_emulator_import_no_http_client() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["mock: []", "emulator: []"]


def test_the_core_never_imports_an_http_library() -> None:
    for path in (ROOT / "crmdeploy").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("import requests", "from requests", "import urllib3", "import http.", "from http."):
            assert banned not in text, f"{path.name}: {banned}"
