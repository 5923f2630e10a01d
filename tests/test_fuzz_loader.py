"""Fuzz the loader and validator with mutated specs: success, or errors that each name file:line."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdeploy.errors import SpecError
from crmdeploy.loader import load

from .conftest import SHOP

BASE = SHOP.read_text(encoding="utf-8")
LINES = BASE.splitlines(keepends=True)
FRAGMENTS = ["{", "}", "[", "]", ":", "- ", "  ", "\t", "&a ", "*a", "<<: *a", "!!python/object", "'", '"',
             "${env:X}", "code: new", "group: cancel", "status: aproved", "\n", "\x00", "я", "~", "null", "1e400",
             "-1", "true", "2026-11-23", "? ", "|", ">", "#", "%YAML 1.1\n", "---\n", "...\n"]

mutation = st.one_of(
    st.tuples(st.just("delete_line"), st.integers(0, len(LINES) - 1), st.just("")),
    st.tuples(st.just("duplicate_line"), st.integers(0, len(LINES) - 1), st.just("")),
    st.tuples(st.just("insert"), st.integers(0, len(BASE)), st.sampled_from(FRAGMENTS)),
    st.tuples(st.just("insert_text"), st.integers(0, len(BASE)), st.text(max_size=8)),
    st.tuples(st.just("delete_chars"), st.integers(0, len(BASE)), st.sampled_from(["1", "2", "5", "20"])),
    st.tuples(st.just("swap_lines"), st.integers(0, len(LINES) - 2), st.just("")),
)


def mutate(text: str, ops: list[tuple[str, int, str]]) -> str:
    for op, at, arg in ops:
        lines = text.splitlines(keepends=True)
        at_line = min(at, max(len(lines) - 1, 0))
        if op == "delete_line" and lines:
            del lines[at_line]
            text = "".join(lines)
        elif op == "duplicate_line" and lines:
            lines.insert(at_line, lines[at_line])
            text = "".join(lines)
        elif op == "swap_lines" and len(lines) > at_line + 1:
            lines[at_line], lines[at_line + 1] = lines[at_line + 1], lines[at_line]
            text = "".join(lines)
        elif op in ("insert", "insert_text"):
            text = text[:at] + arg + text[at:]
        elif op == "delete_chars":
            text = text[:at] + text[at + int(arg):]
    return text


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_specs_never_crash(ops, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "spec.yaml"
    path.write_text(mutate(BASE, ops), encoding="utf-8", errors="surrogatepass")
    try:
        load(path)
    except SpecError as exc:
        located = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: ")
        assert exc.problems
        for line in str(exc).splitlines():
            assert located.match(line), line
