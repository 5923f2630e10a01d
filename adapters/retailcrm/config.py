"""What the user gives to reach an account: its URL and the API key.

The key comes from `CRMDEPLOY_API_KEY` or a key file, never from the command
line or the URL, so it does not end up in shell history, `ps` or a plan.
Plain http is only for loopback hosts (the emulator); anything else must be
https, because the key travels in a header.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
from pathlib import Path
from urllib.parse import urlsplit

from crmdeploy.envnumber import env_number
from crmdeploy.errors import TargetError

log = logging.getLogger(__name__)

KEY_ENV = "CRMDEPLOY_API_KEY"
RATE_ENV = "CRMDEPLOY_RATE_LIMIT"
TIMEOUT_ENV = "CRMDEPLOY_TIMEOUT"
INSECURE_ENV = "CRMDEPLOY_INSECURE"
DEFAULT_RATE = 10.0  # retailCRM allows 10 requests/second per key
CONNECT_TIMEOUT = 5.0
MAX_TIMEOUT = 3600.0  # an hour per request: anything longer (inf) is a mistake
DEFAULT_TIMEOUT = 30.0  # seconds to wait for an answer; a stalled request is then retried
INSECURE_WARNING = ("TLS certificate verification is OFF (--insecure / CRMDEPLOY_INSECURE): anyone on the "
                    "network path can read the API key. Use it only for a test server with a self-signed "
                    "certificate.")
WORKERS_ENV = "CRMDEPLOY_PARALLELISM"
# Requests in flight at once. The rate limiter sets the pace; the pool only has to be big enough
# that the limiter, not latency, is the limit: 8 keeps 10 requests/second flowing at up to 0.8 s each.
DEFAULT_WORKERS = 8


def base_url(url: str) -> str:
    """`https://ACCOUNT.retailcrm.ru[/]` → the address requests are made under."""
    parts = urlsplit(url)
    if parts.username or parts.password or "apikey" in parts.query.lower():
        raise TargetError("do not put credentials in the target URL; set CRMDEPLOY_API_KEY "
                          "or pass --api-key-file")
    if not parts.hostname:
        raise TargetError(f'target "{url}" has no host; use https://ACCOUNT.retailcrm.ru')
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise TargetError(f"refusing plain http to {parts.hostname}: the API key would travel unencrypted; "
                          "use https:// (http is only for 127.0.0.1 / localhost)")
    if parts.scheme not in ("http", "https"):
        raise TargetError(f'target "{url}" is not an http(s) URL')
    path = parts.path.rstrip("/")
    for suffix in ("/api/v5", "/api"):
        path = path.removesuffix(suffix)
    return f"{parts.scheme}://{parts.netloc}{path}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def api_key(key_file: str | os.PathLike[str] | None = None) -> str:
    """The key from `key_file` when given, else from CRMDEPLOY_API_KEY."""
    if key_file:
        path = Path(key_file)
        try:
            text = path.read_text(encoding="utf-8-sig")  # a byte-order mark an editor added is not the key
        except OSError as exc:
            raise TargetError(f"cannot read the API key file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise TargetError(f"the API key file {path} is not UTF-8 text") from None
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise TargetError(f"the API key file {path} is empty")
        if len(lines) > 1:
            raise TargetError(f"the API key file {path} holds {len(lines)} lines; it must hold the key alone")
        return _usable(lines[0], f"the API key in {path}")
    key = os.environ.get(KEY_ENV, "").strip().removeprefix("\ufeff")
    if not key:
        raise TargetError(f"no API key: set {KEY_ENV} or pass --api-key-file FILE "
                          "(Settings > Integration > API access keys in retailCRM)")
    return _usable(key, KEY_ENV)


def _usable(key: str, where: str) -> str:
    """A key travels in an HTTP header: printable ASCII, no spaces (never quoted in the error)."""
    if not all(33 <= ord(c) < 127 for c in key):
        raise TargetError(f"{where} holds characters no API key has (spaces, control or non-ASCII "
                          "characters); check the key")
    return key


def rate_limit(value: float | None = None) -> float:
    """Requests per second: the option, else CRMDEPLOY_RATE_LIMIT, else 10 (0 turns pacing off)."""
    if value is not None:
        return float(value)
    meaning = "a number of requests per second (0 turns pacing off)"
    value = env_number(RATE_ENV, DEFAULT_RATE, float, meaning, TargetError)
    if value < 0:
        raise TargetError(f'{RATE_ENV}="{value:g}" is not {meaning}')
    return value


def timeout(value: float | None = None) -> tuple[float, float]:
    """(connect, read) timeouts: the read timeout from the option, else CRMDEPLOY_TIMEOUT, else 30 s."""
    if value is None:
        value = env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT, float, "a timeout in seconds", TargetError)
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise TargetError(f"the timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
                          f"not {value}")
    return (min(CONNECT_TIMEOUT, value), value)


def insecure(value: bool | None = None) -> bool:
    """Whether TLS verification is turned off: only ever when asked (--insecure, or for programs
    CRMDEPLOY_INSECURE=1), and never silently — every command that does it says so on stderr."""
    asked = value or os.environ.get(INSECURE_ENV, "").strip().lower() in ("1", "true", "yes")
    if asked:  # a command opens its target once, so this is said once
        log.warning(INSECURE_WARNING)
    return asked


def workers(value: int | None = None) -> int:
    """Requests in flight at once: the option, else CRMDEPLOY_PARALLELISM, else 8."""
    if value is None:
        value = env_number(WORKERS_ENV, DEFAULT_WORKERS, int, "a whole number of parallel requests", TargetError)
    if value < 1:
        raise TargetError(f"parallelism must be at least 1 (got {value})")
    return value
