"""Manual steps that can be finished: the records file, and what a plan makes of it.

Some work only a person can do in the admin UI: a kind the target cannot read (templates and
triggers over API v5, integrations on a real account) or a field it can neither write nor read
back (`required_at`, user-group `permissions`). crmdeploy can never check such a step by reading,
so the admin records it as done (`crmdeploy done`), in a file the team commits next to the spec:

    SPEC_FOLDER/crmdeploy.manual.yaml     (beside a spec file, or inside a spec folder)

    version: 1
    targets:
      mock://crm.json:                          # a mock path relative to this file's folder
        templates.order-approved:
          digest: sha256:…                      # of the desired content when it was recorded
          done: '2026-12-02T14:00:00+00:00'
          content: {channel: email, subject: …, body: …}   # secrets as ${env:NAME}, never values
      https://shop.retailcrm.ru:
        custom_fields.order/reason:required_at:
          digest: sha256:…
          done: …
          content: {required_at: [cancel-other]}

A recorded step whose content is still the spec's is not pending any more; once the spec changes
it, it comes back, showing the fields that changed since it was recorded. What can be read (status
groups, users, user groups, …) is verified by reading and is never recorded. A record of a step the
spec no longer has is a notice naming the command that removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .adapter import Capability
from .errors import CrmdeployError, Problem, SpecError
from .kinds import BY_NAME
from .loader import RECORDS_NAME   # one name for the loader (which skips it) and the records
from .plan import Action, Change, FieldDiff, Plan, plain
from .secrets import MASK, Sensitive, placeholder, walk
from .spec.base import iter_refs
from .statedir import now
from .yamlpos import parse_file

VERSION = 1
# The status groups every retailCRM account has; their names and order are fixed there.
STANDARD_STATUS_GROUPS = frozenset({"new", "approval", "assembling", "delivery", "complete", "cancel"})
FIXED_ON_STANDARD_GROUPS = frozenset({"name", "ordering"})


@dataclass(frozen=True)
class Record:
    digest: str
    done: str
    content: dict[str, Any]


@dataclass
class Records:
    """The records file: target key -> address -> Record."""

    path: Path
    targets: dict[str, dict[str, Record]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Records:
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise CrmdeployError(f"{path}: cannot read the manual-step records ({exc.strerror or exc})") from None
        document = parse_file(data, str(path))

        def fail(at: tuple, message: str) -> SpecError:
            where = ".".join(str(p) for p in at)
            return SpecError([Problem(document.locate(at), where, message + " (a damaged manual-step records "
                                      "file: fix it, or remove the entry and record the step again)")])

        body = document.data
        if body is None:
            return cls(path)
        if not isinstance(body, dict) or body.get("version") != VERSION:
            raise fail(("version",) if isinstance(body, dict) and "version" in body else (),
                       f"not a crmdeploy manual-step records file of version {VERSION}")
        unknown = sorted(set(body) - {"version", "targets"})
        if unknown:
            raise fail((unknown[0],), f'unknown key "{unknown[0]}" (allowed: version, targets)')
        targets = body.get("targets") or {}
        if not isinstance(targets, dict):
            raise fail(("targets",), "must be a mapping of target -> steps")
        records = cls(path)
        for target, steps in targets.items():
            if not isinstance(steps, dict):
                raise fail(("targets", target), "must be a mapping of step address -> record")
            for address, entry in steps.items():
                at = ("targets", target, address)
                if not isinstance(entry, dict):
                    raise fail(at, "must be a mapping with digest, done and content")
                missing = [k for k in ("digest", "done", "content") if k not in entry]
                if missing:
                    raise fail(at, f'"{missing[0]}" is missing')
                if not isinstance(entry["digest"], str) or not entry["digest"].startswith("sha256:"):
                    raise fail(at + ("digest",), 'must be "sha256:" and a hex digest')
                if not isinstance(entry["content"], dict):
                    raise fail(at + ("content",), "must be a mapping of field -> value")
                if _parse_address(str(address)) is None:
                    raise fail(at, f'"{address}" is not a step address (KIND.KEY or KIND.KEY:FIELD)')
                content = walk(entry["content"], _as_placeholder)
                records.targets.setdefault(str(target), {})[str(address)] = Record(
                    entry["digest"], str(entry["done"]), content)
        return records

    def of(self, target: str) -> dict[str, Record]:
        return self.targets.get(target, {})

    def save(self) -> None:
        """Write the file atomically (a crash never leaves half of it), sorted so diffs stay small."""
        body = {"version": VERSION, "targets": {
            target: {address: {"digest": r.digest, "done": r.done, "content": r.content}
                     for address, r in sorted(steps.items())}
            for target, steps in sorted(self.targets.items()) if steps}}
        text = ("# Manual steps recorded as done by `crmdeploy done`; commit this file next to the spec.\n"
                "# A step comes back in `plan` when the spec changes what was recorded.\n"
                + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".manual-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise CrmdeployError(f"{self.path}: cannot write the manual-step records ({exc.strerror or exc})") from None


def _as_placeholder(secret: Sensitive, _: tuple | None) -> str:
    return placeholder(secret.env) if secret.env else MASK


def _parse_address(address: str) -> tuple[str, str, str] | None:
    """"kind.key[:field]" -> (kind, key, field); None if it names no kind."""
    kind, dot, rest = address.partition(".")
    if kind not in BY_NAME or not dot or not rest:
        return None
    key, colon, step = rest.rpartition(":")
    if colon and key and step in BY_NAME[kind].model.model_fields:
        return kind, key, step
    return kind, rest, ""


def records_path(spec_paths: Iterable[Path]) -> Path:
    """Where the records of a spec live: inside a spec folder, or beside a spec file."""
    first = Path(next(iter(spec_paths), Path(".")))
    return (first if first.is_dir() else first.parent) / RECORDS_NAME


def target_key(target: str, records: Path) -> str:
    """How the records file names a target: its URL, a mock path relative to the file's folder (so
    the file reads the same on every machine)."""
    if target.startswith("mock://") and len(target) > len("mock://"):
        path = Path(target.removeprefix("mock://"))
        base = Path(records).resolve().parent
        return "mock://" + Path(os.path.relpath(path.resolve(), base)).as_posix()
    return target


# --- what a step is, and its digest ------------------------------------------------------------

def content_of(change: Change) -> dict[str, Any]:
    """What a manual step asks for, as plain data with secrets as ${env:NAME}: one field for a
    field step, else every field the spec sets (spec-only notes left out: they are not sent)."""
    kind, resource = BY_NAME[change.kind], change.resource
    if resource is None:
        return {f.field: plain(f.new) for f in change.fields}
    names = (change.step,) if change.step else (*kind.identity, *kind.compared_fields)
    data = {name: resource.model_dump(include={name}, exclude_none=True).get(name) for name in names}
    data = {name: value for name, value in data.items() if value is not None}
    return walk(data, _as_placeholder)


def digest_of(content: Mapping[str, Any]) -> str:
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def recordable(change: Change, context: Context) -> bool:
    """Only what cannot be checked by reading is recorded: a field step, a step of a kind the
    target cannot read at all, or a create made by hand with fields the target cannot read back
    (an integration installed with its credentials), whose record then stands for those fields."""
    return change.action is Action.MANUAL and (
        bool(change.step) or change.kind in context.unreadable or bool(_unreadable_fields(change, context)))


def _unreadable_fields(change: Change, context: Context) -> set[str]:
    if change.intent is not Action.CREATE or change.step:
        return set()
    return {f.field for f in change.fields} & context.manual_fields.get(change.kind, frozenset())


# --- a plan in the light of the records --------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What reconciling needs besides the plan: the records of this target and how to name it."""

    records: dict[str, Record]
    unreadable: set[str]                 # kinds the target cannot read
    readonly: set[str]                   # kinds it reads but cannot write
    manual_fields: Mapping[str, frozenset[str]]   # kind -> fields it can neither write nor read back
    command: str                                  # how the notices name the cleanup command


def reconcile(plan: Plan, context: Context, desired: Mapping[str, list[Any]]) -> Plan:
    """Recorded steps leave the plan (or come back with what changed since), standard status group
    differences become notices, writes that wait for a manual step are blocked."""
    changes: list[Change] = []
    done: list[str] = []
    notices: list[str] = list(plan.notices)
    for change in plan.changes:
        if _fixed_standard_group(change, context):
            notices.append(_standard_group_notice(change))
            continue
        record = context.records.get(change.address)
        if record is None and _set_when_made(change, context):
            done.append(change.address)
            continue
        if record is None or not recordable(change, context) or _still_missing(change, context):
            changes.append(change)
            continue
        content = content_of(change)
        if digest_of(content) == record.digest:
            done.append(change.address)
            continue
        changes.append(_changed_since(change, record, content))
    notices += _orphans(context, desired)
    return replace(plan, changes=tuple(_block(changes)), done=tuple(sorted(done)), notices=tuple(notices))


def _set_when_made(change: Change, context: Context) -> bool:
    """A field step whose value was recorded with the create made by hand (`done KIND.KEY` then)."""
    made = context.records.get(f"{change.kind}.{change.key}") if change.step else None
    return made is not None and change.step in made.content and content_of(change) == {
        change.step: made.content[change.step]}


def _still_missing(change: Change, context: Context) -> bool:
    """A create of a kind the target reads is pending while reading finds nothing: its record
    (kept for the fields it stands for) does not hide it."""
    return change.intent is Action.CREATE and not change.step and change.kind not in context.unreadable


def _fixed_standard_group(change: Change, context: Context) -> bool:
    return (change.kind == "status_groups" and change.key in STANDARD_STATUS_GROUPS
            and change.action is Action.MANUAL and change.intent is Action.UPDATE
            and change.kind in context.readonly
            and bool(change.fields) and {f.field for f in change.fields} <= FIXED_ON_STANDARD_GROUPS)


def _standard_group_notice(change: Change) -> str:
    diffs = ", ".join(f"{f.field} {json.dumps(plain(f.old), ensure_ascii=False)} on the target, "
                      f"{json.dumps(plain(f.new), ensure_ascii=False)} in the spec" for f in change.fields)
    return (f"{change.address}: a standard status group, whose name and order the account fixes "
            f"({diffs}); not a pending step")


def _changed_since(change: Change, record: Record, content: dict[str, Any]) -> Change:
    names = sorted(set(record.content) | set(content))
    fields = tuple(FieldDiff(n, record.content.get(n), content.get(n)) for n in names
                   if record.content.get(n) != content.get(n))
    note = f"recorded as done on {record.done}, changed in the spec since; {change.note}".rstrip("; ")
    return replace(change, fields=fields, note=note)


def _orphans(context: Context, desired: Mapping[str, list[Any]]) -> list[str]:
    if not context.records:
        return []   # the usual case: no need to index every resource by key
    keys = {(name, BY_NAME[name].key_of(r)): r for name, resources in desired.items() for r in resources}
    found = []
    for address in sorted(context.records):
        parsed = _parse_address(address)
        resource = keys.get(parsed[:2]) if parsed else None
        if resource is None or (parsed[2] and getattr(resource, parsed[2], None) is None):
            found.append(f"{address}: recorded as done, but the spec no longer has it; remove the record with: "
                         f"{context.command} --forget {address}")
    return found


def _block(changes: list[Change]) -> list[Change]:
    """A write that references something a pending manual step creates waits for it (and so does
    whatever waits for that write): it is shown as blocked, naming the step, and not attempted.
    Changes come in dependency order, so one pass sees every cause before what it blocks."""
    waiting: dict[tuple[str, str], str] = {}   # (kind, key) that will not exist yet -> the manual step
    out = []
    for change in changes:
        if change.action is Action.MANUAL and Action.CREATE in (change.intent,) and not change.step:
            waiting[(change.kind, change.key)] = change.address
        if change.action.writes and change.resource is not None:
            causes = sorted({waiting[(k, v)] for _, k, v in iter_refs(change.resource) if (k, v) in waiting})
            if causes:
                change = replace(change, action=Action.BLOCKED, intent=change.action,
                                 note=f"waits for {', '.join(causes)} (manual)")
                if change.intent is Action.CREATE:
                    waiting[(change.kind, change.key)] = causes[0]
        out.append(change)
    return out


def done_command(spec_paths: tuple[Path, ...], target: str) -> str:
    spec = " ".join(str(p) for p in spec_paths[:1]) or "SPEC"
    return f"crmdeploy done {spec} -t {target}"


def with_records(plan: Plan, spec_paths: tuple[Path, ...], reads: Mapping[str, Any],
                 desired: Mapping[str, list[Any]]) -> Plan:
    """`plan` reconciled with the records file of its spec (no file: nothing is recorded)."""
    if not spec_paths:
        return reconcile(plan, _context({}, reads, "crmdeploy done SPEC -t " + plan.target), desired)
    path = records_path(spec_paths)
    records = Records.load(path)
    context = _context(records.of(target_key(plan.target, path)), reads, done_command(spec_paths, plan.target))
    return reconcile(plan, context, desired)


def _context(records: dict[str, Record], reads: Mapping[str, Any],
             command: str = "crmdeploy done SPEC -t TARGET") -> Context:
    unreadable = {name for name, live in reads.items() if live.resources is None}
    readonly = {name for name, live in reads.items() if live.resources is not None
                and live.capability not in (Capability.WRITE, Capability.EDIT)}
    manual_fields = {name: live.manual_fields for name, live in reads.items() if live.manual_fields}
    return Context(records, unreadable, readonly, manual_fields, command)


# --- recording ---------------------------------------------------------------------------------

def record_done(records: Records, target: str, plan: Plan, reads: Mapping[str, Any], addresses: Iterable[str],
                *, all_steps: bool = False, when: str | None = None) -> list[str]:
    """Record the named pending steps (or every recordable one) as done; the addresses recorded.
    `reads`: what the plan's read learned of each kind (its `Live`)."""
    context = _context({}, reads)
    steps = {c.address: c for c in plan.changes if recordable(c, context)}
    wanted = list(steps) if all_steps else list(dict.fromkeys(addresses))
    problems = []
    for address in wanted:
        if address in steps:
            continue
        if address in plan.done:
            problems.append(f"{address}: already recorded as done")
            continue
        other = next((c for c in plan.changes if c.address == address), None)
        if other is not None:
            problems.append(f"{address}: {other.action.value}, not a step crmdeploy cannot check: "
                            + ("it is verified by reading; make it in the admin UI and plan again"
                               if other.action is Action.MANUAL else "apply makes it"))
        else:
            problems.append(f"{address}: no such pending manual step"
                            + (f" (pending: {', '.join(sorted(steps)[:5])})" if steps else " (none is pending)"))
    if problems:
        raise CrmdeployError("nothing was recorded:\n" + "\n".join(f"  {p}" for p in problems))
    stamp = when or now()
    for address in wanted:
        content = content_of(steps[address])
        records.targets.setdefault(target, {})[address] = Record(digest_of(content), stamp, content)
    return wanted


def forget(records: Records, target: str, addresses: Iterable[str]) -> list[str]:
    steps = records.targets.get(target, {})
    missing = [a for a in addresses if a not in steps]
    if missing:
        raise CrmdeployError(f"{records.path}: no record of {', '.join(missing)} for {target}")
    for address in addresses:
        del steps[address]
    return list(addresses)


# --- the checklist apply ends with -------------------------------------------------------------

def checklist(plan: Plan, command: str) -> str:
    """The manual work left, as Markdown: one box per step, then what is blocked until then."""
    steps = [c for c in plan.changes if c.action is Action.MANUAL]
    blocked = [c for c in plan.changes if c.action is Action.BLOCKED]
    if not steps and not blocked:
        return ""
    lines = [f"## Manual steps left on {plan.target} ({len(steps)})", ""]
    for change in steps:
        lines.append(f"- [ ] `{change.address}` ({BY_NAME[change.kind].title}): {change.note}")
        for diff in change.fields:
            value = json.dumps(plain(diff.new), ensure_ascii=False, sort_keys=True)
            lines.append(f"  - {diff.field}: {value if len(value) <= 200 else value[:200] + '…'}")
    if blocked:
        lines += ["", f"Blocked until then, not attempted ({len(blocked)}):"]
        lines += [f"- `{c.address}`: {c.note}" for c in blocked]
    lines += ["", f"Once a step that crmdeploy cannot read back is done, record it: `{command} ADDRESS` "
                  "(or `--all`); the others show up done in the next plan."]
    return "\n".join(lines) + "\n"
