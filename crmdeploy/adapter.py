"""The contract every target implements. The core talks to a CRM only through this."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Protocol, runtime_checkable

from .kinds import Kind
from .spec.base import Resource


class Capability(int, Enum):
    NONE = 0    # the target cannot even read this kind
    READ = 1    # readable, but writes are manual (admin UI)
    WRITE = 2   # readable and writable


@runtime_checkable
class Adapter(Protocol):
    name: str
    target: str   # the target URL as safe to print (never a key)

    def capability(self, kind: Kind) -> Capability:
        """What the target can do with `kind`; final after `fetch` of that kind."""

    def fetch(self, kind: Kind, desired: Sequence[Resource] = ()) -> list[Resource] | None:
        """Every live resource of `kind` (inactive included), or None when unreadable.

        `desired` are the spec's resources of the kind: a target without a list endpoint reads
        these one by one, and takes a write-only field it can never read back (a credential)
        as the spec has it."""

    def create(self, kind: Kind, resource: Resource) -> None: ...

    def update(self, kind: Kind, resource: Resource, fields: tuple[str, ...]) -> None:
        """Write only `fields` of `resource` (the key identifies it)."""

    def deactivate(self, kind: Kind, key: str) -> None: ...

    def close(self) -> None:
        """Persist what needs persisting and release connections."""


@runtime_checkable
class ReportsUsage(Protocol):
    """Optional: a target that can say how many live orders use a resource."""

    def usage(self, kind: Kind, key: str) -> int | None:
        """How many live orders use `kind`/`key`; None when the target cannot tell."""


def usage_of(adapter: Adapter, kind: Kind, key: str) -> int | None:
    """The usage count, or None for an adapter without `usage` (it stays optional)."""
    return adapter.usage(kind, key) if isinstance(adapter, ReportsUsage) else None


@runtime_checkable
class Concurrent(Protocol):
    """Optional: a target that takes several requests at once (its own pacing keeps it in bounds)."""

    workers: int   # how many writes (and reads of different kinds) may be in flight together


def workers_of(adapter: Adapter) -> int:
    """How many requests to keep in flight: 1 for a target that does not say (an in-process
    one gains nothing from threads)."""
    return max(1, int(adapter.workers)) if isinstance(adapter, Concurrent) else 1
