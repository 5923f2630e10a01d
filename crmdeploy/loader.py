"""Spec files on disk → a validated `Spec`, or a SpecError naming file:line and field."""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, SpecError
from .gcpause import paused_gc
from .overlay import layer_documents
from .variables import substitute
from .kinds import BY_NAME
from .secrets import PLAIN_SECRET, Sensitive
from .spec.base import PATTERN_HELP, model_in
from .spec.root import Finding, Spec, SpecBase, check_spec
from .yamlpos import Document, dotted, parse_file

SUFFIXES = (".yaml", ".yml")
RECORDS_NAME = "crmdeploy.manual.yaml"   # manual-step records (manual.py) live beside the spec, not in it
_VAR_HINT = " (define it in the target's vars in crmdeploy.yaml, or pass --var NAME=VALUE)"
MAX_PROBLEMS = 20


@dataclass
class LoadedSpec:
    spec: SpecBase
    document: Document
    source: str
    paths: tuple[Path, ...] = ()   # the spec files / folders given, base first

    def unset_secrets(self) -> list[tuple[tuple, str]]:
        """`(path, NAME)` of each `${env:NAME}` whose variable is unset: plan warns, apply refuses."""
        # Only secrets a resource sends count: an access note's password is for people, not for apply.
        return [(path, env) for path, env in self.document.secrets
                if env not in os.environ and path and path[0] in BY_NAME]

    def missing_secrets(self) -> list[Problem]:
        return [Problem(self.document.locate(path), dotted(path), f"environment variable {env} is not set")
                for path, env in self.unset_secrets()]

    def require_secrets(self) -> None:
        if problems := self.missing_secrets():
            raise SpecError(problems)


def load(path: str | Path, variables: Mapping[str, Any] | None = None, *, located: bool = False) -> LoadedSpec:
    """Load one YAML file, or every *.yaml / *.yml file under a folder, merged; `${var:NAME}`
    filled from `variables`."""
    return load_layers([Path(path)], variables, located=located)


def load_layers(paths: list[Path], variables: Mapping[str, Any] | None = None, *, hint: str = "",
                source: str = "", located: bool = False) -> LoadedSpec:
    """A target's spec list: the first entry is the base, each later one an overlay merged over
    what came before (see overlay.py). `hint` tells an undefined variable's error where
    variables come from.

    Problems are always located. `located` asks for every value's position up front, for a
    caller that will report many (validate's lint); otherwise a lone file is parsed without them
    and parsed again, located, only if something asks (merging files always does)."""
    with paused_gc():
        files = [_spec_files(p) for p in paths]
        located = located or len(files) > 1 or len(files[0]) > 1
        documents = [_merge([_read(f, located=located) for f in group]) for group in files]
        document = documents[0] if len(documents) == 1 else layer_documents(documents)
        if document.variables:
            substitute(document, variables or {}, hint=hint or _VAR_HINT)
        spec = validate_document(document)
        # The plain data has served: the models hold what it said, the positions where. Dropped,
        # its memory is reused by the live read instead of adding to the peak (a third of it).
        document.data = None
        return LoadedSpec(spec, document, source or " + ".join(map(str, paths)), tuple(Path(p) for p in paths))


def validate_document(document: Document) -> SpecBase:
    """Data with a location for every path (from YAML or a workbook) → a checked Spec."""
    spec = _validate(document)
    problems = [_problem(document, f) for f in check_spec(spec)]
    if problems:
        raise SpecError(problems[:MAX_PROBLEMS])
    return spec


def _spec_files(root: Path) -> list[Path]:
    if root.is_dir():
        files = sorted(p for p in root.rglob("*")
                       if p.suffix in SUFFIXES and p.is_file() and p.name != RECORDS_NAME)
        if not files:
            raise SpecError([Problem(None, "", f"{root}: no .yaml or .yml files in this folder")])
        return files
    if not root.exists():
        raise SpecError([Problem(None, "", f"{root}: no such file or folder")])
    return [root]


def _read(path: Path, *, located: bool) -> Document:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem(None, "", f"{path}: cannot read ({exc.strerror})")]) from None
    return parse_file(data, str(path), located=located)


def _merge(documents: list[Document]) -> Document:
    """Concatenate each kind's list across files; other top-level keys must agree."""
    if len(documents) == 1 and isinstance(documents[0].data, dict):
        return documents[0]  # nothing to merge, no path to shift
    merged = Document({})
    for doc in documents:
        if not isinstance(doc.data, dict):
            raise SpecError([Problem(doc.locate(()), "", "a spec file must be a mapping of kinds")])
        offsets = {}
        for key, value in doc.data.items():
            if isinstance(value, list) and isinstance(merged.data.get(key, []), list):
                offsets[key] = len(merged.data.setdefault(key, []))
                merged.data[key].extend(value)
            elif key in merged.data and merged.data[key] != value:
                first = merged.locate((key,))
                raise SpecError([Problem(doc.locate((key,)), key,
                                         f"differs from the value at {first}")])
            else:
                merged.data.setdefault(key, value)
        merged.positions.update({_shift(p, offsets): loc for p, loc in doc.positions.items()
                                 if _shift(p, offsets) not in merged.positions})
        merged.secrets.extend((_shift(p, offsets), env) for p, env in doc.secrets)
        merged.variables.extend(_shift(p, offsets) for p in doc.variables)
    return merged


def _shift(path: tuple, offsets: dict[str, int]) -> tuple:
    if len(path) >= 2 and path[0] in offsets and isinstance(path[1], int):
        return (path[0], path[1] + offsets[path[0]]) + path[2:]
    return path


def _validate(document: Document) -> SpecBase:
    try:
        return Spec.model_validate(document.data)
    except ValidationError as exc:
        problems = [_pydantic_problem(document, err) for err in exc.errors(include_url=False)]
        problems.sort(key=lambda p: (p.location.file, p.location.line) if p.location else ("", 0))
        raise SpecError(problems[:MAX_PROBLEMS]) from None


def _pydantic_problem(document: Document, err: dict) -> Problem:
    path = document.data_path(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        message = f'unknown field "{path[-1]}"' + _suggest(path)
    elif kind == "missing":
        path = path + (err["loc"][-1],)
        message = "required field is missing"
    elif isinstance(err.get("input"), Sensitive):
        message = "a ${env:NAME} secret is allowed only where a secret belongs (integration credentials)"
    elif kind == "string_pattern_mismatch" and err["ctx"]["pattern"] in PATTERN_HELP:
        message = f'{PATTERN_HELP[err["ctx"]["pattern"]]} (got {_show(err.get("input"))})'
    else:
        message = err["msg"].removeprefix("Value error, ")
        # Never echo what was written where a secret belongs: it may be the secret itself.
        if not isinstance(err.get("input"), (dict, list)) and PLAIN_SECRET not in message:
            message += f" (got {_show(err.get('input'))})"
    return Problem(document.locate(path), dotted(path), message)


def _suggest(path: tuple) -> str:
    model = _model_at(path[:-1])
    if model is None:
        return ""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    if close:
        return f' (did you mean "{close[0]}"?)'
    return f" (allowed: {', '.join(allowed)})"


def _model_at(path: tuple) -> type[BaseModel] | None:
    if not path:
        return Spec
    if path[0] not in BY_NAME or len(path) < 2:
        return None
    model: Any = BY_NAME[path[0]].model
    for part in path[2:]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        model = model_in(info.annotation) if info else None
        if model is None:
            return None
    return model


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _problem(document: Document, finding: Finding) -> Problem:
    message = finding.message
    if finding.other is not None:
        message += f" (first defined at {document.locate(finding.other)})"
    return Problem(document.locate(finding.loc), dotted(finding.loc), message)
