"""Plan and apply at several sizes against the mock target; prints a table of figures.

    python benchmarks/bench_mock.py [N ...]        (default: 1000 10000 50000)
    python benchmarks/bench_mock.py --quick        (CI smoke: N=500)

Each size runs in a fresh process so peak memory (max RSS) is that size's own.
Stages: load (YAML → validated spec), plan_empty (diff against an empty CRM: N
creates), render (text plan of those N creates), apply (every create, into the
mock, state file saved), then against the populated mock: fetch (read every
kind), diff (the plan from that read), replan (fetch + diff, a no-op plan: what
CI pays on every pull request), plus cli_plan_wall: `crmdeploy plan` of that
no-op, process start to exit (median of 3), us_per_res: that wall per resource
(falls as the fixed start-up cost spreads; the footer gives the cost of each further
resource), and cli_rss_mb: that command's peak memory.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(n: int) -> dict:
    from adapters.mock import MockAdapter
    from adapters.store import Store
    from benchmarks.generate import build
    from crmdeploy.apply import apply_plan
    from crmdeploy.diff import diff_all
    from crmdeploy.kinds import KINDS
    from crmdeploy.loader import load
    from crmdeploy.render import plan_text
    from crmdeploy.run import make_plan, read_live, resources_of
    import yaml

    figures: dict = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.yaml"
        spec_path.write_text(yaml.safe_dump(build(n), allow_unicode=True, sort_keys=False), encoding="utf-8")
        figures["spec_mb"] = spec_path.stat().st_size / 1e6
        t = time.perf_counter()
        loaded = load(spec_path)
        figures["load"] = time.perf_counter() - t
        t = time.perf_counter()
        plan = make_plan(loaded, MockAdapter(Store()))
        figures["plan_empty"] = time.perf_counter() - t
        t = time.perf_counter()
        plan_text(plan)
        figures["render"] = time.perf_counter() - t
        state = Path(tmp) / "state.json"
        adapter = MockAdapter(Store(state), f"mock://{state}")
        t = time.perf_counter()
        report = apply_plan(plan, adapter)
        adapter.close()
        figures["apply"] = time.perf_counter() - t
        figures["writes"] = adapter.store.writes
        assert report.ok, "apply failed"
        t = time.perf_counter()
        live = read_live(adapter)
        figures["fetch"] = time.perf_counter() - t
        t = time.perf_counter()
        diff_all({k.name: loaded.spec.resources(k.name) for k in KINDS}, resources_of(live), {k.name for k in KINDS})
        figures["diff"] = time.perf_counter() - t
        t = time.perf_counter()
        replan = make_plan(loaded, adapter)
        figures["replan"] = time.perf_counter() - t
        assert not replan.has_changes, "not idempotent"
        env = bytecode_cached(Path(tmp))
        cli_plan(spec_path, state, env)  # warm-up: compiles the bytecode an installed package ships with
        figures["cli_plan_wall"] = statistics.median(cli_plan(spec_path, state, env) for _ in range(3))
        figures["us_per_res"] = figures["cli_plan_wall"] / n * 1e6
        figures["cli_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest CLI run
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def bytecode_cached(folder: Path) -> dict[str, str]:
    """The environment with bytecode caching on (kept under `folder`, out of the repo)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def cli_plan(spec_path: Path, state: Path, env: dict[str, str]) -> float:
    t = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "crmdeploy", "plan", str(spec_path), "-t", f"mock://{state}"],
                         capture_output=True, text=True, cwd=ROOT, env=env)
    seconds = time.perf_counter() - t
    assert "No changes" in cli.stdout, cli.stderr
    return seconds


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--child":
        print(json.dumps(measure(int(args[1]))))
        return
    sizes = [500] if args == ["--quick"] else [int(a) for a in args] or [1000, 10000, 50000]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    cols = ["n", "spec_mb", "load", "plan_empty", "render", "apply", "writes", "fetch", "diff", "replan",
            "cli_plan_wall", "us_per_res", "cli_rss_mb", "peak_rss_mb"]
    print(" ".join(f"{c:>13}" for c in cols))
    rows = []
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--child", str(n)], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout)
        rows.append(row)
        print(" ".join(f"{row[c]:>13.3f}" if isinstance(row[c], float) else f"{row[c]:>13}" for c in cols))
    print("times in seconds; cli_plan_wall = `crmdeploy plan` of a no-op spec, process start to exit")
    for a, b in zip(rows, rows[1:]):
        slope = (b["cli_plan_wall"] - a["cli_plan_wall"]) / (b["n"] - a["n"]) * 1e6
        memory = (b["cli_rss_mb"] - a["cli_rss_mb"]) / (b["n"] - a["n"]) * 1e3
        print(f"from {a['n']:,} to {b['n']:,}: each further resource costs {slope:.0f} µs of cli_plan_wall "
              f"and {memory:.1f} KB of its peak memory")


if __name__ == "__main__":
    main()
