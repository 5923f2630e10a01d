"""`--only` / `--exclude`: a subset of the plan that keeps its dependencies consistent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmdeploy.errors import SelectionError
from crmdeploy.plan import Action, Change
from crmdeploy.selection import Selector, select
from crmdeploy.spec.pipeline import Status
from .safe_helpers import crm_target, invoke, statuses_spec, store_of


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_selector_parses_kind_and_key_with_dots():
    assert Selector.parse("users.ivanov@shop.example") == Selector("users", "ivanov@shop.example")
    assert Selector.parse("statuses") == Selector("statuses", None)


@pytest.mark.parametrize(("text", "message"), [
    ("statusses", 'unknown kind "statusses" (did you mean "statuses"?)'),
    ("statuses.", "a key is missing after the dot"),
])
def test_selector_errors(text, message):
    with pytest.raises(SelectionError, match=re.escape(message)):
        Selector.parse(text)


def _changes() -> list[Change]:
    return [Change("status_groups", "g", Action.CREATE),
            Change("statuses", "a", Action.CREATE, resource=Status(code="a", name="A", group="g")),
            Change("payment_types", "cash", Action.UPDATE)]


def test_only_and_exclude_filter_changes():
    kept = select(_changes(), only=[Selector("status_groups"), Selector("payment_types")],
                  exclude=[Selector("payment_types", "cash")])
    assert [c.address for c in kept] == ["status_groups.g"]


def test_a_kept_change_may_not_need_a_left_out_create():
    with pytest.raises(SelectionError) as caught:
        select(_changes(), only=[Selector("statuses")])
    assert "statuses.a needs status_groups.g, which is to be created but is left out" in str(caught.value)


def test_a_reference_to_an_existing_resource_is_no_dependency():
    changes = [Change("status_groups", "g", Action.UPDATE), *_changes()[1:]]
    assert [c.address for c in select(changes, exclude=[Selector("status_groups")])] == \
        ["statuses.a", "payment_types.cash"]


def test_only_over_the_cli_keeps_dependencies_consistent(runner, write_spec, tmp_path):
    target, spec = crm_target(tmp_path), write_spec(statuses_spec(2))

    broken = invoke(runner, "apply", spec, "--target", target, "--yes", "--only", "statuses.s01")
    assert broken.exit_code == 1
    assert "statuses.s01 needs status_groups.work, which is to be created but is left out" in broken.stderr
    assert not Path(target.removeprefix("mock://")).exists()

    subset = invoke(runner, "apply", spec, "--target", target, "--yes",
                    "--only", "statuses.s01", "--only", "status_groups")
    assert subset.exit_code == 0, subset.output
    assert sorted(store_of(target).resources["statuses"]) == ["s01"]


def test_exclude_over_the_cli_for_plan(runner, write_spec, tmp_path):
    result = invoke(runner, "plan", write_spec(statuses_spec(2)), "--target", crm_target(tmp_path),
                    "--exclude", "statuses.s00")
    assert result.exit_code == 0
    assert "statuses.s01" in result.stdout and "statuses.s00" not in result.stdout
    assert "Plan: 2 to create" in result.stdout
