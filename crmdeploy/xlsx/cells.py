"""One cell ↔ one field value. The cell format follows from the model's type of the field."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel

from ..specfile import cell_yaml

TEXT, BOOL, NUMBER, CODES, YAML = "text", "yes/no", "number", "code list", "YAML"
YES, NO = "да", "нет"
_YES = {"да", "yes", "true", "1", "+", "y", "д"}
_NO = {"нет", "no", "false", "0", "-", "n", "н"}


def field_annotation(model: type[BaseModel], path: tuple[str, ...]) -> Any:
    """The annotation of the field at `path`, walking into nested models."""
    annotation: Any = model
    for name in path:
        annotation = _core(annotation).model_fields[name].annotation
    return annotation


def _core(annotation: Any) -> Any:
    """Strip `Annotated[...]` and `| None`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def cell_format(annotation: Any) -> str:
    core = _core(annotation)
    origin = get_origin(core)
    if origin is list:
        return CODES if _core(get_args(core)[0]) is str else YAML
    if origin is dict or (isinstance(core, type) and issubclass(core, BaseModel)):
        return YAML
    if core is bool:
        return BOOL
    if core in (int, float):
        return NUMBER
    return TEXT   # str, Literal[...]


def to_cell(fmt: str, value: Any) -> Any:
    """A spec value as what the cell shows."""
    if value is None or value == [] or value == {}:
        return None
    if fmt == BOOL:
        return YES if value else NO
    if fmt == CODES:
        return ", ".join(value)
    if fmt == YAML:
        return cell_yaml(value)
    return value


def from_cell(fmt: str, raw: Any) -> Any:
    """What the cell holds as a spec value; ValueError with a message for the user."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return _READERS[fmt](raw)


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))   # Excel keeps 10 as 10.0
    return raw if isinstance(raw, str) else str(raw)


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().casefold()
    if word in _YES or word in _NO:
        return word in _YES
    raise ValueError(f'expected "{YES}" or "{NO}" (got {raw!r})')


def _number(raw: Any) -> Any:
    return raw.strip().replace(",", ".") if isinstance(raw, str) else raw   # "350,5" in a Russian locale


def _codes(raw: Any) -> list[str]:
    text = _text(raw)
    return [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def _yaml(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return yaml.safe_load(raw)
    except yaml.MarkedYAMLError as exc:
        line = f" (line {exc.problem_mark.line + 1} of the cell)" if exc.problem_mark else ""
        raise ValueError(f"invalid YAML{line}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {exc}") from None


_READERS: dict[str, typing.Callable[[Any], Any]] = {
    TEXT: _text, BOOL: _bool, NUMBER: _number, CODES: _codes, YAML: _yaml,
}
