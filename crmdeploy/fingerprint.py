"""Fingerprints of the live CRM: what a saved plan was made against.

One hash per live object and, through the set of keys, a record of every
object that was absent, so an apply of a saved plan can tell exactly what
changed since: an object edited, one that appeared, one that went away, a kind
that became (un)readable or (un)writable.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .kinds import BY_NAME, ORDER
from .secrets import MASK, Sensitive, walk
from .spec.base import Resource

Fingerprint = dict[str, dict[str, Any]]   # kind -> {"capability": str, "objects": {key: hash} | None}


def record_hash(resource: Resource) -> str:
    data = walk(resource.model_dump(exclude_none=True), _secret_token)
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]


def _secret_token(secret: Sensitive, _: tuple | None) -> str:
    # A stored digest changes when the secret does and reveals nothing; a live
    # secret known in clear text is never hashed into a file, so it is masked.
    if secret.known:
        return MASK
    try:
        return secret.digest()
    except ValueError:
        return MASK


def take(live: Mapping[str, list[Resource] | None], capabilities: Mapping[str, str]) -> Fingerprint:
    """The fingerprint of one read of the target; `capabilities` names what it can do per kind."""
    result: Fingerprint = {}
    for kind, resources in live.items():
        key_of = BY_NAME[kind].key_of
        objects = None if resources is None else {key_of(r): record_hash(r) for r in resources}
        result[kind] = {"capability": capabilities[kind], "objects": objects}
    return result


def differences(saved: Fingerprint, current: Fingerprint) -> list[str]:
    """What changed between two fingerprints, one line per object, in dependency order."""
    lines: list[str] = []
    for kind in sorted(set(saved) | set(current), key=_kind_position):
        before, after = saved.get(kind, {}), current.get(kind, {})
        if before.get("capability") != after.get("capability"):
            lines.append(f"{kind}: the target's access changed from {before.get('capability', 'none')} "
                         f"to {after.get('capability', 'none')}")
        lines += _object_changes(kind, before.get("objects") or {}, after.get("objects") or {})
    return lines


def _object_changes(kind: str, before: dict[str, str], after: dict[str, str]) -> list[str]:
    lines = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            lines.append(f"{kind}.{key}: appeared (it was absent when the plan was made)")
        elif key not in after:
            lines.append(f"{kind}.{key}: disappeared")
        elif before[key] != after[key]:
            lines.append(f"{kind}.{key}: changed")
    return lines


def _kind_position(kind: str) -> tuple[int, str]:
    return (ORDER.index(kind) if kind in ORDER else len(ORDER), kind)
