"""Communications: message templates, print forms (documents) and the triggers that use them."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .base import Code, Duration, Email, Model, Name, Ordering, Resource, Text, Url, code_set, ref
from .orderfields import OrderField
Event = Literal["order.created", "order.status_changed", "order.payment_status_changed",
                "order.delivery_changed", "customer.created"]


class Template(Resource):
    code: Code
    name: Name | None = None
    channel: Literal["email", "sms"] = "email"
    subject: Annotated[str, StringConstraints(max_length=998)] | None = None
    body: Text
    active: bool = True
    comment: Text | None = None   # spec-only

    @model_validator(mode="after")
    def _email_has_subject(self) -> "Template":
        if self.channel == "email" and not self.subject:
            raise ValueError('an email template needs "subject"')
        if self.channel == "sms" and self.subject:
            raise ValueError('an sms template has no "subject"')
        return self


class Document(Resource):
    """A print form (invoice, waybill, contract): what `send_document` generates and sends."""

    code: Code
    name: Name
    entity: Literal["order", "customer"] = "order"
    template: Text          # the form's template (HTML with the CRM's {{ order.* }} variables)
    active: bool = True
    comment: Text | None = None   # spec-only


class Conditions(Model):
    status: ref("statuses") | None = None
    # A timer: the order is still in `status` this long after it got there ("5d", "4h", "30m").
    after: Duration | None = None
    from_status: ref("statuses") | None = None
    payment_status: ref("payment_statuses") | None = None
    delivery_type: ref("delivery_types") | None = None
    order_method: ref("order_methods") | None = None


class CreateTask(Model):
    text: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    group: ref("user_groups") | None = None
    user: ref("users", Email) | None = None
    due_in: Duration | None = None


class Notify(Model):
    text: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    groups: code_set("user_groups") | None = None
    users: code_set("users", Email) | None = None


class SetField(Model):
    field: OrderField   # a standard order field ("manager_comment") or "ENTITY/CODE" ("order/vin")
    value: str | int | float | bool


class AssignManager(Model):
    """Who gets the order: the next manager of a group, or one user."""

    group: ref("user_groups") | None = None
    user: ref("users", Email) | None = None

    @model_validator(mode="after")
    def _one(self) -> "AssignManager":
        if (self.group is None) == (self.user is None):
            raise ValueError('assign_manager takes exactly one of "group" or "user"')
        return self


class Webhook(Model):
    url: Url
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    body: Text | None = None


class SendDocument(Model):
    document: ref("documents")


class Action(Model):
    """Exactly one of the keys, e.g. `- send_template: order-approved`."""

    send_template: ref("templates") | None = None
    create_task: CreateTask | None = None
    notify: Notify | None = None
    set_field: SetField | None = None
    change_status: ref("statuses") | None = None
    assign_manager: AssignManager | None = None
    webhook: Webhook | None = None
    send_document: SendDocument | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Action":
        given = [name for name in self.model_fields_set if getattr(self, name) is not None]   # unset: None
        if len(given) != 1:
            names = ", ".join(type(self).model_fields)
            raise ValueError(f"an action has exactly one of: {names}")
        return self


class Trigger(Resource):
    code: Code
    name: Name | None = None
    event: Event = "order.status_changed"
    conditions: Conditions = Field(default_factory=Conditions)
    actions: list[Action] = []
    ordering: Ordering | None = None   # which trigger runs first when several fire on one event
    active: bool = True
    # Spec-only: what the ТЗ asked for that no action expresses yet (`validate` warns about it).
    todo: Text | None = None

    @model_validator(mode="after")
    def _does_something(self) -> "Trigger":
        if not self.actions and not self.todo:
            raise ValueError('a trigger needs at least one action (or a "todo" saying what is still to decide)')
        if self.conditions.after and not self.conditions.status:
            raise ValueError('a timer ("conditions.after") needs "conditions.status": the status the order stays in')
        return self
