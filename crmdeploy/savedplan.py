"""`plan --out FILE` and `apply FILE`: a plan saved with what it was made against.

The file holds the changes (with enough of each resource to write it again),
the fingerprint of every live object the plan read, the safety thresholds and
a checksum of it all. Secrets are never in it: a resource keeps its
`${env:NAME}` placeholders and apply reads the variables again.

What the reviewer saw is what gets written: a stored resource must agree with
the changes as displayed (every field of a create, the changed fields of an
update; secrets excepted, shown masked) or the file is refused. A checksum
anyone can recompute is no tamper evidence, so with `CRMDEPLOY_PLAN_KEY` set
the plan is signed with an HMAC and a plan that does not verify is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import __version__
from .errors import CrmdeployError, SavedPlanError
from .fingerprint import Fingerprint
from .outputs import write_atomic
from .kinds import BY_NAME
from .plan import Action, Change, FieldDiff, Plan, plain
from .secrets import Sensitive, placeholder, resolve_placeholders, secrets_in, walk
from .spec.base import Resource
from .spec.settings import Safety
from .statedir import now

KEY_ENV = "CRMDEPLOY_PLAN_KEY"
SIGNATURE_PREFIX = "hmac-sha256:"
FORMAT = "crmdeploy-plan"
VERSION = 2   # 2: custom fields keyed "ENTITY/CODE" (1 keyed them by code alone)


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    fingerprint: Fingerprint
    safety: Safety
    created: str
    source: str


def _placeholder_for(secret: Sensitive, _: tuple | None) -> str:
    if not secret.env:
        raise CrmdeployError("a secret without a ${env:NAME} reference cannot be saved in a plan file")
    return placeholder(secret.env)


def _change_data(change: Change) -> dict[str, Any]:
    data = change.to_data()
    if change.resource is not None:
        data["resource"] = walk(change.resource.model_dump(exclude_none=True), _placeholder_for)
    return data


def _canonical(body: dict[str, Any]) -> bytes:
    text = json.dumps({k: v for k, v in body.items() if k not in ("checksum", "signature")},
                      sort_keys=True, ensure_ascii=False)
    return text.encode("utf-8")


def _checksum(body: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(body)).hexdigest()


def plan_key() -> bytes | None:
    """The key plans are signed with (CRMDEPLOY_PLAN_KEY), or None when it is not set."""
    key = os.environ.get(KEY_ENV, "")
    return key.encode("utf-8") if key else None


def _signature(body: dict[str, Any], key: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(key, _canonical(body), hashlib.sha256).hexdigest()


def _verify(path: Path, body: dict[str, Any]) -> None:
    """With a plan key, only a plan signed with it is accepted; a signed plan needs the key."""
    key, given = plan_key(), body.get("signature")
    if key is None:
        if given is not None:
            raise SavedPlanError(f"{path}: the plan is signed; set {KEY_ENV} to the key it was signed "
                                 "with to verify it before it is applied")
        return
    if not isinstance(given, str) or not given.startswith(SIGNATURE_PREFIX):
        raise SavedPlanError(f"{path}: the plan is not signed, and {KEY_ENV} is set: only a plan signed "
                             f"with that key is applied (make it with `plan --out` and {KEY_ENV} set)")
    if not hmac.compare_digest(given, _signature(body, key)):
        raise SavedPlanError(f"{path}: the plan's signature does not verify with {KEY_ENV}: it was "
                             "modified after it was signed, or signed with another key; make a new plan")


def write(path: Path, plan: Plan, fingerprint: Fingerprint, safety: Safety, options: dict[str, Any]) -> None:
    body = {"format": FORMAT, "format_version": VERSION, "crmdeploy": __version__, "created": now(),
            "target": plan.target, "options": options, "safety": safety.model_dump(mode="json"),
            "summary": plan.summary(), "changes": [_change_data(c) for c in plan.changes],
            "fingerprint": fingerprint}
    body["checksum"] = _checksum(body)
    if (key := plan_key()) is not None:
        body["signature"] = _signature(body, key)
    try:
        write_atomic(Path(path), (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    except CrmdeployError as exc:
        raise SavedPlanError(f"cannot save the plan: {exc}") from None


def sniff(path: Path) -> bool:
    """Whether `path` is a saved plan (by content, not by name); a spec is YAML, a plan JSON."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    # Told apart by its first bytes, so a damaged plan is reported as one, not read as a spec.
    return head.lstrip().startswith(b"{") and f'"{FORMAT}"'.encode() in head


def read(path: Path) -> SavedPlan:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except RecursionError:
        raise SavedPlanError(f"{path}: cannot read the plan file (nested too deeply)") from None
    except (OSError, ValueError) as exc:
        raise SavedPlanError(f"{path}: cannot read the plan file ({exc})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise SavedPlanError(f"{path}: not a crmdeploy plan file")
    if body.get("format_version") == 1:
        raise SavedPlanError(f"{path}: a plan file made by an earlier crmdeploy (plan format 1, which keyed "
                             "custom fields by code alone); it cannot be applied by this version: "
                             "make a new plan with `crmdeploy plan --out`")
    if body.get("format_version") != VERSION:
        raise SavedPlanError(f"{path}: a plan file of format version {body.get('format_version')}; "
                             f"this crmdeploy reads version {VERSION}")
    if body.get("checksum") != _checksum(body):
        raise SavedPlanError(f"{path}: the file was modified after it was saved; make a new plan")
    _verify(path, body)
    if problem := _schema_problem(body):
        raise SavedPlanError(f"{path}: not a usable plan file ({problem})")
    try:
        changes = tuple(_rebuild(c) for c in body["changes"])
        safety = Safety.model_validate(body["safety"])
    except (KeyError, ValueError, TypeError, AttributeError, ValidationError) as exc:
        raise SavedPlanError(f"{path}: not a usable plan file ({type(exc).__name__}: {exc})") from None
    if disagreeing := [line for data, change in zip(body["changes"], changes) for line in _disagreements(data, change)]:
        raise SavedPlanError(f"{path}: the plan would write what it does not show, so it is refused:\n"
                             + "\n".join(f"  {line}" for line in disagreeing[:20]) + "\nMake a new plan.")
    _require_secrets(path, changes)
    return SavedPlan(Plan(body["target"], changes), body["fingerprint"], safety, body["created"], str(path))


def _schema_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a plan file, or None."""
    for name, kind in (("target", str), ("created", str), ("changes", list), ("fingerprint", dict),
                       ("safety", dict)):
        if not isinstance(body.get(name), kind):
            return f'"{name}" is missing or not a {kind.__name__}'
    for i, change in enumerate(body["changes"]):
        if not isinstance(change, dict) or not isinstance(change.get("fields", []), list) or not all(
                isinstance(f, dict) and isinstance(f.get("field"), str) for f in change.get("fields", [])):
            return f"changes[{i}] is not a change"
        if change.get("kind") not in BY_NAME or not isinstance(change.get("key"), str):
            return f"changes[{i}] names no known kind and key"
    for kind, entry in body["fingerprint"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("objects", {}), (dict, type(None))):
            return f"fingerprint.{kind} is not a fingerprint"
    return None


def _disagreements(data: dict[str, Any], change: Change) -> list[str]:
    """Where the stored resource would write something other than the displayed change shows."""
    if change.resource is None or not change.action.writes:
        return []
    kind = BY_NAME[change.kind]
    if kind.key_of(change.resource) != change.key:
        return [f"{change.address}: the stored resource is {kind.name}.{kind.key_of(change.resource)}"]
    shown = {f["field"]: f.get("new") for f in data["fields"]}
    stored = plain(change.resource.model_dump(exclude_none=True, include=set(kind.compared_fields)))
    names = set(shown) | (set(stored) if change.action is Action.CREATE else set())
    return [f"{change.address}.{name}: shown as {_brief(shown.get(name))}, stored as {_brief(stored.get(name))}"
            for name in sorted(names) if shown.get(name) != stored.get(name)]


def _brief(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


def undisplayed(saved: SavedPlan, live: dict[str, dict[str, Resource]]) -> list[str]:
    """Fields an update would send that the plan does not show, with a value other than live's.

    An update shows only the fields that change; the rest of the stored resource must be what
    the CRM holds (the fingerprint proved it has not moved), or the write would change them unseen."""
    found = []
    for change in saved.plan.changes:
        if change.action is not Action.UPDATE or change.resource is None:
            continue
        kind, current = BY_NAME[change.kind], live.get(change.kind, {}).get(change.key)
        shown = {f.field for f in change.fields}
        for name in kind.compared_fields:
            value = getattr(change.resource, name)
            if name in shown or value is None:
                continue
            if current is None or plain(value) != plain(getattr(current, name)):
                found.append(f"{change.address}.{name}: not shown, but stored as {_brief(plain(value))}")
    return found


def _rebuild(data: dict[str, Any]) -> Change:
    kind = BY_NAME[data["kind"]]
    resource: Resource | None = None
    if "resource" in data:
        resource = kind.model.model_validate(resolve_placeholders(data["resource"]))
    fields = tuple(FieldDiff(f["field"], f["old"], getattr(resource, f["field"]) if resource else f["new"])
                   for f in data["fields"])
    intent = Action(data["intent"]) if data.get("intent") else None
    return Change(kind.name, data["key"], Action(data["action"]), fields, resource, data.get("note", ""),
                  intent, data.get("reversible"), tuple(data.get("warnings", ())), data.get("step", ""))


def _require_secrets(path: Path, changes: tuple[Change, ...]) -> None:
    """Every secret a write needs must be set again in the environment: the file never held it."""
    missing = []
    for change in changes:
        if change.action.writes and change.resource is not None:
            names = sorted({s.env for s in _secrets_in(change.resource.model_dump()) if s.env not in os.environ})
            missing += [f"  {change.address} needs the environment variable {n}, which is not set" for n in names]
    if missing:
        raise SavedPlanError(f"{path}: secrets are never saved in a plan; set them to apply it:\n"
                             + "\n".join(missing))


def _secrets_in(data: Any) -> list[Sensitive]:
    return [secret for _, secret in secrets_in(data)]

