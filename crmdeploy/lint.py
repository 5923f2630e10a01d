"""Spec lint: things that are valid but almost certainly not what the ТЗ meant.

Each rule is a small function of a loaded spec that yields Problems located in
the spec's files; `validate` prints them as warnings (errors with `--strict`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .errors import Problem, SpecError
from .loader import LoadedSpec
from .yamlpos import dotted

Rule = Callable[[LoadedSpec], Iterator[Problem]]

# retailCRM's system cancel group is `cancel`; hand-made ones are usually named "Отмена…".
CANCEL_GROUP = re.compile(r"^(cancel|отмен|отказ)", re.IGNORECASE)
# The ТЗ's base cancel status: «Не выбран статус отмены» / «Причина отмены не выбрана».
NOT_CHOSEN = re.compile(r"не\s+выбран|не\s+указан|без\s+причин|not[\s-]+(chosen|selected)|no[\s-]+reason",
                        re.IGNORECASE)


def _at(loaded: LoadedSpec, path: tuple, message: str) -> Problem:
    return Problem(loaded.document.locate(path), dotted(path), message)


def _indexed(loaded: LoadedSpec, kind: str) -> list[tuple[int, object]]:
    return list(enumerate(loaded.spec.resources(kind)))


def _members(loaded: LoadedSpec) -> dict[str, list]:
    """Status group code -> its statuses: the statuses indexed once (a scan per group is quadratic)."""
    members: dict[str, list] = {}
    for status in loaded.spec.statuses:
        members.setdefault(status.group, []).append(status)
    return members


def _is_cancel(group: object) -> bool:
    return bool(CANCEL_GROUP.match(group.code) or CANCEL_GROUP.match(group.name))


def cancel_group_without_reasons(loaded: LoadedSpec) -> Iterator[Problem]:
    """A cancel group needs active statuses: each one is a reason the order was cancelled."""
    members = _members(loaded)
    for i, group in _indexed(loaded, "status_groups"):
        if _is_cancel(group) and not any(s.active for s in members.get(group.code, ())):
            yield _at(loaded, ("status_groups", i, "code"),
                      f'cancel group "{group.code}" has no active statuses to carry the cancel reason')


def group_without_statuses(loaded: LoadedSpec) -> Iterator[Problem]:
    members = _members(loaded)
    for i, group in _indexed(loaded, "status_groups"):
        # A cancel group without statuses is reported by its own rule, which says more.
        if group.active and not _is_cancel(group) and not members.get(group.code):
            yield _at(loaded, ("status_groups", i, "code"), f'status group "{group.code}" has no statuses')


def status_in_inactive_group(loaded: LoadedSpec) -> Iterator[Problem]:
    inactive = {g.code for g in loaded.spec.status_groups if not g.active}
    for i, status in _indexed(loaded, "statuses"):
        if status.active and status.group in inactive:
            yield _at(loaded, ("statuses", i, "group"),
                      f'active status "{status.code}" is in the inactive group "{status.group}", '
                      "so it has no group in the CRM")


def template_never_sent(loaded: LoadedSpec) -> Iterator[Problem]:
    sent = {a.send_template for t in loaded.spec.triggers if t.active for a in t.actions if a.send_template}
    for i, template in _indexed(loaded, "templates"):
        if template.active and template.code not in sent:
            yield _at(loaded, ("templates", i, "code"), f'no active trigger sends template "{template.code}"')


def trigger_on_inactive_status(loaded: LoadedSpec) -> Iterator[Problem]:
    inactive = {s.code for s in loaded.spec.statuses if not s.active}
    for i, trigger in _indexed(loaded, "triggers"):
        for name in ("status", "from_status"):
            code = getattr(trigger.conditions, name)
            if trigger.active and code in inactive:
                yield _at(loaded, ("triggers", i, "conditions", name),
                          f'trigger "{trigger.code}" fires on the inactive status "{code}", so it never fires')


def trigger_to_do(loaded: LoadedSpec) -> Iterator[Problem]:
    """A trigger the ТЗ asked for whose action nobody has written yet (e.g. from the workbook)."""
    for i, trigger in _indexed(loaded, "triggers"):
        if trigger.todo:
            state = "" if trigger.actions else " and has no actions yet"
            yield _at(loaded, ("triggers", i, "todo"),
                      f'trigger "{trigger.code}" is marked to-do{state}: {trigger.todo}')


def required_at_inactive_status(loaded: LoadedSpec) -> Iterator[Problem]:
    """A missing status is already an error (reference check); an inactive one is never reached."""
    active = {s.code for s in loaded.spec.statuses if s.active}
    for i, field in _indexed(loaded, "custom_fields"):
        for code in field.required_at or ():
            if code not in active:
                yield _at(loaded, ("custom_fields", i, "required_at"),
                          f'field "{field.code}" is required at status "{code}", which is not an active status')


def cancel_group_without_base_status(loaded: LoadedSpec) -> Iterator[Problem]:
    """The ТЗ: a cancel group's base status is «Не выбран статус отмены», so a manager picks the
    real reason afterwards and the reasons can be analysed."""
    members = _members(loaded)
    for i, group in _indexed(loaded, "status_groups"):
        statuses = [s for s in members.get(group.code, ()) if s.active]
        if _is_cancel(group) and statuses and not any(NOT_CHOSEN.search(s.name) for s in statuses):
            yield _at(loaded, ("status_groups", i, "code"),
                      f'cancel group "{group.code}" has no base "reason not chosen" status (e.g. «Не выбран '
                      "статус отмены»): add one, so the manager sets the real reason later")


def _used_statuses(loaded: LoadedSpec) -> set[str]:
    """Every status something refers to: triggers, required fields, item-status mappings, transitions."""
    spec, used = loaded.spec, set()
    for trigger in spec.triggers:
        used.update(c for c in (trigger.conditions.status, trigger.conditions.from_status) if c)
        used.update(a.change_status for a in trigger.actions if a.change_status)
    for field in spec.custom_fields:
        used.update(field.required_at or ())
    used.update(p.order_status for p in spec.product_statuses if p.order_status)
    for status in spec.statuses:
        if status.transitions:
            used.add(status.code)
            used.update(t.to for t in status.transitions)
    return used


def status_nothing_uses(loaded: LoadedSpec) -> Iterator[Problem]:
    """The ТЗ: each status should solve a task. One that no trigger, required field, item-status
    mapping or transition mentions is likely one too many."""
    if not loaded.spec.triggers and not any(s.transitions for s in loaded.spec.statuses):
        return   # a spec that does not describe the steps yet (only references): nothing to judge by
    used = _used_statuses(loaded)
    for i, status in _indexed(loaded, "statuses"):
        if status.active and status.code not in used:
            yield _at(loaded, ("statuses", i, "code"),
                      f'status "{status.code}" is used by nothing (no trigger, required field, item-status '
                      "mapping or transition): does it solve a task?")


def too_many_statuses(loaded: LoadedSpec) -> Iterator[Problem]:
    """The ТЗ: the fewer statuses the better; `lint.max_active_statuses` in the spec sets the limit."""
    limit = loaded.spec.lint.max_active_statuses
    active = [i for i, s in _indexed(loaded, "statuses") if s.active]
    if len(active) > limit:
        yield _at(loaded, ("statuses", active[limit], "code"),
                  f"{len(active)} active order statuses, more than {limit} (lint.max_active_statuses): the ТЗ "
                  "advises as few as possible, each solving a task")


RULES: tuple[Rule, ...] = (
    cancel_group_without_reasons,
    group_without_statuses,
    status_in_inactive_group,
    template_never_sent,
    trigger_on_inactive_status,
    required_at_inactive_status,
    trigger_to_do,
    cancel_group_without_base_status,
    status_nothing_uses,
    too_many_statuses,
)


def lint(loaded: LoadedSpec, rules: tuple[Rule, ...] = RULES) -> list[Problem]:
    """Every warning, in file order."""
    problems = [p for rule in rules for p in rule(loaded)]
    return sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column)
                  if p.location else ("", 0, 0))


def strict_error(warnings: list[Problem]) -> SpecError:
    count = f"{len(warnings)} lint warning{'s' if len(warnings) != 1 else ''}"
    return SpecError([*warnings, Problem(None, "", f"{count}; --strict makes them errors")])
