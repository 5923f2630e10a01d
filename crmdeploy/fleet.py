"""Many targets at once: run "plan/apply one target" for each, concurrently, and report per target.

Each target has its own adapter (so its own rate limit and connections) and, for apply, its own
lock; a target that fails is reported and the others go on. The results come back in the order
the targets were given, whatever order they finished in, so the output is stable.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .envnumber import env_number
from .errors import (EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_MANUAL, EXIT_OK, EXIT_REFUSED,
                     CrmdeployError, SpecError, UsageError)

log = logging.getLogger(__name__)

T = TypeVar("T")
# The first one present wins: an interrupted run says so before anything else.
PRECEDENCE = (EXIT_INTERRUPTED, EXIT_ERROR, EXIT_REFUSED, EXIT_CHANGES, EXIT_MANUAL, EXIT_OK)
WORKERS_ENV = "CRMDEPLOY_FLEET_PARALLELISM"
DEFAULT_WORKERS = 64   # targets in flight at once: each is I/O bound at ~10 requests/second
FORMAT_VERSION = 2


@dataclass
class Result:
    """What one target's run produced: its exit code, its output, and its figures."""

    name: str
    target: str = ""
    code: int = EXIT_OK
    text: str = ""                          # the plan / apply report as the format renders it
    data: dict[str, Any] | None = None      # the same, as JSON data
    error: str = ""                         # the error that stopped it, in the user's words
    counts: dict[str, int] = field(default_factory=dict)   # e.g. create/update/... or applied/failed
    errors: list[str] = field(default_factory=list)         # every problem, for JSON

    @property
    def status(self) -> str:
        return {EXIT_OK: "ok", EXIT_CHANGES: "changes", EXIT_MANUAL: "manual", EXIT_REFUSED: "refused",
                EXIT_INTERRUPTED: "interrupted"}.get(self.code, "error")


def workers(value: int | None = None, targets: int = 1) -> int:
    """How many targets run at once: the option, else CRMDEPLOY_FLEET_PARALLELISM, else 64."""
    if value is None:
        value = env_number(WORKERS_ENV, DEFAULT_WORKERS, int, "a whole number of targets", UsageError)
    if value < 1:
        raise UsageError(f"at least one target must run at a time (got {value})")
    return max(1, min(value, targets))


def run_all(items: Sequence[T], one: Callable[[T], Result], name: Callable[[T], str],
            parallel: int | None = None, url: Callable[[T], str] = lambda item: "",
            stop: threading.Event | None = None) -> list[Result]:
    """`one(item)` for every item, `parallel` at a time; a CrmdeployError becomes that item's result.

    On Ctrl-C (heard by this, the main thread) `stop` is set, which the items in flight watch (an
    apply stops after the writes under way); items not started never start. Every item's result
    comes back, the interrupted ones with exit code 130; a second Ctrl-C stops waiting for them."""
    def guarded(item: T) -> Result:
        try:
            return one(item)
        except CrmdeployError as exc:
            problems = [str(p) for p in exc.problems] if isinstance(exc, SpecError) else [str(exc)]
            return Result(name(item), url(item), code=exc.exit_code, error=str(exc), errors=problems)
        except Exception as exc:   # a bug in one target's run must not hide the others' results
            log.debug("target %s: unexpected error", name(item), exc_info=True)   # -vv shows where
            what = f"unexpected error: {type(exc).__name__}: {exc}"
            return Result(name(item), url(item), code=EXIT_ERROR, error=what,
                          errors=[f"unexpected error: {type(exc).__name__}"])

    def labelled(item: T) -> Result:
        _current.name = name(item)
        try:
            return guarded(item)
        finally:
            _current.name = None

    count = workers(parallel, len(items))
    with _prefixed_logs():
        if count == 1:
            return [labelled(item) for item in items]
        pool = ThreadPoolExecutor(count, "crmdeploy-target")
        futures = [pool.submit(labelled, item) for item in items]
        try:
            return [future.result() for future in futures]
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            if stop is not None:
                stop.set()
            log.warning("interrupted: the targets in flight stop after the writes under way; the others do not start")
            return [_outcome(future, item, name, url) for future, item in zip(futures, items)]
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def _outcome(future: Future[Result], item: T, name: Callable[[T], str], url: Callable[[T], str]) -> Result:
    if future.cancelled():
        return Result(name(item), url(item), code=EXIT_INTERRUPTED, error="interrupted before it started",
                      errors=["interrupted before it started"])
    return future.result()


_current = threading.local()


class _TargetPrefix(logging.Filter):
    """Log lines of a target's run start with `[NAME]`, so concurrent targets stay apart on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        label = getattr(_current, "name", None)
        if label and not getattr(record, "fleet_target", None):
            record.msg, record.fleet_target = f"[{label}] {record.msg}", label
        return True


@contextmanager
def _prefixed_logs() -> Iterator[None]:
    prefix, handlers = _TargetPrefix(), list(logging.getLogger().handlers)
    for handler in handlers:
        handler.addFilter(prefix)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(prefix)


def aggregate(codes: Sequence[int]) -> int:
    """One exit code for many targets: 130 > 1 > 3 > 2 > 4 > 0 (any other code counts as an error)."""
    present = {c if c in PRECEDENCE else EXIT_ERROR for c in codes}
    return next((c for c in PRECEDENCE if c in present), EXIT_OK)


def summary_table(results: Sequence[Result], columns: Sequence[str]) -> str:
    """One row per target: name, result, the counts asked for, and the error's first line."""
    head = ["target", "result", *columns]
    rows = [[r.name, r.status, *(str(r.counts[c]) if c in r.counts else "-" for c in columns)]
            for r in results]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in [head, *rows]]
    notes = ["", *(r.error.splitlines()[0] if r.error else "" for r in results)]
    lines = [(line + "  " + note).rstrip() for line, note in zip(lines, notes)]
    ok = sum(1 for r in results if r.code in (EXIT_OK, EXIT_CHANGES, EXIT_MANUAL))
    stopped = sum(1 for r in results if r.code == EXIT_INTERRUPTED)
    tail = f", {stopped} interrupted" if stopped else ""
    return "\n".join([*lines, f"{len(results)} targets: {ok} ok, {len(results) - ok - stopped} failed or refused"
                              f"{tail}."]) + "\n"


def grouped_text(results: Sequence[Result], columns: Sequence[str]) -> str:
    """Each target's output under its own heading, then the summary table."""
    parts = []
    for result in results:
        heading = f"=== {result.name}" + (f" ({result.target})" if result.target else "") + " ==="
        body = result.text if result.text else ""
        if result.error:
            body += "".join(f"Error: {line}\n" for line in result.error.splitlines())
        parts.append(f"{heading}\n{body}\n")
    return "".join(parts) + "=== summary ===\n" + summary_table(results, columns)


def grouped_json(results: Sequence[Result], code: int) -> str:
    targets = []
    for r in results:
        item: dict[str, Any] = {"name": r.name, "target": r.target, "result": r.status, "exit_code": r.code}
        if r.data is not None:
            item.update(r.data)
        if r.error:
            item["error"] = {"messages": r.errors or [r.error]}
        targets.append(item)
    return json.dumps({"format_version": FORMAT_VERSION, "exit_code": code, "targets": targets},
                      ensure_ascii=False, indent=2) + "\n"


def grouped_markdown(results: Sequence[Result], columns: Sequence[str]) -> str:
    parts = [f"## `{r.name}`\n\n" + (r.text if r.text else f"**Error:** {r.error}\n") for r in results]
    head = ["target", "result", *columns]
    table = ["## Summary", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    table += ["| " + " | ".join([r.name, r.status, *(str(r.counts.get(c, "-")) for c in columns)]) + " |"
              for r in results]
    return "\n".join(parts) + "\n" + "\n".join(table) + "\n"
