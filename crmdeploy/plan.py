"""The Plan value: the changes one run would make, in the order it makes them.

The set of actions is closed and has no "delete": the worst a plan can do to a
resource is deactivate it, so "never destroy" holds by construction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pydantic import BaseModel

from .kinds import BY_NAME, ORDER
from .secrets import MASK, Sensitive, walk
from .spec.base import Resource

FORMAT_VERSION = 2   # 2: custom fields keyed "ENTITY/CODE"; field-level manual steps


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    MANUAL = "manual"          # the target cannot write this kind: a person does it in the admin UI
    BLOCKED = "blocked"        # a write that waits for a manual step (what it references is made by hand)
    UNMANAGED = "unmanaged"    # in the CRM, not in the spec: reported, left alone

    @property
    def writes(self) -> bool:
        return self in (Action.CREATE, Action.UPDATE, Action.DEACTIVATE)


ACTION_ORDER = {a: i for i, a in enumerate(Action)}
_KIND_POSITION = {name: i for i, name in enumerate(ORDER)}  # dependency rank first


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    kind: str
    key: str
    action: Action
    fields: tuple[FieldDiff, ...] = ()
    resource: Resource | None = None   # the desired resource; None for unmanaged / deactivate
    note: str = ""                     # e.g. what a manual change asks of a person
    intent: Action | None = None       # for manual: the write a person makes in the admin UI
    reversible: bool | None = None     # None until reversibility.annotate has judged it
    warnings: tuple[str, ...] = ()     # what a reviewer must know: irreversible, in use, ...
    step: str = ""                     # a manual step about one field only (e.g. "required_at")

    @property
    def address(self) -> str:
        """`kind.key`, or `kind.key:field` for a manual step about one field."""
        return f"{self.kind}.{self.key}" + (f":{self.step}" if self.step else "")

    def sort_key(self) -> tuple:
        return (_KIND_POSITION[self.kind], ACTION_ORDER[self.action], self.key, self.step)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "key": self.key, "action": self.action.value}
        if self.intent:
            data["intent"] = self.intent.value
        if self.step:
            data["step"] = self.step
        if self.note:
            data["note"] = self.note
        if self.reversible is not None:
            data["reversible"] = self.reversible
        if self.warnings:
            data["warnings"] = list(self.warnings)
        data["fields"] = [{"field": f.field, "old": plain(f.old), "new": plain(f.new)}
                          for f in self.fields]
        return data


@dataclass(frozen=True)
class Plan:
    target: str
    changes: tuple[Change, ...] = field(default_factory=tuple)
    done: tuple[str, ...] = ()       # manual steps recorded as done (see manual.py), by address
    notices: tuple[str, ...] = ()    # what a person should know that is not a change to make

    @classmethod
    def of(cls, target: str, changes: list[Change]) -> Plan:
        return cls(target, tuple(sorted(changes, key=Change.sort_key)))

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def summary(self) -> dict[str, int]:
        return {a.value: self.count(a) for a in Action}

    @property
    def writes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action.writes)

    @property
    def manual_pending(self) -> bool:
        """Work only a person can do is left: a manual step, or a write that waits for one."""
        return self.count(Action.MANUAL) > 0 or self.count(Action.BLOCKED) > 0

    @property
    def has_changes(self) -> bool:
        return bool(self.writes) or self.manual_pending

    def to_data(self) -> dict[str, Any]:
        data = {"format_version": FORMAT_VERSION, "target": self.target,
                "summary": self.summary(), "changes": [c.to_data() for c in self.changes]}
        if self.done:
            data["done"] = list(self.done)
        if self.notices:
            data["notices"] = list(self.notices)
        return data

    def checksum(self) -> str:
        body = json.dumps(self.to_data()["changes"], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


def plain(value: Any) -> Any:
    """A value as JSON-ready data with every secret masked."""
    return walk(value, _plain_leaf, (Sensitive, BaseModel))


def _plain_leaf(value: Any, _: tuple | None) -> Any:
    if isinstance(value, Sensitive):
        return MASK
    return value.model_dump(mode="json", exclude_none=True)


def title(kind: str) -> str:
    return BY_NAME[kind].title
