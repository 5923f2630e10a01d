"""Pause the cyclic garbage collector while building many small objects.

Loading a 10,000-resource spec creates about a million short-lived objects
with no reference cycles; the collector's repeated full scans of them cost
more than the parsing itself (0.8 s vs 0.2 s for composing the YAML).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
