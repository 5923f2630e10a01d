"""`plan --out FILE` and `apply FILE`: a plan saved with what it was made against.

The file holds the changes (with enough of each resource to write it again),
the fingerprint of every live object the plan read, the safety thresholds and
a checksum of it all. Secrets are never in it: a resource keeps its
`${env:NAME}` placeholders and apply reads the variables again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import __version__
from .errors import CrmdeployError, SavedPlanError
from .fingerprint import Fingerprint
from .kinds import BY_NAME
from .plan import Action, Change, FieldDiff, Plan
from .secrets import Sensitive, placeholder, replace_secrets, resolve_placeholders
from .spec.base import Resource
from .spec.settings import Safety
from .statedir import now

FORMAT = "crmdeploy-plan"
VERSION = 2   # 2: custom fields keyed "ENTITY/CODE" (1 keyed them by code alone)


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    fingerprint: Fingerprint
    safety: Safety
    created: str
    source: str


def _placeholder_for(path: tuple, secret: Sensitive) -> str:
    if not secret.env:
        raise CrmdeployError("a secret without a ${env:NAME} reference cannot be saved in a plan file")
    return placeholder(secret.env)


def _change_data(change: Change) -> dict[str, Any]:
    data = change.to_data()
    if change.resource is not None:
        data["resource"] = replace_secrets(change.resource.model_dump(exclude_none=True), _placeholder_for)
    return data


def _checksum(body: dict[str, Any]) -> str:
    text = json.dumps({k: v for k, v in body.items() if k != "checksum"}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write(path: Path, plan: Plan, fingerprint: Fingerprint, safety: Safety, options: dict[str, Any]) -> None:
    body = {"format": FORMAT, "format_version": VERSION, "crmdeploy": __version__, "created": now(),
            "target": plan.target, "options": options, "safety": safety.model_dump(mode="json"),
            "summary": plan.summary(), "changes": [_change_data(c) for c in plan.changes],
            "fingerprint": fingerprint}
    body["checksum"] = _checksum(body)
    try:
        Path(path).write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise SavedPlanError(f"{path}: cannot write the plan file ({exc.strerror})") from None


def sniff(path: Path) -> bool:
    """Whether `path` is a saved plan (by content, not by name); a spec is YAML, a plan JSON."""
    path = Path(path)
    if not path.is_file():
        return False
    with path.open("rb") as head:
        if not head.read(4096).lstrip().startswith(b"{"):
            return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT


def read(path: Path) -> SavedPlan:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
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
    try:
        changes = tuple(_rebuild(c) for c in body["changes"])
        safety = Safety.model_validate(body["safety"])
    except (KeyError, ValueError, TypeError, ValidationError) as exc:
        raise SavedPlanError(f"{path}: not a usable plan file ({type(exc).__name__}: {exc})") from None
    _require_secrets(path, changes)
    return SavedPlan(Plan(body["target"], changes), body["fingerprint"], safety, body["created"], str(path))


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
    found: list[Sensitive] = []
    replace_secrets(data, lambda _, s: found.append(s))
    return found

