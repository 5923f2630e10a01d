"""The emulator's URL table: real v5 paths built from the mapping rows, plus the extensions.

A path that exists under another method answers 405, an unknown path 404
"API method not found" — which is how the HTTP adapter tells an extension
endpoint that is served from one that is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any
from urllib.parse import unquote

from adapters.retailcrm.mapping import BY_KIND, ROWS, Write
from adapters.store import Store

from . import resources
from .resources import INVALID, Fail

Form = dict[str, list[str]]
Handler = Callable[[Store, dict[str, str], dict[str, list[str]], Form], tuple[int, dict[str, Any]]]
USER_STATUSES = ("free", "busy", "dinner", "break")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.template)) + "$")

    @property
    def rank(self) -> tuple[int, int]:
        """Literal paths before templated ones: `dictionaries/create` wins over `{entity}/create`."""
        return self.template.count("{"), -len(self.template)


def build(extensions: bool = True) -> list[Route]:
    routes = [Route("GET", "/api/api-versions", _fixed({"versions": ["3.0", "4.0", "5.0"]})),
              Route("GET", "/api/system-info", _fixed({"systemVersion": "crmdeploy-emulator"})),
              Route("GET", "/api/credentials", _credentials),
              Route("GET", "/api/v5/users/{id}", _user),
              Route("POST", "/api/v5/users/{id}/status", _user_status)]
    for row in ROWS:
        v5 = "/api/v5/"
        if row.list and (extensions or not row.ext_list):
            routes.append(Route("GET", v5 + row.list, partial(_list, row.kind)))
        if row.single:
            routes.append(Route("GET", v5 + row.single, partial(_one, row.kind)))
        if row.create:
            routes.append(Route("POST", v5 + row.create, partial(_write, row.kind, True)))
        if extensions or row.write is Write.NATIVE:
            routes.append(Route("POST", v5 + row.edit, partial(_write, row.kind, False)))
    return sorted(routes, key=lambda r: r.rank)


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for route in routes:
        if m := route.pattern.match(path):
            if route.method == method:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
            allowed = True
    raise Fail(405, "Method Not Allowed") if allowed else Fail(404, "API method not found")


def _list(kind: str, store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    return 200, resources.list_items(store, BY_KIND[kind], query)


def _one(kind: str, store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    return 200, resources.one_item(store, BY_KIND[kind], params)


def _write(kind: str, creating: bool, store: Store, params: dict[str, str], query: Form,
           form: Form) -> tuple[int, dict[str, Any]]:
    return resources.write(store, BY_KIND[kind], params, form, creating)


def _fixed(body: dict[str, Any]) -> Handler:
    return lambda *_: (200, {"success": True, **body})


def _credentials(store: Store, *_: Any) -> tuple[int, dict[str, Any]]:
    methods = sorted({r.template.replace("/api/v5/", "/api/") for r in build() if "/v5/" in r.template})
    return 200, {"success": True, "scopes": ["reference_read", "reference_write", "custom_fields_read",
                                             "custom_fields_write", "user_read", "user_write"],
                 "credentials": methods, "siteAccess": "access_full", "sitesAvailable": []}


def _find_user(store: Store, uid: str) -> dict[str, Any]:
    row = BY_KIND["users"]
    for record in store.records("users"):
        if str(resources.entity_id(record["email"])) == uid:
            return resources.wire(store, row, record)
    raise Fail(404, "Not found")


def _user(store: Store, params: dict[str, str], *_: Any) -> tuple[int, dict[str, Any]]:
    return 200, {"success": True, "user": _find_user(store, params["id"])}


def _user_status(store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    """The one user write the real API has; availability is not part of the spec, so nothing is stored."""
    _find_user(store, params["id"])
    if "status" not in form:
        raise Fail(400, "Parameter 'status' is missing")
    if form["status"][0] not in USER_STATUSES:
        raise Fail(400, "Errors in the input parameters", {"status": INVALID})
    return 200, {"success": True}
