"""Access: user groups (the ТЗ's Доступы tab) and users (Пользователи)."""

from __future__ import annotations

from .base import Code, CodeList, Email, Name, Resource, code_set


class UserGroup(Resource):
    code: Code
    name: Name
    is_manager: bool | None = None
    is_delivery_men: bool | None = None
    # Permission codes as the admin UI names them, e.g. order_view, order_edit.
    permissions: CodeList | None = None
    order_types: code_set("order_types") | None = None
    delivery_types: code_set("delivery_types") | None = None


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
