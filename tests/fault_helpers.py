"""Helpers for the reliability tests: a CRM with resources the spec does not know, checks that
the store equals the spec, an adapter that remembers the errors of its writes, and a gate that
holds the emulator's writes after the K-th (to kill or race a client mid-apply)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable
from typing import Any

from adapters.emulator import Request
from adapters.emulator.resources import Fail
from adapters.store import Store
from crmdeploy.kinds import BY_NAME, KINDS
from crmdeploy.spec.root import Spec

# Resources a real account already has and the spec does not mention: nothing may touch them.
UNRELATED: dict[str, list[dict[str, Any]]] = {
    "status_groups": [{"code": "legacy", "name": "Архив", "ordering": 99}],
    "statuses": [{"code": "legacy-hold", "name": "Отложен (старый)", "group": "legacy", "ordering": 5}],
    "payment_types": [{"code": "voucher", "name": "Подарочный сертификат", "active": False}],
    "order_methods": [{"code": "fax", "name": "Факс"}],
    "custom_dictionaries": [{"code": "colors", "name": "Цвет",
                             "elements": [{"code": "red", "name": "Красный"}]}],
    "custom_fields": [{"code": "paint_color", "entity": "order", "name": "Цвет краски", "type": "dictionary",
                       "dictionary": "colors"}],
}


def unrelated_store() -> Store:
    """A store holding only UNRELATED, each record as the CRM keeps it; its history starts empty."""
    store = Store()
    for kind_name, items in UNRELATED.items():
        kind = BY_NAME[kind_name]
        for item in items:
            resource = kind.model.model_validate(item)
            store.put(kind_name, kind.key_of(resource), kind.record(resource))
    store.history.clear()
    return store


def unrelated_records(store: Store) -> dict[tuple[str, str], str]:
    """The stored bytes of every UNRELATED resource."""
    return {(kind, key): json.dumps(store.resources[kind][key], sort_keys=True)
            for kind, items in UNRELATED.items() for item in items
            for key in [BY_NAME[kind].key_of(BY_NAME[kind].model.model_validate(item))]}


def spec_keys(spec: Spec) -> set[tuple[str, str]]:
    return {(k.name, k.key_of(r)) for k in KINDS for r in spec.resources(k.name)}


def assert_spec_in_store(store: Store, spec: Spec) -> None:
    """Every resource of the spec is in the store exactly as the spec has it (others may be there too)."""
    for kind in KINDS:
        want = {kind.key_of(r): kind.from_record(kind.record(r)) for r in spec.resources(kind.name)}
        have = {key: kind.model.model_validate(store.get(kind.name, key)) for key in want
                if store.has(kind.name, key)}
        assert have == want, kind.name


def created_per_key(store: Store) -> dict[tuple[str, str], int]:
    return {(kind, key): n for (kind, key, op), n in store.history.items() if op == "create"}


class Watched:
    """An adapter that remembers every error its writes raised (apply turns them into text)."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.errors: list[Exception] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create(self, *args: Any) -> None:
        self._watch(self.inner.create, args)

    def update(self, *args: Any) -> None:
        self._watch(self.inner.update, args)

    def deactivate(self, *args: Any) -> None:
        self._watch(self.inner.deactivate, args)

    def _watch(self, call: Any, args: Iterable[Any]) -> None:
        try:
            call(*args)
        except Exception as exc:
            self.errors.append(exc)
            raise


class Gate:
    """An emulator `on_write` hook: the first `after` writes go through, later ones are held
    until `open()`; then they go through too, or are refused 503 (`refuse=True`)."""

    def __init__(self, after: int, *, refuse: bool = False):
        self.after = after
        self.refuse = refuse
        self.admitted = 0
        self.lock = threading.Lock()
        self.reached = threading.Event()   # a write beyond `after` is being held
        self.opened = threading.Event()

    def __call__(self, request: Request) -> None:
        with self.lock:
            number = self.admitted = self.admitted + 1
        if number <= self.after:
            return
        self.reached.set()
        self.opened.wait(60)  # the limit only stops a broken test from hanging
        if self.refuse:
            raise Fail(503, "Service temporarily unavailable")

    def open(self) -> None:
        self.opened.set()


def snapshot_of(store: Store) -> dict[str, Any]:
    return copy.deepcopy(store.resources)
