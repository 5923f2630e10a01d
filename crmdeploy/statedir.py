"""Where crmdeploy keeps its local state: locks, the journal, snapshots.

Everything is keyed by a digest of the target as it is safe to print
(`Adapter.target`, which never holds a key), so no file name or file
carries a secret.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

STATE_DIR = Path(".crmdeploy")
LOCK_DIR = STATE_DIR / "locks"
SNAPSHOT_DIR = STATE_DIR / "snapshots"
JOURNAL = STATE_DIR / "journal.jsonl"


def target_id(target: str) -> str:
    """A short, stable, file-name-safe identity of a target."""
    return hashlib.sha256(target.encode("utf-8")).hexdigest()[:16]


def now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
