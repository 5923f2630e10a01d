"""Channels (telephony, messengers, email, chat) and the shops (sites) orders come from."""

from typing import Literal

from pydantic import model_validator

from .base import Code, Duration, Email, Model, Name, Ordering, Resource, Text, Url
from .orderfields import Member, OrderField


class Routing(Model):
    """Who answers, in order: each entry is a user group (code) or a user (email). When nobody in
    `queue` has answered within `fallback_after`, the call or message goes to `fallback_to`."""

    queue: list[Member]
    fallback_after: Duration | None = None
    fallback_to: list[Member] | None = None

    @model_validator(mode="after")
    def _fallback_whole(self) -> "Routing":
        if not self.queue:
            raise ValueError('"queue" needs at least one user group or user')
        if (self.fallback_after is None) != (not self.fallback_to):
            raise ValueError('"fallback_after" and "fallback_to" go together: how long to wait, and who answers then')
        return self


class Channel(Resource):
    code: Code
    name: Name
    kind: Literal["telephony", "messenger", "email", "chat"]
    routing: Routing | None = None
    # The order fields a contact through this channel fills in (standard ones, or "order/CODE").
    fills: list[OrderField] | None = None
    active: bool = True
    comment: Text | None = None   # spec-only


class Site(Resource):
    """A shop (retailCRM "магазин"). The API edits an existing one; creating one is a manual step."""

    code: Code
    name: Name
    url: Url | None = None
    description: Text | None = None
    phones: str | None = None
    address: Text | None = None
    ordering: Ordering | None = None
    default_for_crm: bool | None = None
    currency: Literal["RUB", "USD", "EUR", "KZT", "UAH", "BYN"] | None = None
    sender_email: Email | None = None
    sender_name: Name | None = None
    cms: Name | None = None        # spec-only: the shop's CMS (Bitrix, WooCommerce, ...)
    comment: Text | None = None    # spec-only
