"""Helpers shared by the safe-deploy tests: small specs, a file-backed mock CRM, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from adapters.store import Store
from crmdeploy.cli import app


def statuses_spec(count: int, *, renamed: int = 0, extra: str = "", safety: str = "") -> str:
    """One status group and `count` statuses; the first `renamed` get a new name."""
    lines = ["version: 1", safety, "status_groups:", "  - {code: work, name: Work}", "statuses:"]
    for i in range(count):
        name = f"Status {i} renamed" if i < renamed else f"Status {i}"
        lines.append(f"  - {{code: s{i:02d}, name: {name}, group: work}}")
    return "\n".join(lines) + "\n" + extra


def crm_target(tmp_path: Path) -> str:
    return f"mock://{tmp_path / 'crm.json'}"


def store_of(target: str) -> Store:
    """A fresh read of the mock CRM behind `target`."""
    return Store(Path(target.removeprefix("mock://")))


def invoke(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)


def journal_lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
