"""Where crmdeploy keeps its local state: locks, the journal, snapshots.

Everything is keyed by a digest of the target as it is safe to print
(`Adapter.target`, which never holds a key), so no file name or file
carries a secret.

Locks must be found by every invocation, from any folder, however the target
is spelled (`registry.identity`): a mock file's lock lies next to it
(`STATE.lock`); any other target's in the per-user state folder,
`$CRMDEPLOY_STATE_HOME`, else `$XDG_STATE_HOME/crmdeploy`, else
`~/.local/state/crmdeploy`, under `locks/`.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

STATE_DIR = Path(".crmdeploy")
LOCK_DIR = STATE_DIR / "locks"
SNAPSHOT_DIR = STATE_DIR / "snapshots"
JOURNAL = STATE_DIR / "journal.jsonl"


def user_state_dir() -> Path:
    """The per-user folder for state every invocation must find, whatever its working folder."""
    if own := os.environ.get("CRMDEPLOY_STATE_HOME"):
        return Path(own)
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "crmdeploy"


def lock_file(identity: str) -> Path:
    """Where the lock of the target `identity` (see registry.identity) lives."""
    if identity.startswith("mock://") and identity != "mock://":
        return Path(identity.removeprefix("mock://") + ".lock")
    return user_state_dir() / "locks" / f"{target_id(identity)}.lock"


def target_id(target: str) -> str:
    """A short, stable, file-name-safe identity of a target."""
    return hashlib.sha256(target.encode("utf-8")).hexdigest()[:16]


def now() -> str:
    """The current UTC time as ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
