"""Integrations: delivery services, telephony and the like, with their credentials."""

from typing import Literal

from ..secrets import Sensitive
from .base import Code, Name, Resource, Text, code_set

Scalar = str | int | float | bool


class Integration(Resource):
    code: Code
    name: Name | None = None
    kind: Literal["delivery", "telephony", "payment", "marketplace", "messenger", "other"]
    active: bool = True
    base_url: str | None = None
    settings: dict[Code, Scalar] | None = None
    # Only `${env:NAME}` references: a secret is never written into a spec.
    credentials: dict[Code, Sensitive] | None = None
    delivery_types: code_set("delivery_types") | None = None
    # Spec-only: what the ТЗ says the integration is for, and notes (e.g. "needed later").
    purpose: Text | None = None
    comment: Text | None = None
