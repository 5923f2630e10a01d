"""Target URL and API key rules of the HTTP adapter."""

from __future__ import annotations

import pytest

from adapters.retailcrm import config
from crmdeploy.errors import TargetError
from crmdeploy.registry import open_target


@pytest.mark.parametrize(("url", "base"), [
    ("https://demo.retailcrm.ru", "https://demo.retailcrm.ru"),
    ("https://demo.retailcrm.ru/", "https://demo.retailcrm.ru"),
    ("https://demo.simla.com/api/v5/", "https://demo.simla.com"),
    ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
    ("http://localhost:8765/", "http://localhost:8765"),
    ("http://[::1]:8765", "http://[::1]:8765"),
])
def test_accepted_targets(url: str, base: str) -> None:
    assert config.base_url(url) == base


@pytest.mark.parametrize(("url", "words"), [
    ("http://demo.retailcrm.ru", "refusing plain http to demo.retailcrm.ru"),
    ("http://10.0.0.5:8765", "refusing plain http"),
    ("https://demo.retailcrm.ru/?apiKey=abc", "do not put credentials in the target URL"),
    ("https://user:pw@demo.retailcrm.ru", "do not put credentials in the target URL"),
    ("https://", "has no host"),
])
def test_refused_targets(url: str, words: str) -> None:
    with pytest.raises(TargetError, match=words.replace("?", r"\?")):
        config.base_url(url)


def test_key_from_the_environment_or_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CRMDEPLOY_API_KEY", " env-key \n")
    assert config.api_key() == "env-key"
    key_file = tmp_path / "key"
    key_file.write_text("file-key\n")
    assert config.api_key(key_file) == "file-key"


def test_missing_key_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("CRMDEPLOY_API_KEY", raising=False)
    with pytest.raises(TargetError, match="set CRMDEPLOY_API_KEY or pass --api-key-file"):
        config.api_key()
    with pytest.raises(TargetError, match=r"cannot read the API key file .*nope"):
        config.api_key(tmp_path / "nope")
    (tmp_path / "empty").write_text("  \n")
    with pytest.raises(TargetError, match="is empty"):
        config.api_key(tmp_path / "empty")


def test_rate_limit_option_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRMDEPLOY_RATE_LIMIT", raising=False)
    assert config.rate_limit() == 10.0
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "4")
    assert config.rate_limit() == 4.0
    assert config.rate_limit(0) == 0.0
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "fast")
    with pytest.raises(TargetError, match="not a number"):
        config.rate_limit()


def test_parallelism_option_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.mock import MockAdapter
    from crmdeploy.adapter import workers_of

    monkeypatch.delenv("CRMDEPLOY_PARALLELISM", raising=False)
    assert config.workers() == config.DEFAULT_WORKERS == 8
    monkeypatch.setenv("CRMDEPLOY_PARALLELISM", "3")
    assert config.workers() == 3 and config.workers(5) == 5
    adapter = open_target("http://127.0.0.1:9", api_key="k")
    assert workers_of(adapter) == 3
    big = open_target("http://127.0.0.1:9", api_key="k", parallelism=32)
    pool = big.transport.session.get_adapter("http://127.0.0.1:9").poolmanager
    assert pool.connection_pool_kw["maxsize"] == 32  # a kept-alive connection for each request in flight
    assert workers_of(MockAdapter()) == 1  # in-process: threads would only add overhead
    for bad in ("many", "0"):
        monkeypatch.setenv("CRMDEPLOY_PARALLELISM", bad)
        with pytest.raises(TargetError, match="parallel"):
            config.workers()


def test_registry_opens_the_http_adapter_with_options(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("CRMDEPLOY_API_KEY", raising=False)
    key_file = tmp_path / "key"
    key_file.write_text("file-key")
    adapter = open_target("https://demo.retailcrm.ru/", api_key_file=key_file)
    try:
        assert (adapter.name, adapter.target) == ("retailcrm", "https://demo.retailcrm.ru")
        assert adapter.transport.session.headers["X-API-KEY"] == "file-key"
    finally:
        adapter.close()
