"""Many targets at once: the runner, the aggregate exit code, plan/apply one target (crmdeploy/fleet.py, targets.py)."""

from __future__ import annotations

import threading

import pytest

from crmdeploy.deploy import Options
from crmdeploy.errors import TargetError
from crmdeploy.fleet import Result, aggregate, run_all, summary_table
from crmdeploy.project import load_project
from crmdeploy.targets import Run, apply_one, compare_targets, plan_one

from .fleet_helpers import make_project


@pytest.mark.parametrize("codes, expected", [
    ([0, 0], 0), ([0, 4], 4), ([4, 2, 0], 2), ([2, 3, 4], 3), ([3, 1, 2], 1), ([0, 64], 1), ([], 0)])
def test_the_aggregate_exit_code_follows_the_precedence(codes, expected):
    assert aggregate(codes) == expected


def test_targets_run_concurrently_and_one_failure_does_not_stop_the_others():
    started, release = [], threading.Event()

    def one(name: str) -> Result:
        started.append(name)
        if len(started) == 3:
            release.set()
        release.wait(5)   # every target is in flight before any finishes
        if name == "b":
            raise TargetError("b is unreachable")
        return Result(name, code=2)

    results = run_all(["a", "b", "c"], one, name=str, parallel=3)
    assert [(r.name, r.code, r.error) for r in results] == [("a", 2, ""), ("b", 1, "b is unreachable"), ("c", 2, "")]
    assert release.is_set()


def test_the_summary_table_has_a_row_per_target():
    table = summary_table([Result("staging", counts={"create": 3}, code=2), Result("prod", code=1, error="locked\nmore")],
                          ["create"])
    assert table.splitlines() == ["target   result   create", "staging  changes  3",
                                  "prod     error    -       locked", "2 targets: 1 ok, 1 failed or refused."]


@pytest.fixture
def project(tmp_path):
    return load_project(make_project(tmp_path))


def test_apply_then_plan_every_target_converges(project):
    run = Run(options=Options(), detailed=True)
    first = run_all(list(project.targets.values()), lambda t: plan_one(t, run), name=lambda t: t.name)
    assert [(r.name, r.code, r.counts["create"]) for r in first] == [("staging", 2, 7), ("prod", 2, 7)]
    applied = run_all(list(project.targets.values()), lambda t: apply_one(t, run), name=lambda t: t.name)
    assert [(r.code, r.counts) for r in applied] == [(0, {"applied": 7, "failed": 0, "skipped": 0})] * 2
    again = run_all(list(project.targets.values()), lambda t: plan_one(t, run), name=lambda t: t.name)
    assert [r.code for r in again] == [0, 0]


def test_compare_shows_exactly_the_overlays_difference(project):
    run = Run(options=Options())
    for target in project.targets.values():
        apply_one(target, run)
    comparison = compare_targets(project.targets["staging"], project.targets["prod"])
    assert [(d.address, d.where, [f for f, _, _ in d.fields]) for d in comparison.differences] == [
        ("statuses.new", "differs", ["name"]),
        ("delivery_types.courier", "differs", ["default_cost"]),
        ("templates.order-new", "differs", ["subject", "body"]),
    ]


def test_log_lines_of_a_target_name_it(caplog):
    import logging

    def one(name: str) -> Result:
        logging.getLogger("crmdeploy.run").warning("secrets not set: %s", "X")
        return Result(name)

    with caplog.at_level(logging.WARNING):
        run_all(["a", "b"], one, name=str, parallel=2)
    assert sorted(r.getMessage() for r in caplog.records) == ["[a] secrets not set: X", "[b] secrets not set: X"]
