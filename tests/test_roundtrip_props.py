"""Property tests: any text survives spec → YAML → spec and spec → workbook → spec."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmdeploy.loader import load
from crmdeploy.spec.root import Spec
from crmdeploy.specfile import render
from crmdeploy.xlsx.reader import read_workbook
from crmdeploy.xlsx.writer import build_workbook


def texts(breaks: str) -> st.SearchStrategy[str]:
    """Printable text with a visible character (a blank cell is "not set" in a spreadsheet)."""
    chars = st.characters(exclude_categories=("Cs", "Cc"), include_characters=breaks)
    return st.text(chars, min_size=1, max_size=40).filter(lambda s: s.strip())


# Names are one line (no control characters at all); comments and bodies may hold tabs and breaks.
NAME = texts("")
YAML_TEXT = texts("\t\n\r")
# The xlsx XML turns a carriage return into a line feed, as Excel does: a workbook keeps only "\n".
BOOK_TEXT = texts("\t\n")
CODE = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,12}\Z")


@st.composite
def specs(draw, text: st.SearchStrategy[str]) -> object:
    group = draw(CODE)
    statuses = draw(st.lists(st.tuples(CODE, NAME, st.none() | text, st.none() | st.integers(0, 100_000)),
                             min_size=1, max_size=5, unique_by=lambda t: t[0]))  # a dictionary needs an element
    bodies = draw(st.lists(st.tuples(CODE, text), max_size=3, unique_by=lambda t: t[0]))
    return Spec.model_validate({
        "status_groups": [{"code": group, "name": draw(NAME)}],
        "statuses": [{"code": c, "name": n, "group": group, "comment": m, "ordering": o} for c, n, m, o in statuses],
        "templates": [{"code": c, "channel": "sms", "body": b} for c, b in bodies],
        "custom_dictionaries": [{"code": "d", "name": draw(NAME),
                                 "elements": [{"code": c, "name": n} for c, n, _, _ in statuses]}],
    })


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(YAML_TEXT))
def test_any_text_round_trips_through_yaml(spec):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(render(spec), encoding="utf-8")
        assert load(path).spec == spec


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs(BOOK_TEXT))
def test_any_text_round_trips_through_the_workbook(spec):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "TZ.xlsx"
        build_workbook(spec).save(path)
        assert read_workbook(path).spec == spec
