"""The use cases the CLI composes: read the live CRM, make a plan, apply it."""

from __future__ import annotations

import logging

from .adapter import Adapter, Capability, Live, workers_of
from .daemons import daemon_map
from .diff import diff_all
from .gcpause import paused_gc
from .kinds import KINDS, Kind
from .loader import LoadedSpec
from .plan import Plan
from .spec.base import Resource

log = logging.getLogger(__name__)


Reads = dict[str, Live]   # kind name -> what one fetch of it gave


def read_live(adapter: Adapter, desired: dict[str, list[Resource]] | None = None) -> Reads:
    """One fetch per kind, every kind (a kind the target cannot read has `resources=None`).

    Kinds are read side by side on a target that takes parallel requests (its pages one after
    another), so a plan waits out the latency of a few requests rather than of every one."""
    desired = desired or {}

    def fetch(kind: Kind) -> Live:
        live = adapter.fetch(kind, desired.get(kind.name, []))
        if not isinstance(live, Live):
            raise TypeError(f"{type(adapter).__name__}.fetch({kind.name}) returned {type(live).__name__}, not Live")
        for warning in live.warnings:
            log.warning("%s", warning)
        return live

    workers = min(workers_of(adapter), len(KINDS))
    with paused_gc():  # thousands of small live objects, no cycles
        if workers == 1:
            return {kind.name: fetch(kind) for kind in KINDS}
        # Results in KINDS order, the first failing kind's error raised; daemon threads, so Ctrl-C
        # ends the command at once instead of waiting out the reads in flight.
        return dict(zip((k.name for k in KINDS), daemon_map(fetch, KINDS, workers, "crmdeploy-read")))


def resources_of(reads: Reads) -> dict[str, list[Resource] | None]:
    """Kind -> its live resources (None: unreadable)."""
    return {name: live.resources for name, live in reads.items()}


def capabilities_of(reads: Reads) -> dict[str, str]:
    """Kind -> "none" / "read" / "write", as the read found it."""
    return {name: live.capability.name.lower() for name, live in reads.items()}


def make_plan(loaded: LoadedSpec, adapter: Adapter, *, prune: bool = False,
              live: Reads | None = None) -> Plan:
    """The plan for `loaded`; `live` is what `read_live` gave, when the caller read it already."""
    if missing := sorted({env for _, env in loaded.unset_secrets()}):
        log.warning("secrets not set in the environment: %s; plan compares them as unknown "
                    "and apply will refuse until they are set", ", ".join(missing))
    with paused_gc():
        desired = {k.name: loaded.spec.resources(k.name) for k in KINDS}
        reads = read_live(adapter, desired) if live is None else live
        writable = {name for name, read in reads.items() if read.capability in (Capability.WRITE, Capability.EDIT)}
        edit_only = {name for name, read in reads.items() if read.capability is Capability.EDIT}
        manual = {name: read.manual_fields for name, read in reads.items() if read.manual_fields}
        items = {name: {key: (field, why) for key, field, why in read.manual_items}
                 for name, read in reads.items() if read.manual_items}
        return Plan.of(adapter.target, diff_all(desired, resources_of(reads), writable, prune=prune,
                                                manual_fields=manual, edit_only=edit_only, manual_items=items))

