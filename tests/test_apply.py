"""Apply: dependency order, one write per change, failures skip dependents, idempotency."""

from __future__ import annotations

from adapters.mock import MockAdapter
from adapters.store import Store
from crmdeploy.apply import Status, apply_plan
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import RANK
from crmdeploy.loader import load
from crmdeploy.run import make_plan

from .conftest import SHOP


class RecordingAdapter(MockAdapter):
    """A mock that records the order of writes and can refuse chosen keys."""

    def __init__(self, refuse: set[str] = frozenset()):
        super().__init__(Store())
        self.calls: list[str] = []
        self.refuse = refuse

    def create(self, kind, resource):
        key = kind.key_of(resource)
        self.calls.append(f"{kind.name}.{key}")
        if f"{kind.name}.{key}" in self.refuse:
            raise AdapterError('Status group "cancel" not found', resource=f"{kind.name}.{key}", status=400)
        super().create(kind, resource)


def test_writes_follow_dependency_rank(secrets_env):
    adapter = RecordingAdapter()
    plan = make_plan(load(SHOP), adapter)
    report = apply_plan(plan, adapter)
    assert report.ok and report.count(Status.APPLIED) == len(plan.writes) == 113
    ranks = [RANK[call.split(".")[0]] for call in adapter.calls]
    assert ranks == sorted(ranks)
    assert adapter.calls.index("status_groups.cancel") < adapter.calls.index("statuses.cancel-price")


def test_one_write_per_change_and_second_apply_writes_nothing(secrets_env):
    adapter = MockAdapter(Store())
    first = apply_plan(make_plan(load(SHOP), adapter), adapter)
    assert adapter.store.writes == first.count(Status.APPLIED) == 113
    second = make_plan(load(SHOP), adapter)
    assert second.writes == () and not second.has_changes
    apply_plan(second, adapter)
    assert adapter.store.writes == 113


def test_failure_skips_dependents_and_applies_the_rest(secrets_env):
    adapter = RecordingAdapter(refuse={"status_groups.cancel"})
    report = apply_plan(make_plan(load(SHOP), adapter), adapter)
    by_address = {o.change.address: o for o in report.outcomes}
    failed = by_address["status_groups.cancel"]
    assert failed.status is Status.FAILED and 'Status group "cancel" not found' in failed.message
    skipped = by_address["statuses.cancel-price"]
    assert skipped.status is Status.SKIPPED and "status_groups.cancel" in skipped.message
    # A trigger on a cancel status depends on it transitively, so it is skipped too.
    assert by_address["triggers.on-cancel-defect"].status is Status.SKIPPED
    assert by_address["statuses.approved"].status is Status.APPLIED
    assert not report.ok
    # Re-running once the cause is gone converges.
    adapter.refuse = set()
    apply_plan(make_plan(load(SHOP), adapter), adapter)
    assert not make_plan(load(SHOP), adapter).has_changes


def test_manual_changes_are_skipped_and_say_why(secrets_env):
    from crmdeploy.adapter import Capability, Live

    class NoTemplates(MockAdapter):
        def fetch(self, kind, desired=()):
            live = super().fetch(kind, desired)
            return Live(live.resources, Capability.READ) if kind.name == "templates" else live

    adapter = NoTemplates(Store())
    report = apply_plan(make_plan(load(SHOP), adapter), adapter)
    manual = [o for o in report.outcomes if o.change.kind == "templates"]
    assert manual and all(o.status is Status.SKIPPED and o.message.startswith("manual:") for o in manual)
    triggers = [o for o in report.outcomes if o.change.kind == "triggers" and
                any(a.send_template for a in o.change.resource.actions)]
    assert triggers and all(o.status is Status.SKIPPED for o in triggers)
