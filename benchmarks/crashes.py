"""SIGKILL an apply on the default target (mock://.crmdeploy/mock.json) at random write points.

    python benchmarks/crashes.py [--size 3000] [--points 20] [--seed 1]

For each point K: a fresh folder, a real `crmdeploy apply SPEC --yes` process killed with
SIGKILL as soon as its journal holds K writes (it may get a write or two further before the
signal lands: the point is random, not chosen). Then, checked every time: the state holds every
write the journal calls applied, plus at most the one in flight; the recovery apply
(`--force-unlock`, the lock is stale) makes exactly the rest and converges (a new plan has no
changes); no resource is journaled as created twice. The test suite runs the same check
(`tests/test_durable.py`) at a few points over a smaller spec.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STATE = Path(".crmdeploy/mock.json")
JOURNAL = Path(".crmdeploy/journal.jsonl")


def write_spec(folder: Path, size: int) -> Path:
    import yaml

    from benchmarks.generate import build

    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(build(size), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def crmdeploy(cwd: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRMDEPLOY_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen([sys.executable, "-m", "crmdeploy", *args], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def journal(cwd: Path) -> list[dict]:
    path = cwd / JOURNAL
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.endswith("}")]


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_at(cwd: Path, spec: Path, k: int, limit: float = 300.0) -> int:
    """Start an apply in `cwd`, SIGKILL it once its journal has `k` lines; the journal lines then."""
    process = crmdeploy(cwd, "apply", str(spec), "--yes")
    deadline = time.monotonic() + limit
    try:
        while _lines(cwd / JOURNAL) < k:
            if process.poll() is not None:
                raise RuntimeError(f"the apply ended (exit {process.returncode}) before {k} writes: "
                                   + process.stderr.read().decode(errors="replace")[-2000:])
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {k} writes within {limit} s")
            time.sleep(0.0005)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        process.stderr.close()
    return _lines(cwd / JOURNAL)


def state_keys(cwd: Path) -> set[tuple[str, str]]:
    from adapters.store import Store

    store = Store(cwd / STATE)
    return {(kind, key) for kind, records in store.resources.items() for key in records}


def check_point(cwd: Path, spec: Path, k: int, total: int) -> dict:
    """Kill at `k`, then check the state, recover, and check the recovery. Figures of one point."""
    journaled_at_kill = kill_at(cwd, spec, k)
    applied = {(e["kind"], e["key"]) for e in journal(cwd) if e["result"] == "applied"}
    held = state_keys(cwd)
    lost = applied - held
    in_flight = held - applied
    recovery = crmdeploy(cwd, "apply", str(spec), "--yes", "--force-unlock")
    _, err = recovery.communicate(timeout=600)
    entries = journal(cwd)
    created = Counter((e["kind"], e["key"]) for e in entries if e["action"] == "create" and e["result"] == "applied")
    again = crmdeploy(cwd, "plan", str(spec), "--detailed-exitcode")
    again.communicate(timeout=600)
    return {"k": k, "journaled": journaled_at_kill, "state": len(held), "lost": len(lost),
            "in_flight": len(in_flight), "recovery_exit": recovery.returncode,
            "recovery_writes": len(entries) - journaled_at_kill,
            "rest": total - len(held), "created_twice": sum(1 for n in created.values() if n > 1),
            "converged": again.returncode == 0, "error": err.decode(errors="replace")[-500:] if recovery.returncode else ""}


def ok(point: dict) -> bool:
    return (point["lost"] == 0 and point["in_flight"] <= 1 and point["recovery_exit"] == 0
            and point["recovery_writes"] == point["rest"] and point["created_twice"] == 0 and point["converged"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from benchmarks.generate import counts

    total = sum(counts(args.size).values())
    points = sorted(random.Random(args.seed).sample(range(1, total), args.points))
    print(f"spec: {total} resources; SIGKILL at {args.points} random write points (seed {args.seed})")
    print("| K | journaled at kill | in state | lost | in flight | recovery writes | rest | created twice | converged |")
    print("|---|---|---|---|---|---|---|---|---|")
    good = 0
    with tempfile.TemporaryDirectory() as tmp:
        spec = write_spec(Path(tmp), args.size)
        for k in points:
            cwd = Path(tmp) / f"k{k}"
            cwd.mkdir()
            p = check_point(cwd, spec, k, total)
            good += ok(p)
            print(f"| {k} | {p['journaled']} | {p['state']} | {p['lost']} | {p['in_flight']} | "
                  f"{p['recovery_writes']} | {p['rest']} | {p['created_twice']} | {'yes' if p['converged'] else 'NO'} |",
                  flush=True)
    print(f"\n{good}/{len(points)} points: nothing lost, at most one write in flight, recovery made exactly "
          "the rest, converged, nothing created twice")
    sys.exit(0 if good == len(points) else 1)


if __name__ == "__main__":
    main()
