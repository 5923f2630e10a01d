"""The CRM configuration store behind the mock adapter and the emulator.

Records are spec-shaped dicts. Secrets are kept only as salted digests, so the
state file can be read, committed or attached to a bug report safely.

With a file, every write is durable before `put` returns (an fsynced line of
`STATE.log`, see `durable`); `save` compacts the log into the state file.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from crmdeploy.errors import StateError
from crmdeploy.gcpause import paused_gc
from crmdeploy.secrets import Sensitive, walk

from . import durable

FORMAT = "crmdeploy-mock"
VERSION = 2          # 2: custom fields keyed "ENTITY/CODE"; a version 1 file is migrated on load
SECRET_TAG = "$sensitive"


class Store:
    def __init__(self, path: Path | None = None):
        self.path = durable.real(path) if path is not None else None  # a symlink stays one
        self.generation = 0     # of the state file; the write log says which one it continues
        self.lock = threading.RLock()
        self.resources: dict[str, dict[str, dict[str, Any]]] = {}
        self.writes = 0
        # Writes per resource in this process: (kind, key, "create" | "update") -> count.
        self.history: Counter[tuple[str, str, str]] = Counter()
        # How many live orders use a resource (kind -> key -> count): orders are not
        # configuration, so only their counts are kept, to flag risky deactivations.
        self.usage: dict[str, dict[str, int]] = {}
        self.dirty = False
        self.broken = False     # a write failed to reach the disk: nothing more is saved
        self.log: durable.WriteLog | None = None
        self.migrated = False   # loaded from a version 1 file: its write log keys fields by code
        if self.path is not None:
            if self.path.exists():
                self._load(self.path)
            with paused_gc():
                for entry in durable.replay(self.path, self.generation):
                    self._redo(entry)
            self.log = durable.WriteLog(self.path, self.generation)

    def _load(self, path: Path) -> None:
        try:
            with paused_gc():  # a large state is many small dicts with no cycles
                data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else exc
            raise StateError(f"{path}: not a readable mock state file ({reason})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") not in (1, VERSION):
            found = data.get("version") if isinstance(data, dict) and data.get("format") == FORMAT else None
            detail = f" (it is version {found}: written by a newer crmdeploy?)" if found is not None else ""
            raise StateError(f"{path}: not a {FORMAT} v{VERSION} state file{detail}")
        if problem := _schema_problem(data):
            raise StateError(f"{path}: a damaged {FORMAT} state file ({problem})")
        if data["version"] == 1:
            data = migrate_v1(data, path)
            self.migrated = True
            self.dirty = True   # compacted as version 2 when the adapter closes
        self.resources = data.get("resources", {})
        self.writes = int(data.get("writes", 0))
        self.usage = data.get("usage", {})
        self.generation = int(data.get("generation", 0))

    def _redo(self, entry: dict[str, Any]) -> None:
        """Apply one entry of the write log (see `put` and `set_usage`)."""
        try:
            if "usage" in entry:
                kind, key, orders = entry["usage"]
                self.usage.setdefault(kind, {})[key] = int(orders)
            else:
                key = entry["key"]
                if self.migrated and entry["kind"] == "custom_fields" and "/" not in key:
                    key = f"{entry['record'].get('entity', 'order')}/{key}"
                self.resources.setdefault(entry["kind"], {})[key] = entry["record"]
                self.writes += 1
        except (KeyError, TypeError, ValueError):
            raise StateError(f"{durable.log_path(self.path)}: not a write-log entry") from None

    def records(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [decode(r) for r in self.resources.get(kind, {}).values()]

    def view(self, kind: str, secrets: bool = True) -> list[dict[str, Any]]:
        """The records of `kind` to read, not to change: secrets decoded, everything else shared
        with the store (no copy of 10,000 records for a plan that only compares them). A kind that
        holds no secrets (`secrets=False`) is not even walked."""
        with self.lock:
            records = self.resources.get(kind, {}).values()
            return [shared_decode(r) for r in records] if secrets else list(records)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.resources.get(kind, {}).get(key)
            return decode(record) if record is not None else None

    def has(self, kind: str, key: str) -> bool:
        with self.lock:
            return key in self.resources.get(kind, {})

    def put(self, kind: str, key: str, record: dict[str, Any]) -> None:
        """Store a whole record; every call is one write."""
        with self.lock:
            stored = encode(record)
            self._durable({"kind": kind, "key": key, "record": stored})
            records = self.resources.setdefault(kind, {})
            self.history[kind, key, "update" if key in records else "create"] += 1
            records[key] = stored
            self.writes += 1
            self.dirty = True

    def _durable(self, entry: dict[str, Any]) -> None:
        """On disk before the write counts as made; a failure leaves the store as it was."""
        if self.log is None:
            return
        if self.broken:
            raise durable.StorageError(f"{self.path}: an earlier write could not be saved; no more writes")
        try:
            self.log.append(entry)
        except durable.StorageError:
            self.broken = True
            raise

    def set_usage(self, kind: str, key: str, orders: int) -> None:
        """Record how many live orders use a resource (not a configuration write)."""
        with self.lock:
            self._durable({"usage": [kind, key, orders]})
            self.usage.setdefault(kind, {})[key] = orders
            self.dirty = True

    def usage_of(self, kind: str, key: str) -> int:
        with self.lock:
            return self.usage.get(kind, {}).get(key, 0)

    def save(self) -> None:
        """Compact: the whole state written atomically (temp file, fsync, rename), the log removed.

        Every write is on disk already (the log), so a failure here loses nothing; after a
        write that failed, nothing is compacted (the disk is full or read-only)."""
        if self.path is None or not self.dirty or self.broken:
            return
        with self.lock:
            generation = self.generation + 1
            body = json.dumps({"format": FORMAT, "version": VERSION, "generation": generation,
                               "writes": self.writes, "resources": self.resources, "usage": self.usage},
                              ensure_ascii=False, indent=1, sort_keys=True)
            durable.replace(self.path, body)
            self.generation = generation
            assert self.log is not None
            self.log.remove()
            self.log = durable.WriteLog(self.path, generation)
            self.dirty = False


def _schema_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a loaded state file, or None."""
    resources, usage = data.get("resources", {}), data.get("usage", {})
    if not isinstance(resources, dict) or not all(
            isinstance(records, dict) and all(isinstance(r, dict) for r in records.values())
            for records in resources.values()):
        return '"resources" is not kind → key → record'
    if not isinstance(usage, dict) or not all(
            isinstance(counts, dict) and all(isinstance(n, int) for n in counts.values())
            for counts in usage.values()):
        return '"usage" is not kind → key → count'
    for name in ("writes", "generation"):
        if not isinstance(data.get(name, 0), int) or isinstance(data.get(name, 0), bool):
            return f'"{name}" is not a number'
    return None


def migrate_v1(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """Version 1 keyed a custom field by its code alone; version 2 by "ENTITY/CODE"."""
    fields = data.get("resources", {}).get("custom_fields", {})
    if not isinstance(fields, dict):
        raise StateError(f"{path}: custom_fields is not a mapping of records")
    moved: dict[str, Any] = {}
    renamed: dict[str, str] = {}
    for code, record in fields.items():
        if not isinstance(record, dict):
            raise StateError(f"{path}: custom_fields.{code} is not a record")
        key = f"{record.get('entity', 'order')}/{record.get('code', code)}"
        if key in moved:  # version 1 could not hold two of them, so this is a damaged file
            raise StateError(f"{path}: custom field {key} appears twice")
        moved[key], renamed[code] = record, key
    usage = data.get("usage", {}).get("custom_fields")
    if isinstance(usage, dict):
        data["usage"]["custom_fields"] = {renamed.get(k, k): v for k, v in usage.items()}
    if fields:
        data["resources"]["custom_fields"] = moved
    return {**data, "version": VERSION}


def encode(value: Any) -> Any:
    """A record as stored: every secret as its salted digest (a copy: the caller keeps its own)."""
    return walk(value, lambda secret, _: {SECRET_TAG: secret.digest()}, fresh=True)


def decode(value: Any) -> Any:
    """A stored record with its secrets back, as a copy the caller may change."""
    return walk(value, _tagged_secret, dict, fresh=True)


def shared_decode(value: Any) -> Any:
    """`decode` that copies only what holds a secret and shares the rest."""
    return walk(value, _tagged_secret, dict)


def _tagged_secret(value: dict[str, Any], _: tuple | None) -> Any:
    if SECRET_TAG in value and len(value) == 1:
        return Sensitive.from_digest(value[SECRET_TAG])
    return value
