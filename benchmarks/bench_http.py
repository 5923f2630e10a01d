"""Requests and throughput over HTTP against the emulator; prints figures, checks the invariants.

    python benchmarks/bench_http.py            # N = 10,000 counts; 300 changes at 10 req/s, 300 ms latency
    python benchmarks/bench_http.py --quick    # CI smoke: N = 500; 60 changes (about 10 s in all)

1. Request counts (emulator in this process, no limit, no latency; counts do not depend on them):
   the GETs a plan makes against an empty and a populated CRM of N resources (target: one per kind
   plus its further pages, about N/100), the POSTs of a no-op apply (0) and of an apply of a few
   changed resources (exactly the number of changes).
2. Throughput: `crmdeploy mock-server --rate-limit 10 --latency-ms 300` in its own process, and an
   apply of about 300 creates paced by the client at its default rate and parallelism: time of the
   writes, requests/second, the share of the limit used, and 503 answers for going over it.

Exits 1 if an invariant fails (a write more than the changes, a 503 from the limit, a plan that does
not converge), so `--quick` can run in CI as a smoke test.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from adapters.emulator import Emulator, Settings, running  # noqa: E402
from adapters.mock import MockAdapter  # noqa: E402
from adapters.retailcrm.adapter import RetailCrmAdapter  # noqa: E402
from adapters.retailcrm.mapping import ROWS  # noqa: E402
from adapters.retailcrm.transport import RateLimiter  # noqa: E402
from adapters.store import Store  # noqa: E402
from benchmarks.emulator_process import KEY, server_stats, start_server  # noqa: E402
from benchmarks.generate import build  # noqa: E402
from benchmarks.invariants import check, finish  # noqa: E402
from crmdeploy import deploy  # noqa: E402
from crmdeploy.apply import Status, apply_plan, levels  # noqa: E402
from crmdeploy.loader import load  # noqa: E402
from crmdeploy.plan import Plan  # noqa: E402
from crmdeploy.run import make_plan  # noqa: E402



def write_spec(folder: Path, name: str, data: dict) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def renamed(data: dict, every: int) -> dict:
    """The spec with the name of every `every`-th named resource changed."""
    out = {k: [dict(r) for r in v] if isinstance(v, list) else v for k, v in data.items()}
    for items in (v for v in out.values() if isinstance(v, list)):
        for resource in items[::every]:
            if "name" in resource:
                resource["name"] += " (изм.)"
    return out


class Counter:
    """GET and POST counts of an emulator between two calls of `take`."""

    def __init__(self, stats: Any):
        self.stats = stats
        self.last = self.stats()["requests"]

    def take(self) -> tuple[int, int]:
        now = self.stats()["requests"]
        gets, posts = now["GET"] - self.last["GET"], now["POST"] - self.last["POST"]
        self.last = now
        return gets, posts


def counts(n: int, work: Path) -> None:
    data = build(n)
    spec = load(write_spec(work, f"spec{n}.yaml", data))
    changed = load(write_spec(work, f"changed{n}.yaml", renamed(data, 50)))
    kinds, paged = len(ROWS), [r for r in ROWS if r.paged]
    print(f"\n1. requests for N = {n:,} ({kinds} kinds, {len(paged)} of them paged by 100; "
          f"plus one GET /api/credentials, which says what the server serves)")
    print(f"{'step':44} {'GET':>6} {'POST':>6} {'changes':>8} {'seconds':>8}")

    def row(step: str, counter: Counter, changes: int | str, seconds: float) -> tuple[int, int]:
        gets, posts = counter.take()
        print(f"{step:44} {gets:6} {posts:6} {changes!s:>8} {seconds:8.2f}")
        return gets, posts

    # The extension surface, so that every kind is written by API (a real account's plan: README).
    with running(Emulator(Store(), Settings(api_key=KEY, rate_limit=0, extensions=True))) as empty:
        adapter = RetailCrmAdapter.from_url(empty.url, api_key=KEY, rate_limit=0)
        counter = Counter(empty.emulator.stats)
        t = time.perf_counter()
        plan = make_plan(spec, adapter)
        gets, _ = row("plan against an empty CRM", counter, len(plan.writes), time.perf_counter() - t)
        check(gets <= kinds + 5, f"a plan of an empty CRM made {gets} GETs")
        adapter.close()

    store = Store()
    check(apply_plan(make_plan(spec, MockAdapter(store)), MockAdapter(store)).ok, "populating the store failed")
    with running(Emulator(store, Settings(api_key=KEY, rate_limit=0, extensions=True))) as full:
        adapter = RetailCrmAdapter.from_url(full.url, api_key=KEY, rate_limit=0)
        counter = Counter(full.emulator.stats)
        t = time.perf_counter()
        plan = make_plan(spec, adapter)
        gets, _ = row("plan against the populated CRM (no changes)", counter, len(plan.writes),
                      time.perf_counter() - t)
        check(not plan.has_changes, "the populated CRM does not match the spec")
        pages = sum(-(-len(spec.spec.resources(r.kind)) // 100) - 1 for r in paged)
        check(gets == kinds + 1 + pages, f"plan made {gets} GETs, expected {kinds} + 1 + {pages} pages")
        t = time.perf_counter()
        apply_plan(plan, adapter)
        _, posts = row("apply of that no-op plan", counter, 0, time.perf_counter() - t)
        check(posts == 0, f"a no-op apply sent {posts} writes")
        plan = make_plan(changed, adapter)
        counter.take()
        t = time.perf_counter()
        report = apply_plan(plan, adapter)
        _, posts = row("apply after renaming every 50th resource", counter, len(plan.writes),
                       time.perf_counter() - t)
        check(report.ok and posts == len(plan.writes), f"{posts} writes for {len(plan.writes)} changes")
        check(not make_plan(changed, adapter).has_changes, "apply did not converge")
        adapter.close()


def throughput(changes: int, rate: float, latency_ms: int, work: Path) -> None:
    spec = load(write_spec(work, f"throughput{changes}.yaml", build(changes)))
    print(f"\n2. apply of about {changes} creates: emulator in its own process at --rate-limit {rate:g} "
          f"--latency-ms {latency_ms}; client paced at {rate:g}/s")
    server, url = start_server([sys.executable, "-m", "crmdeploy"], rate, latency_ms)
    try:
        adapter = RetailCrmAdapter.from_url(url, api_key=KEY, rate_limit=rate)
        counter = Counter(lambda: server_stats(url))
        t = time.perf_counter()
        plan = make_plan(spec, adapter)
        planned = time.perf_counter() - t
        gets, _ = counter.take()
        ready = deploy.Planned(plan, {}, {}, spec.spec.safety)
        t = time.perf_counter()
        report = deploy.execute(ready, adapter, journal=work / "journal.jsonl")
        seconds = time.perf_counter() - t
        _, posts = counter.take()
        limited = server_stats(url)["limited"]
        adapter.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    writes = len(plan.writes)
    print(f"   plan: {gets} GETs in {planned:.2f} s")
    print(f"   apply: {posts} POSTs for {writes} changes in {seconds:.2f} s with {adapter.workers} in flight = "
          f"{posts / seconds:.2f} requests/s, {100 * posts / seconds / rate:.0f} % of the limit; "
          f"503 answers for going over it: {limited}")
    print(f"   one at a time it would take at least {writes * (latency_ms / 1000 + 0.002):.0f} s "
          f"(each write waits out the latency)")
    check(report.count(Status.APPLIED) == writes == posts, "not every change was written exactly once")
    check(limited == 0, f"{limited} requests went over the limit")
    # Best possible: every write in its paced slot, plus one latency per dependency level (a level
    # waits for the one before it to finish).
    steps = len(levels(plan))
    best = (writes - steps) * RateLimiter.MARGIN / rate + steps * latency_ms / 1000
    print(f"   best possible with pacing and {steps} dependency levels: {best:.2f} s")
    check(seconds < 1.1 * best + 0.5, f"{seconds:.1f} s is more than 10 % over the best possible")
    if writes >= 300:  # the target: 300 changes at 10/s with 300 ms latency in under 34 s
        check(seconds < 34 * writes / 300 * 10 / rate, f"{seconds:.1f} s misses the target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a CI smoke run")
    parser.add_argument("-n", type=int, help="resources for the request counts (default 10,000)")
    parser.add_argument("--changes", type=int, help="creates for the throughput run (default 300)")
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=int, default=300)
    args = parser.parse_args()
    n = args.n or (500 if args.quick else 10_000)
    changes = args.changes or (60 if args.quick else 300)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        counts(n, Path(tmp))
        throughput(changes, args.rate, args.latency_ms, Path(tmp))
    finish()


if __name__ == "__main__":
    main()
