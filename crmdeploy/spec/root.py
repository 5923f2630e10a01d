"""The whole spec: one list per kind, plus the checks that span resources."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, create_model

from ..kinds import BY_NAME, KINDS
from . import plainsecrets
from .base import Model, Resource, iter_refs
from .people import AccessNote
from .settings import LintSettings, Safety


class SpecBase(Model):
    version: Literal[1] = 1
    safety: Safety = Field(default_factory=Safety)
    lint: LintSettings = Field(default_factory=LintSettings)
    # The ТЗ's Доступы logins: notes for the people doing the roll-out, not CRM resources.
    # `[]`, not a default_factory: pydantic copies a mutable default per instance, and it inspects
    # each factory's signature (3-5 ms of every start-up for the spec's twenty lists).
    access_notes: list[AccessNote] = []

    def resources(self, kind: str) -> list[Resource]:
        return getattr(self, kind)


Spec = create_model(  # one field per declared kind, so a new kind needs no edit here
    "Spec",
    __base__=SpecBase,
    **{k.name: (list[k.model], []) for k in KINDS},  # type: ignore[dict-item]
)


def from_records(kind: str, records: list[Any]) -> list[Resource]:
    """Many records of `kind` at once, each validated as `Kind.from_record` does, by the spec's
    validator: a plan has built that one already, and each kind's model would build its own on
    first use."""
    return Spec.model_validate({kind: records}).resources(kind)


@dataclass(frozen=True)
class Finding:
    """A cross-resource problem at `loc`; `other` is the second place it involves."""

    loc: tuple
    message: str
    other: tuple | None = None


def check_spec(spec: SpecBase) -> list[Finding]:
    """Duplicate keys and references to resources the spec does not declare."""
    keys: dict[str, dict[str, int]] = {}
    findings: list[Finding] = []
    for kind in KINDS:
        seen = keys.setdefault(kind.name, {})
        for i, resource in enumerate(spec.resources(kind.name)):
            key = kind.key_of(resource)
            if key in seen:
                findings.append(Finding((kind.name, i, kind.key),
                                        f'duplicate {kind.title} "{key}"',
                                        (kind.name, seen[key], kind.key)))
            else:
                seen[key] = i
    for kind in KINDS:
        for i, resource in enumerate(spec.resources(kind.name)):
            findings.extend(_dangling(resource, (kind.name, i), keys))
    findings.extend(Finding(loc, message) for loc, message in plainsecrets.findings(spec.resources("integrations")))
    return findings


def _dangling(resource: Resource, loc: tuple, keys: dict[str, dict[str, int]]) -> Iterator[Finding]:
    for ref_loc, target, value in iter_refs(resource, loc):
        known = keys[target]
        if value not in known:
            yield Finding(ref_loc, f'unknown {BY_NAME[target].title} "{value}"' + _hint(value, known, target))


def _hint(value: str, known: Any, target: str = "") -> str:
    kind = BY_NAME.get(target)
    if kind is not None and kind.scope is not None and "/" not in value:
        # A custom field is named by entity and code: a bare code is never guessed at.
        scoped = sorted(k for k in known if k.endswith("/" + value))
        if scoped:
            return (f' (a {kind.title} is named {kind.scope.upper()}/{kind.key.upper()}: write '
                    + " or ".join(f'"{k}"' for k in scoped) + ")")
        return f" (a {kind.title} is named {kind.scope.upper()}/{kind.key.upper()}, e.g. \"order/{value}\")"
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
