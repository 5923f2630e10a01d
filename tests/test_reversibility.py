"""Each change says whether it can be undone; deactivating a status live orders use is flagged."""

from __future__ import annotations

import json

from adapters.mock import MockAdapter
from adapters.store import Store
from crmdeploy.kinds import BY_NAME
from crmdeploy.plan import Action, Change, FieldDiff, Plan
from crmdeploy.reversibility import annotate
from crmdeploy.secrets import Sensitive
from .safe_helpers import crm_target, invoke, statuses_spec, store_of


class NoUsageAdapter:
    """An adapter without the optional `usage` method."""

    name, target = "bare", "bare://"


def _one(change: Change, adapter=None) -> Change:
    return annotate(Plan("mock://", (change,)), adapter or MockAdapter()).changes[0]


def test_create_of_a_kind_that_can_be_deactivated_is_reversible():
    change = _one(Change("statuses", "a", Action.CREATE))
    assert (change.reversible, change.warnings) == (True, ())


def test_create_of_a_custom_field_is_irreversible():
    change = _one(Change("custom_fields", "f", Action.CREATE))
    assert change.reversible is False
    assert change.warnings == ("irreversible: a custom field cannot be deactivated or deleted once created",)


def test_update_of_a_secret_is_irreversible():
    secret = {"token": Sensitive("x", env="TOKEN")}
    change = _one(Change("integrations", "i", Action.UPDATE, (FieldDiff("credentials", {}, secret),)))
    assert change.reversible is False
    assert "old credentials" in change.warnings[0]


def test_deactivating_a_status_in_use_is_flagged():
    store = Store()
    store.set_usage("statuses", "a", 7)
    change = _one(Change("statuses", "a", Action.DEACTIVATE, (FieldDiff("active", True, False),)),
                  MockAdapter(store))
    assert change.reversible is True
    assert change.warnings == ("in use: 7 live order(s) use this order status; they keep it while it is inactive",)


def test_an_update_to_inactive_is_flagged_the_same_way():
    store = Store()
    store.set_usage("statuses", "a", 2)
    change = _one(Change("statuses", "a", Action.UPDATE, (FieldDiff("active", True, False),)), MockAdapter(store))
    assert "in use: 2 live order(s)" in change.warnings[0]


def test_an_adapter_without_usage_still_works():
    change = _one(Change("statuses", "a", Action.DEACTIVATE, (FieldDiff("active", True, False),)), NoUsageAdapter())
    assert (change.reversible, change.warnings) == (True, ())


def test_unmanaged_is_not_judged_and_manual_is_judged_by_its_intent():
    store = Store()
    store.set_usage("statuses", "c", 3)
    plan = annotate(Plan("mock://", (Change("statuses", "b", Action.UNMANAGED),
                                     Change("custom_fields", "f", Action.MANUAL, intent=Action.CREATE),
                                     Change("statuses", "c", Action.MANUAL, (FieldDiff("active", True, False),),
                                            intent=Action.DEACTIVATE))), MockAdapter(store))
    assert [c.reversible for c in plan.changes] == [None, False, True]
    assert plan.changes[2].warnings[0].startswith("in use: 3 live order(s)")


def test_plan_shows_reversibility_in_text_and_json(runner, write_spec, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(3)), "--target", target, "--yes")
    store = store_of(target)
    store.set_usage("statuses", "s02", 41)
    store.save()
    spec = write_spec(statuses_spec(2, extra="custom_fields:\n  - {code: f, name: F, type: string}\n"), "b.yaml")

    text = invoke(runner, "plan", spec, "--target", target, "--prune")
    data = invoke(runner, "plan", spec, "--target", target, "--prune", "--format", "json")

    assert "  - statuses.s02 (order status)\n      active: true -> false\n" \
           "      (in use: 41 live order(s) use this order status; they keep it while it is inactive)" in text.stdout
    assert "(irreversible: a custom field cannot be deactivated or deleted once created)" in text.stdout
    changes = {c["key"]: c for c in json.loads(data.stdout)["changes"]}
    assert changes["order/f"]["reversible"] is False and changes["s02"]["reversible"] is True
    assert changes["s02"]["warnings"][0].startswith("in use: 41")
    assert BY_NAME["statuses"].can_deactivate
