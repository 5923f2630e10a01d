"""Issue 14 acceptance, through the CLI: two mock targets from one base plus overlays with ${var:…}."""

from __future__ import annotations

import json

import pytest

from crmdeploy.cli import app

from .fleet_helpers import PROJECT, make_project


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path)


def run(runner, *args):
    return runner.invoke(app, list(args))


def test_apply_all_then_plan_all_detailed_exitcode_is_0(project, runner):
    first = run(runner, "plan", "--all", "--detailed-exitcode")
    assert first.exit_code == 2, first.output
    assert first.stdout.startswith("=== staging (mock://.crmdeploy/staging.json) ===\n")
    assert "=== prod (mock://.crmdeploy/prod.json) ===" in first.stdout
    applied = run(runner, "apply", "--all", "--yes")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.endswith("target   result  applied  failed  skipped\nstaging  ok      7        0       0\n"
                                   "prod     ok      7        0       0\n2 targets: 2 ok, 0 failed or refused.\n")
    again = run(runner, "plan", "--all", "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert again.stdout.count("No changes.") == 2


def test_compare_shows_exactly_the_overlays_difference(project, runner):
    assert run(runner, "apply", "--all", "--yes").exit_code == 0
    result = run(runner, "compare", "staging", "prod", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"] == {"only_in_b": 0, "only_in_a": 0, "differs": 3}
    assert [(d["kind"], d["key"], [(f["field"], f["a"], f["b"]) for f in d["fields"]]) for d in data["differences"]] == [
        ("statuses", "new", [("name", "Новый", "Новый заказ")]),                      # prod's overlay
        ("delivery_types", "courier", [("default_cost", 0.0, 300.0)]),                 # staging's overlay
        ("templates", "order-new", [("subject", "Заказ в Автозапчасти (тест)", "Заказ в Автозапчасти"),
                                    ("body", "Спасибо за заказ в Автозапчасти (тест)!",
                                     "Спасибо за заказ в Автозапчасти!")]),           # the ${var:shop_name}
    ]
    same = run(runner, "compare", "prod", "mock://.crmdeploy/prod.json")
    assert same.stdout.endswith("No differences.\n")
    markdown = run(runner, "compare", "staging", "prod", "-f", "markdown").stdout
    assert "| ~ | `statuses.new` | name | \"Новый\" | \"Новый заказ\" |" in markdown


def test_t_name_plans_one_project_target_and_a_url_still_works(project, runner, tmp_path):
    result = run(runner, "plan", "-t", "prod", "-f", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["target"] == "mock://.crmdeploy/prod.json"
    new = next(c for c in plan["changes"] if c["key"] == "new" and c["kind"] == "statuses")
    assert {f["field"]: f["new"] for f in new["fields"]}["name"] == "Новый заказ"
    by_url = run(runner, "plan", str(tmp_path / "base"), "-t", "mock://", "--var", "shop_name=X")
    assert by_url.exit_code == 0, by_url.output
    assert "Заказ в X" in by_url.stdout


def test_plan_all_json_reports_per_target(project, runner):
    result = run(runner, "plan", "--targets", "prod", "-f", "json", "--detailed-exitcode")
    data = json.loads(result.stdout)
    assert result.exit_code == 2
    assert [(t["name"], t["result"], t["exit_code"], t["plan"]["summary"]["create"]) for t in data["targets"]] == [
        ("prod", "changes", 2, 7)]


def test_plan_all_out_dir_then_apply_dir_takes_only_what_failed(project, runner, tmp_path):
    saved = tmp_path / "plans"
    result = run(runner, "plan", "--all", "--out", str(saved))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in saved.glob("*.json")) == ["prod.json", "staging.json"]
    (tmp_path / ".crmdeploy").mkdir(exist_ok=True)
    (tmp_path / ".crmdeploy" / "prod.json").write_text("not json", encoding="utf-8")   # prod fails to open
    first = run(runner, "apply", str(saved))
    assert first.exit_code == 1, first.output
    assert sorted(p.name for p in saved.glob("*.json")) == ["prod.json"]
    assert (saved / "applied" / "staging.json").exists()
    (tmp_path / ".crmdeploy" / "prod.json").unlink()
    second = run(runner, "apply", str(saved))
    assert second.exit_code == 0, second.output
    assert "=== staging" not in second.stdout and "=== prod" in second.stdout
    assert run(runner, "plan", "--all", "--detailed-exitcode").exit_code == 0


def test_plan_all_out_never_replaces_a_saved_plan_unasked(project, runner, tmp_path):
    saved = tmp_path / "plans"
    assert run(runner, "plan", "--all", "--out", str(saved)).exit_code == 0
    before = {p.name: p.read_bytes() for p in saved.glob("*.json")}
    again = run(runner, "plan", "--all", "--out", str(saved))
    assert again.exit_code == 1 and "already exists; pass --overwrite" in again.stderr
    assert {p.name: p.read_bytes() for p in saved.glob("*.json")} == before       # nothing replaced
    (saved / "staging.json").unlink()
    only_prod = run(runner, "plan", "--targets", "prod", "--out", str(saved), "--overwrite")
    assert only_prod.exit_code == 0, only_prod.output
    assert "earlier plans for staging" not in only_prod.stderr
    (saved / "staging.json").write_bytes(before["staging.json"])
    noted = run(runner, "plan", "--targets", "prod", "--out", str(saved), "--overwrite")
    assert "also holds earlier plans for staging" in noted.stderr
    a_file = tmp_path / "plans.json"
    a_file.write_text("{}", encoding="utf-8")
    refused = run(runner, "plan", "--all", "--out", str(a_file))
    assert refused.exit_code == 1 and "names a folder" in refused.stderr


def test_one_failing_target_does_not_stop_the_others(project, runner, tmp_path):
    (tmp_path / ".crmdeploy").mkdir(exist_ok=True)
    (tmp_path / ".crmdeploy" / "staging.json").write_text("{broken", encoding="utf-8")
    result = run(runner, "apply", "--all", "--yes")
    assert result.exit_code == 1
    assert "staging  error" in result.stdout and "prod     ok" in result.stdout
    assert "Error: [staging]" in result.stderr


def test_apply_all_needs_yes(project, runner):
    result = run(runner, "apply", "--all")
    assert result.exit_code == 64
    assert "pass --yes" in result.stderr


def test_validate_without_t_checks_every_targets_variables(tmp_path, runner):
    make_project(tmp_path, PROJECT.replace("            vars: {shop_name: Автозапчасти}}\n", "}\n"))
    result = run(runner, "validate")
    assert result.exit_code == 1
    assert result.stdout == "staging: valid (7 resources)\n"
    assert result.stderr.splitlines()[0] == (
        'Error: [prod] base/pipeline.yaml:13:23: templates[0].subject: "${var:shop_name}": undefined variable "shop_name" '
        "(target prod defines no such variable: add it under targets.prod.vars or pass --var NAME=VALUE)")
    assert run(runner, "validate", "--var", "shop_name=Shop").exit_code == 0


# Bad input: each one located error, exit 1.

def test_an_unknown_target_name(project, runner):
    result = run(runner, "plan", "-t", "stage")
    assert result.exit_code == 1
    assert result.stderr == f'Error: {project.name}: no target "stage" in the project (targets: staging, prod)\n'
    result = run(runner, "plan", "--targets", "prod,stage")
    assert result.exit_code == 1 and 'no target "stage"' in result.stderr


def test_an_overlay_that_changes_a_key_field(project, runner, tmp_path):
    make_project(tmp_path, overlays__prod_yaml="statuses:\n  new: {code: fresh}\n")
    result = run(runner, "plan", "-t", "prod")
    assert result.exit_code == 1
    assert result.stderr == ("Error: overlays/prod.yaml:2:9: statuses.new.code: an overlay cannot "
                             'change the key of order status "new" (to "fresh"); remove it (remove: {statuses: '
                             "[new]}) and add the new one\n")


@pytest.mark.parametrize("spec, expected", [
    ('["@prod", overlays/staging.yaml]', "spec lists include each other in a cycle: staging -> prod -> staging"),
    ("[base/, overlays/none.yaml]", "overlays/none.yaml: no such file or folder"),
])
def test_a_cycle_or_missing_file_in_a_spec_list(tmp_path, runner, spec, expected):
    text = PROJECT.replace("[base/, overlays/staging.yaml]", spec).replace(
        "[base/, overlays/prod.yaml]", '[base/, "@staging"]' if "@prod" in spec else "[base/, overlays/prod.yaml]")
    path = make_project(tmp_path, text)
    result = run(runner, "plan", "--all")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path.name}:")
    assert expected in result.stderr and len(result.stderr.splitlines()) == 1


def test_an_undefined_variable(project, runner, tmp_path):
    result = run(runner, "plan", str(tmp_path / "base"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'base/pipeline.yaml'}:13:23: templates[0].subject: "
                                    '"${var:shop_name}": undefined variable "shop_name"')


def test_promote_export_the_hand_configured_account_then_plan_the_others(tmp_path, runner, secrets_env):
    """The path docs/environments.md describes: export → base spec → plan and apply the others."""
    from .conftest import SHOP

    hand = "mock://.crmdeploy/hand.json"
    assert run(runner, "apply", str(SHOP), "-t", hand, "--yes").exit_code == 0   # "configured by hand"
    exported = run(runner, "export", "-t", hand, "-o", "base/")
    assert exported.exit_code == 0, exported.output
    import re
    names = set(re.findall(r"\$\{env:([A-Z0-9_]+)\}", "".join(p.read_text() for p in (tmp_path / "base").glob("*.yaml"))))
    assert names == set(secrets_env)          # <INTEGRATION>_<FIELD>: the names shop.yaml uses
    (tmp_path / "crmdeploy.yaml").write_text("""\
targets:
  hand: {url: "mock://.crmdeploy/hand.json", spec: [base/]}
  branch-1: {url: "mock://.crmdeploy/b1.json", spec: [base/]}
  branch-2: {url: "mock://.crmdeploy/b2.json", spec: [base/]}
""", encoding="utf-8")
    planned = run(runner, "plan", "--all", "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "hand      ok" in planned.stdout and "branch-1  changes  113" in planned.stdout
    assert run(runner, "apply", "--targets", "branch-1,branch-2", "--yes").exit_code == 0
    assert run(runner, "plan", "--all", "--detailed-exitcode").exit_code == 0
    same = run(runner, "compare", "hand", "branch-2")
    assert same.stdout.endswith("Not compared (secrets): integrations.credentials\n\nNo differences.\n"), same.stdout


def test_the_global_key_is_refused_for_two_https_accounts(tmp_path, runner, monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "one-global-key")
    result = run(runner, "compare", "https://a.retailcrm.ru", "https://b.retailcrm.ru")
    assert result.exit_code == 1
    assert "global CRMDEPLOY_API_KEY is never used" in result.stderr
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "s.yaml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / "crmdeploy.yaml").write_text(
        'targets:\n  prod: {url: "https://a.retailcrm.ru", spec: base/}\n  local: {url: "mock://", spec: base/}\n',
        encoding="utf-8")
    result = run(runner, "plan", "--all")
    assert result.exit_code == 1
    assert "prod    error" in result.stdout and "local   ok" in result.stdout
    assert "Error: [prod] crmdeploy.yaml:2:3: target prod has no api_key_env" in result.stderr


def test_each_emulator_account_is_read_with_its_own_key_only(start_emulator, tmp_path, runner, monkeypatch):
    """Two HTTP accounts (emulators on 127.0.0.1), each knowing only its own key."""
    one, two = start_emulator(api_key="key-one"), start_emulator(api_key="key-two")
    make_project(tmp_path, f"""\
targets:
  one: {{url: "{one.url}", spec: [base/, overlays/staging.yaml], api_key_env: ONE_KEY, vars: {{shop_name: A}}}}
  two: {{url: "{two.url}", spec: [base/, overlays/prod.yaml], api_key_env: TWO_KEY, vars: {{shop_name: B}}}}
""")
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "key-one")   # never used for a target with its own key
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "0")
    monkeypatch.setenv("ONE_KEY", "key-one")
    monkeypatch.setenv("TWO_KEY", "key-two")
    assert run(runner, "apply", "--all", "--yes").exit_code == 0
    assert run(runner, "plan", "--all", "--detailed-exitcode").exit_code == 0
    compared = run(runner, "compare", "one", "two", "-f", "json")
    assert compared.exit_code == 0, compared.output
    assert json.loads(compared.stdout)["summary"] == {"only_in_b": 0, "only_in_a": 0, "differs": 3}
    monkeypatch.setenv("TWO_KEY", "key-one")             # the wrong account's key: refused by two only
    result = run(runner, "plan", "--all", "--detailed-exitcode")
    assert result.exit_code == 1
    assert "one     ok" in result.stdout and "two     error" in result.stdout


def test_a_stale_saved_plan_is_refused_and_the_others_apply(project, runner, tmp_path):
    saved = tmp_path / "plans"
    assert run(runner, "plan", "--all", "--out", str(saved)).exit_code == 0
    assert run(runner, "apply", "-t", "staging", "--yes").exit_code == 0       # staging moved since
    result = run(runner, "apply", str(saved))
    assert result.exit_code == 3, result.output
    assert "staging  refused" in result.stdout and "prod     ok" in result.stdout
    assert f"crmdeploy plan --targets staging --out {saved} --overwrite" in result.stderr
    again = run(runner, "plan", "--targets", "staging", "--out", str(saved))
    assert again.exit_code == 1 and "staging.json already exists; pass --overwrite" in again.stderr
    assert run(runner, "plan", "--targets", "staging", "--out", str(saved), "--overwrite").exit_code == 0
    assert run(runner, "apply", str(saved)).exit_code == 0


def test_one_key_file_for_several_targets_is_refused(project, runner, tmp_path):
    (tmp_path / "key").write_text("k", encoding="utf-8")
    result = run(runner, "plan", "--all", "--api-key-file", str(tmp_path / "key"))
    assert result.exit_code == 64
    assert "with several targets each uses only its own" in result.stderr


def test_without_detailed_exitcode_pending_changes_exit_0_but_show_per_target(project, runner):
    result = run(runner, "plan", "--all", "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["exit_code"] == 0 and [t["result"] for t in data["targets"]] == ["changes", "changes"]
    markdown = run(runner, "plan", "--all", "-f", "markdown").stdout
    assert markdown.startswith("## `staging`\n\n### crmdeploy plan for `mock://.crmdeploy/staging.json`")
    assert "## Summary\n\n| target | result | create | update | deactivate | manual |" in markdown


def test_a_safety_refusal_in_one_target_is_3_and_keeps_its_plan(tmp_path, runner):
    types = "".join(f"  - {{code: t{i}, name: Тип {i}}}\n" for i in range(10))
    renamed = "".join(f"  t{i}: {{name: Новый тип {i}}}\n" for i in range(4))
    make_project(tmp_path, """\
targets:
  a: {url: "mock://.crmdeploy/a.json", spec: [base.yaml]}
  b: {url: "mock://.crmdeploy/b.json", spec: [base.yaml, more.yaml]}
""", base_yaml="version: 1\npayment_types:\n" + types, more_yaml="payment_types:\n" + renamed)
    assert run(runner, "apply", "-t", "a", "base.yaml", "--yes").exit_code == 0
    assert run(runner, "apply", "-t", "b", "base.yaml", "--yes").exit_code == 0
    result = run(runner, "apply", "--all", "--yes")
    assert result.exit_code == 3, result.output
    assert "a       ok" in result.stdout and "b       refused" in result.stdout
    assert "~ payment_types.t0" in result.stdout      # the refused plan is shown


def test_apply_all_json_reports_per_target(project, runner):
    result = run(runner, "apply", "--all", "--yes", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(t["name"], t["result"], t["applied"]) for t in data["targets"]] == [
        ("staging", "ok", {"ok": True, "applied": 7, "failed": 0, "skipped": 0}),
        ("prod", "ok", {"ok": True, "applied": 7, "failed": 0, "skipped": 0})]
