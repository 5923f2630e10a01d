"""registry.identity: one name per target however its URL is spelled, without opening it."""

from __future__ import annotations

import os

import pytest

from crmdeploy.errors import TargetError
from crmdeploy.registry import identity


@pytest.mark.parametrize("spellings", [
    ["http://127.0.0.1:8765", "http://localhost:8765/", "http://LOCALHOST:8765/api/v5", "http://[::1]:8765/api"],
    ["https://shop.retailcrm.ru", "https://Shop.RetailCRM.ru:443/", "https://shop.retailcrm.ru/api/v5/"],
])
def test_spellings_of_one_http_target_are_one_identity(spellings) -> None:
    assert len({identity(url) for url in spellings}) == 1


def test_mock_paths_are_one_identity_whatever_the_spelling(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "state").mkdir()
    os.symlink(tmp_path / "state" / "crm.json", tmp_path / "link.json")
    names = {identity(url) for url in ("mock://state/crm.json", "mock://./state/crm.json",
                                       f"mock://{tmp_path}/state/../state/crm.json", "mock://link.json")}
    assert names == {f"mock://{os.path.realpath(tmp_path / 'state' / 'crm.json')}"}
    assert identity("mock://") == "mock://"


def test_different_targets_differ_and_credentials_never_appear() -> None:
    assert identity("https://a.retailcrm.ru") != identity("https://b.retailcrm.ru")
    assert identity("http://127.0.0.1:1") != identity("http://127.0.0.1:2")
    assert "secret" not in identity("https://user:secret@a.retailcrm.ru/?apiKey=secret")


@pytest.mark.parametrize("url", ["shop.retailcrm.ru", "ftp://x", "http://127.0.0.1:99999"])
def test_a_bad_url_is_a_target_error(url) -> None:
    with pytest.raises(TargetError):
        identity(url)
