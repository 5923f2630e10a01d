"""Seeded faults depend on the request and its attempt number, never on thread interleaving."""

from __future__ import annotations

import random

from adapters.emulator.faults import Faults

REQUESTS = [("GET", "/api/v5/reference/statuses", [("page", str(p))]) for p in range(1, 6)] + [
    ("POST", f"/api/v5/reference/statuses/s{i}/edit", [("status", f'{{"code": "s{i}"}}')]) for i in range(40)]


def decisions(order: list[int], seed: int = 20) -> dict[tuple[int, int], object]:
    """Each request sent three times, in `order`: its faults by (request, attempt)."""
    faults = Faults(fail_rate=0.2, drop_rate=0.05, stall_rate=0.1, seed=seed)
    seen: dict[int, int] = {}
    out = {}
    for index in order:
        seen[index] = seen.get(index, 0) + 1
        method, path, params = REQUESTS[index]
        out[index, seen[index]] = faults.draw(method, path, params)
    return out


def test_the_same_seed_gives_each_request_the_same_faults_in_any_order() -> None:
    order = [i for i in range(len(REQUESTS)) for _ in range(3)]
    shuffled = order[:]
    random.Random(1).shuffle(shuffled)
    first = decisions(order)
    assert decisions(shuffled) == first
    assert {plan.fault for plan in first.values()} > {None}    # some faults, not all
    assert decisions(order, seed=21) != first                   # and the seed matters


def test_a_retry_is_a_new_attempt_decided_the_same_way_every_run() -> None:
    faults = Faults(fail_rate=0.5, seed=3)
    plans = [faults.draw("GET", "/api/v5/x", [("page", "1")]) for _ in range(20)]
    assert len({p.fault for p in plans}) > 1  # attempts differ, so a retry can get through
    again = Faults(fail_rate=0.5, seed=3)
    assert [again.draw("GET", "/api/v5/x", [("page", "1")]) for _ in range(20)] == plans
