"""Target URL → adapter. Adapters are imported only when their scheme is used,
so a mock run never imports an HTTP stack."""

from __future__ import annotations

import importlib
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


def is_url(text: str) -> bool:
    """Whether `-t` names a target by URL (else by its name in the project file)."""
    return "://" in text


def open_target(url: str, **options: Any) -> Adapter:
    scheme = urlsplit(url).scheme
    if not scheme or "://" not in url:
        raise TargetError(f'target "{url}" is not a URL; use mock://PATH or https://ACCOUNT.retailcrm.ru')
    path = ADAPTERS.get(scheme)
    if path is None:
        known = ", ".join(f"{s}://" for s in ADAPTERS)
        raise TargetError(f'no adapter for "{scheme}://" targets (known: {known})')
    module_name, _, class_name = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise TargetError(f'the adapter for "{scheme}://" targets is not installed ({exc.name})') from None
    return getattr(module, class_name).from_url(url, **options)


DEFAULT_PORTS = {"http": 80, "https": 443}
LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}


def identity(url: str) -> str:
    """The real target a URL names, however it is spelled: what keys its lock.

    `mock://s.json`, `mock://./s.json` and the absolute path (symlinks followed) from any
    folder are one target; so are `https://Shop.RetailCRM.ru:443/api/v5/` and
    `https://shop.retailcrm.ru`, and `http://localhost:8080` and `http://127.0.0.1:8080`.
    It never holds credentials (they are dropped), so it is safe to print and to hash."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme == "mock":
        return f"mock://{os.path.realpath(rest)}" if rest else "mock://"
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if host in LOOPBACK_NAMES:
        host = "127.0.0.1"
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        pass
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    for suffix in ("/api/v5", "/api"):
        path = path.removesuffix(suffix)
    return f"{scheme}://{netloc}{path}"
