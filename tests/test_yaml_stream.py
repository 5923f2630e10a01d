"""The streaming YAML builder (no node graph) gives exactly what the node builder gives: data with
YAML 1.1 values, a location for every path, secrets and variables; anything it does not handle
(anchors, merge keys, duplicate keys, errors) is built or refused by the node builder, unchanged."""

from __future__ import annotations

import pytest
import yaml

from crmdeploy import yamlpos
from crmdeploy.errors import Location, SpecError

from .conftest import SHOP

CASES = [
    "version: 1\nflags: [yes, no, on, off, Yes, NO, true, ~, null, '', 'yes']\n",
    "a: 1\nb: 0x1f\nc: 1_000\nd: 3.5\ne: .inf\nf: 2026-12-02\ng: 12:30\nh: 0o17\ni: 017\n",
    "1: int key\n2.5: float key\nno: bool key\n'x y': quoted\n",
    "list:\n  - {code: a, name: \"Имя\"}\n  - - nested\n    - [1, 2]\n  - !!str 123\n  - !!int '7'\n",
    "secret: ${env:TOKEN}\nvar: 'x ${var:NAME} y'\nboth: [\"${env:OTHER}\"]\n",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
    "empty_map: {}\nempty_list: []\nnull_value:\n",
    "- top\n- level\n- [list]\n",
    "just a scalar\n",
]


def node_built(text: str) -> yamlpos.Document:
    return yamlpos._Builder("f.yaml").build(yaml.compose(text, Loader=yamlpos._LOADER))


@pytest.mark.parametrize("text", CASES + [SHOP.read_text(encoding="utf-8")])
def test_the_streaming_builder_matches_the_node_builder(text):
    streamed, built = yamlpos._stream(text, "f.yaml"), node_built(text)
    assert streamed.data == built.data
    assert repr(streamed.data) == repr(built.data)   # the same types too (True is not 1)
    assert streamed.secrets == built.secrets and streamed.variables == built.variables
    assert streamed.positions.keys() == built.positions.keys()
    assert all(streamed.locate(p) == built.locate(p) for p in built.positions)


@pytest.mark.parametrize("text", [
    "base: &b {x: 1}\nother: *b\n",                    # anchor and alias
    "a: {x: 1}\nb:\n  <<: {x: 2}\n  y: 3\n",            # merge key without an anchor
    "a: 1\na: 2\n",                                    # duplicate key
    "? [1, 2]\n: complex key\n",                       # a collection as a key
    "~: null key\n",                                   # a null key
    "--- 1\n--- 2\n",                                  # two documents
    "a: [1, 2\n",                                      # invalid YAML
    "a: !!python/name:os.system x\n",                  # an unsafe tag
])
def test_what_the_streaming_builder_leaves_to_the_node_builder_ends_as_before(text):
    try:
        expected = node_built(text)
    except (yaml.YAMLError, SpecError):
        with pytest.raises((SpecError, yaml.YAMLError)):
            yamlpos.parse_file(text.encode(), "f.yaml")
        return
    assert yamlpos.parse_file(text.encode(), "f.yaml").data == expected.data


@pytest.mark.parametrize("text", CASES + [SHOP.read_text(encoding="utf-8"), "base: &b {x: 1}\nother: *b\n"])
def test_positions_left_out_at_parse_are_the_same_when_asked_for(text):
    """`located=False` parses without positions; the first question parses again and answers
    exactly as a located parse does (the node builder's files, with anchors, are located anyway)."""
    located = yamlpos.parse_file(text.encode(), "f.yaml")
    lazy = yamlpos.parse_file(text.encode(), "f.yaml", located=False)
    assert repr(lazy.data) == repr(located.data)
    assert lazy.secrets == located.secrets and lazy.variables == located.variables
    assert lazy.positions.keys() == located.positions.keys()
    assert all(lazy.locate(p) == located.locate(p) for p in located.positions)


def test_a_file_parsed_without_positions_holds_none_until_one_is_asked_for():
    text = "version: 1\nstatus_groups:\n" + "".join(
        f"  - code: g{i}\n    name: Group {i}\n    group: x{i}\n    ordering: {i}\n" for i in range(500))
    lazy = yamlpos.parse_file(text.encode(), "big.yaml", located=False)
    assert lazy._positions is None and len(lazy.data["status_groups"]) == 500
    assert lazy.locate(("status_groups", 5, "group")) == Location("big.yaml", 25, 5)
    # The root and its two keys, then each item and its four keys.
    assert lazy._positions is not None and len(lazy.positions) == 3 + 500 * 5
