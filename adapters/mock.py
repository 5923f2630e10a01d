"""The mock target: a CRM in memory (`mock://`) or in a JSON file (`mock://PATH`).

It behaves like a strict CRM: a create of an existing key, an update of a
missing one, or a reference to something that does not exist is refused, so
the plan and apply logic are tested against the same rules a real CRM applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crmdeploy.adapter import Capability, Live
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import BY_NAME, Kind
from crmdeploy.spec.base import Resource, iter_refs
from crmdeploy.spec.root import from_records

from .store import Store


class MockAdapter:
    name = "mock"

    def __init__(self, store: Store | None = None, target: str = "mock://"):
        self.store = store if store is not None else Store()
        self.target = target

    @classmethod
    def from_url(cls, url: str, **_: Any) -> MockAdapter:
        path = url.removeprefix("mock://")
        return cls(Store(Path(path) if path else None), url)

    def fetch(self, kind: Kind, desired: Sequence[Resource] = ()) -> Live:
        """Everything, always writable: the mock supports every kind and field (no manual fields)."""
        return Live(from_records(kind.name, self.store.view(kind.name, kind.holds_secrets)), Capability.WRITE)

    def create(self, kind: Kind, resource: Resource) -> None:
        key = kind.key_of(resource)
        if self.store.has(kind.name, key):
            raise AdapterError(f'{kind.title} "{key}" already exists', resource=f"{kind.name}.{key}", status=400)
        self._check_refs(kind, resource)
        self.store.put(kind.name, key, kind.record(resource))

    def update(self, kind: Kind, resource: Resource, fields: tuple[str, ...]) -> None:
        key = kind.key_of(resource)
        record = self._existing(kind, key)
        self._check_refs(kind, resource)
        record.update({f: v for f, v in kind.record(resource).items() if f in fields})
        self.store.put(kind.name, key, record)

    def deactivate(self, kind: Kind, key: str) -> None:
        record = self._existing(kind, key)
        record["active"] = False
        self.store.put(kind.name, key, record)

    def usage(self, kind: Kind, key: str) -> int:
        """How many live orders use the resource (the store's order counts)."""
        return self.store.usage_of(kind.name, key)

    def close(self) -> None:
        self.store.save()

    def _existing(self, kind: Kind, key: str) -> dict[str, Any]:
        record = self.store.get(kind.name, key)
        if record is None:
            raise AdapterError(f'{kind.title} "{key}" not found', resource=f"{kind.name}.{key}", status=404)
        return record

    def _check_refs(self, kind: Kind, resource: Resource) -> None:
        for loc, target, value in iter_refs(resource):
            # A status's transitions name statuses created in the same run, in any order: the
            # spec's own check already refused one that names no status at all.
            if target != kind.name and not self.store.has(target, value):
                name = ".".join(str(p) for p in loc)
                raise AdapterError(f'Errors in the entity format: {name}: {BY_NAME[target].title} "{value}" not found',
                                   resource=f"{kind.name}.{kind.key_of(resource)}", status=400)

