"""YAML to plain Python data, remembering where every value came from.

PyYAML's composer gives nodes with marks; we build the data ourselves so that
each path (`("statuses", 3, "group")`) maps to its file:line:column, duplicate
keys are errors instead of silent overwrites, and alias bombs are measured
before anything expands them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re
from collections.abc import Callable
from typing import Any

import yaml

from .errors import Location, Problem, SpecError
from .secrets import Sensitive, parse_env_ref

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NODES = 2_000_000
MAX_DEPTH = 64
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 5-10x faster

Path = tuple
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
SPECIAL_KEYS = (MERGE_TAG, "tag:yaml.org,2002:value")  # keys flatten_mapping rewrites
SAFE_DEPTH = 2_000
VAR_MARK = "${var:"
BRACKETS = re.compile(r"[\[\]{}]")
LONG_LINE = re.compile(r"^[^\n]{%d}" % (SAFE_DEPTH // 2), re.MULTILINE)  # tried at line starts only


@dataclass
class Document:
    """Data of one or more files, with a location for every path in it."""

    data: Any
    # path → a Location, (file, line, column) counted from 0, or (file, yaml Mark): turned into
    # Locations only when asked, because building 600,000 of them costs a second at 50k resources.
    # None until first asked when the file was parsed without them (`parse_file(located=False)`):
    # then `_locator` parses it again to find them.
    _positions: dict[Path, Location | tuple] | None = field(default_factory=dict, repr=False)
    secrets: list[tuple[Path, str]] = field(default_factory=list)  # (path, env variable)
    variables: list[Path] = field(default_factory=list)  # strings holding a ${var:NAME}
    _locator: Callable[[], dict[Path, Location | tuple]] | None = field(default=None, repr=False)

    @property
    def positions(self) -> dict[Path, Location | tuple]:
        if self._positions is None:
            self._positions = self._locator()
            self._locator = None
        return self._positions

    def locate(self, path: Path) -> Location | None:
        """The location of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if isinstance(found, Location):
                return found
            if found and len(found) == 3:  # (file, line, column), 0-based: the streaming builder's
                return Location(found[0], found[1] + 1, found[2] + 1)
            if found:
                return Location(found[0], found[1].line + 1, found[1].column + 1)
        return None

    def data_path(self, loc: tuple) -> Path:
        """The parts of a pydantic error's `loc` that walk the data (union and type tags dropped)."""
        data, path = self.data, []
        for part in loc:
            if isinstance(data, dict) and part in data:
                data = data[part]
            elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
                data = data[part]
            else:
                continue
            path.append(part)
        return tuple(path)


def parse_file(text: bytes, filename: str, *, located: bool = True) -> Document:
    """Parse one YAML file into a Document; every failure is a SpecError.

    `located=False` leaves the positions out where it can: a valid spec planned without a
    problem never asks for one, and they were a fifth of a 100,000-resource plan's peak memory
    (616 MB with them, 467 MB without). The first question for one parses the file again,
    located. Errors found while parsing are located either way."""
    def fail(message: str, mark: Any = None) -> SpecError:
        loc = Location(filename, mark.line + 1, mark.column + 1) if mark else Location(filename, 1, 1)
        return SpecError([Problem(loc, "", message)])

    if len(text) > MAX_FILE_BYTES:
        raise fail(f"file is {len(text):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        source = text.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = text.count(b"\n", 0, exc.start)
        column = exc.start - (text.rfind(b"\n", 0, exc.start) + 1)
        mark = yaml.Mark(filename, exc.start, line, column, None, None)
        raise fail(f"not UTF-8 text (byte 0x{text[exc.start]:02x} at offset {exc.start}); "
                   "save the file as UTF-8", mark) from None
    if "&" not in source and "<<" not in source:
        # No anchor (so no alias), no merge key: build straight from the parser's events, never
        # holding the whole node graph (half the memory of a large spec, and faster). Anything
        # unusual, an error included, is left to the node builder below, which words it. Deep
        # nesting is safe here (libyaml's parser keeps its own stacks; only the composer
        # below recurses), and the builder stops at MAX_DEPTH: no need to scan for it first.
        try:
            doc = _stream(source, filename, located)
        except (_Unusual, yaml.YAMLError, SpecError, RecursionError):
            pass
        else:
            if not located:
                doc._positions, doc._locator = None, lambda: parse_file(text, filename).positions
            return doc
    try:
        if _may_be_deep(source):
            _check_depth(source, fail)
        node = yaml.compose(source, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        _check_depth_quietly(source, fail)  # nesting is ours to word, whatever libyaml says
        raise fail(_yaml_message(exc), exc.problem_mark or exc.context_mark) from None
    except yaml.reader.ReaderError as exc:
        line = source.count("\n", 0, exc.position)
        column = exc.position - (source.rfind("\n", 0, exc.position) + 1)
        mark = yaml.Mark(filename, exc.position, line, column, None, None)
        raise fail(f"invalid YAML: character #x{exc.character:04x} is not allowed (control character)",
                   mark) from None
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {exc}") from None
    except RecursionError:
        _check_depth_quietly(source, fail)
        raise fail("the document is nested too deeply") from None
    if node is None:
        raise fail("the file is empty; a spec needs at least `version: 1`")
    if "&" in source:  # without an anchor there is no alias, so nothing can expand
        _check_size(node, fail)
    try:
        return _Builder(filename).build(node)
    except yaml.MarkedYAMLError as exc:  # a tag no safe constructor knows, e.g. !!python/name:
        raise fail(_yaml_message(exc), exc.problem_mark or exc.context_mark) from None


def _may_be_deep(source: str) -> bool:
    """Whether `source` could nest deep enough to trouble libyaml's recursive composer.

    libyaml crashes the process at about 10,000 levels (and newer versions refuse flow
    nesting past 1,000 in their own words). Nesting is bounded by the deepest run of flow
    brackets plus the longest line (block nesting needs indentation or `- ` per level), so
    ordinary files skip the slower event scan; nesting between MAX_DEPTH and this bound is
    caught after composing, by the builder.
    """
    return _bracket_depth(source) + 2 * MAX_DEPTH >= SAFE_DEPTH or bool(LONG_LINE.search(source))


def _check_depth(source: str, fail: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH, located at the first level too deep.

    The scan uses PyYAML's pure-Python parser, never libyaml: it keeps no nesting limit of
    its own, so the answer (and its wording) is the same whichever libyaml is installed, and
    it stops at the first level past MAX_DEPTH, so a hostile file costs only its first levels.
    """
    depth = 0
    for event in yaml.parse(source, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise fail(f"the document is nested more than {MAX_DEPTH} levels deep", event.start_mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _check_depth_quietly(source: str, fail: Any) -> None:
    """After libyaml refused a file: say "nested too deep" if that is the cause, else nothing."""
    try:
        _check_depth(source, fail)
    except yaml.YAMLError:
        pass  # invalid for another reason: the caller reports libyaml's own error


def _bracket_depth(source: str) -> int:
    """The deepest bracket nesting, counting brackets inside strings too (an overestimate)."""
    depth = deepest = 0
    for bracket in BRACKETS.findall(source):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "invalid YAML: " + ", ".join(parts)


def _check_size(root: yaml.Node, fail: Any) -> None:
    """Refuse documents whose aliases would expand past MAX_NODES, without expanding them."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        ident = id(node)
        if ident in sizes:
            return sizes[ident]
        if ident in active:
            raise fail("a YAML alias refers to itself", node.start_mark)
        if depth > MAX_DEPTH:
            raise fail(f"the document is nested more than {MAX_DEPTH} levels deep", node.start_mark)
        active.add(ident)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        active.discard(ident)
        sizes[ident] = min(total, MAX_NODES + 1)
        if total > MAX_NODES:
            raise fail(f"the document expands to more than {MAX_NODES:,} values "
                       "(YAML aliases repeated too often)", node.start_mark)
        return total

    size(root, 0)


class _Unusual(Exception):
    """The streaming builder met something it leaves to the node builder."""


_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = yaml.constructor.SafeConstructor.yaml_constructors
_SCALAR, _MAPPING, _SEQ = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent


def _plain_scalar(text: str, mark: Any, end: Any, style: Any) -> tuple[str, Any]:
    """(tag, value) of an untagged plain scalar: YAML 1.1's implicit types (`yes`, `1_000`, `~`).

    Only the text decides it (no path resolver is registered: `_stream` checks), so one parse
    keeps each answer by text: a spec repeats its keys and values thousands of times."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == STR_TAG:
        return tag, text
    construct = _SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:
        raise _Unusual("tag")
    return tag, construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text, mark, end, style))


def _stream(source: str, filename: str, located: bool = True) -> Document:
    """The same Document as `_Builder` gives (same data, YAML 1.1 values, positions, secrets,
    variables) for a file with no anchors and no merge keys, built from parser events.

    Raises `_Unusual` where the node builder must decide (an alias or anchor, a second
    document, a duplicate or non-scalar or null key, nesting past MAX_DEPTH, an unknown tag)."""
    if _RESOLVER.yaml_path_resolvers:
        raise _Unusual("path resolvers")   # a tag could then depend on the path, not the text alone
    doc = Document(None)
    parser = _LOADER(source)
    try:
        return _events(parser.get_event, filename, doc, located)
    finally:
        parser.dispose()


def _events(next_event: Any, filename: str, doc: Document, located: bool = True) -> Document:
    """`_stream`'s loop over the parser's events (`next_event()` gives None after the last);
    without `located`, no positions are kept."""
    positions, secrets, variables = doc.positions, doc.secrets, doc.variables
    resolve = _RESOLVER.resolve
    plain: dict[str, tuple[str, Any]] = {}   # text of an untagged plain scalar -> (tag, value)
    stack: list[list] = []   # [container, path, pending key or _NO_KEY] of each open collection
    frame: list | None = None   # stack[-1]
    documents = 0
    while (event := next_event()) is not None:
        kind = type(event)
        if kind is _SCALAR:
            if event.anchor is not None:
                raise _Unusual("anchor")
            mark = event.start_mark
            tag, text = event.tag, event.value
            if tag is None and event.implicit[0]:
                found = plain.get(text)
                if found is None:
                    found = plain[text] = _plain_scalar(text, mark, event.end_mark, event.style)
                tag, value = found
            else:
                if tag is None or tag == "!":
                    tag = resolve(yaml.ScalarNode, text, event.implicit)
                if tag == STR_TAG:
                    value = text
                else:
                    construct = _SCALAR_CONSTRUCTORS.get(tag)
                    if construct is None:
                        raise _Unusual("tag")
                    value = construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text, mark, event.end_mark, event.style))
            pending = frame[2] if frame is not None else _ROOT
            if pending is _NO_KEY:   # a mapping's key
                if value is None or tag in SPECIAL_KEYS or value in frame[0]:
                    raise _Unusual("key")
                frame[2] = value
                if located:
                    positions[frame[1] + (value,)] = (filename, mark.line, mark.column)
                continue
            if value.__class__ is str and "${" in value:
                path: Path = () if pending is _ROOT else frame[1] + (
                    len(frame[0]) if pending is _SEQUENCE else pending,)
                if env := parse_env_ref(value):
                    secrets.append((path, env))
                    value = Sensitive.from_env(env)
                elif VAR_MARK in value:
                    variables.append(path)
            if pending is _SEQUENCE:
                if located:
                    positions[frame[1] + (len(frame[0]),)] = (filename, mark.line, mark.column)
                frame[0].append(value)
            elif pending is _ROOT:
                if located:
                    positions[()] = (filename, mark.line, mark.column)
                doc.data = value
            else:   # a mapping's value: located at its key already
                frame[0][pending] = value
                frame[2] = _NO_KEY
        elif kind is _MAPPING or kind is _SEQ:
            if event.anchor is not None:
                raise _Unusual("anchor")
            mark = event.start_mark
            if frame is None:
                path = ()
                if located:
                    positions[path] = (filename, mark.line, mark.column)
            elif frame[2] is _NO_KEY:
                raise _Unusual("a collection as a key")
            elif frame[2] is _SEQUENCE:
                path = frame[1] + (len(frame[0]),)
                if located:
                    positions[path] = (filename, mark.line, mark.column)
            else:
                path = frame[1] + (frame[2],)   # located at its key already
            if len(path) >= MAX_DEPTH:
                raise _Unusual("deep")
            container: Any = {} if kind is _MAPPING else []
            if frame is None:
                doc.data = container
            elif frame[2] is _SEQUENCE:
                frame[0].append(container)
            else:
                frame[0][frame[2]] = container
                frame[2] = _NO_KEY
            frame = [container, path, _NO_KEY if kind is _MAPPING else _SEQUENCE]
            stack.append(frame)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            frame = stack[-1] if stack else None
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unusual("documents")
        elif kind is yaml.AliasEvent:
            raise _Unusual("alias")
    if documents != 1 or doc.data is None:
        raise _Unusual("empty")
    return doc


_NO_KEY = object()      # a mapping frame waiting for its next key
_SEQUENCE = object()    # a sequence frame
_ROOT = object()        # no frame: the document's own value


class _Builder:
    def __init__(self, filename: str):
        self.filename = filename
        self.doc = Document(None)
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node) -> Document:
        self.doc.data = self.value(node, ())
        return self.doc

    def mark(self, node: yaml.Node) -> tuple[str, Any]:
        return self.filename, node.start_mark

    def value(self, node: yaml.Node, path: Path) -> Any:
        if len(path) > MAX_DEPTH:
            self.error(node, path, f"the document is nested more than {MAX_DEPTH} levels deep")
        if path not in self.doc.positions:  # a mapping's value is located at its key already
            self.doc.positions[path] = self.mark(node)
        if type(node) is yaml.ScalarNode:  # most nodes: tested first
            scalar = self.scalar(node)
            if isinstance(scalar, str) and "${" in scalar:
                if env := parse_env_ref(scalar):
                    self.doc.secrets.append((path, env))
                    return Sensitive.from_env(env)
                if VAR_MARK in scalar:
                    self.doc.variables.append(path)
            return scalar
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        return [self.value(child, path + (i,)) for i, child in enumerate(node.value)]

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict:
        explicit = sum(1 for k, _ in node.value if k.tag != MERGE_TAG)
        if any(k.tag in SPECIAL_KEYS for k, _ in node.value):
            self.constructor.flatten_mapping(node)  # YAML merge keys (`<<: *base`) go first
        merged = len(node.value) - explicit
        result: dict = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, path, "a mapping key must be a plain value")
            key = self.scalar(key_node)
            if key is None:
                self.error(key_node, path, "a mapping key cannot be empty (null)")
            if key in result and index >= merged and self._explicit(node, key, merged, index):
                first = self.doc.locate(path + (key,))
                self.error(key_node, path + (key,),
                           f'key "{key}" appears twice in one mapping (first at line {first.line})')
            self.doc.positions[path + (key,)] = self.mark(key_node)
            result[key] = self.value(value_node, path + (key,))
        return result

    def scalar(self, node: yaml.ScalarNode) -> Any:
        # Strings are most scalars; skipping the constructor for them halves build time.
        return node.value if node.tag == STR_TAG else self.constructor.construct_object(node)

    @staticmethod
    def _explicit(node: yaml.MappingNode, key: Any, merged: int, index: int) -> bool:
        # A key given explicitly may override a merged one; only explicit twice is an error.
        return any(k.value == key for k, _ in node.value[merged:index])

    def error(self, node: yaml.Node, path: Path, message: str) -> None:
        mark = node.start_mark
        location = Location(self.filename, mark.line + 1, mark.column + 1)
        raise SpecError([Problem(location, dotted(path), message)])


def dotted(path: Path) -> str:
    """`("statuses", 3, "group")` → `statuses[3].group`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
