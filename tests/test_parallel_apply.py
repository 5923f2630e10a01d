"""Parallel apply: writes of one dependency level run together, levels one after another,
outcomes reported in plan order, progress on the calling thread one at a time, and the same
report as a one-at-a-time apply. No test here measures time: order comes from a shared
event counter, overlap from a barrier every worker must reach."""

from __future__ import annotations

import itertools
import random
import threading

import pytest

from adapters.emulator.faults import WindowLimiter
from adapters.mock import MockAdapter
from adapters.retailcrm.transport import RateLimiter
from adapters.store import Store
from crmdeploy.apply import Status, apply_plan, levels
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import KINDS, RANK
from crmdeploy.loader import load
from crmdeploy.plan import Action
from crmdeploy.run import make_plan, read_live

from .conftest import SHOP

WORKERS = 4


class Recording(MockAdapter):
    """A mock that numbers the start and end of every write from one counter, counts writes in
    flight, can refuse chosen addresses, and can hold the first writes at a barrier."""

    def __init__(self, refuse: frozenset[str] = frozenset(), barrier: threading.Barrier | None = None,
                 gate: threading.Event | None = None):
        super().__init__(Store())
        self.refuse, self.barrier, self.gate = refuse, barrier, gate
        self.events = itertools.count()
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[int, int]] = {}
        self.threads_of: dict[str, int] = {}  # address -> the thread that wrote it
        self.in_flight = self.most_in_flight = 0

    def create(self, kind, resource):
        address = f"{kind.name}.{kind.key_of(resource)}"
        with self.lock:
            start, nth = next(self.events), len(self.threads_of)
            self.threads_of[address] = threading.get_ident()
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.barrier is not None and nth < WORKERS:  # the first WORKERS writes
                self.barrier.wait(timeout=10)  # passes only when WORKERS writes are under way together
            if self.gate is not None and nth > 0:  # every write but the first waits to be let through
                self.gate.wait(timeout=10)
            if address in self.refuse:
                raise AdapterError("refused for the test", resource=address, status=400)
            super().create(kind, resource)
        finally:
            with self.lock:
                self.in_flight -= 1
                self.spans[address] = (start, next(self.events))


@pytest.fixture
def shop(secrets_env):
    return load(SHOP)


def plan_for(shop, adapter):
    return make_plan(shop, adapter)


def test_writes_of_a_level_overlap_and_levels_do_not(shop) -> None:
    adapter = Recording(barrier=threading.Barrier(WORKERS))
    plan = plan_for(shop, adapter)
    report = apply_plan(plan, adapter, workers=WORKERS)
    assert report.ok and report.count(Status.APPLIED) == 113 == adapter.store.writes
    assert adapter.barrier.n_waiting == 0 and not adapter.barrier.broken  # WORKERS writes met there
    assert adapter.most_in_flight == WORKERS and len(set(adapter.threads_of.values())) == WORKERS
    by_rank: dict[int, list[tuple[int, int]]] = {}
    for address, span in adapter.spans.items():
        by_rank.setdefault(RANK[address.split(".")[0]], []).append(span)
    ranks = sorted(by_rank)
    for lower, higher in zip(ranks, ranks[1:]):
        # every write of a level ends before any write of the next one starts
        assert max(end for _, end in by_rank[lower]) < min(start for start, _ in by_rank[higher])


def test_the_report_is_in_plan_order_and_equals_a_one_at_a_time_apply(shop) -> None:
    refuse = frozenset({"status_groups.cancel", "templates.order-approved", "users.ivanov@autoparts.example"})
    reports = []
    for workers in (1, WORKERS, 16):
        adapter = Recording(refuse)
        plan = plan_for(shop, adapter)
        report = apply_plan(plan, adapter, workers=workers)
        assert [o.change for o in report.outcomes] == [c for c in plan.changes if c.action is not Action.UNMANAGED]
        reports.append(report.to_data())
    assert reports[0] == reports[1] == reports[2]
    summary = reports[0]["summary"]
    assert summary["failed"] == 3 and summary["skipped"] > 0
    assert summary["applied"] + summary["failed"] + summary["skipped"] == 113


def test_dependents_of_a_failed_change_are_skipped_and_never_written(shop) -> None:
    adapter = Recording(frozenset({"status_groups.cancel"}))
    report = apply_plan(plan_for(shop, adapter), adapter, workers=WORKERS)
    status = {o.change.address: o for o in report.outcomes}
    assert status["status_groups.cancel"].status is Status.FAILED
    skipped = [a for a, o in status.items() if o.status is Status.SKIPPED]
    assert "statuses.cancel-price" in skipped and "triggers.on-cancel-defect" in skipped
    assert "depends on status_groups.cancel" in status["statuses.cancel-price"].message
    assert not set(skipped) & set(adapter.spans)  # a skipped change never reached the CRM
    assert status["statuses.approved"].status is Status.APPLIED


def test_progress_runs_on_the_calling_thread_one_outcome_at_a_time(shop) -> None:
    adapter = Recording()
    plan = plan_for(shop, adapter)
    caller, seen, busy = threading.get_ident(), [], threading.Lock()

    def progress(outcome) -> None:
        assert busy.acquire(blocking=False), "progress re-entered while another call was running"
        try:
            assert threading.get_ident() == caller
            seen.append(outcome.change.address)
        finally:
            busy.release()

    report = apply_plan(plan, adapter, progress, workers=WORKERS)
    assert sorted(seen) == sorted(o.change.address for o in report.outcomes) and len(seen) == len(set(seen))
    assert caller not in adapter.threads_of.values()  # the writes themselves ran on the workers


def test_an_interrupt_cancels_what_has_not_started_and_reports_what_had(shop) -> None:
    adapter = Recording()
    plan = plan_for(shop, adapter)
    reported: list[str] = []

    def progress(outcome) -> None:
        reported.append(outcome.change.address)
        if len(reported) == 1:  # Ctrl-C while the first outcome is journaled, the others held
            adapter.gate.set()
            raise KeyboardInterrupt

    adapter.gate = threading.Event()
    with pytest.raises(KeyboardInterrupt):
        apply_plan(plan, adapter, progress, workers=WORKERS)
    written = set(adapter.spans)
    assert set(reported) == written  # every write that happened reached the journal's callback
    assert {RANK[a.split(".")[0]] for a in written} == {0}  # the next level never started
    assert len(written) < len(levels(plan)[0]) / 2  # the writes still queued were cancelled


def test_levels_are_independent_because_references_point_to_lower_ranks() -> None:
    # The parallel apply relies on this: no kind references one of equal or higher rank. The one
    # reference within a kind, a status's transitions, is accepted by every target in any order.
    from crmdeploy.spec.base import referenced_kinds

    for kind in KINDS:
        others = referenced_kinds(kind.model) - {kind.name}
        assert all(RANK[target] < RANK[kind.name] for target in others), kind.name
    assert {k.name for k in KINDS if k.name in referenced_kinds(k.model)} == {"statuses"}


def test_kinds_read_in_parallel_read_the_same_as_one_by_one(shop, start_emulator, connect) -> None:
    server = start_emulator()
    writer = connect(server.url)
    apply_plan(make_plan(shop, writer), writer)
    desired = {k.name: shop.spec.resources(k.name) for k in KINDS}
    one = read_live(connect(server.url, parallelism=1), desired)
    many = read_live(connect(server.url, parallelism=WORKERS), desired)
    assert one == many and sum(len(v.resources or ()) for v in many.values()) == 113


# --- pacing: the client's limiter and the emulator's window ------------------------------------

def test_the_rate_limiter_gives_each_thread_its_own_slot() -> None:
    """Threads asking at once get distinct slots exactly one interval apart (fake clock, no sleep)."""
    slept: list[float] = []
    record = threading.Lock()

    def sleep(seconds: float) -> None:
        with record:
            slept.append(seconds)
    limiter = RateLimiter(10, clock=lambda: 50.0, sleep=sleep)
    limiter.burst = 400   # the clock stands still, so only the slots are looked at, not the window
    start = threading.Barrier(16)

    def ask() -> None:
        start.wait(timeout=10)
        for _ in range(25):
            limiter.wait()
    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # the first request goes at once; the other 399 wait 1, 2, ... 399 intervals, no two the same
    assert sorted(round(s / limiter.interval) for s in slept) == list(range(1, 400))


def test_requests_paced_by_the_client_never_trip_the_emulators_window() -> None:
    """Ten requests a second with the client's margin pass a one-second window even when each
    one is delayed on its way by up to 40 ms (thread wake-ups, the network)."""
    now = [0.0]
    jitter = random.Random(6)

    def sleep(seconds: float) -> None:
        now[0] += seconds
    client = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    arrivals = []
    for _ in range(500):
        client.wait()
        arrivals.append(now[0] + jitter.uniform(0, 0.04))
    server_clock = iter(sorted(arrivals))
    server = WindowLimiter(10, clock=lambda: next(server_clock))
    assert all(server.allow() for _ in arrivals)
    unpaced = WindowLimiter(10, clock=iter([i / 11 for i in range(22)]).__next__)
    assert not all(unpaced.allow() for _ in range(22))  # the window does refuse a faster client


def test_a_request_that_left_late_is_counted_by_when_it_left() -> None:
    """A thread that woke from its slot after the others sends late; the next requests keep their
    distance from when it really went, not from the slot it was given."""
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds
    client = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    first = client.wait()                        # slot 0: its thread is held up
    for _ in range(9):
        client.wait()()                          # slots 0.105 ... 0.945, each gone on time
    now[0] = 0.95
    first()                                      # the first slot's request went last, at 0.95
    client.wait()
    # eleven requests within 1.05 s would be too many: the 11th waits for the second to age out
    assert now[0] == pytest.approx(0.105 + 1.05, abs=1e-5)
    on_slots = RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    now[0] = 0.0
    for _ in range(10):
        on_slots.wait()()
    on_slots.wait()
    assert now[0] == pytest.approx(1.05, abs=1e-5)        # no late sender: only the spacing


def test_a_busy_machine_and_a_503_widen_the_clients_distance() -> None:
    now = [0.0]

    def late_sleep(seconds: float) -> None:
        now[0] += seconds + 0.1                  # every wake-up comes 0.1 s late
    client = RateLimiter(10, clock=lambda: now[0], sleep=late_sleep)
    quiet = client.slack
    client.wait()
    client.wait()                                # slept, and woke late
    assert client.slack == pytest.approx(quiet + 2 * 0.1)
    client.refused()
    assert client.slack == pytest.approx(quiet + 2 * 0.1 + RateLimiter.PENALTY)
    for _ in range(50):
        client.refused()
    assert client.slack <= quiet + 2 * 0.1 + RateLimiter.MAX_PENALTY + 1e-9


def test_the_emulators_window_counts_a_request_at_its_arrival_even_when_taken_up_late() -> None:
    window = WindowLimiter(3, clock=lambda: 10.0)   # every request is taken up at t=10
    assert window.allow(at=9.0) and window.allow(at=9.5) and window.allow(at=9.3)
    assert not window.allow(at=8.8)      # came in before those three, but makes four within (8.5, 9.5]
    assert window.allow(at=7.9)          # alone in its second
    assert window.allow(at=11.0)         # a stamp from the future counts as now: (9.0, 10.0] holds three


def test_the_emulators_window_allows_exactly_the_rate_in_any_second() -> None:
    times = iter([0.0, 0.25, 0.5, 0.75, 0.875, 1.0, 1.125, 1.25, 1.5])
    window = WindowLimiter(3, clock=lambda: next(times))
    # a request is refused while 3 were let through in the second before it; refusals do not count
    assert [window.allow() for _ in range(9)] == [True, True, True, False, False, True, False, True, True]
