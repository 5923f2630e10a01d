"""The emulator's URL table: the real v5 routes from its own model, plus the extensions.

A path that exists under another method answers 405, an unknown path 404 "API method not
found". By default only the routes a real account has are served; `extensions` adds crmdeploy's
endpoints for what the real API cannot write (status groups, users, user groups, templates,
triggers, an integration's settings) and for the fields it does not define (a custom field's
`required_at`, a user group's `permissions`), on routes of their own (`model.EXTENDED`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any
from urllib.parse import unquote

from adapters.store import Store

from . import modules, resources
from .model import BY_KIND, DEFAULT_SCOPES, ENTITIES, EXTENDED, WRITE_SCOPES, Entity
from .resources import INVALID, Fail

Form = dict[str, list[str]]
Handler = Callable[[Store, dict[str, str], dict[str, list[str]], Form], tuple[int, dict[str, Any]]]
USER_STATUSES = ("free", "busy", "dinner", "break")
V5 = "/api/v5/"


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


def build(extensions: bool = False, scopes: Sequence[str] = DEFAULT_SCOPES) -> list[Route]:
    routes = [Route("GET", "/api/api-versions", _fixed({"versions": ["3.0", "4.0", "5.0"]})),
              Route("GET", "/api/system-info", _fixed({"systemVersion": "crmdeploy-emulator"})),
              Route("GET", "/api/v5/users/{id}", _user),
              Route("POST", "/api/v5/users/{id}/status", _user_status),
              Route("GET", V5 + "integration-modules/{code}", modules.get),
              Route("POST", V5 + "integration-modules/{code}/edit",
                  modules.edit if "integration_write" in scopes else _denied)]
    for ent in ENTITIES:
        routes += _routes(ent, extensions and ent.kind not in EXTENDED, native=True, scopes=scopes)
        if extensions and ent.kind in EXTENDED:
            routes += _routes(EXTENDED[ent.kind], True, native=False, scopes=scopes)
    methods = sorted({r.template.replace(V5, "/api/") for r in routes
                      if r.template.startswith(V5) and r.handler is not _denied})
    routes.append(Route("GET", "/api/credentials", partial(_credentials, methods, tuple(scopes))))
    return sorted(routes, key=lambda r: r.rank)


def _routes(ent: Entity, extensions: bool, *, native: bool, scopes: Sequence[str]) -> list[Route]:
    """`native`: the routes a real account has; `extensions`: the extension routes of `ent`.
    A native write the key has no scope for answers 403 and is not among its methods."""
    found = _routes_of(ent, extensions, native=native)
    scope = WRITE_SCOPES.get(ent.kind)
    if scope and scope not in scopes:
        native_writes = {ent.create, ent.edit} - {None}
        found = [Route(r.method, r.template, _denied) if r.template.removeprefix(V5) in native_writes else r
                 for r in found]
    return found


def _denied(*_: Any) -> tuple[int, dict[str, Any]]:
    raise Fail(403, "Access denied.")


def _routes_of(ent: Entity, extensions: bool, *, native: bool) -> list[Route]:
    found = []
    if ent.list and (extensions if ent.ext_list else native):
        found.append(Route("GET", V5 + ent.list, partial(_list, ent)))
    if ent.single and native:
        found.append(Route("GET", V5 + ent.single, partial(_one, ent)))
    if ent.create and (extensions if ent.create_ext else native):
        found.append(Route("POST", V5 + ent.create, partial(_write, ent, True)))
    if ent.edit and native:
        found.append(Route("POST", V5 + ent.edit, partial(_write, ent, False)))
    if ent.ext_edit and extensions:
        found.append(Route("POST", V5 + ent.ext_edit, partial(_write, ent, False)))
    return found


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]]:
    allowed = False
    for route in routes:
        if m := route.pattern.match(path):
            if route.method == method:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
            allowed = True
    raise Fail(405, "Method Not Allowed") if allowed else Fail(404, "API method not found")


def _list(ent: Entity, store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    return 200, resources.list_items(store, ent, query)


def _one(ent: Entity, store: Store, params: dict[str, str], query: Form, form: Form) -> tuple[int, dict[str, Any]]:
    return 200, resources.one_item(store, ent, params)


def _write(ent: Entity, creating: bool, store: Store, params: dict[str, str], query: Form,
           form: Form) -> tuple[int, dict[str, Any]]:
    return resources.write(store, ent, params, form, creating)


def _fixed(body: dict[str, Any]) -> Handler:
    return lambda *_: (200, {"success": True, **body})


def _credentials(methods: list[str], scopes: tuple[str, ...], *_: Any) -> tuple[int, dict[str, Any]]:
    """The key's scopes and (deprecated, still served) the methods it may call
    (`retailcrm/api-client-php` `src/Model/Response/Api/Credentials.php`)."""
    return 200, {"success": True, "scopes": list(scopes), "credentials": methods,
                 "siteAccess": "access_full", "sitesAvailable": []}


def _find_user(store: Store, uid: str) -> dict[str, Any]:
    ent = BY_KIND["users"]
    for record in store.records("users"):
        if str(resources.entity_id(record["email"])) == uid:
            return resources.wire(store, ent, record)
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
