"""`${var:NAME}` in any non-secret string of a spec, filled from a target's `vars` and `--var NAME=VALUE`.

A string that is exactly one reference takes the variable's value with its type (`ordering:
"${var:first}"` with `first: 10` is the number 10); inside longer text the value is written in.
An undefined variable is a located error naming the file, line and name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Problem, SpecError, UsageError
from .yamlpos import Document, dotted

VAR_REF = re.compile(r"\$\{var:([^}]*)\}")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_assignments(texts: Iterable[str]) -> dict[str, str]:
    """`--var NAME=VALUE` options → a mapping (a later one wins)."""
    values: dict[str, str] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not NAME.match(name.strip()):
            raise UsageError(f'--var "{text}": write NAME=VALUE (NAME: letters, digits and _)')
        values[name.strip()] = value
    return values


def substitute(document: Document, values: Mapping[str, Any], *, hint: str = "") -> None:
    """Fill every `${var:NAME}` in place; every undefined or malformed one is a located problem.

    `hint` says where the variables come from (e.g. which target), for the error message."""
    problems: list[Problem] = []
    for path in document.variables:
        text = _get(document.data, path)
        missing = [n for n in dict.fromkeys(m.group(1) for m in VAR_REF.finditer(text)) if n not in values]
        for name in missing:
            what = f'"${{var:{name}}}": ' + ("not a variable name (letters, digits and _)" if not NAME.match(name)
                                              else f'undefined variable "{name}"{hint}')
            problems.append(Problem(document.locate(path), dotted(path), what))
        if not missing:
            _set(document.data, path, fill(text, values))
    if problems:
        raise SpecError(problems[:20])


def fill(text: str, values: Mapping[str, Any]) -> Any:
    whole = VAR_REF.fullmatch(text)
    if whole:
        return values[whole.group(1)]
    return VAR_REF.sub(lambda m: _text(values[m.group(1)]), text)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value
