"""`crmdeploy compare A B`: how account B differs from account A, kind by kind and field by field.

Two live reads, no spec. A resource only in B shows as `+`, only in A as `-`, in both but different
as `~` with each differing field `A -> B`. Secrets are never compared (each account keeps only its
own salted digest, and a real account never returns them); they are listed as not compared.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .kinds import KINDS, Kind
from .plan import plain
from .render import _md, value_text
from .secrets import secrets_in
from .spec.base import Resource

FORMAT_VERSION = 2
ONLY_B, ONLY_A, DIFFERS = "only_in_b", "only_in_a", "differs"
SYMBOL = {ONLY_B: "+", ONLY_A: "-", DIFFERS: "~"}
LEGEND = "  + only in B   - only in A   ~ differs (A -> B)"

Live = Mapping[str, list[Resource] | None]


@dataclass(frozen=True)
class Difference:
    kind: str
    key: str
    where: str                                        # ONLY_B / ONLY_A / DIFFERS
    fields: tuple[tuple[str, Any, Any], ...] = ()     # (field, value in A, value in B)

    @property
    def address(self) -> str:
        return f"{self.kind}.{self.key}"


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    differences: tuple[Difference, ...]
    unreadable: dict[str, list[str]] = field(default_factory=dict)   # kind -> which side(s) cannot read it
    secrets: tuple[str, ...] = ()                                    # fields left out: secrets

    def count(self, where: str) -> int:
        return sum(1 for d in self.differences if d.where == where)

    @property
    def same(self) -> bool:
        return not self.differences

    def to_data(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "a": self.a, "b": self.b,
                "summary": {w: self.count(w) for w in (ONLY_B, ONLY_A, DIFFERS)},
                "differences": [{"kind": d.kind, "key": d.key, "where": d.where,
                                 "fields": [{"field": f, "a": plain(x), "b": plain(y)} for f, x, y in d.fields]}
                                for d in self.differences],
                "unreadable": self.unreadable, "not_compared": list(self.secrets)}


def compare(a_target: str, a: Live, b_target: str, b: Live) -> Comparison:
    differences: list[Difference] = []
    unreadable: dict[str, list[str]] = {}
    secrets: set[str] = set()
    for kind in KINDS:
        left, right = a.get(kind.name), b.get(kind.name)
        missing = [side for side, live in (("A", left), ("B", right)) if live is None]
        if missing:
            unreadable[kind.name] = missing
            continue
        differences += _compare_kind(kind, left, right, secrets)
    return Comparison(a_target, b_target, tuple(differences), unreadable, tuple(sorted(secrets)))


def _compare_kind(kind: Kind, left: list[Resource], right: list[Resource], secrets: set[str]) -> list[Difference]:
    a = {kind.key_of(r): r for r in left}
    b = {kind.key_of(r): r for r in right}
    out = []
    for key in sorted(a.keys() | b.keys()):
        if key not in a:
            out.append(Difference(kind.name, key, ONLY_B, _fields(kind, None, b[key], secrets)))
        elif key not in b:
            out.append(Difference(kind.name, key, ONLY_A, _fields(kind, a[key], None, secrets)))
        elif fields := _fields(kind, a[key], b[key], secrets):
            out.append(Difference(kind.name, key, DIFFERS, fields))
    return out


def _fields(kind: Kind, a: Resource | None, b: Resource | None, secrets: set[str]) -> tuple:
    rows = []
    for name in kind.compared_fields:
        x = getattr(a, name) if a is not None else None
        y = getattr(b, name) if b is not None else None
        if _secret(x) or _secret(y):
            secrets.add(f"{kind.name}.{name}")
            continue
        if x != y:
            rows.append((name, x, y))
    return tuple(rows)


def _secret(value: Any) -> bool:
    return bool(secrets_in(value))


def summary_line(c: Comparison) -> str:
    return (f"Compare: {c.count(ONLY_B)} only in B, {c.count(ONLY_A)} only in A, "
            f"{c.count(DIFFERS)} differing.")


def compare_text(c: Comparison, *, color: bool = False) -> str:
    lines = [f"How B differs from A", f"  A: {c.a}", f"  B: {c.b}", ""]
    if c.differences:
        lines += [LEGEND, ""]
    for d in c.differences:
        lines.append(f"  {SYMBOL[d.where]} {d.address}")
        rows = [(f, value_text(x), value_text(y)) for f, x, y in d.fields]
        width = max((len(f) for f, _, _ in rows), default=0) + 1
        for f, x, y in rows:
            shown = f"{x} -> {y}" if d.where == DIFFERS else (y if d.where == ONLY_B else x)
            lines.append(f"      {(f + ':').ljust(width)} {shown}")
        lines.append("")
    lines += _notes(c)
    lines.append("No differences." if c.same else summary_line(c))
    return "\n".join(lines) + "\n"


def _notes(c: Comparison) -> list[str]:
    lines = [f"Not compared ({' and '.join(sides)} cannot read it): {kind}" for kind, sides in c.unreadable.items()]
    if c.secrets:
        lines.append(f"Not compared (secrets): {', '.join(c.secrets)}")
    return lines + ([""] if lines else [])


def compare_json(c: Comparison, *, color: bool = False) -> str:
    return json.dumps(c.to_data(), ensure_ascii=False, indent=2) + "\n"


def compare_markdown(c: Comparison, *, color: bool = False) -> str:
    lines = [f"### crmdeploy compare: `{c.b}` against `{c.a}`", "", f"**{summary_line(c)}**", ""]
    if c.differences:
        lines += ["| | resource | field | A | B |", "|---|---|---|---|---|"]
        for d in c.differences:
            rows = [(f, value_text(x) if d.where != ONLY_B else "", value_text(y) if d.where != ONLY_A else "")
                    for f, x, y in d.fields] or [("", "", "")]
            for i, (f, x, y) in enumerate(rows):
                head = (SYMBOL[d.where], f"`{d.address}`") if i == 0 else ("", "")
                lines.append(f"| {head[0]} | {_md(head[1])} | {_md(f)} | {_md(x)} | {_md(y)} |")
        lines.append("")
    lines += [f"- {n}" for n in _notes(c) if n]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": compare_text, "json": compare_json, "markdown": compare_markdown}
