"""Live CRM → spec: read every kind the target can read, in a stable order.

The spec is what `plan` would compare, so exporting and then planning against
the same target shows no changes (secrets aside: they come back as `${env:NAME}`
placeholders whose variables the user sets).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .adapter import Adapter
from .kinds import BY_NAME, KINDS, ORDER, Kind
from .run import read_live
from .spec.base import Resource
from .spec.root import Spec, SpecBase, check_spec
from .yamlpos import dotted

@dataclass
class Exported:
    spec: SpecBase
    unreadable: list[str] = field(default_factory=list)   # kinds the target cannot read
    problems: list[str] = field(default_factory=list)     # what `validate` will say about the result
    warnings: list[str] = field(default_factory=list)     # what the target said while being read

    @property
    def total(self) -> int:
        return sum(len(self.spec.resources(k.name)) for k in KINDS)


def export_spec(adapter: Adapter, progress: Callable[[str], None] | None = None) -> Exported:
    """One fetch per kind (side by side where the target allows); resources sorted so the same CRM
    always exports the same text. `progress` hears of each kind read; the read logs the target's
    warnings, and the result keeps them."""
    reads = read_live(adapter, progress=progress)
    unreadable = [kind.name for kind in KINDS if reads[kind.name].resources is None]
    warnings = [warning for kind in KINDS for warning in reads[kind.name].warnings]
    lists: dict[str, list[Resource]] = {kind.name: reads[kind.name].resources or [] for kind in KINDS}
    for name in ORDER:  # dependency order: a parent kind is sorted before its children
        kind = BY_NAME[name]
        lists[name] = sorted(lists[name], key=lambda r, k=kind: _sort_key(k, r, lists))
    spec = Spec(**lists)
    problems = [f"{dotted(f.loc)}: {f.message}" for f in check_spec(spec)]
    return Exported(spec, unreadable, problems, warnings)


def _sort_key(kind: Kind, resource: Resource, lists: dict[str, list[Resource]]) -> tuple:
    ordering = getattr(resource, "ordering", None)
    return (_parent_position(kind, resource, lists), ordering is None, ordering or 0, kind.key_of(resource))


def _parent_position(kind: Kind, resource: Resource, lists: dict[str, list[Resource]]) -> Any:
    if kind.parent is None:   # a kind listed under a parent (statuses under their group) sorts by it
        return 0
    field_name, parent = kind.parent
    keys = [BY_NAME[parent].key_of(r) for r in lists[parent]]
    value = getattr(resource, field_name)
    return keys.index(value) if value in keys else len(keys)
