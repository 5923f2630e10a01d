"""The CLI end to end through typer's CliRunner, against the mock target."""

from __future__ import annotations

import json

import pytest

from crmdeploy.cli import app

from .conftest import locks_left, SHOP


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(runner, *args, input=None):
    return runner.invoke(app, list(map(str, args)), input=input)


def state_writes(workdir) -> int:
    return json.loads((workdir / ".crmdeploy" / "mock.json").read_text(encoding="utf-8"))["writes"]


def test_validate_ok(runner):
    result = run(runner, "validate", SHOP)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{SHOP}: valid (113 resources)\n"


def test_validate_bad_spec_exits_1_with_one_located_line(runner, write_spec):
    path = write_spec("statuses:\n  - {code: a, name: A, group: nowhere}\n")
    result = run(runner, "validate", path)
    assert result.exit_code == 1
    assert result.stderr == f'Error: {path}:2:24: statuses[0].group: unknown status group "nowhere"\n'
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_plan_apply_plan_apply_on_the_default_mock_target(runner, workdir, secrets_env):
    first = run(runner, "plan", SHOP)
    assert first.exit_code == 0, first.output
    assert "Target: mock://.crmdeploy/mock.json (the default" in first.stderr
    assert first.stdout.rstrip().endswith("Plan: 113 to create, 0 to update, 0 to deactivate, 0 manual.")
    assert "  + statuses.cancel-price (order status)" in first.stdout

    applied = run(runner, "apply", SHOP, "--yes")
    assert applied.exit_code == 0, applied.output
    assert "Apply complete: 113 applied, 0 failed, 0 skipped." in applied.stdout
    assert state_writes(workdir) == 113

    second = run(runner, "plan", SHOP)
    assert second.stdout == "No changes. mock://.crmdeploy/mock.json matches the spec.\n"

    third = run(runner, "apply", SHOP, "--yes")
    assert third.exit_code == 0 and "No changes." in third.stdout
    assert state_writes(workdir) == 113


def test_update_shows_old_and_new_per_field(runner, workdir, write_spec):
    target = f"mock://{workdir / 'crm.json'}"
    first = write_spec("status_groups:\n  - {code: new, name: Новый, ordering: 10}\n", "v1.yaml")
    assert run(runner, "apply", first, "--target", target, "--yes").exit_code == 0
    second = write_spec("status_groups:\n  - {code: new, name: Новые заказы, ordering: 10}\n", "v2.yaml")
    result = run(runner, "plan", second, "--target", target)
    assert '  ~ status_groups.new (status group)\n      name: "Новый" -> "Новые заказы"\n' in result.stdout
    assert "ordering" not in result.stdout
    assert "Plan: 0 to create, 1 to update, 0 to deactivate, 0 manual." in result.stdout


def test_apply_needs_yes_when_not_on_a_terminal(runner, workdir, secrets_env):
    result = run(runner, "apply", SHOP, "--target", "mock://")
    assert result.exit_code == 1
    assert "pass --yes to apply" in result.stderr
    left = [p.relative_to(workdir).as_posix() for p in (workdir / ".crmdeploy").rglob("*")]
    assert left == [] and not locks_left()  # no journal, no snapshot, lock released


def test_apply_refuses_unset_secrets(runner, workdir, monkeypatch):
    monkeypatch.delenv("CDEK_PASSWORD", raising=False)
    result = run(runner, "apply", SHOP, "--yes")
    assert result.exit_code == 1
    assert "integrations[0].credentials.secure_password: environment variable CDEK_PASSWORD is not set" in result.stderr


def test_plan_json_is_versioned_and_parseable(runner, secrets_env):
    result = run(runner, "plan", SHOP, "--target", "mock://", "--format", "json")
    data = json.loads(result.stdout)
    assert data["format_version"] == 2 and data["summary"]["create"] == 113
    cdek = next(c for c in data["changes"] if c["key"] == "cdek" and c["kind"] == "integrations")
    credentials = next(f for f in cdek["fields"] if f["field"] == "credentials")
    assert credentials["new"] == {"account": "(sensitive)", "secure_password": "(sensitive)"}


def test_plan_markdown_is_a_table(runner, secrets_env):
    result = run(runner, "plan", SHOP, "--target", "mock://", "--format", "markdown")
    assert result.stdout.startswith("### crmdeploy plan for `mock://`\n")
    assert "| + | `statuses.approved` | name |  | \"Согласован\" |" in result.stdout


def test_same_plan_renders_byte_identically(runner, secrets_env):
    outputs = {run(runner, "plan", SHOP, "--target", "mock://").stdout for _ in range(2)}
    assert len(outputs) == 1


def test_errors_in_json_format_are_json(runner, write_spec):
    path = write_spec("status_groups:\n  - {code: new}\n")
    result = run(runner, "plan", path, "--target", "mock://", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["messages"] == [f"{path}:2:5: status_groups[0].name: "
                                                              "required field is missing"]


@pytest.mark.parametrize("target, words", [
    ("ftp://x", 'no adapter for "ftp://" targets'),
    ("nonsense", 'target "nonsense" is not a URL'),
])
def test_bad_target_is_one_clear_line(runner, target, words):
    result = run(runner, "plan", SHOP, "--target", target)
    assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.output


def test_corrupt_state_file_is_a_clear_error(runner, workdir):
    (workdir / "bad.json").write_text("{not json", encoding="utf-8")
    result = run(runner, "plan", SHOP, "--target", f"mock://{workdir / 'bad.json'}")
    assert result.exit_code == 1 and "not a readable mock state file" in result.stderr


def test_secrets_never_appear_in_output_or_state(runner, workdir, secrets_env):
    outputs = [run(runner, *args) for args in (
        ("validate", SHOP), ("plan", SHOP), ("plan", SHOP, "-f", "json"), ("plan", SHOP, "-f", "markdown"),
        ("apply", SHOP, "--yes"), ("-vv", "plan", SHOP))]
    produced = "".join(r.stdout + r.stderr for r in outputs)
    produced += (workdir / ".crmdeploy" / "mock.json").read_text(encoding="utf-8")
    assert "(sensitive)" in produced
    for value in secrets_env.values():
        assert value not in produced


def test_help_explains_every_command(runner):
    result = run(runner, "--help")
    for command in ("validate", "plan", "apply"):
        assert command in result.stdout
    assert "mock://PATH" in run(runner, "plan", "--help").stdout
