"""Manual steps that can be finished (issue 10, item 6): records beside the spec, exit code 4,
the checklist, blocked writes, standard status groups. Against the emulator as a real account
(templates and triggers unreadable, `required_at` a field the API has no name for)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from adapters.store import Store
from crmdeploy.cli import app
from crmdeploy.manual import RECORDS_NAME, target_key

from .conftest import SECRETS, SHOP

SMALL = """\
version: 1
status_groups:
  - {code: new, name: Новый, ordering: 10}
statuses:
  - {code: call, name: Позвонить, group: new}
custom_fields:
  - {code: reason, entity: order, name: Причина, type: text, required_at: [call]}
templates:
  - {code: hello, channel: sms, body: "Здравствуйте!"}
triggers:
  - code: on-call
    conditions: {status: call}
    actions:
      - send_template: hello
"""


@pytest.fixture
def real(start_emulator, http_env):
    """A real-profile account (no extension surface), empty but for its standard status groups."""
    return start_emulator(extensions=False)


def run(runner, *args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_record_then_plan_exits_0_and_an_edited_body_brings_that_one_step_back(runner, real, write_spec, tmp_path):
    spec = write_spec(SMALL)
    first = run(runner, "apply", spec, "--target", real.url, "--yes")
    assert first.exit_code == 0, first.output
    assert "## Manual steps left on" in first.stdout
    assert "- [ ] `custom_fields.order/reason:required_at` (custom field)" in first.stdout
    assert "- [ ] `templates.hello` (message template)" in first.stdout
    assert run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode").exit_code == 4

    done = run(runner, "done", spec, "--target", real.url, "--all")
    assert done.exit_code == 0, done.output
    assert sorted(done.stdout.split("\n")[:-1]) == [
        "recorded custom_fields.order/reason:required_at as done", "recorded templates.hello as done",
        "recorded triggers.on-call as done"]
    records = yaml.safe_load((tmp_path / RECORDS_NAME).read_text(encoding="utf-8"))
    steps = records["targets"][real.url]
    assert steps["templates.hello"]["content"] == {"code": "hello", "channel": "sms", "body": "Здравствуйте!",
                                                   "active": True}
    assert steps["custom_fields.order/reason:required_at"]["content"] == {"required_at": ["call"]}

    clean = run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode")
    assert clean.exit_code == 0, clean.stdout
    assert "No changes." in clean.stdout and "(3 manual step(s) recorded as done)" in clean.stdout

    spec.write_text(SMALL.replace("Здравствуйте!", "Добрый день!"), encoding="utf-8")
    back = run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode", "--format", "json")
    assert back.exit_code == 4
    [step] = [c for c in json.loads(back.stdout)["changes"] if c["action"] != "unmanaged"]
    assert (step["key"], step["fields"]) == ("hello", [{"field": "body", "old": "Здравствуйте!", "new": "Добрый день!"}])
    assert step["note"].startswith("recorded as done on ")
    text = run(runner, "plan", spec, "--target", real.url).stdout
    assert '      body: "Здравствуйте!" -> "Добрый день!"' in text


def test_a_record_the_spec_no_longer_has_is_a_notice_with_the_command_that_removes_it(runner, real, write_spec):
    spec = write_spec(SMALL)
    run(runner, "apply", spec, "--target", real.url, "--yes")
    run(runner, "done", spec, "--target", real.url, "--all")
    spec.write_text(SMALL.split("triggers:")[0], encoding="utf-8")
    plan = run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode")
    command = f"crmdeploy done {spec} -t {real.url} --forget triggers.on-call"
    assert plan.exit_code == 0
    assert f"Note: triggers.on-call: recorded as done, but the spec no longer has it; remove the record with: " \
           f"{command}" in plan.stdout
    assert run(runner, *command.split()[1:]).exit_code == 0
    assert "triggers.on-call" not in run(runner, "plan", spec, "--target", real.url).stdout


def test_no_secret_value_reaches_the_records_only_its_env_name(runner, real, write_spec, secrets_env, tmp_path):
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    spec = tmp_path / "shop.yaml"
    run(runner, "apply", spec, "--target", real.url, "--yes")
    assert run(runner, "done", spec, "--target", real.url, "--all").exit_code == 0
    text = (tmp_path / RECORDS_NAME).read_text(encoding="utf-8")
    assert not [v for v in SECRETS.values() if v in text]
    assert "${env:CDEK_PASSWORD}" in text


def test_the_shop_on_a_real_account_blocks_statuses_until_their_group_exists(runner, real, secrets_env, tmp_path):
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    spec = tmp_path / "shop.yaml"
    first = run(runner, "apply", spec, "--target", real.url, "--yes")
    assert first.exit_code == 0, first.output
    assert "- `statuses.returned`: waits for status_groups.return (manual)" in first.stdout
    plan = run(runner, "plan", spec, "--target", real.url, "--format", "json")
    changes = json.loads(plan.stdout)["changes"]
    assert not [c for c in changes if c["action"] in ("create", "update")]
    blocked = {c["key"]: c["note"] for c in changes if c["action"] == "blocked"}
    assert blocked["returned"] == "waits for status_groups.return (manual)"
    # The standard groups' names and order are fixed on a real account: notices, not steps.
    assert not [c for c in changes if c["kind"] == "status_groups" and c["key"] == "cancel"]
    assert any(n.startswith("status_groups.cancel: a standard status group") for n in json.loads(plan.stdout)["notices"])

    # The admin makes the two groups in the UI (here: in the emulator's store).
    for code, name in (("return", "Возврат"), ("supplier-delivery", "Поставка")):
        real.emulator.store.put("status_groups", code, {"code": code, "name": name, "ordering": 90, "active": True})
    assert run(runner, "done", spec, "--target", real.url, "--all").exit_code == 0
    second = run(runner, "apply", spec, "--target", real.url, "--yes")
    assert second.exit_code == 0, second.output
    final = run(runner, "plan", spec, "--target", real.url, "--format", "json", "--detailed-exitcode")
    left = [(c["kind"], c["key"], c["action"]) for c in json.loads(final.stdout)["changes"]
            if c["action"] != "unmanaged"]
    # Nothing to write or blocked: what is left is made by hand and verified by reading (the two
    # groups' own fields, users and groups, the modules to install, the shop's site), nothing recordable.
    assert left and all(a == "manual" for _, _, a in left), left
    assert {k for k, _, _ in left} == {"status_groups", "user_groups", "users", "integrations", "sites"}
    assert final.exit_code == 4


def test_done_refuses_a_step_that_is_verified_by_reading(runner, real, secrets_env, tmp_path):
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    result = run(runner, "done", tmp_path / "shop.yaml", "--target", real.url, "status_groups.return")
    assert result.exit_code == 1
    assert "status_groups.return: manual, not a step crmdeploy cannot check: it is verified by reading" in result.stderr
    assert not (tmp_path / RECORDS_NAME).exists()


def test_a_damaged_records_file_is_one_located_error(runner, real, write_spec, tmp_path):
    spec = write_spec(SMALL)
    (tmp_path / RECORDS_NAME).write_text(
        "version: 1\ntargets:\n  mock://crm.json:\n    templates.hello:\n      digest: 5\n      done: x\n"
        "      content: {}\n", encoding="utf-8")
    result = run(runner, "plan", spec, "--target", real.url)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {tmp_path / RECORDS_NAME}:5:7: targets.mock://crm.json.templates.hello.digest: must be "
        '"sha256:" and a hex digest (a damaged manual-step records file: fix it, or remove the entry and '
        "record the step again)")


def test_a_records_file_in_a_spec_folder_is_not_read_as_spec(runner, tmp_path):
    folder = tmp_path / "spec"
    folder.mkdir()
    (folder / "a.yaml").write_text("version: 1\n", encoding="utf-8")
    (folder / RECORDS_NAME).write_text("version: 1\ntargets: {}\n", encoding="utf-8")
    assert run(runner, "validate", folder).exit_code == 0


def test_a_mock_target_is_keyed_by_its_path_relative_to_the_records_file(tmp_path):
    records = tmp_path / "specs" / RECORDS_NAME
    assert target_key(f"mock://{tmp_path / 'specs' / 'crm.json'}", records) == "mock://crm.json"
    assert target_key(f"mock://{tmp_path / 'state' / 'crm.json'}", records) == "mock://../state/crm.json"
    assert target_key("https://shop.retailcrm.ru", records) == "https://shop.retailcrm.ru"


def test_the_mock_target_has_no_manual_steps(runner, write_spec, tmp_path):
    spec, target = write_spec(SMALL), f"mock://{tmp_path / 'crm.json'}"
    assert run(runner, "apply", spec, "--target", target, "--yes").exit_code == 0
    assert run(runner, "plan", spec, "--target", target, "--detailed-exitcode").exit_code == 0
    assert Store(tmp_path / "crm.json").get("custom_fields", "order/reason")["required_at"] == ["call"]


def test_exit_codes_are_in_the_help():
    from typer.testing import CliRunner
    text = CliRunner().invoke(app, ["plan", "--help"]).stdout
    assert "4 when" in " ".join(text.split())


def test_apply_detailed_exitcode_is_4_while_manual_work_is_left_and_0_once_recorded(runner, real, write_spec):
    spec = write_spec(SMALL)
    assert run(runner, "apply", spec, "--target", real.url, "--yes", "--detailed-exitcode").exit_code == 4
    run(runner, "done", spec, "--target", real.url, "--all")
    again = run(runner, "apply", spec, "--target", real.url, "--yes", "--detailed-exitcode")
    assert again.exit_code == 0 and "Manual steps left" not in again.stdout


def test_a_field_step_whose_field_left_the_spec_is_an_orphan_and_markdown_shows_notes(runner, real, write_spec):
    spec = write_spec(SMALL)
    run(runner, "apply", spec, "--target", real.url, "--yes")
    run(runner, "done", spec, "--target", real.url, "--all")
    spec.write_text(SMALL.replace(", required_at: [call]", ""), encoding="utf-8")
    plan = run(runner, "plan", spec, "--target", real.url, "--format", "markdown", "--detailed-exitcode")
    assert plan.exit_code == 0
    assert ("> Note: custom_fields.order/reason:required_at: recorded as done, but the spec no longer has it; "
            f"remove the record with: crmdeploy done {spec} -t {real.url} --forget "
            "custom_fields.order/reason:required_at") in plan.stdout


def test_a_missing_integration_on_a_real_account_is_one_step_with_every_value(runner, real, secrets_env, tmp_path):
    """Installed by hand from the marketplace, credentials and settings typed in at once: one step
    naming the variables, not a create plus a step per field."""
    shutil.copy(SHOP, tmp_path / "shop.yaml")
    plan = run(runner, "plan", tmp_path / "shop.yaml", "--target", real.url, "--format", "json")
    steps = [c for c in json.loads(plan.stdout)["changes"] if c["kind"] == "integrations" and c["key"] == "cdek"]
    assert [(s["action"], s["intent"], s.get("step")) for s in steps] == [("manual", "create", None)]
    assert steps[0]["note"].endswith("; the values of CDEK_ACCOUNT / CDEK_PASSWORD")
    fields = {f["field"]: f["new"] for f in steps[0]["fields"]}
    assert fields["credentials"] == {"account": "(sensitive)", "secure_password": "(sensitive)"}
    assert fields["settings"] == {"sender_city": "Москва", "tariff": 136} and fields["name"] == "СДЭК"
    assert "cdek-pass-7c2b5d" not in plan.stdout


def test_an_integration_recorded_when_installed_needs_no_step_per_field(runner, real, secrets_env, tmp_path):
    from crmdeploy.kinds import BY_NAME
    from crmdeploy.loader import load

    shutil.copy(SHOP, tmp_path / "shop.yaml")
    spec = tmp_path / "shop.yaml"
    assert run(runner, "done", spec, "--target", real.url, "integrations.cdek").exit_code == 0

    def cdek_steps():
        plan = run(runner, "plan", spec, "--target", real.url, "--format", "json")
        return [c.get("step") for c in json.loads(plan.stdout)["changes"]
                if c["kind"] == "integrations" and c["key"] == "cdek"]
    assert cdek_steps() == [None]            # recorded, but not there when read: still pending
    kind = BY_NAME["integrations"]
    for resource in load(spec).spec.resources("integrations"):   # the admin installs them all
        real.emulator.store.put("integrations", kind.key_of(resource), kind.record(resource))
    assert cdek_steps() == []                # what it was installed with stands recorded
    others = run(runner, "plan", spec, "--target", real.url, "--format", "json")
    post = sorted(c.get("step") for c in json.loads(others.stdout)["changes"]
                  if c["kind"] == "integrations" and c["key"] == "russian-post")
    assert post == ["base_url", "credentials", "delivery_types", "name"]   # installed, never recorded
    spec.write_text(spec.read_text(encoding="utf-8").replace("tariff: 136}", "tariff: 137}"), encoding="utf-8")
    assert cdek_steps() == ["settings"]     # changed in the spec since: that field comes back


def test_the_shop_on_a_real_account_is_clean_once_the_admin_made_and_recorded_everything(
        runner, real, secrets_env, tmp_path):
    from crmdeploy.kinds import BY_NAME
    from crmdeploy.loader import load

    shutil.copy(SHOP, tmp_path / "shop.yaml")
    spec = tmp_path / "shop.yaml"
    assert run(runner, "apply", spec, "--target", real.url, "--yes").exit_code == 0
    # The admin makes in the UI what the API cannot (here: straight into the emulator's store).
    shop = load(spec).spec
    for name in ("status_groups", "user_groups", "users", "integrations", "sites"):
        kind = BY_NAME[name]
        for resource in shop.resources(name):
            real.emulator.store.put(name, kind.key_of(resource), kind.record(resource))
    assert run(runner, "apply", spec, "--target", real.url, "--yes").exit_code == 0
    assert run(runner, "done", spec, "--target", real.url, "--all").exit_code == 0
    clean = run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode")
    assert clean.exit_code == 0, clean.stdout[-3000:]

    spec.write_text(spec.read_text(encoding="utf-8").replace("Мы получили ваш заказ", "Мы приняли ваш заказ", 1),
                    encoding="utf-8")
    back = run(runner, "plan", spec, "--target", real.url, "--detailed-exitcode", "--format", "json")
    assert back.exit_code == 4
    steps = [c for c in json.loads(back.stdout)["changes"] if c["action"] == "manual"]
    assert [(s["kind"], s["key"], [f["field"] for f in s["fields"]]) for s in steps] == [
        ("templates", "order-new", ["body"])]


def test_apply_all_ends_each_target_with_its_manual_checklist(runner, real, tmp_path, monkeypatch, api_key):
    """`apply --all` shows, per target, what one target's `apply` shows: the manual work left."""
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "spec.yaml").write_text(SMALL, encoding="utf-8")
    (tmp_path / "crmdeploy.yaml").write_text(
        f"targets:\n  shop: {{url: '{real.url}', spec: [base/], api_key_env: SHOP_KEY}}\n", encoding="utf-8")
    monkeypatch.setenv("SHOP_KEY", api_key)
    monkeypatch.chdir(tmp_path)
    text = run(runner, "apply", "--all", "--yes")
    assert text.exit_code == 0, text.output
    assert "## Manual steps left on" in text.stdout
    assert "- [ ] `templates.hello` (message template)" in text.stdout
    assert "crmdeploy done -t shop ADDRESS" in text.stdout
    data = json.loads(run(runner, "apply", "--all", "--yes", "-f", "json").stdout)
    assert {"templates.hello", "custom_fields.order/reason:required_at"} <= set(data["targets"][0]["manual_steps"])
