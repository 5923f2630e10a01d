"""Spec vs live CRM → changes. Pure functions: no I/O, no adapter."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from .kinds import KINDS, Kind
from .plan import Action, Change, FieldDiff
from .secrets import Sensitive, secrets_in
from .spec.base import Resource


def diff_resource(kind: Kind, desired: Resource, live: Resource | None,
                  skip: frozenset[str] = frozenset()) -> tuple[FieldDiff, ...]:
    """Fields the spec sets that differ from live; a field the spec leaves unset is not managed,
    nor is one in `skip` (a field the target can neither write nor read back)."""
    if live is not None:
        values = _compared_values(kind)
        if values(desired) == values(live):   # the usual case of a plan: nothing differs
            return ()
    diffs = []
    for name in kind.compared_fields:
        if name in skip:
            continue
        new = getattr(desired, name)
        old = getattr(live, name) if live is not None else None
        if new is not None and new != old:
            diffs.append(FieldDiff(name, old, new))
    return tuple(diffs)


def _compared_values(kind: Kind) -> Callable[[Resource], Any]:
    """A resource -> the tuple of its compared fields' values (one call, not one getattr each)."""
    values = _VALUES.get(kind.name)
    if values is None:
        fields = kind.compared_fields
        if len(fields) == 1:
            one = attrgetter(fields[0])
            values = _VALUES[kind.name] = lambda resource: (one(resource),)
        else:
            values = _VALUES[kind.name] = attrgetter(*fields) if fields else (lambda resource: ())
    return values


_VALUES: dict[str, Callable[[Resource], Any]] = {}   # kind name -> its `_compared_values`


def diff_kind(kind: Kind, desired: Iterable[Resource], live: Iterable[Resource] | None,
              *, writable: bool = True, prune: bool = False,
              manual_fields: frozenset[str] = frozenset(), creatable: bool = True,
              manual_items: Mapping[str, tuple[str, str]] | None = None) -> list[Change]:
    """Changes for one kind. `live=None` means the target cannot read this kind; `manual_fields`
    are fields it can neither write nor read back: never compared, never sent, each one the spec
    sets is a manual step of its own. `creatable=False`: the target edits existing items only (a
    site), so a missing one is a manual create. `manual_items`: key -> (field, why) the target can
    never hold that resource as the spec has it (a `file` custom field): one manual step each."""
    manual_items = manual_items or {}
    live_by_key = {kind.key_of(r): r for r in live or ()}
    wanted: set[str] = set()
    changes: list[Change] = []
    for resource in desired:
        key = kind.key_of(resource)
        wanted.add(key)
        current = live_by_key.get(key)
        if key in manual_items:
            field, why = manual_items[key]
            changes.append(Change(kind.name, key, Action.MANUAL, diff_resource(kind, resource, current), resource,
                                  intent=Action.CREATE if current is None else Action.UPDATE, step=field, note=why))
            continue
        if live is not None and manual_fields:
            manual = tuple(f for f in kind.compared_fields if f in manual_fields and getattr(resource, f) is not None)
            if current is None and not writable and manual:
                # Made by hand anyway (an integration installed from the marketplace): one step
                # with every value, not a create plus a step per field the person fills in at once.
                changes.append(Change(kind.name, key, Action.MANUAL, diff_resource(kind, resource, None), resource,
                                      intent=Action.CREATE, note=_made_by_hand_note(kind, resource, manual)))
                continue
            changes += [Change(kind.name, key, Action.MANUAL, (FieldDiff(f, None, getattr(resource, f)),),
                               resource, intent=Action.UPDATE, step=f,
                               note=_field_note(f, getattr(resource, f)))
                        for f in manual]
            fields = diff_resource(kind, resource, current, skip=manual_fields)
            resource = resource.model_copy(update={f: None for f in manual}) if manual else resource
        else:
            fields = diff_resource(kind, resource, current)
        if live is None:
            changes.append(Change(kind.name, key, Action.MANUAL, fields, resource, intent=Action.CREATE,
                                  note="the target cannot read this; make sure it exists in the admin UI"))
        elif fields:
            action = Action.CREATE if current is None else Action.UPDATE
            if writable and action is Action.CREATE and not creatable:
                changes.append(Change(kind.name, key, Action.MANUAL, fields, resource, intent=action,
                                      note=f"create the {kind.title} in the admin UI: the API only edits an "
                                           "existing one (the next plan then writes the rest)"))
            elif writable:
                changes.append(Change(kind.name, key, action, fields, resource))
            else:
                changes.append(Change(kind.name, key, Action.MANUAL, fields, resource, intent=action,
                                      note=f"{action.value} in the admin UI"))
    for key, resource in live_by_key.items():
        if key not in wanted:
            changes.append(_leftover(kind, key, resource, writable=writable, prune=prune))
    return changes


def _leftover(kind: Kind, key: str, resource: Resource, *, writable: bool, prune: bool) -> Change:
    if not prune:
        return Change(kind.name, key, Action.UNMANAGED)
    if not kind.can_deactivate:
        return Change(kind.name, key, Action.UNMANAGED,
                      note=f"a {kind.title} cannot be deactivated or deleted through the API")
    if getattr(resource, "active", True) is False:
        return Change(kind.name, key, Action.UNMANAGED, note="already inactive")
    field = (FieldDiff("active", True, False),)
    if not writable:
        return Change(kind.name, key, Action.MANUAL, field, intent=Action.DEACTIVATE,
                      note="deactivate in the admin UI")
    return Change(kind.name, key, Action.DEACTIVATE, field)


def diff_all(desired: Mapping[str, list[Resource]], live: Mapping[str, list[Resource] | None],
             writable: set[str], *, prune: bool = False, kinds: Iterable[Kind] = KINDS,
             manual_fields: Mapping[str, frozenset[str]] | None = None,
             edit_only: Iterable[str] = (),
             manual_items: Mapping[str, Mapping[str, tuple[str, str]]] | None = None,
             ) -> list[Change]:
    changes: list[Change] = []
    manual_fields, manual_items, edit_only = manual_fields or {}, manual_items or {}, set(edit_only)
    for kind in kinds:
        changes += diff_kind(kind, desired.get(kind.name, []), live.get(kind.name),
                             writable=kind.name in writable, prune=prune,
                             manual_fields=manual_fields.get(kind.name, frozenset()),
                             creatable=kind.name not in edit_only, manual_items=manual_items.get(kind.name))
    return changes


def _field_note(name: str, value: object) -> str:
    note = f'set "{name}" in the admin UI: the target\'s API can neither write nor read it'
    envs = sorted({s.env for s in _secrets(value) if s.env})
    return note + (f" (the values of {' / '.join(envs)})" if envs else "")


def _made_by_hand_note(kind: Kind, resource: Resource, manual: tuple[str, ...]) -> str:
    envs = sorted({s.env for f in manual for s in _secrets(getattr(resource, f)) if s.env})
    return (f"create the {kind.title} in the admin UI with the values below ({', '.join(manual)} included: "
            "the target's API can neither write nor read them back)"
            + (f"; the values of {' / '.join(envs)}" if envs else ""))


def _secrets(value: object) -> list[Sensitive]:
    return [secret for _, secret in secrets_in(value)]
