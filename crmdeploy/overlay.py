"""Layers of a target's spec list merged in order: a base, then overlays that state only what they change.

In a later layer:
- a resource (list entry) whose key an earlier layer has merges over it field by field —
  mappings (settings, conditions …) key by key, everything else (lists, scalars) replaced;
  a new key adds a resource;
- `KIND: {KEY: {field: value}}` (a mapping instead of a list) patches resources by key: the key
  must exist in an earlier layer, and the patch may not change the resource's key fields;
- `remove: {KIND: [KEY, …]}` drops resources of the earlier layers for this target.

Every value keeps the position of the file that set it, so errors point into the overlay for what
the overlay changed and into the base for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Problem, SpecError
from .kinds import BY_NAME, Kind
from .yamlpos import Document, dotted

REMOVE = "remove"
MERGED_SCALARS = ("version",)   # top-level values every layer must agree on


@dataclass
class _Node:
    """One resource of the merged spec: its data and, relative to it, positions, secrets, variables."""

    data: dict
    marks: dict[tuple, Any] = field(default_factory=dict)
    secrets: list[tuple[tuple, str]] = field(default_factory=list)
    variables: list[tuple] = field(default_factory=list)


@dataclass
class _Merged:
    top: dict[str, Any] = field(default_factory=dict)
    top_marks: dict[tuple, Any] = field(default_factory=dict)
    top_secrets: list[tuple[tuple, str]] = field(default_factory=list)
    top_variables: list[tuple] = field(default_factory=list)
    kinds: dict[str, dict[str, _Node]] = field(default_factory=dict)   # kind -> key -> node
    loose: dict[str, list[_Node]] = field(default_factory=dict)        # entries without a key


def layer_documents(documents: list[Document]) -> Document:
    """The documents (first the base, then each overlay) merged into one with every position kept."""
    merged = _Merged()
    for index, doc in enumerate(documents):
        if not isinstance(doc.data, dict):
            raise SpecError([Problem(doc.locate(()), "", "a spec file must be a mapping of kinds")])
        _apply_layer(merged, doc, first=index == 0)
    return _assemble(merged)


def key_of(kind: Kind, data: Any) -> str | None:
    """The key of a resource still as YAML data, or None when its key fields are missing."""
    if not isinstance(data, dict):
        return None
    try:  # a custom field's entity left out is "order", as `Kind.key_from` says
        return kind.key_from({str(k): v for k, v in data.items()})
    except KeyError:
        return None


def _apply_layer(merged: _Merged, doc: Document, *, first: bool) -> None:
    buckets = _bucket(doc)
    seen: dict[tuple[str, str], tuple] = {}   # (kind, key) -> path in this layer
    for name, value in doc.data.items():
        if name == REMOVE:
            _remove(merged, doc, value, first=first)
        elif name in BY_NAME and isinstance(value, list):
            for i, item in enumerate(value):
                _add(merged, doc, BY_NAME[name], (name, i), item, buckets, seen)
        elif name in BY_NAME and isinstance(value, dict) and not first:
            for key, patch in value.items():
                _patch(merged, doc, BY_NAME[name], (name, key), patch, buckets)
        else:
            _top(merged, doc, name, value, buckets)
        if name in BY_NAME:
            merged.kinds.setdefault(name, {})
            merged.top_marks.setdefault((name,), doc.positions.get((name,)))


def _bucket(doc: Document) -> dict[tuple, tuple[dict, list, list]]:
    """Positions, secrets and variables grouped by their first two path parts (one resource)."""
    buckets: dict[tuple, tuple[dict, list, list]] = {}

    def bucket(path: tuple) -> tuple[dict, list, list]:
        return buckets.setdefault(path[:2], ({}, [], []))

    for path, mark in doc.positions.items():
        bucket(path)[0][path[2:]] = mark
    for path, env in doc.secrets:
        bucket(path)[1].append((path[2:], env))
    for path in doc.variables:
        bucket(path)[2].append(path[2:])
    return buckets


def _node(data: Any, at: tuple, buckets: dict) -> _Node:
    marks, secrets, variables = buckets.get(at, ({}, [], []))
    return _Node(data, dict(marks), list(secrets), list(variables))


def _add(merged: _Merged, doc: Document, kind: Kind, at: tuple, item: Any, buckets: dict,
         seen: dict[tuple[str, str], tuple]) -> None:
    key = key_of(kind, item)
    node = _node(item, at, buckets)
    if key is None:
        merged.loose.setdefault(kind.name, []).append(node)   # validation names what is missing
        return
    if (kind.name, key) in seen:
        first = seen[(kind.name, key)]
        raise SpecError([Problem(doc.locate(at + (kind.key,)), dotted(at + (kind.key,)),
                                 f'duplicate {kind.title} "{key}" in one layer '
                                 f"(first defined at {doc.locate(first + (kind.key,))})")])
    seen[(kind.name, key)] = at
    nodes = merged.kinds.setdefault(kind.name, {})
    if key in nodes:
        _merge_into(nodes[key], node, ())
    else:
        nodes[key] = node


def _patch(merged: _Merged, doc: Document, kind: Kind, at: tuple, patch: Any, buckets: dict) -> None:
    key = str(at[1])
    nodes = merged.kinds.get(kind.name, {})
    if key not in nodes:
        raise SpecError([Problem(doc.locate(at), dotted(at),
                                 f'no {kind.title} "{key}" in an earlier layer to change '
                                 "(to add one, write it as a list entry)")])
    if not isinstance(patch, dict):
        raise SpecError([Problem(doc.locate(at), dotted(at), "a patch by key is a mapping of the fields it changes")])
    target = nodes[key]
    after = key_of(kind, {**target.data, **patch})
    if after != key:
        field_name = next((f for f in patch if key_of(kind, {**target.data, f: patch[f]}) != key), kind.key)
        raise SpecError([Problem(doc.locate(at + (field_name,)), dotted(at + (field_name,)),
                                 f'an overlay cannot change the key of {kind.title} "{key}" (to "{after}"); '
                                 f"remove it (remove: {{{kind.name}: [{key}]}}) and add the new one")])
    _merge_into(target, _node(patch, at, buckets), ())


def _remove(merged: _Merged, doc: Document, value: Any, *, first: bool) -> None:
    where = (REMOVE,)
    if first:
        raise SpecError([Problem(doc.locate(where), REMOVE, "`remove:` belongs in an overlay (a later entry of "
                                                            "a target's spec list): there is nothing before it")])
    if not isinstance(value, dict):
        raise SpecError([Problem(doc.locate(where), REMOVE, "`remove:` maps a kind to the keys to drop, "
                                                            "e.g. remove: {statuses: [cancel-price]}")])
    for name, keys in value.items():
        at = where + (name,)
        if name not in BY_NAME:
            raise SpecError([Problem(doc.locate(at), dotted(at), f'unknown kind "{name}"')])
        for i, key in enumerate(keys if isinstance(keys, list) else [keys]):
            nodes = merged.kinds.get(name, {})
            if str(key) not in nodes:
                spot = at + (i,) if isinstance(keys, list) else at
                raise SpecError([Problem(doc.locate(spot), dotted(spot),
                                         f'no {BY_NAME[name].title} "{key}" in an earlier layer to remove')])
            del nodes[str(key)]


def _top(merged: _Merged, doc: Document, name: str, value: Any, buckets: dict) -> None:
    """A top-level value other than a kind's list (version, safety, or what validation rejects)."""
    if name in MERGED_SCALARS and name in merged.top and merged.top[name] != value:
        raise SpecError([Problem(doc.locate((name,)), name, f"differs from the value at "
                                                            f"{_located(merged.top_marks.get((name,)))}")])
    node = _Node(merged.top.get(name), {k[1:]: v for k, v in merged.top_marks.items() if k[:1] == (name,)},
                 [(p[1:], e) for p, e in merged.top_secrets if p[:1] == (name,)],
                 [p[1:] for p in merged.top_variables if p[:1] == (name,)])
    layer = _Node(value, {p[1:]: m for p, m in doc.positions.items() if p[:1] == (name,)},
                  [(p[1:], e) for p, e in doc.secrets if p[:1] == (name,)],
                  [p[1:] for p in doc.variables if p[:1] == (name,)])
    if name in merged.top and isinstance(node.data, dict) and isinstance(value, dict):
        _merge_into(node, layer, ())
    else:
        node = layer
    merged.top[name] = node.data
    merged.top_marks = {k: v for k, v in merged.top_marks.items() if k[:1] != (name,)}
    merged.top_marks.update({(name,) + p: m for p, m in node.marks.items()})
    merged.top_secrets = [(p, e) for p, e in merged.top_secrets if p[:1] != (name,)]
    merged.top_secrets += [((name,) + p, e) for p, e in node.secrets]
    merged.top_variables = [p for p in merged.top_variables if p[:1] != (name,)]
    merged.top_variables += [(name,) + p for p in node.variables]


def _located(mark: Any) -> str:
    doc = Document(None, {(): mark} if mark else {})
    return str(doc.locate(()))


def _merge_into(node: _Node, layer: _Node, prefix: tuple) -> None:
    """Merge `layer`'s data at `prefix` over `node`'s: mappings key by key, anything else replaced."""
    here = _get(node.data, prefix)
    over = _get(layer.data, prefix)
    if prefix and not (isinstance(here, dict) and isinstance(over, dict)):
        _replace(node, layer, prefix)
        return
    for key in over:
        _merge_into(node, layer, prefix + (key,))
    if (mark := layer.marks.get(prefix)) is not None and prefix:
        node.marks[prefix] = mark


def _replace(node: _Node, layer: _Node, prefix: tuple) -> None:
    _set(node.data, prefix, _get(layer.data, prefix))
    inside = len(prefix)
    node.marks = {p: m for p, m in node.marks.items() if p[:inside] != prefix}
    node.marks.update({p: m for p, m in layer.marks.items() if p[:inside] == prefix})
    node.secrets = [(p, e) for p, e in node.secrets if p[:inside] != prefix]
    node.secrets += [(p, e) for p, e in layer.secrets if p[:inside] == prefix]
    node.variables = [p for p in node.variables if p[:inside] != prefix]
    node.variables += [p for p in layer.variables if p[:inside] == prefix]


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _set(data: dict, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


def _assemble(merged: _Merged) -> Document:
    out = Document(dict(merged.top))
    out.positions.update({p: m for p, m in merged.top_marks.items() if m is not None})
    out.secrets.extend(merged.top_secrets)
    out.variables.extend(merged.top_variables)
    for name, nodes in merged.kinds.items():
        items = [*nodes.values(), *merged.loose.get(name, [])]
        out.data[name] = [n.data for n in items]
        for i, node in enumerate(items):
            at = (name, i)
            out.positions.update({at + p: m for p, m in node.marks.items()})
            out.secrets.extend((at + p, e) for p, e in node.secrets)
            out.variables.extend(at + p for p in node.variables)
    return out
