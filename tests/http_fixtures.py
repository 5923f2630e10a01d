"""Fixtures for tests that talk HTTP: the emulator on 127.0.0.1:0 and an adapter pointed at it.

Loaded by conftest.py as a plugin. Nothing here sleeps for real: the client's pacing is off
and its retry sleep is recorded. Adapters are imported inside the fixtures, so a test session
that never asks for them never imports an HTTP client.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from adapters.emulator import EmulatorServer
    from adapters.retailcrm.adapter import RetailCrmAdapter
    from adapters.store import Store


@pytest.fixture
def api_key() -> str:
    return "emu-" + secrets.token_hex(12)


@pytest.fixture
def start_emulator(api_key: str) -> Iterator[Callable[..., EmulatorServer]]:
    """Start an emulator (any Settings field as a keyword; `store=` to share one); stopped after the test.

    Tests of apply's mechanics (faults, crashes, parallel writes) want every kind writable, so the
    fixture serves the extension surface unless told `extensions=False` (a real account, which is
    what `crmdeploy mock-server` serves by default)."""
    from adapters.emulator import Emulator, Settings, running
    from adapters.store import Store

    with ExitStack() as stack:
        def start(store: Store | None = None, **settings: Any) -> EmulatorServer:
            settings = {"api_key": api_key, "rate_limit": 0, "extensions": True, **settings}
            return stack.enter_context(running(Emulator(store or Store(), Settings(**settings))))
        yield start


@pytest.fixture
def emulator(start_emulator: Callable[..., EmulatorServer]) -> EmulatorServer:
    return start_emulator()


@pytest.fixture
def sleeps() -> list[float]:
    """Every retry wait the adapter asked for, instead of sleeping."""
    return []


@pytest.fixture
def connect(api_key: str, sleeps: list[float]) -> Iterator[Callable[..., RetailCrmAdapter]]:
    """An HTTP adapter for a server URL: no pacing, retry waits recorded in `sleeps`."""
    from adapters.retailcrm.adapter import RetailCrmAdapter
    from adapters.retailcrm.retry import RetryPolicy

    opened: list[RetailCrmAdapter] = []

    def open_(url: str, **options: Any) -> RetailCrmAdapter:
        options = {"api_key": api_key, "rate_limit": 0, "policy": RetryPolicy(sleep=sleeps.append), **options}
        opened.append(RetailCrmAdapter.from_url(url, **options))
        return opened[-1]

    yield open_
    for adapter in opened:
        adapter.close()


@pytest.fixture
def http_env(monkeypatch: pytest.MonkeyPatch, api_key: str) -> str:
    """The environment the CLI reads: the key, and pacing off so tests do not wait."""
    monkeypatch.setenv("CRMDEPLOY_API_KEY", api_key)
    monkeypatch.setenv("CRMDEPLOY_RATE_LIMIT", "0")
    return api_key
