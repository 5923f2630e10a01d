"""A number from an environment variable (`CRMDEPLOY_TIMEOUT`, `CRMDEPLOY_RATE_LIMIT`, ...): unset or
blank gives the default; anything else must be a finite number of the right kind, or it is one
error naming the variable and what it holds, never a traceback or an `inf` that waits forever."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import TypeVar

from .errors import CrmdeployError

N = TypeVar("N", int, float)


def env_number(name: str, default: N, parse: Callable[[str], N], meaning: str,
               error: type[CrmdeployError] = CrmdeployError) -> N:
    """`parse` of `$name` (`int` or `float`), else `default`; `meaning` ends the error: '... is not
    `meaning`'. Ranges are the caller's to check: they apply to an option given directly too."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        raise error(f'{name}="{text[:40]}" is not {meaning}')
    return value
