"""An append-only record of every write: one JSON line per write attempt.

Each line says when, to which target, what (kind, key, action), the result,
and the resource before and after, with every secret masked. A line is
flushed and synced as soon as its write finishes, so the journal survives a
crash of the apply that wrote it; what it can miss is the writes in flight
at that moment (one, or up to --parallelism over HTTP).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .apply import Outcome, Status
from .errors import JournalError
from .kinds import BY_NAME
from .plan import Action, Change, plain
from .spec.base import Resource
from .statedir import now


def after_state(change: Change, before: dict[str, Any] | None) -> dict[str, Any]:
    """The resource as the write leaves it, by the plan's own account (secrets masked)."""
    kind = BY_NAME[change.kind]
    if change.action is Action.CREATE and change.resource is not None:
        fields = (kind.key, *kind.compared_fields)
        values = {f: getattr(change.resource, f) for f in fields}
        return plain({f: v for f, v in values.items() if v is not None})
    return {**(before or {}), **{f.field: plain(f.new) for f in change.fields}}


class Journal:
    """Writes journal lines for one apply to `path`; thread-safe, as writes may run in parallel."""

    def __init__(self, path: Path, target: str, live: Mapping[str, list[Resource] | None]):
        self.path = Path(path)
        self.target = target
        self.live = {kind: {BY_NAME[kind].key_of(r): r for r in resources or ()}
                     for kind, resources in live.items()}
        self._lock = threading.Lock()
        self._prepare()

    def _prepare(self) -> None:
        """Fail before the first write if the journal cannot be written; start on a fresh line
        when a process that died left its last line half written."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab+") as out:
                end = out.seek(0, os.SEEK_END)
                if end:
                    out.seek(end - 1)
                    if out.read(1) != b"\n":
                        out.write(b"\n")
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot write the journal ({exc.strerror or exc}); "
                               "nothing was applied") from None

    def line(self, outcome: Outcome) -> dict[str, Any]:
        change = outcome.change
        current = self.live.get(change.kind, {}).get(change.key)
        before = plain(current) if current is not None else None
        applied = outcome.status is Status.APPLIED
        entry = {"time": now(), "target": self.target, "kind": change.kind, "key": change.key,
                 "action": change.action.value, "result": outcome.status.value,
                 "before": before, "after": after_state(change, before) if applied else before}
        if outcome.message:
            entry["error"] = outcome.message
        return entry

    def record(self, outcome: Outcome) -> None:
        """Append a line when `outcome` is a write that was attempted (applied or failed)."""
        if not outcome.change.action.writes or outcome.status is Status.SKIPPED:
            return
        text = json.dumps(self.line(outcome), ensure_ascii=False, sort_keys=True) + "\n"
        with self._lock:
            try:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(text)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                raise JournalError(f"{self.path}: cannot write the journal ({exc.strerror or exc}); "
                                   f"stopped after {outcome.change.address}, which was "
                                   f"{outcome.status.value}") from None
