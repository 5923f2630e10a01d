"""The contract every target implements. The core talks to a CRM only through this.

How the core drives an adapter (in the manner of octoDNS's BaseProvider):

* An adapter MUST have `name` (the URL scheme it serves) and `target` (the target as safe to
  print: never a key). `target` also keys the apply lock, records of manual steps and saved plans,
  so it MUST be the same for the same target on every run.
* `fetch(kind, desired)` MUST return a `Live`: every live resource of the kind (inactive ones
  included), or `resources=None` when the target cannot read the kind at all, together with what
  this very read learned about the kind (`capability`), the fields it can neither write nor read
  back (`manual_fields`) and what a person should know (`warnings`). There is no separate
  capability call: what a plan believes about a target is what it read.
  - `desired` are the spec's resources of the kind. An adapter MAY use them to read item by item
    (a kind with no list route), and MUST take a write-only field it can never read back (a
    credential) as `desired` has it, so it is not a perpetual difference.
  - A live item the adapter cannot parse MUST NOT stop the read when `desired` does not manage it:
    leave it out and say so in `warnings` ("custom_fields.order/x: unreadable item skipped (...)").
    When `desired` manages it, raise `AdapterError` naming it (planning from a guess could
    overwrite it).
  - Keys are `Kind.key_of` of the resources: a custom field's is "ENTITY/CODE".
  - `manual_fields` MUST NOT contain the kind's key fields. The core never sends them (they are
    left out of every diff and write) and turns each one the spec sets into one manual step.
    A target that writes and reads everything (the mock) returns an empty set.
* `create`, `update` and `deactivate` are called only for a kind whose last `fetch` said
  `Capability.WRITE` (`update` and `deactivate` also for `Capability.EDIT`; never for a key in
  `manual_items`), only after that fetch, and only with fields outside `manual_fields`.
  `update(kind, resource, fields)` MUST write only `fields` (plus what the API needs to name the
  item). A refused write MUST raise `CrmdeployError` (usually `AdapterError` with the API's words):
  the core reports it and carries on with what does not depend on it.
* Thread safety: if the adapter declares `workers > 1` (`Concurrent`), `fetch` of different kinds
  and writes within one dependency level MAY be called from several threads at once; they MUST
  be safe to run together. An adapter without `workers` is called from one thread only.
* State: `close()` is called exactly once, after the last call, also when a run fails or is
  interrupted; an adapter with local state (the mock's file) MUST persist it there, atomically,
  and SHOULD NOT persist it anywhere else. The core holds the target's lock from before the
  first `fetch` until after `close()`.
* An adapter MAY implement `ReportsUsage` (live orders using a resource) and `Concurrent`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol, runtime_checkable

from .kinds import Kind
from .spec.base import Resource


class Capability(int, Enum):
    NONE = 0    # the target cannot even read this kind
    READ = 1    # readable, but writes are manual (admin UI)
    WRITE = 2   # readable and writable
    EDIT = 3    # readable; existing items writable, a create is manual (retailCRM's sites)


@dataclass(frozen=True)
class Live:
    """One read of one kind of a target."""

    resources: list[Resource] | None           # None: the target cannot read this kind
    capability: Capability                     # learned by this very read
    manual_fields: frozenset[str] = frozenset()  # fields the target can neither write nor read back
    warnings: tuple[str, ...] = ()             # e.g. "custom_fields.order/x: unreadable item skipped (...)"
    # (key, field, why): desired resources the target can never hold as the spec has them, because
    # of `field` (a custom field of type `file` on a real account); each is a manual step saying why.
    manual_items: tuple[tuple[str, str, str], ...] = ()


@runtime_checkable
class Adapter(Protocol):
    name: str
    target: str   # the target URL as safe to print (never a key)

    def fetch(self, kind: Kind, desired: Sequence[Resource] = ()) -> Live:
        """Every live resource of `kind` and what the target can do with it (see the module doc)."""

    def create(self, kind: Kind, resource: Resource) -> None: ...

    def update(self, kind: Kind, resource: Resource, fields: tuple[str, ...]) -> None:
        """Write only `fields` of `resource` (the key identifies it)."""

    def deactivate(self, kind: Kind, key: str) -> None:
        """Mark the resource with key `key` (`Kind.key_of`, e.g. "order/vin") inactive."""

    def close(self) -> None:
        """Persist what needs persisting and release connections (called once, at the end)."""


@runtime_checkable
class ReportsUsage(Protocol):
    """Optional: a target that can say how many live orders use a resource."""

    def usage(self, kind: Kind, key: str) -> int | None:
        """How many live orders use `kind`/`key`; None when the target cannot tell."""


def usage_of(adapter: Adapter, kind: Kind, key: str) -> int | None:
    """The usage count, or None for an adapter without `usage` (it stays optional)."""
    return adapter.usage(kind, key) if isinstance(adapter, ReportsUsage) else None


@runtime_checkable
class ChecksWrites(Protocol):
    """Optional: a target that can tell, before the first write, that its key may not make them."""

    def check_writes(self, kinds: Iterable[Kind]) -> None:
        """Raise AuthError naming what the key lacks to write `kinds`; return when it may."""


def check_writes(adapter: Adapter, kinds: Iterable[Kind]) -> None:
    """Ask a target that can say whether its key may write `kinds` (others are asked nothing)."""
    if isinstance(adapter, ChecksWrites):
        adapter.check_writes(kinds)


@runtime_checkable
class Concurrent(Protocol):
    """Optional: a target that takes several requests at once (its own pacing keeps it in bounds)."""

    workers: int   # how many writes (and reads of different kinds) may be in flight together


def workers_of(adapter: Adapter) -> int:
    """How many requests to keep in flight: 1 for a target that does not say (an in-process
    one gains nothing from threads)."""
    return max(1, int(adapter.workers)) if isinstance(adapter, Concurrent) else 1
