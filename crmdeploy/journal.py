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

VERSION = 2   # 2: custom fields keyed "ENTITY/CODE"; lines without "format_version" are version 1


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
        migrate(self.path)   # an older journal is migrated before the first line is added

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
        entry = {"format_version": VERSION, "time": now(), "target": self.target, "kind": change.kind, "key": change.key,
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


def migrate(path: Path) -> bool:
    """Rewrite a journal that has version 1 lines (custom fields keyed by code alone) as version 2,
    in place and atomically; the apply holding the target's lock is the only writer. True if it did."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal ({exc.strerror or exc}); nothing was applied") from None
    lines, changed = [], False
    for raw in text.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            entry = None   # a line torn by a crash stays as it is, on a line of its own
        if isinstance(entry, dict) and "format_version" not in entry and "kind" in entry:
            raw = json.dumps(_line_v1_to_v2(entry), ensure_ascii=False, sort_keys=True)
            changed = True
        lines.append(raw)
    if changed:
        tmp = path.with_name(path.name + ".migrating")
        try:
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise JournalError(f"{path}: cannot migrate the journal to format {VERSION} "
                               f"({exc.strerror or exc}); nothing was applied") from None
    return changed


def _line_v1_to_v2(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("kind") == "custom_fields" and "/" not in str(entry.get("key", "")):
        record = entry.get("after") or entry.get("before") or {}
        entry = {**entry, "key": f"{record.get('entity', 'order')}/{entry.get('key')}"}
    return {**entry, "format_version": VERSION}
