"""export: live CRM → spec, and the round trip export → plan = no changes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from adapters.mock import MockAdapter
from adapters.store import Store
from crmdeploy.apply import apply_plan
from crmdeploy.cli import app
from crmdeploy.export import export_spec
from crmdeploy.kinds import BY_NAME, KINDS
from crmdeploy.loader import load
from crmdeploy.run import make_plan
from crmdeploy.specfile import FILES, env_name

from .conftest import SECRETS, SHOP

# What export names the secrets of shop.yaml: `<INTEGRATION>_<FIELD>` (secrets.secret_env_name),
# which gives back exactly the names shop.yaml uses.
EXPORTED_SECRETS = dict(SECRETS)


@pytest.fixture
def shop_target(tmp_path: Path, runner, secrets_env, monkeypatch) -> str:
    """A mock CRM file with shop.yaml applied; the exported secret names are set too."""
    target = f"mock://{tmp_path / 'crm.json'}"
    result = runner.invoke(app, ["apply", str(SHOP), "--target", target, "--yes"])
    assert result.exit_code == 0, result.output
    for name, value in EXPORTED_SECRETS.items():
        monkeypatch.setenv(name, value)
    return target


def plan_summary(runner, spec: Path, target: str) -> dict:
    result = runner.invoke(app, ["plan", str(spec), "--target", target, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_round_trip(runner, target: str, out: Path) -> None:
    """Export `target` to `out`, then plan `out` against `target`: nothing to do."""
    result = runner.invoke(app, ["export", "--target", target, "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = plan_summary(runner, out, target)
    assert data["changes"] == []
    assert data["summary"]["create"] == data["summary"]["update"] == data["summary"]["unmanaged"] == 0


@pytest.mark.parametrize("out", ["spec", "shop.yaml"], ids=["folder", "one-file"])
def test_export_then_plan_shows_no_changes_on_mock(shop_target, runner, tmp_path, out):
    assert_round_trip(runner, shop_target, tmp_path / out)


def test_folder_has_one_file_per_area(shop_target, runner, tmp_path):
    runner.invoke(app, ["export", "--target", shop_target, "--output", str(tmp_path / "spec")])
    files = sorted(p.name for p in (tmp_path / "spec").iterdir())
    assert files == sorted(f"{f.stem}.yaml" for f in FILES)
    statuses = yaml.safe_load((tmp_path / "spec" / "statuses.yaml").read_text(encoding="utf-8"))
    assert set(statuses) == {"version", "status_groups", "statuses", "product_statuses"}


def test_the_files_cover_every_kind_once():
    listed = [k for file in FILES for k in file.kinds]
    assert sorted(listed) == sorted([k.name for k in KINDS] + ["access_notes"])   # notes: spec-only, not a kind


def test_export_keeps_cyrillic_readable_and_writes_no_nulls(shop_target, runner):
    result = runner.invoke(app, ["export", "--target", shop_target])
    assert result.exit_code == 0, result.output
    assert "name: Согласован" in result.stdout
    assert "\\u" not in result.stdout
    assert "null" not in result.stdout


def test_exported_resources_equal_the_live_ones(shop_target):
    adapter = MockAdapter.from_url(shop_target)
    exported = export_spec(adapter).spec
    for kind in KINDS:
        live = {kind.key_of(r): r for r in adapter.fetch(kind).resources}
        assert {kind.key_of(r): r for r in exported.resources(kind.name)} == live


@pytest.mark.parametrize("out", ["spec", "shop.yaml"], ids=["folder", "one-file"])
def test_the_written_spec_loads_back_to_the_live_resources(shop_target, runner, tmp_path, out):
    # Stricter than "plan shows no changes", which ignores fields a spec leaves out.
    runner.invoke(app, ["export", "--target", shop_target, "--output", str(tmp_path / out)])
    written = load(tmp_path / out).spec
    adapter = MockAdapter.from_url(shop_target)
    for kind in KINDS:
        live = {kind.key_of(r): r for r in adapter.fetch(kind).resources}
        assert {kind.key_of(r): r for r in written.resources(kind.name)} == live, kind.name


def test_statuses_are_exported_by_group_then_ordering(shop_target):
    spec = export_spec(MockAdapter.from_url(shop_target)).spec
    groups = [g.code for g in spec.status_groups]
    assert groups == [g.code for g in sorted(spec.status_groups, key=lambda g: g.ordering)]
    keys = [(groups.index(s.group), s.ordering) for s in spec.statuses]
    assert keys == sorted(keys)


def test_export_is_byte_identical_twice(shop_target, runner):
    first = runner.invoke(app, ["export", "--target", shop_target]).stdout
    assert runner.invoke(app, ["export", "--target", shop_target]).stdout == first


def test_secrets_become_env_placeholders_with_a_comment(shop_target, runner):
    result = runner.invoke(app, ["export", "--target", shop_target])
    line = next(line for line in result.stdout.splitlines() if "secure_password" in line)
    assert line.strip().startswith("secure_password: ${env:CDEK_PASSWORD}  # secret: set CDEK_PASSWORD")
    for value in SECRETS.values():
        assert value not in result.output


def test_env_name_is_integration_code_and_field():
    assert env_name("russian-post", "token") == "RUSSIAN_POST_TOKEN"
    assert env_name("cdek", "secure_password") == "CDEK_PASSWORD"   # a leading qualifier word is dropped
    assert env_name("cdek", "account") == "CDEK_ACCOUNT"
    assert env_name("telephony", "api_key") == "TELEPHONY_API_KEY"
    assert env_name("my.shop", "secret") == "MY_SHOP_SECRET"           # a one-word field is kept


def test_exported_secret_names_are_the_ones_shop_yaml_uses(shop_target, runner):
    result = runner.invoke(app, ["export", "--target", shop_target])
    import re
    assert set(re.findall(r"\$\{env:([A-Z0-9_]+)\}", result.stdout)) == set(SECRETS)


def test_without_the_secret_variables_the_plan_shows_the_credentials(shop_target, runner, tmp_path, monkeypatch):
    out = tmp_path / "spec.yaml"
    runner.invoke(app, ["export", "--target", shop_target, "--output", str(out)])
    monkeypatch.delenv("CDEK_PASSWORD")
    data = plan_summary(runner, out, shop_target)
    assert [(c["key"], [f["field"] for f in c["fields"]]) for c in data["changes"]] == [("cdek", ["credentials"])]


def test_existing_files_are_not_overwritten_without_force(shop_target, runner, tmp_path):
    out = tmp_path / "spec.yaml"
    out.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["export", "--target", shop_target, "--output", str(out)])
    assert result.exit_code == 1
    assert "already exists; pass --force" in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    assert runner.invoke(app, ["export", "--target", shop_target, "-o", str(out), "--force"]).exit_code == 0
    assert load(out).spec.statuses


def test_a_folder_is_refused_whole_when_one_file_exists(shop_target, runner, tmp_path):
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "users.yaml").write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["export", "--target", shop_target, "--output", str(tmp_path / "spec")])
    assert result.exit_code == 1
    assert [p.name for p in (tmp_path / "spec").iterdir()] == ["users.yaml"]


def test_other_yaml_files_in_the_folder_are_reported(shop_target, runner, tmp_path):
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "extra.yaml").write_text("version: 1\n", encoding="utf-8")
    result = runner.invoke(app, ["export", "--target", shop_target, "--output", str(tmp_path / "spec")])
    assert result.exit_code == 0
    assert "also holds extra.yaml" in result.stderr


from crmdeploy.adapter import Capability, Live  # noqa: E402


class _CannotReadTriggers(MockAdapter):
    def fetch(self, kind, desired=()):
        return Live(None, Capability.NONE) if kind.name == "triggers" else super().fetch(kind)


def test_kinds_the_target_cannot_read_are_left_out_and_named(secrets_env):
    adapter = _CannotReadTriggers(Store())
    apply_plan(make_plan(load(SHOP), adapter), adapter)
    result = export_spec(adapter)
    assert result.unreadable == ["triggers"]
    assert result.spec.triggers == []
    # The templates that only triggers referenced are still there: nothing dangles.
    assert result.problems == [] and len(result.spec.templates) == len(load(SHOP).spec.templates)


def test_an_empty_crm_exports_a_valid_empty_spec(runner, tmp_path):
    out = tmp_path / "empty.yaml"
    result = runner.invoke(app, ["export", "--target", "mock://", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 0 resources" in result.stderr
    assert all(not load(out).spec.resources(k) for k in BY_NAME)


@pytest.fixture
def emulator_target(emulator, http_env) -> str:
    """The emulator on 127.0.0.1:0, with the CLI's key set in the environment."""
    return emulator.url


def test_export_then_plan_shows_no_changes_on_the_emulator(emulator_target, runner, tmp_path, secrets_env,
                                                           monkeypatch):
    result = runner.invoke(app, ["apply", str(SHOP), "--target", emulator_target, "--yes"])
    assert result.exit_code == 0, result.output
    for name, value in EXPORTED_SECRETS.items():
        monkeypatch.setenv(name, value)
    assert_round_trip(runner, emulator_target, tmp_path / "spec")


def test_an_unwritable_output_is_one_clear_error(shop_target, runner, tmp_path):
    (tmp_path / "spec").write_text("a file, not a folder", encoding="utf-8")
    result = runner.invoke(app, ["export", "--target", shop_target, "--output", str(tmp_path / "spec" / "x")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'spec' / 'x'}/") and "cannot write" in result.stderr
