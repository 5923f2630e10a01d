"""What an action or a channel may fill in on an order: a standard order field by its spec name,
or a custom field as "ENTITY/CODE" (the shared key form, e.g. "order/vin")."""

from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints

from .base import FIELD_KEY_PATTERN, MemberRef, ScopedRef

# The order's own fields a trigger or a channel may set (retailCRM API v5 `Order`, spec-named):
# api-client-php src/Model/Entity/Orders/Order.php.
STANDARD_ORDER_FIELDS = frozenset({
    "first_name", "last_name", "patronymic", "phone", "additional_phone", "email",
    "customer_comment", "manager_comment", "order_type", "order_method", "site", "call", "expired",
    "shipment_date", "delivery_date", "delivery_address", "source",
})


# A standard field ("manager_comment") or a custom field ("order/vin"): only the latter is a reference.
OrderField = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300,
                                              pattern=FIELD_KEY_PATTERN),
                       ScopedRef("custom_fields", STANDARD_ORDER_FIELDS)]


def _member(value: Any) -> Any:
    # A user is named by email (stored lower-cased, as `users` keys are); a group by code.
    return value.strip().lower() if isinstance(value, str) and "@" in value else value


Member = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
                   AfterValidator(_member), MemberRef()]
