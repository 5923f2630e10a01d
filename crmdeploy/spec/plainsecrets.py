"""Secrets written where a spec keeps plain text: a password in an integration's `base_url`, or
a credential among its `settings`. Both are refused, pointing to `credentials` with `${env:NAME}`.

A heuristic on names and shapes, so it errs towards asking: a setting that merely looks like a
token can be renamed or moved, a leaked secret cannot be taken back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_NAME = re.compile(r"pass(word|wd|phrase)?|secret|token|api[_\-.]?key|private[_\-.]?key|credential"
                         r"|auth|bearer|signature|client[_\-.]?key|access[_\-.]?key|pin$|pwd", re.IGNORECASE)
KNOWN_PREFIX = re.compile(r"^(sk|pk|rk)_(live|test)_|^gh[pousr]_|^xox[abpr]-|^AKIA[0-9A-Z]{12}|^eyJ[\w-]+\.")
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-+/=.]{24,}$")
HINT = 'a spec never holds a secret: put it in credentials as "${env:NAME}" and set NAME in the environment'


def secret_looking(name: str, value: Any) -> bool:
    if SECRET_NAME.search(name):
        return True
    if not isinstance(value, str):
        return False
    if KNOWN_PREFIX.search(value):
        return True
    shaped = TOKEN_SHAPE.match(value) and "://" not in value
    return bool(shaped and re.search(r"\d", value) and re.search(r"[A-Za-z]", value))


def in_base_url(url: str) -> str | None:
    """What in `url` is a secret, or None."""
    parts = urlsplit(url)
    if parts.password or (parts.username and "@" in parts.netloc):
        return "holds credentials (user:password@)"
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if secret_looking(name, value):
            return f'holds the secret-looking query parameter "{name}"'
    return None


def findings(integrations: list[Any]) -> Iterator[tuple[tuple, str]]:
    """(location, message) for every plain secret in the spec's integrations."""
    for i, integration in enumerate(integrations):
        if integration.base_url and (problem := in_base_url(integration.base_url)):
            yield ("integrations", i, "base_url"), f"{problem}; {HINT}"
        for name, value in (integration.settings or {}).items():
            if secret_looking(name, value):
                yield ("integrations", i, "settings", name), f"looks like a secret; {HINT}"
