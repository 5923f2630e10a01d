"""`plan --all` over many emulator accounts: wall time against the slowest single account, peak memory.

    python benchmarks/bench_fleet.py            # 50 accounts
    python benchmarks/bench_fleet.py --quick    # CI smoke: 8 accounts
    python benchmarks/bench_fleet.py --accounts 100 --latency-ms 50

One emulator per account, with its extension surface (its own store, API key and 10 requests/second
limit, each answering 503 beyond it), all served from one helper process, so the measured
`crmdeploy` process is the only client. Every account holds specs/shop.yaml already; the project gives each a base
(shop.yaml) plus an overlay with a `${var:…}` (its shop's name), so every plan shows that update.

Measured, each as a separate `crmdeploy` process:
1. `plan -t accNN` of every account one at a time (the slowest of them is the yardstick);
2. `plan --all -f json`: its wall time, and its peak memory (ru_maxrss of that process alone).
Prints the ratio wall(--all) / slowest single plan. Exits 1 if an invariant breaks (a target not
planned or without its overlay's change) — never on timing. Also prints how many requests each phase
sent over an account's limit (answered 503 and retried).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.invariants import check, finish  # noqa: E402

SHOP = ROOT / "specs" / "shop.yaml"
CRMDEPLOY = [sys.executable, "-m", "crmdeploy"]
SECRETS = {"CDEK_ACCOUNT": "a", "CDEK_PASSWORD": "b", "RUSSIAN_POST_TOKEN": "c", "TELEPHONY_API_KEY": "d"}
OVERLAY = "statuses:\n  new: {name: \"Новый (${var:shop_name})\"}\n"
CPU: list[float] = []


def serve(accounts: int, latency_ms: int) -> None:
    """The helper process: one emulator per account, populated with shop.yaml; prints their URLs."""
    from contextlib import ExitStack

    from adapters.emulator import Emulator, Settings, running
    from adapters.mock import MockAdapter
    from adapters.store import Store
    from crmdeploy.apply import apply_plan
    from crmdeploy.loader import load
    from crmdeploy.run import make_plan

    os.environ.update(SECRETS)
    spec = load(SHOP)
    with ExitStack() as stack:
        urls, emulators = [], []
        for i in range(accounts):
            store = Store()
            apply_plan(make_plan(spec, MockAdapter(store)), MockAdapter(store))
            emulator = Emulator(store, Settings(api_key=key(i), rate_limit=10, latency_ms=latency_ms, extensions=True))
            urls.append(stack.enter_context(running(emulator)).url)
            emulators.append(emulator)
        print(json.dumps(urls), flush=True)
        sys.stdin.read()   # until the benchmark closes our stdin
        stats = [e.stats() for e in emulators]
        print(json.dumps({"limited": sum(s["limited"] for s in stats),
                          "gets": sum(s["requests"]["GET"] for s in stats)}), flush=True)


def key(i: int) -> str:
    return f"fleet-key-{i:03d}"


def name(i: int) -> str:
    return f"acc{i + 1:02d}"


def write_project(folder: Path, urls: list[str]) -> dict[str, str]:
    (folder / "overlay.yaml").write_text(OVERLAY, encoding="utf-8")
    lines = ["targets:"]
    env = {}
    for i, url in enumerate(urls):
        lines.append(f"  {name(i)}: {{url: \"{url}\", spec: [{SHOP}, overlay.yaml], "
                     f"api_key_env: {name(i).upper()}_KEY, vars: {{shop_name: Магазин {i + 1}}}}}")
        env[f"{name(i).upper()}_KEY"] = key(i)
    (folder / "crmdeploy.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env


def limited(urls: list[str]) -> int:
    """503 answers for going over the limit, summed over the accounts (the emulator's counters)."""
    total = 0
    for i, url in enumerate(urls):
        request = urllib.request.Request(f"{url}/api/emulator/stats", headers={"X-API-KEY": key(i)})
        with urllib.request.urlopen(request) as answer:
            total += json.load(answer)["limited"]
    return total


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str, int]:
    """Run crmdeploy; (wall seconds, exit code, stdout, peak RSS in KB of that process alone).
    Its CPU seconds (user + system) are kept in CPU[-1]."""
    start = time.perf_counter()
    process = subprocess.Popen(CRMDEPLOY + args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    CPU.append(usage.ru_utime + usage.ru_stime)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, process.returncode, out, usage.ru_maxrss


def _renamed(plan: dict, target: str) -> bool:
    """The overlay's change is in the plan, with this account's own ${var:shop_name}."""
    number = int(target.removeprefix("acc"))
    return any(c["kind"] == "statuses" and c["key"] == "new" and
               {"field": "name", "old": "Новый", "new": f"Новый (Магазин {number})"} in c["fields"]
               for c in plan["changes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=0, help="added by each emulator to every answer")
    parser.add_argument("--quick", action="store_true", help="8 accounts (CI smoke)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.latency_ms)
        return
    accounts = 8 if args.quick else args.accounts
    print(f"plan --all over {accounts} emulator accounts (10 req/s each, latency {args.latency_ms} ms); "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs")
    helper = subprocess.Popen([sys.executable, __file__, "--serve", str(accounts), "--latency-ms",
                               str(args.latency_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        urls = json.loads(helper.stdout.readline())
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp), urls)
    finally:
        helper.stdin.close()
        served = helper.stdout.readline()
        helper.wait(timeout=30)
    if served:
        print(f"emulators: {json.loads(served)['gets']} GETs served")
    finish()


def run(folder: Path, urls: list[str]) -> None:
    env = {**os.environ, **write_project(folder, urls), "PYTHONPATH": str(ROOT)}
    env.pop("CRMDEPLOY_API_KEY", None)
    singles = []
    for i in range(len(urls)):
        seconds, code, out, rss = timed(["plan", "-t", name(i), "--detailed-exitcode"], folder, env)
        check(code == 2, f"plan -t {name(i)} exited {code}")
        singles.append((seconds, rss))
    slowest = max(s for s, _ in singles)
    over_singles = limited(urls)
    time.sleep(1.1)   # the last single plan's second of requests is over before --all reads that account
    seconds, code, out, rss = timed(["plan", "--all", "-f", "json", "--detailed-exitcode"], folder, env)
    data = json.loads(out)
    planned = [t for t in data["targets"] if t["exit_code"] == 2 and t["plan"]["summary"]["create"] == 0
               and _renamed(t["plan"], t["name"])]
    check(code == 2 and len(planned) == len(urls), f"plan --all: exit {code}, {len(planned)}/{len(urls)} planned "
          f"as expected (first: {data['targets'][0].get('plan', {}).get('summary')})")
    median = sorted(s for s, _ in singles)[len(singles) // 2]
    print(f"{'single account, slowest':34} {slowest:8.2f} s   (median {median:.2f} s, "
          f"peak {max(r for _, r in singles) / 1024:.0f} MB)")
    single_rss = max(r for _, r in singles)
    extra = (rss - single_rss) / 1024 / max(1, len(urls) - 1)
    print(f"{'plan --all, ' + str(len(urls)) + ' accounts':34} {seconds:8.2f} s   "
          f"(peak {rss / 1024:.0f} MB: {extra:.2f} MB per account beyond the first; CPU {CPU[-1]:.1f} s, "
          f"a single plan {max(CPU[:-1]):.1f} s)")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"ratio wall(--all) / slowest single: {seconds / slowest:.2f}   "
          f"(one after another would be {sum(s for s, _ in singles):.1f} s)")
    over_all = limited(urls) - over_singles
    print(f"503 for going over an account's limit: {over_singles} during the single plans, {over_all} during --all")
    # Not an invariant: with dozens of clients on 2 cores a request paced at 10/s can arrive late and
    # bunched; the emulator then answers 503 and the client retries, as retailCRM would.


if __name__ == "__main__":
    main()
