"""The end of a `crmdeploy` process without freeing its large structures one by one.

A plan of 10,000 resources leaves about a million small objects (the spec, the live read, the
plan); freeing them one by one when the command returns and again at interpreter exit took a
sixth of a no-op plan's time. When `crmdeploy` runs as its own process (not when a program or a
test calls into it), the command keeps them (`keep`) and the process ends with `os._exit` once
its output is flushed: the operating system takes the memory back at once.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_kept: list[Any] = []
_armed = False


def arm() -> None:
    global _armed
    _armed = True


def keep(*objects: Any) -> None:
    """Hold `objects` until the process ends (only when armed: a caller in-process frees them)."""
    if _armed:
        _kept.append(objects)


def exit_now(code: int) -> None:
    """Flush what was written, then end the process with `code`."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`crmdeploy plan | head`): nothing to flush to
            code = code or 1
    if "logging" in sys.modules:   # imported by a command that logs; `--help` never does
        sys.modules["logging"].shutdown()
    os._exit(code)


def exit_code(code: Any) -> int:
    """What the interpreter makes of `SystemExit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
