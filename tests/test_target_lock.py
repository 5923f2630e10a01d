"""One lock per real target, however it is spelled and from whichever folder the command runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crmdeploy.lock import hold
from crmdeploy.registry import identity
from crmdeploy.statedir import lock_file

from .safe_helpers import invoke, statuses_spec


def test_every_spelling_of_a_mock_file_is_one_target(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.json").symlink_to(tmp_path / "s.json")
    absolute = identity(f"mock://{tmp_path / 's.json'}")
    assert identity("mock://s.json") == identity("mock://./s.json") == absolute
    assert identity("mock://link.json") == absolute  # a symlink is the file it points at
    monkeypatch.chdir(tmp_path / "sub")
    assert identity("mock://../s.json") == identity(f"mock://{tmp_path}/sub/../s.json") == absolute
    assert identity("mock://s.json") != absolute  # another folder, another file


@pytest.mark.parametrize("spelling", [
    "https://SHOP.retailcrm.ru", "https://shop.retailcrm.ru:443/", "https://shop.retailcrm.ru/api/v5",
    "https://shop.retailcrm.ru./api/", "HTTPS://shop.RetailCRM.ru:443/api/v5/"])
def test_every_spelling_of_an_account_is_one_target(spelling):
    assert identity(spelling) == "https://shop.retailcrm.ru"


def test_loopback_names_and_default_ports_are_one_target():
    assert identity("http://localhost:8080") == identity("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert identity("http://LOCALHOST") == identity("http://127.0.0.1:80") == "http://127.0.0.1"
    assert identity("http://127.0.0.1:8080") != identity("http://127.0.0.1:8081")
    assert identity("https://shop.retailcrm.ru:8443") != identity("https://shop.retailcrm.ru")


def test_a_mock_lock_lies_next_to_the_mock_file_and_others_in_the_user_state_folder(tmp_path):
    assert lock_file(identity("mock://s.json")) == tmp_path / "s.json.lock"
    user = Path(os.environ["CRMDEPLOY_STATE_HOME"])
    assert lock_file(identity("https://shop.retailcrm.ru")).parent == user / "locks"


@pytest.mark.parametrize("held, tried, folder", [
    ("{abs}", "mock://s.json", "."),
    ("mock://s.json", "mock://./s.json", "."),
    ("mock://./s.json", "mock://../s.json", "sub"),
    ("mock://s.json", "{abs}", "sub"),
])
def test_a_second_apply_refuses_however_the_mock_target_is_spelled(held, tried, folder, runner, write_spec,
                                                                    tmp_path, monkeypatch):
    absolute = f"mock://{tmp_path / 's.json'}"
    held, tried = held.replace("{abs}", absolute), tried.replace("{abs}", absolute)
    spec = write_spec(statuses_spec(2))
    (tmp_path / "sub").mkdir()
    with hold(held, path=lock_file(identity(held))) as me:
        monkeypatch.chdir(tmp_path / folder)
        result = invoke(runner, "apply", spec, "--target", tried, "--yes")
    assert result.exit_code == 1, result.output
    assert f"another apply to {held} is running: pid {me.pid}" in result.stderr
    assert not (tmp_path / "s.json").exists() and not (tmp_path / "sub" / "s.json").exists()


@pytest.mark.parametrize("held, tried", [
    ("http://localhost:9", "http://127.0.0.1:9/api/v5/"),
    ("http://127.0.0.1:80", "http://LOCALHOST/"),
])
def test_a_second_apply_refuses_however_the_account_is_spelled(held, tried, runner, write_spec, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("CRMDEPLOY_API_KEY", "k" * 32)
    spec = write_spec(statuses_spec(2))
    (tmp_path / "elsewhere").mkdir()
    with hold(held, path=lock_file(identity(held))) as me:
        monkeypatch.chdir(tmp_path / "elsewhere")  # the lock is found from any folder
        result = invoke(runner, "apply", spec, "--target", tried, "--yes")
    assert result.exit_code == 1, result.output
    assert f"another apply to {held} is running: pid {me.pid}" in result.stderr  # no request was made
