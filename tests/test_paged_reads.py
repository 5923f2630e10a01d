"""Pages of a paged list are read side by side once page 1 gives the count: the same requests as
one after another (the floor of the read), every page once, items in page order; a caller that
stops early costs at most `width - 1` requests more. No timing is asserted."""

from __future__ import annotations

import math
import threading

import pytest
import yaml

from adapters.mock import MockAdapter
from adapters.retailcrm import paging
from adapters.store import Store
from benchmarks.generate import build
from crmdeploy.apply import apply_plan
from crmdeploy.kinds import KINDS
from crmdeploy.loader import load
from crmdeploy.run import make_plan


def test_pages_run_side_by_side_and_come_back_in_order():
    barrier = threading.Barrier(3, timeout=10)   # only passes if three pages are in flight at once

    def fetch(page: int) -> int:
        if page <= 4:
            barrier.wait()
        return page * 10

    assert list(paging.pages(fetch, 2, 9, 3)) == [(p, p * 10) for p in range(2, 10)]


def test_a_caller_that_stops_early_costs_at_most_width_minus_one_more_requests():
    asked: list[int] = []
    lock = threading.Lock()

    def fetch(page: int) -> list[int]:
        with lock:
            asked.append(page)
        return [] if page >= 4 else [page]

    for _, items in paging.pages(fetch, 2, 5000, 4):
        if not items:
            break
    assert 4 in asked and max(asked) <= 4 + 4 - 1 and len(asked) <= 2 + 4


def test_an_error_is_raised_in_its_page_order():
    def fetch(page: int) -> int:
        if page == 5:
            raise ValueError("page 5 broke")
        return page

    seen = []
    with pytest.raises(ValueError, match="page 5 broke"):
        for page, _ in paging.pages(fetch, 2, 20, 4):
            seen.append(page)
    assert seen == [2, 3, 4]


def test_a_no_op_plan_over_http_makes_exactly_the_floor_of_its_reads(tmp_path, start_emulator, connect):
    data = build(3000)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    spec = load(path)
    store = Store()
    assert apply_plan(make_plan(spec, MockAdapter(store)), MockAdapter(store)).ok
    server = start_emulator(store)
    adapter = connect(server.url, parallelism=8)
    asked: list[tuple[str, int | None]] = []
    get, lock = adapter.transport.get, threading.Lock()

    def counted(path, params=None, **kwargs):
        with lock:
            asked.append((path, (params or {}).get("page")))
        return get(path, params, **kwargs)

    adapter.transport.get = counted
    plan = make_plan(spec, adapter)
    assert not plan.has_changes
    floor = [("/api/credentials", None)]
    for kind in KINDS:
        row = adapter.row(kind)
        if row.paged:
            pages = max(1, math.ceil(len(spec.spec.resources(kind.name)) / 100))
            floor += [(row.list, page) for page in range(1, pages + 1)]
        else:
            floor.append((row.list, None))
    assert sum(1 for _, page in floor if page and page > 1) == 4 + 3   # custom fields span 5 pages, users 4: kinds span several pages
    assert sorted(asked, key=repr) == sorted(floor, key=repr)      # each once, nothing more
    assert server.emulator.stats()["requests"]["GET"] == len(floor)
