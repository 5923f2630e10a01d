"""Plans and apply reports as text, JSON and Markdown. Pure functions of their input."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from .apply import ApplyReport, Status
from .plan import Action, Change, Plan, plain, title

SYMBOL = {Action.CREATE: "+", Action.UPDATE: "~", Action.DEACTIVATE: "-", Action.MANUAL: "!", Action.BLOCKED: "="}
COLOR = {Action.CREATE: "32", Action.UPDATE: "33", Action.DEACTIVATE: "31", Action.MANUAL: "35", Action.BLOCKED: "90"}
LEGEND = ("  + create   ~ update   - deactivate (active: false)   ! manual (in the admin UI)   "
          "= blocked (waits for a manual step)")
MAX_VALUE = 200


def value_text(value: Any) -> str:
    text = json.dumps(plain(value), ensure_ascii=False, sort_keys=True)
    return text if len(text) <= MAX_VALUE else f"{text[:MAX_VALUE]}… (+{len(text) - MAX_VALUE} chars)"


def field_rows(change: Change) -> Iterator[tuple[str, str, str]]:
    """(field, old, new) as text; old is "" where the resource is new. Shared by every format."""
    for diff in change.fields:
        old = "" if change.action is Action.CREATE else value_text(diff.old)
        yield diff.field, old, value_text(diff.new)


def summary_line(plan: Plan) -> str:
    c = plan.count
    blocked = f", {c(Action.BLOCKED)} blocked" if c(Action.BLOCKED) else ""
    done = f" ({len(plan.done)} manual step(s) recorded as done)" if plan.done else ""
    return (f"Plan: {c(Action.CREATE)} to create, {c(Action.UPDATE)} to update, "
            f"{c(Action.DEACTIVATE)} to deactivate, {c(Action.MANUAL)} manual{blocked}.{done}")


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def plan_text(plan: Plan, *, color: bool = False) -> str:
    shown = [c for c in plan.changes if c.action is not Action.UNMANAGED]
    lines: list[str] = []
    if shown:
        lines += [f"crmdeploy will make these changes to {plan.target}:", "", LEGEND, ""]
        for change in shown:
            lines += _change_block(change, color)
    unmanaged = [c for c in plan.changes if c.action is Action.UNMANAGED]
    if unmanaged:
        lines += _unmanaged_block(unmanaged)
    lines += [f"Note: {n}" for n in plan.notices] + ([""] if plan.notices else [])
    if not plan.has_changes:
        done = f" ({len(plan.done)} manual step(s) recorded as done)" if plan.done else ""
        lines.append(f"No changes. {plan.target} matches the spec.{done}")
    else:
        lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def _change_block(change: Change, color: bool) -> list[str]:
    head = f"  {SYMBOL[change.action]} {change.address}"
    head = _paint(head, COLOR[change.action], color) + f" ({title(change.kind)})"
    if change.note:
        head += f": {change.note}"
    rows = list(field_rows(change))
    width = max((len(f) for f, _, _ in rows), default=0) + 1
    body = [f"      {(f + ':').ljust(width)} {f'{old} -> {new}' if old else new}" for f, old, new in rows]
    return [head, *body, *(f"      ({w})" for w in change.warnings), ""]


def _unmanaged_block(changes: list[Change]) -> list[str]:
    lines = [f"In the CRM but not in the spec (left alone): {len(changes)}"]
    for (kind, note), group in groupby(changes, key=lambda c: (c.kind, c.note)):
        keys = [c.key for c in group]
        listed = ", ".join(keys[:10]) + (f", … (+{len(keys) - 10})" if len(keys) > 10 else "")
        lines.append(f"  {kind}: {listed}" + (f" ({note})" if note else ""))
    return lines + [""]


def plan_json(plan: Plan, *, color: bool = False) -> str:
    return json.dumps(plan.to_data(), ensure_ascii=False, indent=2) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


MARKDOWN_LIMIT = 65_536  # characters in a GitHub pull-request comment
FULL_PLAN = "`crmdeploy plan` without `-f markdown` prints every change"


def plan_markdown(plan: Plan, *, color: bool = False, limit: int = MARKDOWN_LIMIT, full: str = FULL_PLAN) -> str:
    """The plan as a Markdown table for a pull-request comment, at most `limit` characters: past
    it, the changes that fit, then how many were left out and where the full plan is (`full`)."""
    head = [f"### crmdeploy plan for `{plan.target}`", "", f"**{summary_line(plan)}**", ""]
    head += [f"> Note: {_md(n)}" for n in plan.notices] + ([""] if plan.notices else [])
    shown = [c for c in plan.changes if c.action is not Action.UNMANAGED]
    if not shown:
        return "\n".join(head + ["No changes: the CRM matches the spec.", ""])
    tail: list[str] = []
    unmanaged = [c for c in plan.changes if c.action is Action.UNMANAGED]
    if unmanaged:
        tail += ["", f"{len(unmanaged)} resources in the CRM are not in the spec and are left alone."]
        tail += sorted({f"- `{c.kind}`: {c.note}" for c in unmanaged if c.note})
    blocks = [_md_rows(change) for change in shown]
    table = ["| | resource | field | old | new |", "|---|---|---|---|---|"]
    text = "\n".join(head + table + [row for block in blocks for row in block] + tail) + "\n"
    if len(text) <= limit:
        return text
    tail = tail[:2]  # the count of resources left alone, not their notes
    budget = limit - 400 - len("\n".join(head + table + tail)) - len(full)
    rows: list[str] = []
    used = kept = 0
    for block in blocks:
        size = sum(len(row) + 1 for row in block)
        if used + size > budget:
            break
        rows += block
        used += size
        kept += 1
    left = len(shown) - kept
    cut = ["", f"**{left:,} more change{'s' if left != 1 else ''} not shown**: a pull-request comment "
               f"holds {limit:,} characters; {full}."]
    return "\n".join(head + table + rows + cut + tail) + "\n"


def _md_rows(change: Change) -> list[str]:
    rows = list(field_rows(change)) or [("", "", "")]
    out = []
    for i, (name, old, new) in enumerate(rows):
        first = i == 0
        sym = SYMBOL[change.action] if first else ""
        where = _md_where(change) if first else ""
        out.append(f"| {sym} | {_md(where)} | {_md(name)} | {_md(old)} | {_md(new)} |")
    return out


def _md_where(change: Change) -> str:
    notes = ([change.note] if change.note else []) + list(change.warnings)
    return f"`{change.address}`" + "".join(f" ({n})" for n in notes)


RENDERERS = {"text": plan_text, "json": plan_json, "markdown": plan_markdown}


def report_table(report: ApplyReport) -> list[str]:
    """Applied / failed / skipped per kind, with a total row."""
    counts: dict[str, Counter] = {}
    for outcome in report.outcomes:
        counts.setdefault(outcome.change.kind, Counter())[outcome.status] += 1
    total = sum(counts.values(), Counter())
    width = max([len(k) for k in counts] + [len("total")])
    head = f"  {'kind'.ljust(width)}  " + "  ".join(f"{s.value:>7}" for s in Status)
    rows = [f"  {kind.ljust(width)}  " + "  ".join(f"{c[s]:>7}" for s in Status)
            for kind, c in [*counts.items(), ("total", total)]]
    return [head, *rows[:-1], "  " + "-" * (len(head) - 2), rows[-1], ""]


def report_text(report: ApplyReport) -> str:
    lines = report_table(report) if report.outcomes else []
    for outcome in report.outcomes:
        if outcome.status is not Status.APPLIED:
            address = outcome.change.address  # an adapter's error names the resource too: once is enough
            lines.append(f"  {outcome.status.value:8} {address}: {outcome.message.removeprefix(address + ': ')}")
    lines.append(f"Apply complete: {report.count(Status.APPLIED)} applied, "
                 f"{report.count(Status.FAILED)} failed, {report.count(Status.SKIPPED)} skipped.")
    return "\n".join(lines) + "\n"
