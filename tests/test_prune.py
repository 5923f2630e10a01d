"""`--prune`: what is in the CRM but not in the spec is deactivated, never deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.diff import diff_kind
from crmdeploy.kinds import BY_NAME
from crmdeploy.plan import Action
from crmdeploy.spec.fields import CustomField
from crmdeploy.spec.pipeline import Status
from .safe_helpers import crm_target, invoke, statuses_spec, store_of


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def test_prune_deactivates_and_never_deletes(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(12)), "--target", target, "--yes")
    smaller = write_spec(statuses_spec(10), "smaller.yaml")

    without = invoke(runner, "plan", smaller, "--target", target)
    result = invoke(runner, "apply", smaller, "--target", target, "--yes", "--prune")

    assert "statuses: s10, s11" in without.stdout and "No changes." in without.stdout
    assert result.exit_code == 0, result.output
    assert "  - statuses.s10 (order status)\n      active: true -> false" in result.stdout
    assert "Plan: 0 to create, 0 to update, 2 to deactivate, 0 manual." in result.stdout
    store = store_of(target)
    assert len(store.resources["statuses"]) == 12  # both still there
    assert [store.get("statuses", k)["active"] for k in ("s09", "s10", "s11")] == [True, False, False]


def test_a_second_prune_has_nothing_left_to_do(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(3)), "--target", target, "--yes")
    smaller = write_spec(statuses_spec(2), "smaller.yaml")
    invoke(runner, "apply", smaller, "--target", target, "--yes", "--prune")

    result = invoke(runner, "plan", smaller, "--target", target, "--prune", "--detailed-exitcode")

    assert result.exit_code == 0
    assert "statuses: s02 (already inactive)" in result.stdout


def test_kinds_without_deactivation_say_so(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    field = "custom_fields:\n  - {code: note, name: Note, type: string}\n"
    invoke(runner, "apply", write_spec(statuses_spec(1, extra=field)), "--target", target, "--yes")

    result = invoke(runner, "plan", write_spec(statuses_spec(1), "b.yaml"), "--target", target, "--prune")

    assert "custom_fields: order/note (a custom field cannot be deactivated or deleted through the API)" \
        in result.stdout
    assert "No changes." in result.stdout


def test_prune_respects_the_safety_threshold(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(12)), "--target", target, "--yes")

    result = invoke(runner, "apply", write_spec(statuses_spec(6), "half.yaml"), "--target", target,
                    "--yes", "--prune")

    assert result.exit_code == 3
    assert "statuses: 6 of 12 existing would be updated or deactivated (50.0 %)" in result.stderr
    assert all(r["active"] for r in store_of(target).resources["statuses"].values())


def test_diff_never_yields_anything_but_the_closed_set_of_actions():
    live = [Status(code="a", name="A", group="g"), Status(code="b", name="B", group="g")]
    changes = diff_kind(BY_NAME["statuses"], [], live, prune=True)
    fields = diff_kind(BY_NAME["custom_fields"], [], [CustomField(code="f", name="F", type="string")], prune=True)
    assert {c.action for c in changes} == {Action.DEACTIVATE}
    assert [c.action for c in fields] == [Action.UNMANAGED]
    assert {a.value for a in Action} == {"create", "update", "deactivate", "manual", "blocked", "unmanaged"}
    assert {a.value for a in Action if a.writes} == {"create", "update", "deactivate"}
