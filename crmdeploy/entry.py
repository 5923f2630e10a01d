"""The `crmdeploy` executable: the collector paused before the first heavy import.

A module of its own, importing nothing heavy itself, because the pause must begin before
`crmdeploy.cli` imports typer and pydantic; the command that runs resumes it
(`commands._common.Command`, `gcpause.end_startup`).
"""

from __future__ import annotations

from .gcpause import pause_for_startup


def main() -> None:
    pause_for_startup()
    from .cli import main as run

    run()
