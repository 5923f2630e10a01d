"""`crmdeploy graph`: the pipeline as Mermaid / DOT / PNG."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from crmdeploy import graph
from crmdeploy.cli import app
from crmdeploy.loader import load

from .conftest import SHOP


@pytest.fixture(scope="module")
def shop():
    return load(SHOP).spec


@pytest.fixture(scope="module")
def mermaid_text(shop) -> str:
    return graph.mermaid(graph.build(shop))


def lanes(text: str) -> dict[str, list[str]]:
    """Lane title → the node lines inside its subgraph."""
    found, current = {}, None
    for line in text.splitlines():
        if m := re.match(r'\s*subgraph \w+\["(.*)"\]', line):
            current = found.setdefault(m.group(1), [])
        elif line.strip() == "end":
            current = None
        elif current is not None and "direction" not in line:
            current.append(line.strip())
    return found


def node_id(text: str, label_start: str) -> str:
    return re.search(r"^\s*(\w+)\W*" + re.escape(label_start), text, re.M).group(1)


def test_every_status_is_in_its_groups_lane_in_order(shop, mermaid_text):
    found = lanes(mermaid_text)
    assert list(found) == [g.name for g in sorted(shop.status_groups, key=lambda g: g.ordering)]
    for group in shop.status_groups:
        members = sorted((s for s in shop.statuses if s.group == group.code), key=lambda s: s.ordering)
        assert [line.split("<br/>")[1].rstrip('")') for line in found[group.name]] == [s.code for s in members]


def test_every_trigger_has_an_arrow_from_its_status_and_to_what_it_fires(shop, mermaid_text):
    for trigger in shop.triggers:
        tid = node_id(mermaid_text, f'"{trigger.code}<br/>')
        status = next(s for s in shop.statuses if s.code == trigger.conditions.status)
        sid = node_id(mermaid_text, f'"{status.name}<br/>')
        assert re.search(rf"^  {sid} -->(\|[^|]*\|)? {tid}$", mermaid_text, re.M), trigger.code
        targets = re.findall(rf"^  {tid} -->(?:\|[^|]*\|)? (\w+)$", mermaid_text, re.M)
        assert len(targets) == len(trigger.actions), trigger.code
        channels = {t.code: t.channel for t in shop.templates}
        for action in trigger.actions:
            if action.send_template:
                label = f'"{channels[action.send_template]}: {action.send_template}<br/>'
                assert node_id(mermaid_text, label) in targets


def test_mermaid_escapes_quotes(write_spec):
    spec = write_spec('version: 1\nstatus_groups: [{code: g, name: \'Группа "А"\'}]\n'
                      'statuses: [{code: s, name: "a <b>", group: g}]\n')
    text = graph.mermaid(graph.build(load(spec).spec))
    assert 'subgraph g_g["Группа #quot;А#quot;"]' in text
    assert 's_s("a #lt;b#gt;<br/>s")' in text


def test_inactive_statuses_are_marked(write_spec):
    spec = write_spec("version: 1\nstatus_groups: [{code: g, name: G}]\n"
                      "statuses: [{code: a, name: A, group: g}, {code: b, name: B, group: g, active: false}]\n")
    diagram = graph.build(load(spec).spec)
    assert "  class s_b inactive" in graph.mermaid(diagram)
    assert 's_b [label="B\\nb", shape=box, style="rounded", color="gray"' in graph.dot(diagram)


def test_dot_puts_each_group_in_a_cluster(shop):
    text = graph.dot(graph.build(shop))
    clusters = re.findall(r"subgraph (cluster_\w+) \{\n    label=\"([^\"]*)\";", text)
    # Declared last-first: with rankdir=LR dot stacks clusters bottom-up, so the first group shows on top.
    in_order = [g.name for g in sorted(shop.status_groups, key=lambda g: g.ordering)]
    assert [title for _, title in clusters] == in_order[::-1]
    assert text.count("shape=hexagon") == len(shop.triggers)


def test_ids_stay_unique_when_codes_differ_only_in_punctuation(write_spec):
    spec = write_spec("version: 1\nstatus_groups: [{code: g, name: G}]\n"
                      "statuses: [{code: a-b, name: A, group: g}, {code: a_b, name: B, group: g}]\n")
    text = graph.mermaid(graph.build(load(spec).spec))
    assert 's_a_b("A<br/>a-b")' in text and 's_a_b_2("B<br/>a_b")' in text


def test_cli_prints_mermaid(runner):
    result = runner.invoke(app, ["graph", str(SHOP)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("flowchart LR\n")


def test_png_without_graphviz_is_a_clear_error(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # nothing on PATH
    result = runner.invoke(app, ["graph", str(SHOP), "--format", "png", "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 1
    assert "needs graphviz's `dot` on PATH" in result.stderr
    assert not (tmp_path / "p.png").exists()


def test_png_needs_an_output_file(runner):
    result = runner.invoke(app, ["graph", str(SHOP), "--format", "png"])
    assert result.exit_code == 1 and "--output FILE.png" in result.stderr


def test_png_pipes_dot_source_through_graphviz(runner, tmp_path, monkeypatch):
    """A stand-in `dot` that records its input and answers with PNG magic bytes."""
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n[ \"$1\" = -Tpng ] || exit 3\ncat > {tmp_path}/seen.dot\nprintf '\\211PNG'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "pipeline.png"
    result = runner.invoke(app, ["graph", str(SHOP), "--format", "png", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"\x89PNG"
    assert (tmp_path / "seen.dot").read_text(encoding="utf-8") == runner.invoke(
        app, ["graph", str(SHOP), "--format", "dot"]).stdout


@pytest.mark.skipif(not __import__("shutil").which("dot"), reason="graphviz `dot` is not installed")
def test_png_with_real_graphviz(tmp_path: Path, shop):
    assert graph.png(graph.build(shop)).startswith(b"\x89PNG")
