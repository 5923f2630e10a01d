"""The order pipeline as a picture: status groups as lanes, statuses in order, triggers as arrows.

`build` turns a spec into a neutral `Diagram`; Mermaid and Graphviz DOT are two
renderers of it, and PNG is DOT put through graphviz's `dot` when it is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any

from .errors import CrmdeployError
from .spec.comms import Action, Trigger
from .spec.root import SpecBase


@dataclass(frozen=True)
class Node:
    id: str
    label: str          # lines separated by "\n"
    shape: str          # a key of the renderers' shape tables
    active: bool = True


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str = ""
    hidden: bool = False   # only keeps statuses of a lane in order


@dataclass
class Lane:
    id: str
    title: str
    nodes: list[Node] = field(default_factory=list)


@dataclass
class Diagram:
    lanes: list[Lane] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)   # outside every lane
    edges: list[Edge] = field(default_factory=list)


class _Ids:
    """Readable, unique node ids: `approved` → `s_approved`, a clash gets `_2`."""

    def __init__(self) -> None:
        self.given: dict[tuple[str, str], str] = {}

    def __call__(self, prefix: str, key: str) -> str:
        if (prefix, key) not in self.given:
            base = f"{prefix}_{re.sub(r'[^A-Za-z0-9]+', '_', key)}"
            taken = set(self.given.values())
            ident, n = base, 1
            while ident in taken:
                n += 1
                ident = f"{base}_{n}"
            self.given[(prefix, key)] = ident
        return self.given[(prefix, key)]


def _by_ordering(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda r: (r.ordering is None, r.ordering or 0))  # stable: ties keep spec order


def build(spec: SpecBase) -> Diagram:
    ids, diagram = _Ids(), Diagram()
    for group in _by_ordering(spec.status_groups):
        title = group.name if group.active else f"{group.name} (inactive)"
        lane = Lane(ids("g", group.code), title)
        members = _by_ordering([s for s in spec.statuses if s.group == group.code])
        lane.nodes = [Node(ids("s", s.code), f"{s.name}\n{s.code}", "status", s.active) for s in members]
        diagram.edges += [Edge(a.id, b.id, hidden=True) for a, b in zip(lane.nodes, lane.nodes[1:])]
        diagram.lanes.append(lane)
    for status in spec.statuses:   # the status matrix: where an order may go next, and who may move it
        for move in status.transitions or ():
            who = ", ".join(move.groups or ())
            diagram.edges.append(Edge(ids("s", status.code), ids("s", move.to), f"→ {who}" if who else "→"))
    diagram.nodes += [Node(ids("tpl", t.code), f"{t.channel}: {t.code}\n{t.name or ''}".strip(), "template",
                           t.active) for t in spec.templates]
    for trigger in spec.triggers:
        _add_trigger(diagram, ids, trigger)
    return diagram


def _add_trigger(diagram: Diagram, ids: _Ids, trigger: Trigger) -> None:
    node = Node(ids("t", trigger.code), f"{trigger.code}\n{trigger.name or ''}".strip(), "trigger", trigger.active)
    diagram.nodes.append(node)
    conditions = trigger.conditions
    if conditions.from_status:
        diagram.edges.append(Edge(ids("s", conditions.from_status), node.id, "from"))
    if conditions.status:
        diagram.edges.append(Edge(ids("s", conditions.status), node.id, _condition_text(trigger)))
    for i, action in enumerate(trigger.actions, 1):
        if action.send_template:
            diagram.edges.append(Edge(node.id, ids("tpl", action.send_template), "sends"))
            continue
        if action.change_status:
            diagram.edges.append(Edge(node.id, ids("s", action.change_status), "sets status"))
            continue
        target = Node(ids("a", f"{trigger.code}-{i}"), _action_text(action), "task")
        diagram.nodes.append(target)
        diagram.edges.append(Edge(node.id, target.id))


def _condition_text(trigger: Trigger) -> str:
    parts = [] if trigger.event == "order.status_changed" else [trigger.event]
    c = trigger.conditions
    if c.after:   # a timer: still in the status this long after
        parts.append(f"⏱ after {c.after}")
    parts += [f"{name}: {value}" for name, value in (("payment", c.payment_status), ("delivery", c.delivery_type),
                                                      ("method", c.order_method)) if value]
    return ", ".join(parts)


def _action_text(action: Action) -> str:
    if task := action.create_task:
        who = task.group or task.user or ""
        due = f", due in {task.due_in}" if task.due_in else ""
        return f"task: {task.text}\n{who}{due}".strip()
    if notify := action.notify:
        return f"notify {', '.join((notify.groups or []) + (notify.users or []))}\n{notify.text}"
    if setter := action.set_field:
        return f"set {setter.field} = {setter.value}"
    if assign := action.assign_manager:
        return f"assign manager\n{assign.group or assign.user}"
    if send := action.send_document:
        return f"send document\n{send.document}"
    return f"webhook {action.webhook.method}\n{action.webhook.url}"


# --- Mermaid ---------------------------------------------------------------------------------------
MERMAID_SHAPE = {"status": '("{}")', "trigger": '{{{{"{}"}}}}', "template": '[/"{}"/]', "task": '["{}"]'}


def _mermaid_label(text: str) -> str:
    escaped = text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return escaped.replace("\n", "<br/>")


def _mermaid_node(node: Node) -> str:
    return node.id + MERMAID_SHAPE[node.shape].format(_mermaid_label(node.label))


def mermaid(diagram: Diagram) -> str:
    lines = ["flowchart LR", "  classDef inactive stroke-dasharray: 5 5,color:#888"]
    for lane in diagram.lanes:
        lines += [f'  subgraph {lane.id}["{_mermaid_label(lane.title)}"]', "    direction TB"]
        lines += [f"    {_mermaid_node(n)}" for n in lane.nodes]
        lines.append("  end")
    lines += [f"  {_mermaid_node(n)}" for n in diagram.nodes]
    for edge in diagram.edges:
        arrow = "~~~" if edge.hidden else (f'-->|"{_mermaid_label(edge.label)}"|' if edge.label else "-->")
        lines.append(f"  {edge.src} {arrow} {edge.dst}")
    inactive = [n.id for n in _all_nodes(diagram) if not n.active]
    if inactive:
        lines.append(f"  class {','.join(inactive)} inactive")
    return "\n".join(lines) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------------------
DOT_SHAPE = {"status": 'shape=box, style="rounded"', "trigger": "shape=hexagon",
             "template": "shape=note", "task": "shape=box"}


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot_node(node: Node) -> str:
    style = DOT_SHAPE[node.shape] + ("" if node.active else ', color="gray", fontcolor="gray"')
    return f"{node.id} [label={_dot_text(node.label)}, {style}];"


def dot(diagram: Diagram) -> str:
    lines = ["digraph pipeline {", "  rankdir=LR;", '  node [fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    # With rankdir=LR, dot stacks clusters bottom-up; declaring them in reverse puts "new" on top.
    for lane in reversed(diagram.lanes):
        lines += [f"  subgraph cluster_{lane.id} {{", f"    label={_dot_text(lane.title)};", "    style=rounded;"]
        lines += [f"    {_dot_node(n)}" for n in lane.nodes]
        lines.append("  }")
    lines += [f"  {_dot_node(n)}" for n in diagram.nodes]
    for edge in diagram.edges:
        attrs = "style=invis" if edge.hidden else (f"label={_dot_text(edge.label)}" if edge.label else "")
        lines.append(f"  {edge.src} -> {edge.dst}" + (f" [{attrs}]" if attrs else "") + ";")
    return "\n".join(lines + ["}"]) + "\n"


def png(diagram: Diagram) -> bytes:
    """Render with graphviz's `dot`; a clear error when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        raise CrmdeployError("--format png needs graphviz's `dot` on PATH (e.g. apt install graphviz); "
                             "or use --format dot or --format mermaid")
    done = subprocess.run([exe, "-Tpng"], input=dot(diagram).encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise CrmdeployError(f"dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _all_nodes(diagram: Diagram) -> list[Node]:
    return [n for lane in diagram.lanes for n in lane.nodes] + diagram.nodes


TEXT_FORMATS = {"mermaid": mermaid, "dot": dot}
