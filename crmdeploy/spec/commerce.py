"""Money and logistics references: payment statuses and types, delivery, order types and methods."""

from typing import Annotated

from pydantic import Field

from .base import Code, Name, Ordering, Resource, Text, code_set

Money = Annotated[float, Field(ge=0)]


class PaymentType(Resource):
    code: Code
    name: Name
    active: bool = True
    default_for_crm: bool | None = None
    default_for_api: bool | None = None
    description: Text | None = None
    # The ТЗ's CMS column and comment: kept in the spec, never sent (spec_only in kinds.py).
    cms_type: str | None = None
    comment: Text | None = None


class PaymentStatus(Resource):
    code: Code
    name: Name
    active: bool = True
    ordering: Ordering | None = None
    payment_complete: bool | None = None
    default_for_crm: bool | None = None
    default_for_api: bool | None = None
    description: Text | None = None
    payment_types: code_set("payment_types") | None = None
    cms_status: str | None = None
    comment: Text | None = None


class DeliveryType(Resource):
    code: Code
    name: Name
    active: bool = True
    default_cost: Money | None = None
    default_net_cost: Money | None = None
    description: Text | None = None
    default_for_crm: bool | None = None
    payment_types: code_set("payment_types") | None = None
    cms_type: str | None = None
    comment: Text | None = None


class OrderType(Resource):
    code: Code
    name: Name
    active: bool = True
    ordering: Ordering | None = None
    default_for_crm: bool | None = None
    default_for_api: bool | None = None


class OrderMethod(Resource):
    code: Code
    name: Name
    active: bool = True
    default_for_crm: bool | None = None
    default_for_api: bool | None = None
