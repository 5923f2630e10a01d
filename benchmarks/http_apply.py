"""Plan / apply / plan of specs/shop.yaml over HTTP against the emulator; prints request counts and times.

    python benchmarks/http_apply.py                    # client pacing off
    python benchmarks/http_apply.py --rate 10          # the default pacing of a real run
    python benchmarks/http_apply.py --fail-rate 0.2    # with faults (retry waits are skipped, and counted)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.emulator import Emulator, Settings, running  # noqa: E402
from adapters.retailcrm.adapter import RetailCrmAdapter  # noqa: E402
from adapters.retailcrm.retry import RetryPolicy  # noqa: E402
from adapters.store import Store  # noqa: E402
from crmdeploy.apply import apply_plan  # noqa: E402
from crmdeploy.loader import load  # noqa: E402
from crmdeploy.run import make_plan  # noqa: E402

for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN", "TELEPHONY_API_KEY"):
    os.environ.setdefault(name, "benchmark-secret")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=0.0, help="client requests/second (0: no pacing)")
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    waits: list[float] = []
    emulator = Emulator(Store(), Settings(api_key="bench", rate_limit=0, extensions=True, fail_rate=args.fail_rate, seed=args.seed))
    loaded = load(ROOT / "specs/shop.yaml")
    with running(emulator) as server:
        sleep = waits.append if args.fail_rate else time.sleep
        adapter = RetailCrmAdapter.from_url(server.url, api_key="bench", rate_limit=args.rate,
                                            policy=RetryPolicy(sleep=sleep))
        phase(emulator, "plan", lambda: make_plan(loaded, adapter))
        plan = make_plan(loaded, adapter)
        phase(emulator, "apply (writes only)", lambda: apply_plan(plan, adapter))
        phase(emulator, "plan again", lambda: make_plan(loaded, adapter))
        adapter.close()
    print(f"faults injected: {emulator.stats()['faults']}, retry waits skipped: {len(waits)} "
          f"({sum(waits):.1f} s in total)")


def phase(emulator: Emulator, name: str, run) -> None:
    before = emulator.stats()["requests"]
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    after = emulator.stats()["requests"]
    gets, posts = after["GET"] - before["GET"], after["POST"] - before["POST"]
    rate = (gets + posts) / seconds if seconds else 0.0
    print(f"{name:20} {gets:4} GET {posts:4} POST  {seconds:7.3f} s  {rate:7.1f} requests/s")


if __name__ == "__main__":
    main()
