"""${var:NAME} in spec strings (crmdeploy/variables.py)."""

from __future__ import annotations

import pytest

from crmdeploy.errors import SpecError, UsageError
from crmdeploy.loader import load
from crmdeploy.variables import parse_assignments

SPEC = """\
version: 1
status_groups:
  - {code: new, name: "${var:group} — ${var:group}", ordering: "${var:first}"}
integrations:
  - {code: cdek, kind: delivery, base_url: "https://${var:host}/v2", credentials: {password: "${env:CDEK_PASSWORD}"}}
"""


def test_variables_fill_text_and_whole_values_keep_their_type(write_spec):
    loaded = load(write_spec(SPEC), {"group": "Новые", "first": 10, "host": "api.cdek.ru"})
    group = loaded.spec.status_groups[0]
    assert (group.name, group.ordering) == ("Новые — Новые", 10)
    assert loaded.spec.integrations[0].base_url == "https://api.cdek.ru/v2"
    assert [env for _, env in loaded.document.secrets] == ["CDEK_PASSWORD"]   # secrets stay ${env:…}


def test_every_undefined_variable_is_located(write_spec):
    path = write_spec(SPEC)
    with pytest.raises(SpecError) as info:
        load(path, {"group": "x"})
    assert [str(p).split(": ", 1)[0] for p in info.value.problems] == [f"{path}:3:54", f"{path}:5:34"]
    assert 'undefined variable "first"' in str(info.value.problems[0])
    assert 'undefined variable "host"' in str(info.value.problems[1])


def test_a_malformed_reference_is_an_error(write_spec):
    with pytest.raises(SpecError, match=r'"\$\{var:no-dash\}": not a variable name'):
        load(write_spec('version: 1\nstatus_groups: [{code: a, name: "${var:no-dash}"}]\n'), {})


def test_var_options():
    assert parse_assignments(["a=1", "b=x=y", "a=2"]) == {"a": "2", "b": "x=y"}
    with pytest.raises(UsageError):
        parse_assignments(["novalue"])
