"""Issue 16's targets, each printed as a ratio in one run (paired runs, medians, load average beside).

    python benchmarks/bench_targets.py            # the issue's sizes (about 5 minutes on 2 cores)
    python benchmarks/bench_targets.py --quick    # CI smoke: small sizes, invariants only

1. no-op `crmdeploy plan` of 10k resources on the mock  vs  a process that only parses the spec's
   YAML with the garbage collector off (libyaml), whole processes, run in pairs; target <= 1.2.
2. `crmdeploy validate`  vs  the no-op `crmdeploy plan` of the same spec, paired, at 1k/10k/100k;
   target <= 1.0 (validate lints the spec: that lint must stay linear).
3. no-op plan over HTTP (emulator in its own process at 10 req/s and 300 ms latency)  vs  the floor
   of its reads at 1k/5k/10k: one GET /api/credentials, one GET per listable kind, the extra pages,
   one GET per item only readable one by one; the floor's time is those R requests at exactly the
   rate plus one latency, (R - 1) / rate + latency. Target <= 1.25, requests == R, no 503.
4. peak RSS of the 100k no-op plan  vs  the parse-only process of the same spec; target <= 1.2.
5. `crmdeploy --help` and `crmdeploy validate specs/shop.yaml` wall time; targets 0.1 s and 0.25 s.

Times are wall seconds of whole processes (bytecode cached, as an installed package runs), except
in 3, where the plan is timed in this process from a fresh adapter to the finished plan (the spec
is loaded before the clock starts: the floor is about the reads). Exits 1 only when an invariant
breaks (a no-op plan that is not one, requests beyond the floor, a 503 from the limit), never on a
time or a ratio: those depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.emulator_process import KEY, server_stats, start_server  # noqa: E402
from benchmarks.invariants import check, finish  # noqa: E402

SHOP = ROOT / "specs" / "shop.yaml"
PARSE_ONLY = ("import gc, sys, yaml\ngc.disable()\n"
              "yaml.load(open(sys.argv[1], 'rb'), Loader=yaml.CSafeLoader)\n")
SUMMARY: list[str] = []   # one line per target and size: its ratio against its limit, with the load
KEEP = False   # --work DIR: the specs and states stay there for the next run


def summary(target: str, value: float, limit: float, load: str, detail: str = "") -> None:
    """Remember a target's ratio (measured / the issue's limit: at or under 1 met) for the summary."""
    met = "met" if value <= limit else "NOT met"
    SUMMARY.append(f"  {target:<52} {value:6.2f}  (<= {limit:g}: {met}){detail}  [{load}]")


def load_avg() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def env_for(folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    env["CRMDEPLOY_API_KEY"] = KEY
    env.update({name: "bench" for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN",
                                           "TELEPHONY_API_KEY")})
    return env


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Like `run`, reaping the process with wait4 so its own peak RSS is known. Its stderr goes to
    a file, not a pipe: `validate` of 100k resources writes more lint warnings than a pipe holds,
    and a child blocked on a full stderr pipe while stdout is being read never ends."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors)
        out = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        errors.seek(0)
        err = errors.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} exited {proc.returncode}: {err.decode()[-600:]}")
    return wall, usage.ru_maxrss / 1024, out.decode("utf-8", "replace")


def crmdeploy(*args: str) -> list[str]:
    return [sys.executable, "-m", "crmdeploy", *args]


def make_spec(n: int, folder: Path) -> tuple[Path, Path]:
    """The synthetic spec of `n` resources and a mock state file that matches it (made in a child
    process, so this one stays small)."""
    spec, state = folder / f"spec{n}.yaml", folder / f"state{n}.json"
    if spec.exists() and state.exists():  # --work DIR of an earlier run: made already
        return spec, state
    code = ("import sys, yaml\nfrom pathlib import Path\nsys.path.insert(0, sys.argv[3])\n"
            "from benchmarks.generate import build\nfrom adapters.mock import MockAdapter\n"
            "from adapters.store import Store\nfrom crmdeploy.apply import apply_plan\n"
            "from crmdeploy.loader import load\nfrom crmdeploy.run import make_plan\n"
            "n, folder = int(sys.argv[1]), Path(sys.argv[2])\n"
            "spec = folder / f'spec{n}.yaml'\n"
            "spec.write_text(yaml.safe_dump(build(n), allow_unicode=True, sort_keys=False), encoding='utf-8')\n"
            "loaded = load(spec)\nadapter = MockAdapter(Store(folder / f'state{n}.json'))\n"
            "assert apply_plan(make_plan(loaded, MockAdapter(Store())), adapter).ok\nadapter.close()\n")
    subprocess.run([sys.executable, "-c", code, str(n), str(folder), str(ROOT)], check=True, cwd=ROOT)
    return spec, state


def paired(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, list[tuple]]:
    """Each command once per round, the order rotated every round (so drift in the machine's load
    falls on each alike); (wall, rss, stdout, load average) of every run."""
    names = list(commands)
    for name in names:  # warm-up: bytecode compiled, files in the page cache
        timed(commands[name], env)
    out: dict[str, list[tuple]] = {name: [] for name in names}
    for r in range(runs):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, rss, text = timed(commands[name], env)
            out[name].append((wall, rss, text, os.getloadavg()[0]))
    return out


def ratio(results: dict[str, list[tuple]], top: str, bottom: str, field: int = 0) -> float:
    """Median of the per-round ratios (each round's two runs were made side by side)."""
    return statistics.median(a[field] / b[field] for a, b in zip(results[top], results[bottom]))


def med(results: dict[str, list[tuple]], name: str, field: int = 0) -> float:
    return statistics.median(r[field] for r in results[name])


def loads(results: dict[str, list[tuple]]) -> str:
    values = [r[3] for rows in results.values() for r in rows]
    return f"load {min(values):.1f}–{max(values):.1f}"


def local(sizes: list[int], plan_size: int, rss_size: int, runs: int, folder: Path) -> None:
    env = env_for(folder)
    print(f"\n1–2, 4. mock target, whole processes, {runs} paired rounds (median of the per-round ratios)")
    print(f"{'N':>8} {'parse':>7} {'plan':>7} {'validate':>9} {'plan/parse':>11} {'validate/plan':>14} "
          f"{'RSS parse':>10} {'RSS plan':>9} {'RSS ratio':>10}  load")
    for n in sizes:
        spec, state = make_spec(n, folder)
        results = paired({"parse": [sys.executable, "-c", PARSE_ONLY, str(spec)],
                          "plan": crmdeploy("plan", str(spec), "-t", f"mock://{state}"),
                          "validate": crmdeploy("validate", str(spec))}, env, runs if n <= 10_000 else max(2, runs // 2))
        check(all("No changes" in r[2] for r in results["plan"]), f"the no-op plan of {n} is not a no-op")
        print(f"{n:>8,} {med(results, 'parse'):7.2f} {med(results, 'plan'):7.2f} {med(results, 'validate'):9.2f} "
              f"{ratio(results, 'plan', 'parse'):11.2f} {ratio(results, 'validate', 'plan'):14.2f} "
              f"{med(results, 'parse', 1):8.0f}MB {med(results, 'plan', 1):7.0f}MB "
              f"{ratio(results, 'plan', 'parse', 1):10.2f}  {loads(results)}", flush=True)
        if n == plan_size:
            print(f"   target 1: no-op plan of {n:,} / GC-off parse = {ratio(results, 'plan', 'parse'):.2f} "
                  f"(<= 1.2)  [{loads(results)}]")
            summary(f"1. no-op plan of {n:,} / GC-off parse", ratio(results, "plan", "parse"), 1.2, loads(results))
        summary(f"2. validate / no-op plan, {n:,}", ratio(results, "validate", "plan"), 1.0, loads(results))
        if n == rss_size:
            print(f"   target 4: peak RSS of the {n:,} no-op plan / parse-only = "
                  f"{ratio(results, 'plan', 'parse', 1):.2f} (<= 1.2)  [{loads(results)}]")
            summary(f"4. peak RSS of the {n:,} plan / parse-only", ratio(results, "plan", "parse", 1), 1.2,
                    loads(results))
        if not KEEP:
            spec.unlink()
            state.unlink()


def floor_requests(adapter, loaded) -> int:
    """What a no-op plan cannot do with less: the credentials, a GET per listable kind and its
    further pages, a GET per item of a kind with no list route."""
    from adapters.retailcrm.adapter import PAGE
    from crmdeploy.kinds import KINDS

    total = 1
    for kind in KINDS:
        row, n = adapter.row(kind), len(loaded.spec.resources(kind.name))
        if adapter.found.get(kind.name) is not None and adapter.found[kind.name].name == "NONE":
            continue
        if row.list:
            total += max(1, math.ceil(n / PAGE)) if row.paged else 1
        else:
            total += n
    return total


def http(sizes: list[int], rate: float, latency_ms: int, runs: int, folder: Path) -> None:
    from adapters.retailcrm.adapter import RetailCrmAdapter
    from crmdeploy.loader import load
    from crmdeploy.run import make_plan

    env = env_for(folder)
    print(f"\n3. no-op plan over HTTP: emulator in its own process, --rate-limit {rate:g} --latency-ms "
          f"{latency_ms} --extensions; client at its default pacing; median of {runs} (a fresh adapter each)")
    print(f"{'N':>8} {'GETs':>5} {'floor R':>8} {'floor s':>8} {'plan s':>7} {'ratio':>6} {'503s':>5}  load")
    for n in sizes:
        spec, state = make_spec(n, folder)
        loaded = load(spec)
        server, url = start_server(crmdeploy(), rate, latency_ms, state=state, env=env)
        try:
            walls, gets, loads_seen = [], [], []
            for _ in range(runs):
                time.sleep(1.2)  # the server's one-second window forgets the previous run
                before = server_stats(url)
                adapter = RetailCrmAdapter.from_url(url, api_key=KEY, rate_limit=rate)
                t = time.perf_counter()
                plan = make_plan(loaded, adapter)
                walls.append(time.perf_counter() - t)
                loads_seen.append(os.getloadavg()[0])
                adapter.close()
                after = server_stats(url)
                gets.append(after["requests"]["GET"] - before["requests"]["GET"])
                check(not plan.has_changes, f"the HTTP no-op plan of {n} is not a no-op")
                floor = floor_requests(adapter, loaded)
                check(gets[-1] == floor, f"the plan of {n} made {gets[-1]} GETs; the floor is {floor}")
            limited = server_stats(url)["limited"]
        finally:
            server.terminate()
            server.wait(timeout=10)
        check(limited == 0, f"{limited} requests of the plans of {n} were answered 503 for going over the limit")
        floor_s = (floor - 1) / rate + latency_ms / 1000 if rate > 0 else latency_ms / 1000
        wall = statistics.median(walls)
        shown = f"{wall / floor_s:6.2f}" if floor_s > 0 else "     -"
        print(f"{n:>8,} {statistics.median(gets):5.0f} {floor:8} {floor_s:8.2f} {wall:7.2f} {shown} {limited:5}  "
              f"load {min(loads_seen):.1f}–{max(loads_seen):.1f}", flush=True)
        if floor_s > 0:
            summary(f"3. no-op plan over HTTP / its read floor, {n:,}", wall / floor_s, 1.25,
                    f"load {min(loads_seen):.1f}–{max(loads_seen):.1f}")
        if not KEEP:
            spec.unlink()
            state.unlink()


def startup(runs: int, folder: Path) -> None:
    env = env_for(folder)
    results = paired({"help": crmdeploy("--help"), "validate": crmdeploy("validate", str(SHOP))}, env, runs)
    print(f"\n5. start-up, median of {runs}: `crmdeploy --help` {med(results, 'help'):.3f} s (<= 0.1), "
          f"`crmdeploy validate specs/shop.yaml` {med(results, 'validate'):.3f} s (<= 0.25)  [{loads(results)}]")
    summary("5. `crmdeploy --help` / 0.1 s", med(results, "help") / 0.1, 1.0, loads(results),
            f", {med(results, 'help'):.3f} s")
    summary("5. `crmdeploy validate specs/shop.yaml` / 0.25 s", med(results, "validate") / 0.25, 1.0,
            loads(results), f", {med(results, 'validate'):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs: the CI smoke")
    parser.add_argument("--runs", type=int, help="paired rounds (default 5; 1 with --quick)")
    parser.add_argument("--only", choices=("local", "http", "startup"), action="append",
                        help="run only these parts (repeatable)")
    parser.add_argument("--work", help="keep the generated specs and mock states in this folder, and reuse them")
    args = parser.parse_args()
    parts = set(args.only or ("local", "http", "startup"))
    runs = args.runs or (1 if args.quick else 5)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; {load_avg()}")
    global KEEP
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.work or tmp)
        KEEP = bool(args.work)
        if "local" in parts:
            if args.quick:
                local([500], 500, 500, runs, folder)
            else:
                local([1_000, 10_000, 100_000], 10_000, 100_000, runs, folder)
        if "http" in parts:
            if args.quick:
                http([1_000], 50.0, 20, runs, folder)
            else:
                http([1_000, 5_000, 10_000], 10.0, 300, max(1, runs // 2 + 1), folder)
        if "startup" in parts:
            startup(3 if args.quick else 15, folder)
    print("\nEach target's ratio (measured / the issue's limit for 5; the load average beside each):")
    print("\n".join(SUMMARY))
    finish("all invariants hold (times and ratios are reported, never checked)")


if __name__ == "__main__":
    main()
