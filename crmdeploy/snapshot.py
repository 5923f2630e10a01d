"""Before an apply writes anything, save the live configuration as a spec.

`crmdeploy plan SNAPSHOT --target SAME` then shows the way back. Secrets are
never in the file: each is a `${env:NAME}` placeholder. It reuses the spec's
variable where that variable holds the very secret the CRM has now, and
otherwise gets a name of its own that the user sets to the old value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .kinds import BY_NAME, KINDS
from .secrets import Sensitive, placeholder, walk
from .spec.base import Resource
from .statedir import SNAPSHOT_DIR, target_id

Live = Mapping[str, list[Resource] | None]
Desired = Mapping[str, list[Resource]]


def _own_name(kind: str, key: str, path: tuple) -> str:
    raw = "_".join(["CRMDEPLOY_OLD", kind, key, *map(str, path)])
    return re.sub(r"[^A-Za-z0-9_]", "_", raw).upper()


def _dig(data: Any, path: tuple) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


class _Namer:
    """Chooses the placeholder of each live secret and remembers the variables it used."""

    def __init__(self, desired: Desired):
        self.desired = {(kind, BY_NAME[kind].key_of(r)): r.model_dump(exclude_none=True)
                        for kind, resources in desired.items() for r in resources}
        self.own: list[str] = []

    def record(self, kind: str, resource: Resource) -> dict[str, Any]:
        key = BY_NAME[kind].key_of(resource)

        def name(secret: Sensitive, path: tuple) -> str:
            spec_secret = _dig(self.desired.get((kind, key)), path)
            if isinstance(spec_secret, Sensitive) and spec_secret.env and spec_secret == secret:
                return placeholder(spec_secret.env)
            self.own.append(_own_name(kind, key, path))
            return placeholder(self.own[-1])

        return walk(resource.model_dump(exclude_none=True), name, path=())


def snapshot_text(live: Live, target: str, desired: Desired, taken: str) -> str:
    namer = _Namer(desired)
    data: dict[str, Any] = {"version": 1}
    unreadable = []
    for kind in KINDS:
        resources = live.get(kind.name, [])
        if resources is None:
            unreadable.append(kind.name)
        elif resources:
            data[kind.name] = [namer.record(kind.name, r) for r in resources]
    return _header(target, taken, unreadable, namer.own) + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, width=120)


def _header(target: str, taken: str, unreadable: list[str], own: list[str]) -> str:
    lines = [f"# Snapshot of {target}, taken {taken} before `crmdeploy apply` wrote anything.",
             f"# To see how to go back: crmdeploy plan THIS_FILE --target {target}",
             "# (what apply creates is not in here; nothing is deleted, so add --prune to deactivate it)"]
    if unreadable:
        lines.append(f"# Not readable from the target, so not in this snapshot: {', '.join(unreadable)}")
    if own:
        lines.append("# Secrets differ from the spec's (or it has none); set these to the old values: "
                     + ", ".join(own))
    return "\n".join(lines) + "\n"


def save(live: Live, target: str, desired: Desired, directory: Path = SNAPSHOT_DIR) -> Path:
    moment = datetime.now(timezone.utc)
    path = Path(directory) / f"{target_id(target)}-{moment.strftime('%Y%m%dT%H%M%S.%fZ')}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot_text(live, target, desired, moment.isoformat(timespec="seconds")),
                    encoding="utf-8")
    return path
