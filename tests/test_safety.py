"""The mass-change threshold: over 30 % of a kind with at least 10 is refused unless --force."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.errors import EXIT_REFUSED, RefusedError
from crmdeploy.plan import Action, Change, Plan
from crmdeploy.safety import enforce, violations
from crmdeploy.spec.settings import Safety
from .safe_helpers import crm_target, invoke, statuses_spec, store_of


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _plan(kind: str, updates: int, deactivations: int = 0, creates: int = 0) -> Plan:
    changes = [Change(kind, f"u{i}", Action.UPDATE) for i in range(updates)]
    changes += [Change(kind, f"d{i}", Action.DEACTIVATE) for i in range(deactivations)]
    changes += [Change(kind, f"c{i}", Action.CREATE) for i in range(creates)]
    return Plan.of("mock://", changes)


def _live(kind: str, count: int) -> dict:
    return {kind: [object()] * count}


@pytest.mark.parametrize(("existing", "changed", "refused"), [
    (10, 3, False),   # exactly 30 %: allowed
    (10, 4, True),    # 40 %
    (9, 9, False),    # fewer than 10 existing: never checked
    (20, 7, True),    # 35 %
])
def test_threshold(existing, changed, refused):
    found = violations(_plan("statuses", changed), _live("statuses", existing), Safety())
    assert bool(found) is refused


def test_updates_and_deactivations_count_together_creates_do_not():
    found = violations(_plan("statuses", 2, deactivations=2, creates=50), _live("statuses", 10), Safety())
    assert [(v.kind, v.changed, v.existing) for v in found] == [("statuses", 4, 10)]


def test_thresholds_per_kind_override_the_spec_wide_ones():
    safety = Safety.model_validate({"max_change_percent": 10, "kinds": {"statuses": {"max_change_percent": 50}}})
    plan = Plan.of("mock://", [*_plan("statuses", 4).changes, *_plan("payment_types", 2).changes])
    found = violations(plan, {**_live("statuses", 10), **_live("payment_types", 10)}, safety)
    assert [v.kind for v in found] == ["payment_types"]


def test_refusal_message_gives_counts_percent_limit_and_override():
    found = violations(_plan("statuses", 4), _live("statuses", 12), Safety())
    with pytest.raises(RefusedError) as caught:
        enforce(found, force=False)
    message = str(caught.value)
    assert "statuses: 4 of 12 existing would be updated or deactivated (33.3 %)" in message
    assert "the limit is 30 %" in message and "--force" in message
    enforce(found, force=True)  # the override passes


def test_apply_refuses_a_mass_update_after_printing_the_plan(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(10)), "--target", target, "--yes")
    writes = store_of(target).writes

    result = invoke(runner, "apply", write_spec(statuses_spec(10, renamed=4), "b.yaml"),
                    "--target", target, "--yes")

    assert result.exit_code == EXIT_REFUSED
    assert "Plan: 0 to create, 4 to update" in result.stdout  # the plan came first
    assert "statuses: 4 of 10 existing would be updated or deactivated (40.0 %)" in result.stderr
    assert store_of(target).writes == writes


def test_force_passes(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(10)), "--target", target, "--yes")

    result = invoke(runner, "apply", write_spec(statuses_spec(10, renamed=4), "b.yaml"),
                    "--target", target, "--yes", "--force")

    assert result.exit_code == 0, result.output
    assert store_of(target).get("statuses", "s03")["name"] == "Status 3 renamed"


def test_plan_refuses_too_and_saves_nothing(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(10)), "--target", target, "--yes")
    spec = write_spec(statuses_spec(10, renamed=4), "b.yaml")

    refused = invoke(runner, "plan", spec, "--target", target, "--out", tmp_path / "p.json")
    forced = invoke(runner, "plan", spec, "--target", target, "--out", tmp_path / "p.json", "--force")

    assert refused.exit_code == EXIT_REFUSED and "Plan: 0 to create, 4 to update" in refused.stdout
    assert forced.exit_code == 0 and (tmp_path / "p.json").exists()


def test_a_saved_plan_is_checked_again_on_apply(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(10)), "--target", target, "--yes")
    invoke(runner, "plan", write_spec(statuses_spec(10, renamed=4), "b.yaml"), "--target", target,
           "--out", tmp_path / "p.json", "--force")

    refused = invoke(runner, "apply", tmp_path / "p.json", "--yes")
    forced = invoke(runner, "apply", tmp_path / "p.json", "--yes", "--force")

    assert refused.exit_code == EXIT_REFUSED and "40.0 %" in refused.stderr
    assert forced.exit_code == 0, forced.output


def test_thresholds_come_from_the_spec(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(10)), "--target", target, "--yes")
    relaxed = "safety: {kinds: {statuses: {max_change_percent: 50}}}"

    result = invoke(runner, "apply", write_spec(statuses_spec(10, renamed=4, safety=relaxed), "b.yaml"),
                    "--target", target, "--yes")

    assert result.exit_code == 0, result.output


def test_an_unknown_kind_in_the_safety_block_is_a_spec_error(runner, write_spec):
    spec = write_spec("version: 1\nsafety:\n  kinds:\n    statusses: {max_change_percent: 50}\n")

    result = invoke(runner, "validate", spec)

    assert result.exit_code == 1
    assert (f'{spec}:4:5: safety.kinds.statusses: unknown kind (did you mean "statuses"?) '
            "(got 'statusses')") in result.stderr
