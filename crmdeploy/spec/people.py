"""Access: user groups (the ТЗ's Доступы tab), users (Пользователи) and access notes."""

from ..secrets import Sensitive
from .base import Code, CodeList, Email, Model, Name, Resource, Text, code_set


class AccessNote(Model):
    """A system login the ТЗ lists (shop admin, hosting, 1C…): kept in the spec, never sent.
    The password is only ever a `${env:NAME}` reference."""

    system: Name
    url: str | None = None
    login: str | None = None
    password: Sensitive | None = None
    comment: Text | None = None


class UserGroup(Resource):
    code: Code
    name: Name
    is_manager: bool | None = None
    is_delivery_men: bool | None = None
    # Permission codes as the admin UI names them, e.g. order_view, order_edit.
    permissions: CodeList | None = None
    order_types: code_set("order_types") | None = None
    delivery_types: code_set("delivery_types") | None = None
    comment: Text | None = None   # spec-only: the ТЗ's notes on this group's rights


class User(Resource):
    email: Email
    first_name: Name
    last_name: Name | None = None
    patronymic: Name | None = None
    position: Name | None = None
    phone: str | None = None
    active: bool = True
    is_admin: bool | None = None
    is_manager: bool | None = None
    groups: code_set("user_groups") | None = None
    comment: Text | None = None   # spec-only
