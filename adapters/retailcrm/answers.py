"""What an answer of API v5 must look like before anything is decided on the strength of it.

A body is read up to a size cap; it must be a JSON object with `"success": true`
(or `false` with the API's words); a list must carry its items under the
documented key, each one an object, and a paged list a usable `pagination`
block. Anything else is a `MalformedAnswer` naming the endpoint — never an
empty list, which the plan would read as "nothing there, create it all".
"""

from __future__ import annotations

import json
from typing import Any

import requests

from crmdeploy.errors import MalformedAnswer

MAX_BODY = 16 * 1024 * 1024  # far above any v5 page (100 items), far below trouble
MAX_PAGES = 10_000           # 1,000,000 items at 100 a page: beyond that the server is lying
CHUNK = 64 * 1024


def read_capped(response: requests.Response, limit: int, endpoint: str, resource: str = "") -> bytes:
    """The (decoded) body, refusing to hold more than `limit` bytes of it in memory."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_big(endpoint, limit, resource)
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) > limit:  # counted after decompression, so a gzip bomb stops here too
            raise _too_big(endpoint, limit, resource)
    return bytes(data)


def _too_big(endpoint: str, limit: int, resource: str) -> MalformedAnswer:
    return MalformedAnswer(f"{endpoint} answered with more than {limit // (1024 * 1024)} MB; "
                           "refusing to read it", resource=resource)


def parse(raw: bytes) -> Any:
    """The JSON in `raw`, or None when it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError:  # UnicodeDecodeError is one too
        return None


def describe(response: requests.Response, raw: bytes) -> str:
    """What came instead of JSON, without quoting it (it could be anything, of any size)."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
    return f"{kind}, {len(raw)} bytes"


def not_json(endpoint: str, status: int, response: requests.Response, raw: bytes,
             resource: str = "") -> MalformedAnswer:
    return MalformedAnswer(f"{endpoint} answered {status} but did not answer with retailCRM JSON "
                           f"({describe(response, raw)}; is this an account's address?)", resource=resource)


def not_success(endpoint: str, status: int, body: Any, resource: str = "") -> MalformedAnswer | None:
    """The problem with a 2xx body that is JSON, or None when it is a proper success."""
    if not isinstance(body, dict):
        return MalformedAnswer(f"{endpoint} answered {status} with a JSON {_type(body)}, not an object",
                               resource=resource)
    if body.get("success") is not True:
        given = _shown(body["success"]) if "success" in body else "missing"
        return MalformedAnswer(f'{endpoint} answered {status} without "success": true (success: {given})',
                               resource=resource)
    return None


def items(body: dict[str, Any], key: str, endpoint: str, resource: str = "") -> list[dict[str, Any]]:
    """The items of a list answer: an object keyed by code (references) or an array."""
    if key not in body:
        raise MalformedAnswer(f'{endpoint}: the answer has no "{key}"', resource=resource)
    value = body[key]
    found = list(value.values()) if isinstance(value, dict) else value
    if not isinstance(found, list):
        raise MalformedAnswer(f'{endpoint}: "{key}" is a {_type(value)}, not a list', resource=resource)
    for item in found:
        if not isinstance(item, dict):
            raise MalformedAnswer(f'{endpoint}: "{key}" holds a {_type(item)} where an item belongs',
                                  resource=resource)
    return found


def page_count(body: dict[str, Any], endpoint: str, resource: str = "") -> int:
    """`pagination.totalPageCount` of a paged list."""
    pagination = body.get("pagination")
    count = pagination.get("totalPageCount") if isinstance(pagination, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_PAGES:
        raise MalformedAnswer(f'{endpoint}: the answer has no usable "pagination.totalPageCount" '
                              f"({_shown(count)})", resource=resource)
    return count


def item(body: dict[str, Any], key: str, endpoint: str, resource: str = "") -> dict[str, Any]:
    """The one item of a single-item answer."""
    value = body.get(key)
    if not isinstance(value, dict):
        raise MalformedAnswer(f'{endpoint}: "{key}" is {_shown(value)}, not an object', resource=resource)
    return value


def _type(value: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    """A short, safe rendering of an unexpected scalar (never a whole structure)."""
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return f"a {_type(value)}"


class Pager:
    """The pages of one paged list must add up: the page asked for is the page answered, the counts
    stay put, no item comes twice and the items number `totalCount`. A server or proxy that ignores
    `page` (page 1 again and again) or a list that moves while it is read fails the read here —
    planning from it would turn the items it lost into phantom creates."""

    def __init__(self, endpoint: str, resource: str = ""):
        self.endpoint, self.resource = endpoint, resource
        self.pages: int | None = None
        self.total: int | None = None
        self.seen: set[Any] = set()
        self.count = 0

    def take(self, page: int, body: dict[str, Any], found: list[dict[str, Any]]) -> int:
        """Check one page; the page count it gives."""
        pages = page_count(body, self.endpoint, self.resource)
        pagination = body["pagination"]
        current, total = pagination.get("currentPage"), pagination.get("totalCount")
        if current is not None and current != page:
            raise self._bad(f"page {page} was asked for and page {_shown(current)} answered "
                            "(does the server or a proxy ignore `page`?)")
        if self.pages is not None and pages != self.pages:
            raise self._bad(f"totalPageCount changed from {self.pages} to {pages} while reading")
        if total is not None:
            if not isinstance(total, int) or isinstance(total, bool) or total < 0:
                raise self._bad(f"pagination.totalCount is {_shown(total)}")
            if self.total is not None and total != self.total:
                raise self._bad(f"totalCount changed from {self.total} to {total} while reading")
        self.pages, self.total = pages, total if total is not None else self.total
        for item in found:
            ident = _identity(item)
            if ident in self.seen:
                raise self._bad(f"page {page} repeats an item of an earlier page (does the server or a "
                                "proxy ignore `page`, or did the list change while it was read?)")
            self.seen.add(ident)
        self.count += len(found)
        if not found and page < pages:
            raise self._bad(f"page {page} of {pages} is empty")
        return pages

    def finish(self) -> None:
        if self.total is not None and self.count != self.total:
            raise self._bad(f"the pages hold {self.count} items but totalCount says {self.total}")

    def _bad(self, problem: str) -> MalformedAnswer:
        return MalformedAnswer(f"{self.endpoint}: the pages do not add up: {problem}; refusing to plan "
                               "from an incomplete list", resource=self.resource)


def _identity(item: dict[str, Any]) -> Any:
    """What tells two items of a list apart: the id, else the code (with the entity), else the email."""
    keys = tuple(item.get(name) for name in ("id", "entity", "code", "email"))
    if any(isinstance(k, (str, int)) and not isinstance(k, bool) for k in keys):
        return tuple(k if isinstance(k, (str, int)) else repr(k) for k in keys)
    return json.dumps(item, sort_keys=True, default=str)
