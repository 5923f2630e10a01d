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
    assert out.stdout.splitlines()[-1] == "IMPORTED", out.stdout[-300:]
