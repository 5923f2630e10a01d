"""The project file `crmdeploy.yaml`: the named targets of one ТЗ (the fleet's inventory).

    targets:
      staging: {url: mock://.crmdeploy/staging.json, spec: [base/, overlays/staging.yaml],
                vars: {shop_name: "Автозапчасти (тест)"}}
      prod:    {url: https://autoparts.retailcrm.ru, spec: [base/, overlays/prod.yaml],
                api_key_env: PROD_RETAILCRM_KEY}

Spec paths are relative to the project file. An entry `@NAME` stands for the spec list of
target NAME (prod = staging's layers plus its own). Every problem is located in the project file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Location, Problem, SpecError, TargetError
from .yamlpos import Document, dotted, parse_file

PROJECT_FILE = "crmdeploy.yaml"
PROJECT_ENV = "CRMDEPLOY_PROJECT"
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
VarValue = Union[str, int, float, bool]


class _TargetModel(BaseModel):
    # defer_build: the validators are built when a project file is read, not by every import
    model_config = ConfigDict(extra="forbid", defer_build=True)
    url: str
    spec: Union[str, list[str]] = Field(min_length=1)
    vars: dict[str, VarValue] = Field(default_factory=dict)
    api_key_env: Optional[str] = Field(default=None, pattern=ENV_NAME)
    api_key_file: Optional[str] = None


class _ProjectModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    version: int = 1
    targets: dict[str, _TargetModel] = Field(min_length=1)


@dataclass(frozen=True)
class Layer:
    """One entry of a target's spec list: a file or folder, and where the project names it."""

    path: Path
    named_at: Location | None
    entry: str = ""       # as the project file writes it


@dataclass(frozen=True)
class ProjectTarget:
    name: str
    url: str
    layers: tuple[Layer, ...]
    vars: dict[str, Any] = field(default_factory=dict)
    api_key_env: str | None = None
    api_key_file: Path | None = None
    location: Location | None = None      # where the project file defines it

    @property
    def keyed(self) -> bool:
        """Whether the target's adapter sends an API key (an http(s) account)."""
        return self.url.split("://", 1)[0] in ("http", "https")

    @property
    def own_key(self) -> bool:
        return bool(self.api_key_env or self.api_key_file)

    def key_options(self, *, exclusive: bool) -> dict[str, Any]:
        """What `open_target` needs to reach this target with its own key source only.

        `exclusive` (several targets at once): a keyed target without a key source of its own is
        refused, so the global CRMDEPLOY_API_KEY never reaches another host."""
        if self.api_key_env:
            value = os.environ.get(self.api_key_env, "").strip()
            if not value:
                raise TargetError(f"{self._where()}the API key of target {self.name} is read from "
                                  f"{self.api_key_env}, which is not set")
            return {"api_key": value}
        if self.api_key_file:
            return {"api_key_file": self.api_key_file}
        if exclusive and self.keyed:
            raise TargetError(f"{self._where()}target {self.name} has no api_key_env (or api_key_file) of its "
                              "own; with several targets the global CRMDEPLOY_API_KEY is never used, so one "
                              "account's key cannot reach another host")
        return {}

    def _where(self) -> str:
        return f"{self.location}: " if self.location else ""


@dataclass(frozen=True)
class Project:
    path: Path
    targets: dict[str, ProjectTarget]

    def target(self, name: str) -> ProjectTarget:
        if name not in self.targets:
            raise TargetError(f'{self.path}: no target "{name}" in the project '
                              f"(targets: {', '.join(self.targets)})")
        return self.targets[name]

    def select(self, names: list[str] | None) -> list[ProjectTarget]:
        """The targets named (in the order given), or all of them (in the file's order)."""
        if not names:
            return list(self.targets.values())
        return [self.target(n) for n in dict.fromkeys(names)]


def find(given: str | os.PathLike[str] | None = None) -> Path | None:
    """`--project FILE` (or CRMDEPLOY_PROJECT), else ./crmdeploy.yaml when it exists."""
    chosen = given or os.environ.get(PROJECT_ENV) or None
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise TargetError(f"{path}: no such project file")
        return path
    default = Path(PROJECT_FILE)
    return default if default.is_file() else None


def load_project(path: Path) -> Project:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError([Problem(None, "", f"{path}: cannot read ({exc.strerror})")]) from None
    document = parse_file(raw, str(path))
    if document.secrets:
        where, env = document.secrets[0]
        raise SpecError([Problem(document.locate(where), dotted(where),
                                 f"${{env:{env}}} does not belong in a project file; name the key's "
                                 "variable with api_key_env")])
    try:
        model = _ProjectModel.model_validate(document.data)
    except ValidationError as exc:
        raise SpecError([_problem(document, err) for err in exc.errors(include_url=False)][:20]) from None
    problems = [Problem(document.locate(("targets", n)), f"targets.{n}",
                        "a target name is letters, digits, '.', '_' or '-' (it is a file name and "
                        "part of --targets a,b)")
                for n in model.targets if not re.match(NAME, n)]
    if problems:
        raise SpecError(problems)
    base = path.parent
    targets = {name: _target(document, base, name, t, model.targets) for name, t in model.targets.items()}
    return Project(path, targets)


def _target(document: Document, base: Path, name: str, model: _TargetModel,
            every: dict[str, _TargetModel]) -> ProjectTarget:
    layers = _layers(document, base, name, every, (name,))
    seen: dict[Path, Layer] = {}
    for layer in layers:
        resolved = layer.path.resolve()
        if resolved in seen:
            raise SpecError([Problem(layer.named_at, f"targets.{name}.spec",
                                     f"{layer.entry} is already in this spec list (named at "
                                     f"{seen[resolved].named_at}); a file can be one layer only")])
        seen[resolved] = layer
    key_file = Path(model.api_key_file) if model.api_key_file else None
    if key_file is not None and not key_file.is_absolute():
        key_file = base / key_file
    return ProjectTarget(name, _url(model.url, base), tuple(layers), dict(model.vars), model.api_key_env,
                         key_file, document.locate(("targets", name)))


def _layers(document: Document, base: Path, name: str, every: dict[str, _TargetModel],
            chain: tuple[str, ...]) -> list[Layer]:
    entries = every[name].spec
    entries = [entries] if isinstance(entries, str) else entries
    layers: list[Layer] = []
    for i, entry in enumerate(entries):
        where = ("targets", name, "spec", i) if isinstance(every[name].spec, list) else ("targets", name, "spec")
        at = document.locate(where)
        if entry.startswith("@"):
            other = entry[1:]
            if other not in every:
                raise SpecError([Problem(at, dotted(where), f'"{entry}": no target "{other}" in the project')])
            if other in chain:
                cycle = " -> ".join(chain[chain.index(other):] + (other,))
                raise SpecError([Problem(at, dotted(where), f"spec lists include each other in a cycle: {cycle}")])
            layers += _layers(document, base, other, every, chain + (other,))
            continue
        path = Path(entry) if Path(entry).is_absolute() else base / entry
        if not path.exists():
            raise SpecError([Problem(at, dotted(where), f"{entry}: no such file or folder "
                                                        f"(spec paths are relative to {base / PROJECT_FILE})")])
        layers.append(Layer(path, at, entry))
    return layers


def _url(url: str, base: Path) -> str:
    """A relative mock:// path is relative to the project file, like the spec paths."""
    if not url.startswith("mock://"):
        return url
    rest = url.removeprefix("mock://")
    if not rest or Path(rest).is_absolute() or base.resolve() == Path.cwd().resolve():
        return url
    return f"mock://{base / rest}"


def _problem(document: Document, err: dict) -> Problem:
    where = document.data_path(err["loc"])
    if err["type"] == "missing":
        where, message = where + (err["loc"][-1],), "required field is missing"
    elif err["type"] == "extra_forbidden":
        message = f'unknown field "{where[-1]}" (allowed: url, spec, vars, api_key_env, api_key_file)' \
            if len(where) == 3 else f'unknown field "{where[-1]}"'
    else:
        message = err["msg"]
    return Problem(document.locate(where), dotted(where), message)
