"""Target URL → adapter. Adapters are imported only when their scheme is used,
so a mock run never imports an HTTP stack."""

from __future__ import annotations

import importlib
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
