"""The CRM refuses one resource the validator accepted: apply reports it in the API's words, applies
everything that does not need it, skips everything that does, exits 1; fixing the spec converges."""

from __future__ import annotations

import json

from adapters.emulator import Request
from adapters.emulator.resources import Fail
from crmdeploy.kinds import KINDS
from crmdeploy.loader import load
from crmdeploy.spec.base import iter_refs
from crmdeploy.spec.root import Spec

from .conftest import SHOP
from .fault_helpers import assert_spec_in_store, spec_keys
from .safe_helpers import invoke

REFUSED = ("status_groups", "approval")
API_WORDS = 'Errors in the entity format: name: The name may not contain "%".'


def refuse_percent_in_names(request: Request) -> None:
    """A rule of this CRM that the spec's validator does not know."""
    for values in request.form.values():
        entity = json.loads(values[0]) if values[0].startswith("{") else {}
        if "%" in str(entity.get("name", "")):
            raise Fail(400, "Errors in the entity format", {"name": 'The name may not contain "%".'})


def dependents(spec: Spec, root: tuple[str, str]) -> set[tuple[str, str]]:
    """Everything that references `root`, directly or through others (worked out from the spec alone)."""
    refs = {(k.name, k.key_of(r)): {(kind, key) for _, kind, key in iter_refs(r)}
            for k in KINDS for r in spec.resources(k.name)}
    found: set[tuple[str, str]] = set()
    frontier = {root}
    while frontier:
        frontier = {address for address, needs in refs.items() if needs & frontier} - found
        found |= frontier
    return found


def lines_of(output: str, status: str) -> dict[str, str]:
    """`  skipped  statuses.x: why` → {"statuses.x": "why"}."""
    prefix = f"  {status:8} "
    return dict(line[len(prefix):].split(": ", 1) for line in output.splitlines() if line.startswith(prefix))


def test_a_refused_resource_fails_alone_its_dependents_wait_and_the_fix_converges(
        start_emulator, runner, secrets_env, http_env, write_spec):
    server = start_emulator()
    server.emulator.on_write = refuse_percent_in_names
    text = SHOP.read_text(encoding="utf-8")
    broken = write_spec(text.replace("{code: approval, name: Согласование,",
                                     "{code: approval, name: Согласование 100%,"))
    spec = load(SHOP).spec
    waiting = dependents(spec, REFUSED)
    address = ".".join(REFUSED)

    first = invoke(runner, "apply", broken, "--target", server.url, "--yes")

    assert first.exit_code == 1
    assert lines_of(first.stdout, "failed") == {address: f"400 {API_WORDS}"}
    skipped = lines_of(first.stdout, "skipped")
    assert {tuple(a.split(".", 1)) for a in skipped} == waiting
    assert len(waiting) >= 10  # statuses of the group, and the fields, triggers and groups that use them
    assert all("which was not applied" in why for why in skipped.values())
    applied = len(spec_keys(spec)) - 1 - len(waiting)
    assert f"Apply complete: {applied} applied, 1 failed, {len(waiting)} skipped." in first.stdout
    store = server.emulator.store
    assert {(kind, key) for kind, key, _ in store.history} == spec_keys(spec) - waiting - {REFUSED}

    fixed = invoke(runner, "apply", SHOP, "--target", server.url, "--yes")

    assert fixed.exit_code == 0, fixed.output
    assert f"Apply complete: {1 + len(waiting)} applied, 0 failed, 0 skipped." in fixed.stdout
    assert_spec_in_store(store, spec)
    assert invoke(runner, "plan", SHOP, "--target", server.url).stdout == \
        f"No changes. {server.url} matches the spec.\n"
