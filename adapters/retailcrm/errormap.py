"""API answers and network failures → crmdeploy's error types, in one place.

The API's own words (`errorMsg` and the per-field `errors`) are kept in the
message; field names in `errors` are shown as the spec names them. Nothing
that leaves this module can hold the API key: every text taken from a
network exception is redacted first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from crmdeploy.errors import (
    AdapterError,
    AuthError,
    CrmdeployError,
    MalformedAnswer,
    TransientError,
    UnreachableError,
)
from crmdeploy.secrets import MASK, mask

from .answers import describe, not_json
from .retry import parse_retry_after, transient_status

AUTH_MESSAGE = "API key rejected or lacks permission"
_KEY_IN_TEXT = re.compile(r"(apiKey=|X-API-KEY['\"]?\s*[:=]\s*['\"]?)[^&\s'\",}]+", re.IGNORECASE)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the API key (and any other secret given) masked, wherever and in whichever
    encoding it appears (raw, JSON-escaped, URL-encoded, base64: `secrets.encodings`)."""
    return _KEY_IN_TEXT.sub(lambda m: m.group(1) + MASK, mask(text, secrets))


def api_words(body: Any, rename: Callable[[str], str] = str, hide: tuple[str, ...] = ()) -> str:
    """`errorMsg` plus each entry of `errors` (an object or a list), as one line; a server that
    echoes what it was sent (a secret, the key) has those masked in its words."""
    return redact(_words(body, rename), *hide)


def _words(body: Any, rename: Callable[[str], str]) -> str:
    if not isinstance(body, dict):
        return ""
    message = str(body.get("errorMsg") or "").strip()
    errors = body.get("errors")
    if isinstance(errors, dict):
        details = [f"{rename(str(k))}: {_text(v)}" for k, v in errors.items()]
    elif isinstance(errors, list):
        details = [_text(v) for v in errors]
    else:
        details = []
    return ": ".join(p for p in (message, "; ".join(details)) if p)


def _text(value: Any) -> str:
    """An error detail as text: a nested object or list as JSON (whose escapes masking knows)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def from_response(response: requests.Response, body: Any, *, resource: str, target: str,
                  rename: Callable[[str], str] = str, endpoint: str = "", raw: bytes = b"",
                  hide: tuple[str, ...] = ()) -> CrmdeployError:
    """The error an unsuccessful answer (status >= 400) means."""
    status = response.status_code
    if body is None:  # an HTML error page of a proxy, say: retried if the status says so, never trusted
        if transient_status(status):
            return TransientError(f"{endpoint} did not answer with retailCRM JSON ({describe(response, raw)})",
                                  resource=resource, status=status,
                                  retry_after=parse_retry_after(response.headers.get("Retry-After")))
        return not_json(endpoint, status, response, raw, resource)
    words = api_words(body, rename, hide)
    if status in (401, 403):
        return AuthError(AUTH_MESSAGE + (f" ({words})" if words else ""), resource=target, status=status)
    if transient_status(status):
        after = parse_retry_after(response.headers.get("Retry-After"))
        return TransientError(words or response.reason or "server error", resource=resource,
                              status=status, retry_after=after)
    return AdapterError(words or response.reason or "request failed", resource=resource, status=status)


def redirected(endpoint: str, location: str, key: str, resource: str = "") -> MalformedAnswer:
    """A redirect is not followed: the key would go along to wherever it points."""
    parts = urlsplit(location)
    where = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "another path"
    return MalformedAnswer(f"{endpoint} was redirected to {redact(where, key)}; crmdeploy does not follow "
                           "redirects, so the API key goes only to the target you named — if the account "
                           "has moved, use its new address as the target", resource=resource)


def from_exception(exc: requests.RequestException, *, url: str, resource: str, key: str) -> CrmdeployError:
    """A request that got no answer: a timeout or reset is transient, anything else unreachable."""
    reason = redact(_reason(exc), key)
    if isinstance(exc, requests.Timeout) or _named_in_chain(exc, "ReadTimeoutError"):
        # (a timeout while the body streams in comes wrapped in a ConnectionError)
        return TransientError(f"no answer from {url} in time ({reason})", resource=resource)
    if _is_reset(exc):
        return TransientError(f"connection to {url} was reset ({reason})", resource=resource)
    return UnreachableError(f"cannot reach {url} ({reason})")


def _named_in_chain(exc: BaseException, name: str) -> bool:
    return any(type(e).__name__ == name for e in _chain(exc))


def _is_reset(exc: BaseException) -> bool:
    """A connection that was open and then dropped, as opposed to one never made."""
    chain = list(_chain(exc))
    never_connected = any(type(e).__name__ in ("NewConnectionError", "NameResolutionError", "SSLError")
                          for e in chain)
    dropped = any(isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError))
                  or type(e).__name__ in ("RemoteDisconnected", "ProtocolError", "IncompleteRead")
                  for e in chain)
    return dropped and not never_connected


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and every exception it wraps (urllib3 nests them in args, `reason` and causes)."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [*getattr(current, "args", ()), getattr(current, "reason", None),
                  current.__cause__, current.__context__]
        stack.extend(e for e in linked if isinstance(e, BaseException))


def _reason(exc: BaseException) -> str:
    names = {"NameResolutionError": "host name not found", "ConnectionRefusedError": "connection refused",
             "SSLError": "TLS handshake failed", "RemoteDisconnected": "closed without an answer",
             "ConnectTimeoutError": "connect timed out", "ReadTimeoutError": "read timed out"}
    for e in _chain(exc):
        if type(e).__name__ in names:
            return names[type(e).__name__]
    return type(exc).__name__
