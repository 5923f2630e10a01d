"""The CRM configuration store behind the mock adapter and the emulator.

Records are spec-shaped dicts. Secrets are kept only as salted digests, so the
state file can be read, committed or attached to a bug report safely.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from crmdeploy.errors import StateError
from crmdeploy.gcpause import paused_gc
from crmdeploy.secrets import Sensitive, map_leaves

FORMAT = "crmdeploy-mock"
VERSION = 2          # 2: custom fields keyed "ENTITY/CODE"; a version 1 file is migrated on load
SECRET_TAG = "$sensitive"


class Store:
    def __init__(self, path: Path | None = None):
        self.path = path
        self.lock = threading.RLock()
        self.resources: dict[str, dict[str, dict[str, Any]]] = {}
        self.writes = 0
        # Writes per resource in this process: (kind, key, "create" | "update") -> count.
        self.history: Counter[tuple[str, str, str]] = Counter()
        # How many live orders use a resource (kind -> key -> count): orders are not
        # configuration, so only their counts are kept, to flag risky deactivations.
        self.usage: dict[str, dict[str, int]] = {}
        self.dirty = False
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            with paused_gc():  # a large state is many small dicts with no cycles
                data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"{path}: not a readable mock state file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") not in (1, VERSION):
            found = data.get("version") if isinstance(data, dict) and data.get("format") == FORMAT else None
            detail = f" (it is version {found}: written by a newer crmdeploy?)" if found is not None else ""
            raise StateError(f"{path}: not a {FORMAT} v{VERSION} state file{detail}")
        if data["version"] == 1:
            data = migrate_v1(data, path)
            self.dirty = True   # saved as version 2 when the adapter closes
        self.resources = data.get("resources", {})
        self.writes = int(data.get("writes", 0))
        self.usage = data.get("usage", {})

    def records(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [decode(r) for r in self.resources.get(kind, {}).values()]

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
            records = self.resources.setdefault(kind, {})
            self.history[kind, key, "update" if key in records else "create"] += 1
            records[key] = encode(record)
            self.writes += 1
            self.dirty = True

    def set_usage(self, kind: str, key: str, orders: int) -> None:
        """Record how many live orders use a resource (not a configuration write)."""
        with self.lock:
            self.usage.setdefault(kind, {})[key] = orders
            self.dirty = True

    def usage_of(self, kind: str, key: str) -> int:
        with self.lock:
            return self.usage.get(kind, {}).get(key, 0)

    def save(self) -> None:
        """Write the state file atomically, so a crash never leaves half a file."""
        if self.path is None or not self.dirty:
            return
        with self.lock:
            body = json.dumps({"format": FORMAT, "version": VERSION, "writes": self.writes,
                               "resources": self.resources, "usage": self.usage},
                              ensure_ascii=False, indent=1, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".mock-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(body)
        os.replace(tmp, self.path)
        self.dirty = False


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
    return map_leaves(value, lambda v: {SECRET_TAG: v.digest()} if isinstance(v, Sensitive) else v)


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {SECRET_TAG}:
            return Sensitive.from_digest(value[SECRET_TAG])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value
