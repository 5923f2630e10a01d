"""Prints what the safe-deploy machinery costs on specs/shop.yaml against a file-backed mock CRM:
plan + fingerprint + save, reading a saved plan back, the stale check, and apply with snapshot
and journal (one fsync per write). Run: python benchmarks/safe_deploy.py"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmdeploy import deploy, savedplan  # noqa: E402
from crmdeploy.apply import Status  # noqa: E402
from crmdeploy.loader import load  # noqa: E402
from crmdeploy.registry import open_target  # noqa: E402

for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN", "TELEPHONY_API_KEY"):
    os.environ.setdefault(name, f"bench-{name.lower()}")


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<44} {1000 * (time.perf_counter() - start):8.1f} ms")
    return result


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="crmdeploy-bench-"))
    os.chdir(work)
    target, plan_file = f"mock://{work / 'crm.json'}", work / "plan.json"
    loaded = timed("load specs/shop.yaml", lambda: load(ROOT / "specs" / "shop.yaml"))
    adapter = open_target(target)
    planned = timed("plan + reversibility (empty CRM)", lambda: deploy.plan_spec(loaded, adapter))
    timed("fingerprint + save plan file", lambda: deploy.save_plan(plan_file, planned, deploy.Options()))
    saved = timed("read plan file back (checksum, rebuild)", lambda: savedplan.read(plan_file))
    with deploy.session(target) as live_adapter:
        replanned = timed("re-read target + stale check", lambda: deploy.replan_saved(saved, live_adapter))
        timed("snapshot (empty CRM)", lambda: deploy.take_snapshot(replanned))
        report = timed(f"apply {replanned.steps} writes with journal (fsync each)",
                       lambda: deploy.execute(replanned, live_adapter, journal=work / "journal.jsonl"))
    journal = (work / "journal.jsonl").stat().st_size
    print(f"plan file {plan_file.stat().st_size:,} bytes; journal {journal:,} bytes for "
          f"{report.count(Status.APPLIED)} writes")
    full = open_target(target)  # now 106 live objects to fingerprint and snapshot
    planned = timed("plan (106 live objects)", lambda: deploy.plan_spec(loaded, full))
    timed("fingerprint of 106 live objects", lambda: planned.fingerprint)
    shot = timed("snapshot of 106 live objects", lambda: deploy.take_snapshot(planned))
    print(f"snapshot {shot.stat().st_size:,} bytes")
    os.chdir(ROOT)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
