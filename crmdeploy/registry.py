"""Target URL → adapter. Adapters are imported only when their scheme is used,
so a mock run never imports an HTTP stack."""

from __future__ import annotations

import importlib
import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from .adapter import Adapter
from .errors import TargetError

DEFAULT_TARGET = "mock://.crmdeploy/mock.json"

ADAPTERS = {
    "mock": "adapters.mock:MockAdapter",
    "https": "adapters.retailcrm:RetailCrmAdapter",
    "http": "adapters.retailcrm:RetailCrmAdapter",
}


def open_target(url: str, **options: Any) -> Adapter:
    module_name, _, class_name = ADAPTERS[_scheme(url)].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise TargetError(f'the adapter for "{scheme}://" targets is not installed ({exc.name})') from None
    return getattr(module, class_name).from_url(url, **options)


def identity(url: str) -> str:
    """One name per target however its URL is spelled, without opening it (no adapter, no key,
    no request): what keys the target's lock. Never holds credentials or a query.

    mock://PATH → mock:// + the real absolute path (`./a.json`, `a.json` and a symlink to it are
    one target); http(s) → lower-case scheme and host, loopback names as 127.0.0.1, the default
    port and a trailing /api/v5 dropped. An in-memory `mock://` is every time a new CRM."""
    scheme = _scheme(url)
    if scheme == "mock":
        path = url[len("mock://"):]
        return f"mock://{os.path.realpath(path)}" if path else "mock://"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if _is_loopback(host):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise TargetError(f'target "{url}" has an invalid port') from None
    port_text = f":{port}" if port and port != {"http": 80, "https": 443}[scheme] else ""
    path = parts.path.rstrip("/")
    for suffix in ("/api/v5", "/api"):
        path = path.removesuffix(suffix)
    return f"{scheme}://{host}{port_text}{path.rstrip('/')}"


def _scheme(url: str) -> str:
    """The scheme of a target URL that names a known adapter, else a TargetError."""
    scheme = urlsplit(url).scheme
    if not scheme or "://" not in url:
        raise TargetError(f'target "{url}" is not a URL; use mock://PATH or https://ACCOUNT.retailcrm.ru')
    if scheme not in ADAPTERS:
        known = ", ".join(f"{s}://" for s in ADAPTERS)
        raise TargetError(f'no adapter for "{scheme}://" targets (known: {known})')
    return scheme


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
