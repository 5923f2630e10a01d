"""The order pipeline: status groups, statuses and item (product) statuses."""

from __future__ import annotations

from .base import Code, Name, Ordering, Resource, Text, ref


class StatusGroup(Resource):
    code: Code
    name: Name
    ordering: Ordering | None = None
    active: bool = True


class Status(Resource):
    code: Code
    name: Name
    group: ref("status_groups")
    ordering: Ordering | None = None
    active: bool = True
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
