"""Apply of specs/shop.yaml over many fault sequences; prints what was survived, per seed and in total.

    python benchmarks/faults.py                              # seeds 1-20, the test suite's faults
    python benchmarks/faults.py --seeds 200 --fail-rate 0.3 --drop-rate 0.05
    python benchmarks/faults.py --seeds 5 --stall-rate 0.03 --timeout 0.25   # 2 s stalls

Each seed: a fresh emulator seeded with unrelated resources, then plan + apply until the plan is
empty (at most 4 applies). Retry waits are skipped (counted), so only the work is timed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.emulator import Emulator, Settings, running  # noqa: E402
from adapters.retailcrm.adapter import RetailCrmAdapter  # noqa: E402
from adapters.retailcrm.retry import RetryPolicy  # noqa: E402
from crmdeploy.apply import Status, apply_plan  # noqa: E402
from crmdeploy.errors import TransientError  # noqa: E402
from crmdeploy.loader import load  # noqa: E402
from crmdeploy.run import make_plan  # noqa: E402
from tests.fault_helpers import unrelated_records, unrelated_store  # noqa: E402

for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN", "TELEPHONY_API_KEY"):
    os.environ.setdefault(name, "benchmark-secret")


def one_seed(seed: int, args: argparse.Namespace, loaded) -> dict:
    store = unrelated_store()
    before = unrelated_records(store)
    settings = Settings(api_key="bench", rate_limit=0, extensions=True, fail_rate=args.fail_rate, drop_rate=args.drop_rate,
                        stall_rate=args.stall_rate, stall_ms=2000, seed=seed)
    emulator = Emulator(store, settings)
    waits: list[float] = []
    row = {"seed": seed, "applies": 0, "failed_writes": 0, "aborted_reads": 0}
    with running(emulator) as server:
        for _ in range(4):
            adapter = RetailCrmAdapter.from_url(server.url, api_key="bench", rate_limit=0, timeout=args.timeout,
                                                policy=RetryPolicy(sleep=waits.append))
            try:
                plan = make_plan(loaded, adapter)
            except TransientError:
                row["aborted_reads"] += 1
                continue
            finally:
                adapter.close()
            if not plan.has_changes:
                break
            report = apply_plan(plan, adapter)
            row["applies"] += 1
            row["failed_writes"] += report.count(Status.FAILED)
    stats = emulator.stats()
    created = [n for (_, _, op), n in store.history.items() if op == "create"]
    row.update(requests=sum(stats["requests"].values()), faults=stats["faults"], stalled=stats["stalled"],
               retries=len(waits), duplicate_creates=stats["duplicate_creates"],
               created_twice=sum(1 for n in created if n > 1),
               unrelated_intact=unrelated_records(store) == before)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--fail-rate", type=float, default=0.3)
    parser.add_argument("--drop-rate", type=float, default=0.05)
    parser.add_argument("--stall-rate", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=None, help="client read timeout, seconds")
    parser.add_argument("--json", action="store_true", help="one JSON line per seed")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the retry lines would drown the figures
    loaded = load(ROOT / "specs/shop.yaml")
    rows, started = [], time.perf_counter()
    for seed in range(1, args.seeds + 1):
        rows.append(one_seed(seed, args, loaded))
        if args.json:
            print(json.dumps(rows[-1]))
    seconds = time.perf_counter() - started
    total = {k: sum(r[k] for r in rows) for k in ("requests", "faults", "stalled", "retries", "failed_writes",
                                                   "aborted_reads", "duplicate_creates", "created_twice")}
    one = sum(1 for r in rows if r["applies"] == 1 and r["aborted_reads"] == 0)
    print(f"{len(rows)} seeds, fail {args.fail_rate} + drop {args.drop_rate} + stall {args.stall_rate}: "
          f"{seconds:.1f} s")
    print(f"  converged: {sum(1 for r in rows if r['applies'])}/{len(rows)}; in one apply: {one}; "
          f"most applies needed: {max(r['applies'] for r in rows)}")
    print(f"  requests {total['requests']}, faults injected {total['faults']}, stalls {total['stalled']}, "
          f"retries {total['retries']}")
    print(f"  writes that failed after all retries {total['failed_writes']}, plans aborted "
          f"{total['aborted_reads']}, duplicate creates {total['duplicate_creates']}, "
          f"resources created twice {total['created_twice']}, "
          f"unrelated intact in {sum(r['unrelated_intact'] for r in rows)}/{len(rows)}")


if __name__ == "__main__":
    main()
