"""The snapshot saved before apply: a spec of the live CRM that shows the way back."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.loader import load
from crmdeploy.secrets import Sensitive
from crmdeploy.snapshot import snapshot_text
from crmdeploy.spec.integrations import Integration
from .safe_helpers import crm_target, invoke, statuses_spec, store_of

from .conftest import SHOP


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _snapshots(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / ".crmdeploy" / "snapshots").glob("*.yaml"))


def test_plan_of_the_snapshot_shows_the_way_back_and_applying_it_goes_back(runner, write_spec, tmp_path):
    target = crm_target(tmp_path)
    invoke(runner, "apply", write_spec(statuses_spec(3)), "--target", target, "--yes")
    before = store_of(target).resources
    result = invoke(runner, "apply", write_spec(statuses_spec(3, renamed=1), "b.yaml"), "--target", target, "--yes")
    snapshot = _snapshots(tmp_path)[-1]
    assert f"Snapshot of the live configuration: {snapshot.relative_to(tmp_path)}" in result.stderr

    back = invoke(runner, "plan", snapshot, "--target", target)
    assert '~ statuses.s00 (order status)\n      name: "Status 0 renamed" -> "Status 0"' in back.stdout
    assert "Plan: 0 to create, 1 to update, 0 to deactivate, 0 manual." in back.stdout

    invoke(runner, "apply", snapshot, "--target", target, "--yes")
    assert store_of(target).resources == before


def test_no_snapshot_when_there_is_nothing_to_apply(runner, write_spec, tmp_path):
    spec, target = write_spec(statuses_spec(1)), crm_target(tmp_path)
    invoke(runner, "apply", spec, "--target", target, "--yes")
    invoke(runner, "apply", spec, "--target", target, "--yes")
    assert len(_snapshots(tmp_path)) == 1


def test_secrets_in_a_snapshot_are_placeholders_never_values(runner, secrets_env, tmp_path, monkeypatch):
    target = crm_target(tmp_path)
    invoke(runner, "apply", SHOP, "--target", target, "--yes")
    monkeypatch.setenv("CDEK_PASSWORD", "a-new-password")  # rotated: the CRM still has the old one
    invoke(runner, "apply", SHOP, "--target", target, "--yes")
    snapshot = _snapshots(tmp_path)[-1]
    text = snapshot.read_text(encoding="utf-8")

    assert not [v for v in [*secrets_env.values(), "a-new-password"] if v in text]
    assert "account: ${env:CDEK_ACCOUNT}" in text  # the spec's variable still holds the CRM's secret
    assert "secure_password: ${env:CRMDEPLOY_OLD_INTEGRATIONS_CDEK_CREDENTIALS_SECURE_PASSWORD}" in text
    assert "set these to the old values: CRMDEPLOY_OLD_INTEGRATIONS_CDEK_CREDENTIALS_SECURE_PASSWORD" in text
    loaded = load(snapshot)  # a valid spec
    assert len(loaded.spec.resources("statuses")) == 25


def test_a_secret_no_spec_names_gets_a_variable_of_its_own():
    live = Integration(code="crm-bot", kind="other", credentials={"key": Sensitive.from_digest("sha256$ab$cd")})
    text = snapshot_text({"integrations": [live]}, "mock://", {}, "now")
    assert "key: ${env:CRMDEPLOY_OLD_INTEGRATIONS_CRM_BOT_CREDENTIALS_KEY}" in text
    assert "sha256$ab$cd" not in text


def test_unreadable_kinds_are_named_in_the_header():
    text = snapshot_text({"users": None, "statuses": []}, "https://x.retailcrm.ru", {}, "now")
    assert "# Not readable from the target, so not in this snapshot: users" in text
    assert text.endswith("version: 1\n")
