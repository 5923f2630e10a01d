"""A Spec written back as YAML: readable Cyrillic, the spec's own order, only values that are set.

Used by `export` (live CRM → spec) and `xlsx import` (workbook → spec). Resources
keep the order they are given in; small resources go on one line in flow style,
like the hand-written specs. Secrets become `${env:NAME}` with a comment, since
neither a CRM nor a workbook ever gives the value back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import CrmdeployError
from .kinds import BY_NAME, KINDS, NOTE_AREAS, area_of
from .secrets import placeholder, secret_env_name, walk
from .spec.base import Resource
from .spec.root import SpecBase

MAX_FLOW = 150   # longest resource kept on one line
SECRET_COMMENT = "secret: set {env} in the environment before apply"
_ENV_AT_END = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}['\"]?$")


@dataclass(frozen=True)
class SpecFile:
    """A file of its own when a spec is written as a folder (a titled part of a one-file spec):
    the kinds of some ТЗ areas (`Kind.area`), in the order of `KINDS`."""

    stem: str
    title: str
    areas: tuple[str, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(name for name in (*(k.name for k in KINDS), *NOTE_AREAS) if area_of(name) in self.areas)


FILES: tuple[SpecFile, ...] = (
    SpecFile("statuses", "Статусы", ("pipeline",)),
    SpecFile("payment-delivery", "Оплата и доставка", ("payments", "orders")),
    SpecFile("fields", "Поля", ("dictionaries", "fields")),
    SpecFile("access", "Доступы", ("access",)),
    SpecFile("users", "Пользователи", ("users",)),
    SpecFile("communications", "Коммуникации", ("messages", "automation")),
    SpecFile("integrations", "Интеграции", ("integrations",)),
)


def env_name(integration: str, field: str) -> str:
    """The variable of an integration's credential: `secrets.secret_env_name`, the one rule."""
    return secret_env_name(integration, field)


def resource_data(kind_name: str, resource: Resource, *, defaults: bool = False) -> dict[str, Any]:
    """The resource as plain data: unset fields (and defaults, unless asked) left out,
    secrets as `${env:NAME}`."""
    data = resource.model_dump(exclude_none=True, exclude_defaults=not defaults)
    key = BY_NAME[kind_name].key_of(resource) if kind_name in BY_NAME else ""
    return walk(data, lambda secret, path: _EnvRef(placeholder(secret.env or env_name(key, _field(path)))), path=())


def _field(path: tuple) -> str:
    """The field a secret is under: the last key of its path (list indexes skipped)."""
    return next((str(p) for p in reversed(path) if not isinstance(p, int)), "secret")


def render(spec: SpecBase, kinds: tuple[str, ...] | None = None, header: str = "") -> str:
    """One YAML document with the given kinds (all by default), a comment line per ТЗ area."""
    wanted = kinds or (*(k.name for k in KINDS), "access_notes")
    parts = [_comment(header), "version: 1\n"]
    for file in FILES:
        present = [k for k in file.kinds if k in wanted and spec.resources(k)]
        if present:
            parts.append(f"\n# --- {file.title} " + "-" * max(3, 60 - len(file.title)) + "\n")
            parts += [_dump_kind(spec, k) for k in present]
    return "".join(parts)


def render_folder(spec: SpecBase, header: str = "") -> dict[str, str]:
    """One file per ТЗ area that has resources, e.g. `statuses.yaml`."""
    return {f"{file.stem}.yaml": render(spec, file.kinds, header)
            for file in FILES if any(spec.resources(k) for k in file.kinds)}


def outputs(spec: SpecBase, out: Path, header: str = "") -> dict[Path, str]:
    """`out` ending in .yaml/.yml is one file; anything else is a folder of area files."""
    if out.suffix in (".yaml", ".yml"):
        return {out: render(spec, header=header)}
    return {out / name: text for name, text in render_folder(spec, header).items()}


def strays(files: dict[Path, str]) -> list[Path]:
    """Other spec files in the folders written to: the loader would merge them with these."""
    folders = {p.parent for p in files}
    return sorted(p for d in folders if d.is_dir() for p in d.glob("*.y*ml")
                  if p.suffix in (".yaml", ".yml") and p not in files)


def write_files(files: dict[Path, str], *, force: bool = False) -> None:
    """Write every file, or none: an existing file is refused unless `force`."""
    existing = sorted(str(p) for p in files if p.exists())
    if existing and not force:
        what = existing[0] if len(existing) == 1 else f"{len(existing)} files ({', '.join(existing)})"
        raise CrmdeployError(f"{what} already exist{'s' if len(existing) == 1 else ''}; "
                             "pass --force to overwrite")
    for path, text in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CrmdeployError(f"{path}: cannot write ({exc.strerror or exc})") from None


def cell_yaml(value: list | dict) -> str:
    """A list or mapping for one spreadsheet cell: an item per line, inner values in flow style."""
    if isinstance(value, list):
        top: Any = [{k: _styled(v) for k, v in item.items()} if isinstance(item, dict) and len(item) == 1
                    else _styled(item) for item in value]
    else:
        top = {k: _styled(v) for k, v in value.items()}
    return yaml.dump(top, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000).rstrip("\n")


def _comment(text: str) -> str:
    return "".join(f"# {line}\n" for line in text.splitlines())


def _dump_kind(spec: SpecBase, kind_name: str) -> str:
    items = [_styled(resource_data(kind_name, r)) for r in spec.resources(kind_name)]
    text = yaml.dump({kind_name: items}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=100_000)
    return "".join(_with_secret_comment(line) for line in text.splitlines(keepends=True))


def _with_secret_comment(line: str) -> str:
    found = _ENV_AT_END.search(line.rstrip("\n"))
    if not found:
        return line
    return f"{line.rstrip()}  # {SECRET_COMMENT.format(env=found.group(1))}\n"


class _EnvRef(str):
    """A `${env:NAME}` placeholder: kept on a block line of its own so it can carry a comment."""


class _FlowMap(dict):
    pass


class _FlowList(list):
    pass


def _scalar(value: Any) -> bool:
    if isinstance(value, str):
        return "\n" not in value and not isinstance(value, _EnvRef)
    return value is None or isinstance(value, (int, float, bool))


def _simple(value: dict) -> bool:
    return all(_scalar(v) or (isinstance(v, list) and all(map(_scalar, v))) for v in value.values())


def _styled(value: Any) -> Any:
    """Flow style for small mappings and lists of scalars, block style for the rest."""
    if isinstance(value, dict):
        if _simple(value) and len(_flow_text(value)) <= MAX_FLOW:
            return _FlowMap(value)
        return {k: _styled(v) for k, v in value.items()}
    if isinstance(value, list):
        return _FlowList(value) if all(map(_scalar, value)) else [_styled(v) for v in value]
    return value


def _flow_text(value: dict) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=True, width=100_000)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)  # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_EnvRef, _represent_str)
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
