"""The one declaration of every resource kind.

Loader, reference checks, diff, apply order, renderers and adapters all read
`KINDS`; nothing else in the code branches on a kind's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .spec.base import Resource, referenced_kinds
from .spec.channels import Channel, Site
from .spec.comms import Document, Template, Trigger
from .spec.commerce import DeliveryType, OrderMethod, OrderType, PaymentStatus, PaymentType
from .spec.fields import CustomDictionary, CustomField
from .spec.integrations import Integration
from .spec.people import User, UserGroup
from .spec.pipeline import ProductStatus, Status, StatusGroup


@dataclass(frozen=True)
class Kind:
    name: str                      # the spec's top-level key, e.g. "statuses"
    model: type[Resource]
    title: str                     # one resource in words, e.g. "order status"
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

    @property
    def identity(self) -> tuple[str, ...]:
        """The fields that make up the key, in key order."""
        return (self.key,) if self.scope is None else (self.scope, self.key)

    def key_of(self, resource: Resource) -> str:
        """The resource's key: its code (users: email), or "ENTITY/CODE" for a scoped kind."""
        return self.key_from({name: getattr(resource, name) for name in self.identity})

    def key_from(self, values: dict) -> str:
        """The key of the resource whose identity fields are `values` (spec-named)."""
        if self.scope is None:
            return str(values[self.key])
        return f"{values[self.scope]}/{values[self.key]}"

    def key_parts(self, key: str) -> dict[str, str]:
        """A key back into its identity fields: "order/vin" -> {"entity": "order", "code": "vin"}."""
        if self.scope is None:
            return {self.key: key}
        scope, _, code = key.partition("/")
        return {self.scope: scope, self.key: code}


KINDS: tuple[Kind, ...] = (
    Kind("sites", Site, "site", spec_only=frozenset({"cms", "comment"})),
    Kind("status_groups", StatusGroup, "status group"),
    Kind("statuses", Status, "order status", spec_only=frozenset({"cms_status", "comment"})),
    Kind("product_statuses", ProductStatus, "item status", spec_only=frozenset({"cms_status", "comment"})),
    Kind("payment_types", PaymentType, "payment type", spec_only=frozenset({"cms_type", "comment"})),
    Kind("payment_statuses", PaymentStatus, "payment status", spec_only=frozenset({"cms_status", "comment"})),
    Kind("delivery_types", DeliveryType, "delivery type", spec_only=frozenset({"cms_type", "comment"})),
    Kind("order_types", OrderType, "order type"),
    Kind("order_methods", OrderMethod, "order method"),
    Kind("custom_dictionaries", CustomDictionary, "custom dictionary"),
    Kind("custom_fields", CustomField, "custom field", scope="entity"),
    Kind("user_groups", UserGroup, "user group", spec_only=frozenset({"comment"})),
    Kind("users", User, "user", key="email", spec_only=frozenset({"comment"})),
    Kind("templates", Template, "message template", spec_only=frozenset({"comment"})),
    Kind("documents", Document, "document", spec_only=frozenset({"comment"})),
    Kind("triggers", Trigger, "trigger", spec_only=frozenset({"todo"})),
    Kind("channels", Channel, "channel", spec_only=frozenset({"comment"})),
    Kind("integrations", Integration, "integration", spec_only=frozenset({"purpose", "comment"})),
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
