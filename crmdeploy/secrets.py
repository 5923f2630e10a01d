"""Secrets: a value that can be compared but never shown.

A `Sensitive` holds either the real secret (resolved from `${env:NAME}` in a
spec) or only a salted digest of it (what a CRM store keeps). Two Sensitive
values are equal when they hold the same secret, which is all the diff needs;
every way of turning one into text yields `(sensitive)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets as _random
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic_core import core_schema

MASK = "(sensitive)"
ENV_REF = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
DIGEST_PREFIX = "sha256$"
PLAIN_SECRET = "must be a secret reference like ${env:NAME}, never the secret itself"


class Sensitive:
    __slots__ = ("_value", "_digest", "env")

    def __init__(self, value: str | None = None, *, env: str | None = None,
                 digest: str | None = None):
        self._value = value
        self._digest = digest
        self.env = env

    @classmethod
    def from_env(cls, name: str) -> Sensitive:
        """Resolve `${env:NAME}`; an unset variable leaves the value unknown."""
        return cls(os.environ.get(name), env=name)

    @classmethod
    def from_digest(cls, digest: str) -> Sensitive:
        return cls(digest=digest)

    @property
    def known(self) -> bool:
        return self._value is not None

    def reveal(self) -> str:
        """The secret itself, for the one place that must send it to a CRM."""
        if self._value is None:
            raise ValueError("secret value is not available")
        return self._value

    def digest(self, salt: str | None = None) -> str:
        """A salted digest: stored instead of the secret, compared with `matches`."""
        if self._digest is not None and salt is None:
            return self._digest
        salt = salt or _random.token_hex(8)
        mac = hmac.new(salt.encode(), self.reveal().encode(), hashlib.sha256).hexdigest()
        return f"{DIGEST_PREFIX}{salt}${mac}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sensitive):
            return NotImplemented
        if self._value is not None and other._value is not None:
            return hmac.compare_digest(self._value, other._value)
        if self._value is not None and other._digest is not None:
            return _matches(self, other._digest)
        if other._value is not None and self._digest is not None:
            return _matches(other, self._digest)
        if self._digest is not None and other._digest is not None:
            return self._digest == other._digest
        return self.env is not None and self.env == other.env

    def __hash__(self) -> int:
        return hash(MASK)

    def __str__(self) -> str:
        return MASK

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(MASK, spec)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: MASK, when_used="json"),
            json_schema_input_schema=core_schema.str_schema(pattern=ENV_REF.pattern),
        )


def _matches(secret: Sensitive, digest: str) -> bool:
    parts = digest.split("$")
    if len(parts) != 3 or not digest.startswith(DIGEST_PREFIX) or not secret.known:
        return False
    return hmac.compare_digest(secret.digest(parts[1]), digest)


def _validate(value: Any) -> Sensitive:
    if isinstance(value, Sensitive):
        return value
    raise ValueError(PLAIN_SECRET)


Leaf = Callable[[Any, tuple | None], Any]


def walk(value: Any, leaf: Leaf, on: type | tuple[type, ...] = Sensitive, *,
         path: tuple | None = None, fresh: bool = False) -> Any:
    """The one walk over plain data (dicts, lists, tuples) behind every place a secret is masked,
    stored as a digest, written as `${env:NAME}`, read back from one, or looked for.

    Each node that is an `on` (a Sensitive, unless told otherwise) goes to `leaf(node, path)`:
    what it returns takes the node's place; a node it returns as it is, is walked into when it is
    a container. `path` (keys and list indexes from the top) is tracked when a start is given,
    else the leaf gets None. A tuple comes back as a list. Nothing is copied where nothing changed:
    the result is the object given when nothing in it changed (so reading 10,000 stored records
    that hold no secret copies none); `fresh` copies every container, for a caller that changes
    the result.
    """
    return _walk(value, leaf, on, (dict, list, tuple, *(on if isinstance(on, tuple) else (on,))), path, fresh)


def _walk(value: Any, leaf: Leaf, on: Any, visit: tuple[type, ...], path: tuple | None, fresh: bool) -> Any:
    if isinstance(value, on) and (out := leaf(value, path)) is not value:
        return out
    if isinstance(value, dict):
        copy = dict(value) if fresh else None
        for key, item in value.items():
            if isinstance(item, visit):
                new = _walk(item, leaf, on, visit, None if path is None else (*path, key), fresh)
                if new is not item:
                    if copy is None:
                        copy = dict(value)
                    copy[key] = new
        return value if copy is None else copy
    if isinstance(value, (list, tuple)):
        items = [_walk(item, leaf, on, visit, None if path is None else (*path, i), fresh)
                 if isinstance(item, visit) else item for i, item in enumerate(value)]
        if fresh or type(value) is not list or any(a is not b for a, b in zip(items, value)):
            return items
    return value


def secrets_in(value: Any) -> list[tuple[tuple, Sensitive]]:
    """`(path, secret)` of every secret inside plain data."""
    found: list[tuple[tuple, Sensitive]] = []
    walk(value, lambda secret, path: found.append((path, secret)) or secret, path=())
    return found


def parse_env_ref(text: str) -> str | None:
    """The variable name in `${env:NAME}`, or None when the text is not one."""
    match = ENV_REF.match(text)
    return match.group(1) if match else None


# Words that only qualify a credential (`secure_password`, `secret_key`): dropped from its variable name.
QUALIFIERS = ("secure", "secret", "private", "plain")


def secret_env_name(integration: str, field: str) -> str:
    """The one rule naming the environment variable of an integration's credential, used by
    `export`, the ТЗ workbook and everything else that writes a `${env:NAME}`:
    `<INTEGRATION>_<FIELD>` in upper snake case, where FIELD drops a leading qualifier word
    (secure/secret/private/plain) — `("cdek", "secure_password")` → `CDEK_PASSWORD`,
    `("russian-post", "token")` → `RUSSIAN_POST_TOKEN`, `("telephony", "api_key")` → `TELEPHONY_API_KEY`."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", field) if w]
    if len(words) > 1 and words[0].lower() in QUALIFIERS:
        words = words[1:]
    parts = [w for w in re.split(r"[^A-Za-z0-9]+", integration) if w] + words
    return "_".join(parts).upper()


def placeholder(env: str) -> str:
    """The spec text that stands for a secret: `${env:NAME}`."""
    return "${env:" + env + "}"


def resolve_placeholders(value: Any) -> Any:
    """The reverse of writing placeholders: `${env:NAME}` strings become secrets read from the environment."""
    return walk(value, _from_placeholder, str)


def _from_placeholder(text: str, _: tuple | None) -> Any:
    env = parse_env_ref(text)
    return Sensitive.from_env(env) if env else text


def encodings(secret: str) -> set[str]:
    """Every form `secret` can take when a server quotes it back: raw, JSON-escaped (ASCII or
    not, once or twice, as in an object quoted inside a string), Python-quoted, URL-encoded
    (either hex case, `+` or `%20` for a space, also of the escaped forms), HTML-escaped, and
    base64 (standard or URL-safe, padded or not)."""
    if not secret:
        return set()
    escaped = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
               repr(secret)[1:-1], html.escape(secret)}
    escaped |= {q for e in list(escaped) for q in (json.dumps(e)[1:-1], repr(e)[1:-1])}
    found = set(escaped)
    for text in escaped:
        for encoded in (quote(text, safe=""), quote_plus(text, safe=""), quote(text)):
            found |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)}
    raw = secret.encode("utf-8")
    for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = b64.decode("ascii")
        found |= {text, text.rstrip("=")}
    return {f for f in found if f}


def masker(secrets: Iterable[str | None]) -> re.Pattern[str] | None:
    """One pattern matching every encoding of every secret, longest first; None when there are none."""
    forms = set().union(*(encodings(s) for s in secrets if s))
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def mask(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every encoding of every secret replaced by `(sensitive)`."""
    pattern = masker(secrets)
    return pattern.sub(MASK, text) if pattern else text
