"""`--only KIND[.KEY]` / `--exclude KIND[.KEY]`: plan or apply a subset of a plan.

A subset must stay consistent: a kept change may not reference a resource
whose creation the subset leaves out, or apply would fail half-way.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import SelectionError
from .kinds import BY_NAME
from .plan import Action, Change
from .spec.base import Resource, iter_refs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Selector:
    kind: str
    key: str | None = None

    @classmethod
    def parse(cls, text: str, option: str = "--only") -> Selector:
        # Kind names have no dots, keys may (emails, codes), so split at the first dot only.
        kind, dot, key = text.strip().partition(".")
        if kind not in BY_NAME:
            close = difflib.get_close_matches(kind, list(BY_NAME), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (kinds: {', '.join(BY_NAME)})"
            raise SelectionError(f'{option} {text}: unknown kind "{kind}"{hint}')
        if dot and not key:
            raise SelectionError(f"{option} {text}: a key is missing after the dot")
        return cls(kind, key or None)

    def matches(self, change: Change) -> bool:
        return change.kind == self.kind and (self.key is None or change.key == self.key)

    def __str__(self) -> str:
        return self.kind if self.key is None else f"{self.kind}.{self.key}"


def check_matched(selectors: Sequence[Selector], option: str, desired: Mapping[str, Sequence[Resource]],
                  live: Mapping[str, Sequence[Resource] | None]) -> None:
    """Every selector must name something in the spec or in the live CRM: a typo would otherwise
    quietly plan nothing ("No changes") or everything."""
    problems = []
    for selector in selectors:
        kind = BY_NAME[selector.kind]
        keys = {kind.key_of(r) for r in desired.get(selector.kind, ())}
        keys |= {kind.key_of(r) for r in live.get(selector.kind) or ()}
        if selector.key is None and not keys:
            problems.append(f"{option} {selector}: there are no {kind.name} in the spec or in the CRM")
        elif selector.key is not None and selector.key not in keys:
            close = difflib.get_close_matches(selector.key, sorted(keys), n=1)
            hint = f' (did you mean "{selector.kind}.{close[0]}"?)' if close else ""
            problems.append(f"{option} {selector}: no {kind.title} \"{selector.key}\" in the spec or in the CRM{hint}")
    if problems:
        raise SelectionError("\n".join(problems))


def parse_all(texts: Sequence[str], option: str) -> tuple[Selector, ...]:
    return tuple(Selector.parse(t, option) for t in texts)


def select(changes: Sequence[Change], only: Sequence[Selector] = (),
           exclude: Sequence[Selector] = ()) -> list[Change]:
    """The changes `only` keeps and `exclude` does not drop; an error if they break a dependency."""
    if not only and not exclude:
        return list(changes)
    for selector in (*only, *exclude):
        if not any(selector.matches(c) for c in changes):
            log.warning("%s matches no change in the plan", selector)
    kept = [c for c in changes if _kept(c, only, exclude)]
    _check_needs(kept, [c for c in changes if not _kept(c, only, exclude)])
    return kept


def _kept(change: Change, only: Sequence[Selector], exclude: Sequence[Selector]) -> bool:
    wanted = not only or any(s.matches(change) for s in only)
    return wanted and not any(s.matches(change) for s in exclude)


def _creates(change: Change) -> bool:
    return Action.CREATE in (change.action, change.intent)


def _check_needs(kept: list[Change], dropped: list[Change]) -> None:
    """A kept change needs a dropped one when it references a resource only that one creates."""
    created = {(c.kind, c.key): c for c in dropped if _creates(c)}
    problems = []
    for change in kept:
        if change.resource is None:
            continue
        needed = sorted({f"{k}.{v}" for _, k, v in iter_refs(change.resource) if (k, v) in created})
        problems += [f"  {change.address} needs {address}, which is to be created but is left out"
                     for address in needed]
    if problems:
        raise SelectionError("--only / --exclude leave out changes that kept ones need:\n"
                             + "\n".join(problems)
                             + "\nKeep them too (e.g. --only KIND.KEY for each) or leave out what needs them.")
