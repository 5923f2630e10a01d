"""Diff engine: pure functions from (spec, live) to changes."""

from __future__ import annotations

from crmdeploy.diff import diff_all, diff_kind
from crmdeploy.kinds import BY_NAME
from crmdeploy.plan import Action, FieldDiff, Plan
from crmdeploy.secrets import Sensitive
from crmdeploy.spec.commerce import PaymentType
from crmdeploy.spec.integrations import Integration
from crmdeploy.spec.pipeline import Status

STATUSES = BY_NAME["statuses"]


def status(code: str, **kw) -> Status:
    return Status(code=code, name=kw.pop("name", code.title()), group=kw.pop("group", "new"), **kw)


def test_create_lists_every_set_field():
    [change] = diff_kind(STATUSES, [status("a", ordering=5)], [])
    assert change.action is Action.CREATE
    assert change.fields == (FieldDiff("name", None, "A"), FieldDiff("group", None, "new"),
                             FieldDiff("ordering", None, 5), FieldDiff("active", None, True))


def test_update_lists_only_changed_fields_old_to_new():
    [change] = diff_kind(STATUSES, [status("a", name="Новый", ordering=5)],
                         [status("a", name="Старый", ordering=5)])
    assert change.action is Action.UPDATE
    assert change.fields == (FieldDiff("name", "Старый", "Новый"),)


def test_equal_resources_make_no_change():
    assert diff_kind(STATUSES, [status("a", ordering=1)], [status("a", ordering=1)]) == []


def test_field_the_spec_leaves_unset_is_not_managed():
    assert diff_kind(STATUSES, [status("a")], [status("a", ordering=70)]) == []


def test_spec_only_fields_are_never_compared():
    assert diff_kind(STATUSES, [status("a", cms_status="pending", comment="x")], [status("a")]) == []


def test_inactive_live_resource_is_reactivated():
    [change] = diff_kind(STATUSES, [status("a")], [status("a", active=False)])
    assert change.fields == (FieldDiff("active", False, True),)


def test_live_resource_not_in_spec_is_unmanaged_and_untouched():
    [change] = diff_kind(STATUSES, [], [status("x")])
    assert (change.action, change.key, change.fields) == (Action.UNMANAGED, "x", ())


def test_prune_deactivates_but_only_kinds_with_active():
    [change] = diff_kind(STATUSES, [], [status("x")], prune=True)
    assert change.action is Action.DEACTIVATE and change.fields == (FieldDiff("active", True, False),)
    fields = BY_NAME["custom_fields"]
    from crmdeploy.spec.fields import CustomField
    [kept] = diff_kind(fields, [], [CustomField(code="f", name="F", type="string")], prune=True)
    assert kept.action is Action.UNMANAGED and "cannot be deactivated" in kept.note


def test_unwritable_kind_becomes_manual_with_intent():
    [change] = diff_kind(STATUSES, [status("a")], [], writable=False)
    assert change.action is Action.MANUAL and change.intent is Action.CREATE
    assert "admin UI" in change.note


def test_unreadable_kind_is_manual_even_when_unchanged():
    [change] = diff_kind(STATUSES, [status("a")], None, writable=False)
    assert change.action is Action.MANUAL


def test_membership_lists_compare_as_sets():
    kind = BY_NAME["payment_statuses"]
    from crmdeploy.spec.commerce import PaymentStatus
    spec = PaymentStatus(code="p", name="P", payment_types=["cash", "card", "cash"])
    live = PaymentStatus(code="p", name="P", payment_types=["card", "cash"])
    assert diff_kind(kind, [spec], [live]) == []


def test_secrets_compare_by_value_against_a_digest():
    kind = BY_NAME["integrations"]
    stored = Sensitive("pw").digest()
    live = Integration(code="i", kind="other", credentials={"k": Sensitive.from_digest(stored)})
    same = Integration(code="i", kind="other", credentials={"k": Sensitive("pw")})
    other = Integration(code="i", kind="other", credentials={"k": Sensitive("new")})
    assert diff_kind(kind, [same], [live]) == []
    [change] = diff_kind(kind, [other], [live])
    assert change.fields[0].field == "credentials"


def test_plan_orders_by_dependency_then_action_then_key():
    desired = {"statuses": [status("b"), status("a")], "payment_types": [PaymentType(code="c", name="C")],
               "status_groups": []}
    live = {"statuses": [status("z")], "status_groups": [], "payment_types": []}
    changes = diff_all(desired, live, writable=set(BY_NAME))
    plan = Plan.of("mock://", changes)
    assert [c.address for c in plan.changes] == ["payment_types.c", "statuses.a", "statuses.b", "statuses.z"]
    assert Plan.of("mock://", list(reversed(changes))).to_data() == plan.to_data()
