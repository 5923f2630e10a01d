"""The retailCRM API v5 target (`https://ACCOUNT.retailcrm.ru`).

`RetailCrmAdapter` is imported lazily, so the emulator can share the mapping
tables in `mapping` without pulling in an HTTP client.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "RetailCrmAdapter":
        from .adapter import RetailCrmAdapter

        return RetailCrmAdapter
    raise AttributeError(name)
