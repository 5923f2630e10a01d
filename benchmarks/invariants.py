"""What a benchmark checks, as opposed to what it reports: request counts, idempotency, no 503.
Times and ratios are printed, never checked; a broken invariant is printed at once and makes the
benchmark exit 1 at its end (what `.ci/run`'s `--quick` smokes rely on)."""

from __future__ import annotations

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    if not ok:
        failures.append(what)
        print(f"  !! {what}", flush=True)


def finish(held: str = "all invariants hold") -> None:
    """Exit 1 naming every broken invariant, else say `held`."""
    if failures:
        print(f"\nFAILED: {'; '.join(failures)}")
        raise SystemExit(1)
    print(f"\n{held}")
