"""The one declaration of every resource kind.

Loader, reference checks, diff, apply order, renderers and adapters all read
`KINDS`; nothing else in the code branches on a kind's name.

A new kind is its model (spec/<area>.py), its `Kind` here (with its ТЗ area), its workbook
table (xlsx/layout.py: a `Table`, and for a plain list of named things its cells in `SIMPLE`),
its retailCRM mapping row (adapters/retailcrm/mapping.py) and the emulator's own model of the
API (adapters/emulator/model.py; served.py only for fields the server computes). The stored
form, the spec folder's files, the workbook's tabs and names, export's order: derived from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .secrets import Sensitive
from .spec.base import Ref, Resource, holds, referenced_kinds
from .spec.channels import Channel, Site
from .spec.comms import Document, Template, Trigger
from .spec.commerce import DeliveryType, OrderMethod, OrderType, PaymentStatus, PaymentType
from .spec.fields import CustomDictionary, CustomField
from .spec.integrations import Integration
from .spec.people import User, UserGroup
from .spec.pipeline import ProductStatus, Status, StatusGroup


# The areas of the ТЗ, in its order. Each kind belongs to one (`Kind.area`); the spec written as a
# folder (specfile.FILES) and the ТЗ workbook (xlsx/layout.TABS) group kinds by area, never by name.
AREAS: tuple[str, ...] = ("pipeline", "payments", "orders", "dictionaries", "fields", "access", "users",
                          "messages", "automation", "integrations")
# Spec content that is no CRM resource, by its area: the Доступы tab's logins.
NOTE_AREAS: dict[str, str] = {"access_notes": "access"}


@dataclass(frozen=True)
class Kind:
    name: str                      # the spec's top-level key, e.g. "statuses"
    model: type[Resource]
    title: str                     # one resource in words, e.g. "order status"
    area: str                      # the ТЗ area it belongs to, one of AREAS
    key: str = "code"
    spec_only: frozenset[str] = field(default_factory=frozenset)  # kept in the spec, never sent
    # A field that, with `key`, identifies a resource: a custom field is one per (entity, code),
    # so its key is "ENTITY/CODE" (e.g. "order/vin"; a code never holds "/").
    scope: str | None = None

    @cached_property
    def depends_on(self) -> frozenset[str]:
        return frozenset(referenced_kinds(self.model) - {self.name})

    @cached_property
    def compared_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.model.model_fields
                     if f not in (self.key, self.scope) and f not in self.spec_only)

    @cached_property
    def can_deactivate(self) -> bool:
        return "active" in self.model.model_fields

    @cached_property
    def parent(self) -> tuple[str, str] | None:
        """`(field, kind)` of the resource this one is listed under: a reference every resource
        has (a required field) to another kind of its own ТЗ area — a status under its group."""
        for name, info in self.model.model_fields.items():
            target = next((m.kind for m in info.metadata if isinstance(m, Ref)), None)
            if info.is_required() and target not in (None, self.name) and BY_NAME[target].area == self.area:
                return name, target
        return None

    @cached_property
    def holds_secrets(self) -> bool:
        """Whether a resource can hold a secret (a `Sensitive` anywhere in its model)."""
        return holds(self.model, Sensitive)

    @cached_property
    def _not_stored(self) -> set[str]:
        return set(self.spec_only)

    def record(self, resource: Resource) -> dict[str, Any]:
        """The stored form of a resource, what the mock and emulator stores keep and an adapter
        maps to an API: its values without the spec-only fields and the unset ones."""
        return resource.model_dump(exclude_none=True, exclude=self._not_stored)

    def from_record(self, record: Mapping[str, Any]) -> Resource:
        """A stored record (or any spec-named values) back into a resource, validated."""
        return self.model.model_validate(record)

    @property
    def identity(self) -> tuple[str, ...]:
        """The fields that make up the key, in key order."""
        return (self.key,) if self.scope is None else (self.scope, self.key)

    def key_of(self, resource: Resource) -> str:
        """The resource's key: its code (users: email), or "ENTITY/CODE" for a scoped kind."""
        if self.scope is None:   # `key_from` of the identity fields, without building them (it runs per resource)
            return str(getattr(resource, self.key))
        return f"{getattr(resource, self.scope)}/{getattr(resource, self.key)}"

    def key_from(self, values: Mapping[str, Any]) -> str:
        """The key of a record, or of any spec-named values holding the identity fields; a scope
        left out takes the model's default (a custom field's entity: "order")."""
        if self.scope is None:
            return str(values[self.key])
        scope = values[self.scope] if self.scope in values else self.model.model_fields[self.scope].default
        return f"{scope}/{values[self.key]}"

    def key_parts(self, key: str) -> dict[str, str]:
        """A key back into its identity fields: "order/vin" -> {"entity": "order", "code": "vin"}."""
        if self.scope is None:
            return {self.key: key}
        scope, _, code = key.partition("/")
        return {self.scope: scope, self.key: code}


KINDS: tuple[Kind, ...] = (
    Kind("sites", Site, "site", "integrations", spec_only=frozenset({"cms", "comment"})),
    Kind("status_groups", StatusGroup, "status group", "pipeline"),
    Kind("statuses", Status, "order status", "pipeline", spec_only=frozenset({"cms_status", "comment"})),
    Kind("product_statuses", ProductStatus, "item status", "pipeline", spec_only=frozenset({"cms_status", "comment"})),
    Kind("payment_types", PaymentType, "payment type", "payments", spec_only=frozenset({"cms_type", "comment"})),
    Kind("payment_statuses", PaymentStatus, "payment status", "payments", spec_only=frozenset({"cms_status", "comment"})),
    Kind("delivery_types", DeliveryType, "delivery type", "payments", spec_only=frozenset({"cms_type", "comment"})),
    Kind("order_types", OrderType, "order type", "orders"),
    Kind("order_methods", OrderMethod, "order method", "orders"),
    Kind("custom_dictionaries", CustomDictionary, "custom dictionary", "dictionaries"),
    Kind("custom_fields", CustomField, "custom field", "fields", scope="entity"),
    Kind("user_groups", UserGroup, "user group", "access", spec_only=frozenset({"comment"})),
    Kind("users", User, "user", "users", key="email", spec_only=frozenset({"comment"})),
    Kind("templates", Template, "message template", "messages", spec_only=frozenset({"comment"})),
    Kind("documents", Document, "document", "messages", spec_only=frozenset({"comment"})),
    Kind("triggers", Trigger, "trigger", "automation", spec_only=frozenset({"todo"})),
    Kind("channels", Channel, "channel", "messages", spec_only=frozenset({"comment"})),
    Kind("integrations", Integration, "integration", "integrations", spec_only=frozenset({"purpose", "comment"})),
)

BY_NAME: dict[str, Kind] = {k.name: k for k in KINDS}


def _ranks() -> dict[str, int]:
    """Dependency rank of each kind: 0 for kinds that reference nothing."""
    ranks: dict[str, int] = {}

    def rank(name: str, path: tuple[str, ...]) -> int:
        if name in path:
            raise RuntimeError(f"dependency cycle between kinds: {' -> '.join(path + (name,))}")
        if name not in ranks:
            deps = BY_NAME[name].depends_on
            ranks[name] = 1 + max((rank(d, path + (name,)) for d in deps), default=-1)
        return ranks[name]

    for kind in KINDS:
        rank(kind.name, ())
    return ranks


RANK: dict[str, int] = _ranks()
ORDER: tuple[str, ...] = tuple(sorted(BY_NAME, key=lambda n: (RANK[n], [k.name for k in KINDS].index(n))))


def get(name: str) -> Kind:
    return BY_NAME[name]


def area_of(name: str) -> str:
    """The ТЗ area of a kind, or of spec content that is no CRM resource (access notes)."""
    return BY_NAME[name].area if name in BY_NAME else NOTE_AREAS[name]
