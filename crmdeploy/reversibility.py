"""Can a change be undone, and is there something a reviewer must know first?

Nothing is ever deleted, so "undo" means writing the old values back or
re-activating. What cannot be undone: creating a resource that has no way to
be deactivated (custom fields, dictionaries) and replacing a secret (the CRM
keeps only a digest of the old one). Deactivating a status that live orders
still use is reversible, but flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .adapter import Adapter, usage_of
from .kinds import BY_NAME
from .plan import Action, Change, Plan
from .secrets import secrets_in

Usage = Callable[[str, str], int | None]


def _has_secret(value: object) -> bool:
    return bool(secrets_in(value))


def _judge_create(change: Change) -> tuple[bool, list[str]]:
    kind = BY_NAME[change.kind]
    if kind.can_deactivate:
        return True, []
    return False, [f"irreversible: a {kind.title} cannot be deactivated or deleted once created"]


def _judge_update(change: Change) -> tuple[bool, list[str]]:
    secret = [f.field for f in change.fields if _has_secret(f.old) or _has_secret(f.new)]
    if secret:
        return False, [f"irreversible: the CRM keeps only a digest of the old {', '.join(secret)}, "
                       "so it cannot be restored"]
    return True, []


def _judge_deactivate(change: Change) -> tuple[bool, list[str]]:
    return True, []


JUDGES = {Action.CREATE: _judge_create, Action.UPDATE: _judge_update, Action.DEACTIVATE: _judge_deactivate}


def _deactivates(change: Change) -> bool:
    return any(f.field == "active" and f.new is False for f in change.fields)


def _usage_warning(change: Change, usage: Usage) -> list[str]:
    if not _deactivates(change):
        return []
    count = usage(change.kind, change.key)
    if not count:
        return []
    return [f"in use: {count} live order(s) use this {BY_NAME[change.kind].title}; "
            "they keep it while it is inactive"]


def judge(change: Change, usage: Usage) -> Change:
    """`change` with `reversible` and `warnings` filled in; a manual change is judged by the write
    a person makes (its intent), an unmanaged one not at all."""
    judge_action = JUDGES.get(change.intent if change.action in (Action.MANUAL, Action.BLOCKED) else change.action)
    if judge_action is None:
        return change
    reversible, warnings = judge_action(change)
    return replace(change, reversible=reversible, warnings=tuple(warnings + _usage_warning(change, usage)))


def annotate(plan: Plan, adapter: Adapter) -> Plan:
    def usage(kind: str, key: str) -> int | None:
        return usage_of(adapter, BY_NAME[kind], key)

    return replace(plan, changes=tuple(judge(c, usage) for c in plan.changes))
