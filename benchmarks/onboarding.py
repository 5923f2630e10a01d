"""Figures for the onboarding commands on specs/shop.yaml (106 resources): time per step, sizes.

Run: python benchmarks/onboarding.py [ROUNDS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from adapters.mock import MockAdapter  # noqa: E402
from adapters.store import Store  # noqa: E402
from crmdeploy import graph  # noqa: E402
from crmdeploy.apply import apply_plan  # noqa: E402
from crmdeploy.export import export_spec  # noqa: E402
from crmdeploy.loader import load  # noqa: E402
from crmdeploy.run import make_plan  # noqa: E402
from crmdeploy.specfile import render  # noqa: E402
from crmdeploy.xlsx.reader import read_workbook  # noqa: E402
from crmdeploy.xlsx.writer import build_workbook  # noqa: E402


def best(rounds: int, step) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main(rounds: int) -> None:
    for name in ("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN", "TELEPHONY_API_KEY"):
        os.environ.setdefault(name, f"bench-{name.lower()}")   # apply to the mock needs the secrets
    loaded = load(ROOT / "specs" / "shop.yaml")
    adapter = MockAdapter(Store())
    apply_plan(make_plan(loaded, adapter), adapter)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "TZ.xlsx"
        build_workbook(loaded.spec).save(book)
        figures = {
            "export from mock (read + sort)": best(rounds, lambda: export_spec(adapter)),
            "render spec as YAML": best(rounds, lambda: render(loaded.spec)),
            "write workbook": best(rounds, lambda: build_workbook(loaded.spec).save(book)),
            "read workbook (import)": best(rounds, lambda: read_workbook(book)),
            "mermaid graph": best(rounds, lambda: graph.mermaid(graph.build(loaded.spec))),
        }
        for name, ms in figures.items():
            print(f"{name:32} {ms:8.1f} ms (best of {rounds})")
        print(f"{'workbook size':32} {book.stat().st_size / 1024:8.1f} KiB")
        print(f"{'YAML size':32} {len(render(loaded.spec).encode()) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
