"""The order pipeline: status groups, statuses (with their transitions) and item (product) statuses."""

from typing import Annotated

from pydantic import AfterValidator

from .base import Code, Model, Name, Ordering, Resource, Text, code_set, ref


class StatusGroup(Resource):
    code: Code
    name: Name
    ordering: Ordering | None = None
    active: bool = True


class Transition(Model):
    """A status an order may move to next; `groups`: the user groups allowed to make that move
    (unset: everyone who may edit the order)."""

    to: ref("statuses")
    groups: code_set("user_groups") | None = None


def _one_per_status(value: list[Transition | str] | None) -> list[Transition] | None:
    # `transitions: [approved, {to: cancel-other, groups: [heads]}]`: a bare code is `{to: CODE}`.
    if value is None:
        return None
    value = [Transition(to=t) if isinstance(t, str) else t for t in value]
    seen: set[str] = set()
    for t in value:
        if t.to in seen:
            raise ValueError(f'the transition to "{t.to}" appears twice')
        seen.add(t.to)
    return sorted(value, key=lambda t: t.to)   # a set in the CRM: sorted, spec and live compare equal


Transitions = Annotated[list[Transition | Code], AfterValidator(_one_per_status)]


class Status(Resource):
    code: Code
    name: Name
    group: ref("status_groups")
    ordering: Ordering | None = None
    active: bool = True
    # The status matrix: where an order in this status may go next (unset: anywhere).
    transitions: Transitions | None = None
    # The ТЗ's "status in the shop's CMS" and comment columns: kept in the spec, never sent.
    cms_status: str | None = None
    comment: Text | None = None


class ProductStatus(Resource):
    code: Code
    name: Name
    ordering: Ordering | None = None
    active: bool = True
    cancel_status: bool | None = None
    order_status: ref("statuses") | None = None
    cms_status: str | None = None
    comment: Text | None = None
