"""Start-up time of the command line: wall time of whole processes, repeated; prints figures.

    python benchmarks/startup.py            # 15 runs of each command
    python benchmarks/startup.py --quick    # 5 runs (CI smoke)

Each command runs twice over: with bytecode cached, as an installed package runs (pip compiles
it on install), and with no bytecode cache at all (PYTHONDONTWRITEBYTECODE, every module compiled
on every start). `python -c pass` is the interpreter's own start, for reference. Also checks which
heavy libraries each command imports: a mock run must never import requests, and rich and
openpyxl are only for the commands that use them. Exits 1 if one of those is imported.
"""

from __future__ import annotations

import argparse
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
SHOP = ROOT / "specs" / "shop.yaml"
TARGETS = {"--help": 0.1, "validate specs/shop.yaml": 0.25}  # seconds (issue 16's targets)
HEAVY = ("requests", "urllib3", "rich", "openpyxl", "tenacity", "pydantic", "yaml")
NEVER = {"requests", "urllib3", "rich", "openpyxl", "tenacity"}  # for any of the commands below

COMMANDS = {
    "python -c pass": None,
    "crmdeploy --help": ["--help"],
    "crmdeploy validate specs/shop.yaml": ["validate", str(SHOP)],
    "crmdeploy plan specs/shop.yaml -t mock://": ["plan", str(SHOP), "-t", "mock://"],
}
PROBE = ("import sys\nfrom crmdeploy.cli import main\nsys.argv = ['crmdeploy', *{args!r}]\n"
         "try:\n    main()\nexcept SystemExit:\n    pass\n"
         "sys.stderr.write('IMPORTED ' + ' '.join(m for m in {heavy!r} if m in sys.modules) + '\\n')\n")


def command(args: list[str] | None) -> list[str]:
    return [sys.executable, "-c", "pass"] if args is None else [sys.executable, "-m", "crmdeploy", *args]


def environments(folder: Path) -> dict[str, dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    base.update({name: "startup-benchmark" for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN",
                                                       "TELEPHONY_API_KEY")})
    base["PYTHONPATH"] = str(ROOT)
    return {"bytecode cached": {**base, "PYTHONPYCACHEPREFIX": str(folder / "pycache")},
            "no bytecode cache": {**base, "PYTHONDONTWRITEBYTECODE": "1"}}


def timed(cmd: list[str], env: dict[str, str], runs: int, cwd: Path) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system) seconds of each run; CPU time is what a busy machine inflates least."""
    subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)  # warm-up (and compile)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def imported(args: list[str], env: dict[str, str], cwd: Path) -> set[str]:
    code = PROBE.format(args=args, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
    line = next((ln for ln in result.stderr.splitlines() if ln.startswith("IMPORTED")), "IMPORTED")
    return set(line.split()[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 runs of each command instead of 15")
    runs = 5 if parser.parse_args().quick else 15
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{runs} runs each; seconds: wall median (wall min) CPU median; load average "
          f"{os.getloadavg()[0]:.1f} (other processes compete for the cores when it is over 0)")
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        envs = environments(folder)
        print(f"{'command':44}" + "".join(f"{name:>26}" for name in envs) + "   imports")
        for name, args in COMMANDS.items():
            cells = []
            for env in envs.values():
                walls, cpus = timed(command(args), env, runs, folder)
                cells.append(f"{statistics.median(walls):.3f} ({min(walls):.3f}) {statistics.median(cpus):.3f}")
            heavy = imported(args, envs["bytecode cached"], folder) if args is not None else set()
            bad += [f"{name} imports {m}" for m in sorted(heavy & NEVER)]
            print(f"{name:44}" + "".join(f"{c:>26}" for c in cells) + "   " + (" ".join(sorted(heavy)) or "-"))
    print("targets: " + ", ".join(f"{name} under {limit} s" for name, limit in TARGETS.items())
          + " of wall time (an installed package: bytecode cached)")
    if bad:
        print("FAILED: " + "; ".join(bad))
        raise SystemExit(1)


if __name__ == "__main__":
    main()
