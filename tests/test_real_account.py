"""Issue 10's acceptance, end to end against a real-profile emulator (`crmdeploy mock-server`
without `--extensions`): an account as retailCRM serves it is exported, planned, applied and
converges once the admin made what only the admin UI can make."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import requests

from adapters.emulator import Emulator, Request, Settings, running
from adapters.store import Store

from crmdeploy.loader import load

from .conftest import SHOP
from .safe_helpers import invoke
from .test_retailcrm_contract import OFFICIAL_KINDS, official_write


def post(url: str, key: str, path: str, form: str, entity: dict) -> None:
    answer = requests.post(f"{url}/api/v5/{path}", headers={"X-API-KEY": key},
                           data={form: json.dumps(entity)}, timeout=5)
    assert answer.status_code in (200, 201), answer.text


def seed(url: str, key: str) -> None:
    """What an account holds before crmdeploy, made through the real routes (shapes: api-client-php
    tests/src/ResourceGroup/{CustomFieldsTest,ReferencesTest,IntegrationTests}.php)."""
    post(url, key, "custom-fields/dictionaries/create", "customDictionary",
         {"code": "channels", "name": "Каналы", "elements": [{"code": "site", "name": "Сайт", "ordering": 10},
                                                            {"code": "phone", "name": "Телефон", "ordering": 20}]})
    post(url, key, "custom-fields/order/create", "customField",
         {"code": "source_channel", "name": "Канал заказа", "type": "dictionary", "dictionary": "channels",
          "default": "phone"})
    post(url, key, "custom-fields/customer/create", "customField",
         {"code": "source_channel", "name": "Канал клиента", "type": "string"})
    post(url, key, "reference/statuses/3/edit", "status", {"name": "3", "group": "complete", "active": False})
    post(url, key, "reference/payment-types/12/edit", "paymentType",
         {"name": "Безналичный расчет", "description": "", "active": False})
    post(url, key, "integration-modules/cdek/edit", "integrationModule",
         {"code": "cdek", "integrationCode": "cdek", "name": "СДЭК", "active": True, "clientId": "c-1",
          "baseUrl": "https://cdek.example/", "actions": {"activity": "/a"}, "accountUrl": "https://cdek.example/s",
          "integrations": {"delivery": {"actions": {"calculate": "/calculate"}}}})


def lines(output: str, mark: str) -> list[str]:
    """The plan's resource lines marked `mark` (+ create, ~ update, = blocked), not the legend."""
    return [line.strip() for line in output.splitlines()
            if line.startswith(f"  {mark} ") and "~ update   - deactivate" not in line]


def test_export_plan_apply_converge_on_a_real_account(runner, secrets_env, http_env: str, tmp_path: Path) -> None:
    state, exported = tmp_path / "account.json", tmp_path / "exported.yaml"
    writes: list[Request] = []
    with running(Emulator(Store(state), Settings(api_key=http_env, rate_limit=0))) as server:
        server.emulator.on_write = writes.append
        seed(server.url, http_env)
        served = requests.get(f"{server.url}/api/v5/custom-fields", headers={"X-API-KEY": http_env},
                              params={"limit": 20}, timeout=5).json()["customFields"]
        assert {(f["entity"], f["code"]) for f in served} == {("order", "source_channel"),
                                                              ("customer", "source_channel")}
        assert next(f["default"] for f in served if f["entity"] == "order") == 2  # the legacy number
        target = ("--target", server.url)

        # export reads everything listable, and says what it cannot export
        out = invoke(runner, "export", *target, "--output", exported)
        assert out.exit_code == 0, out.output
        assert "Not exported (the target cannot read them): templates, documents, triggers, channels, integrations" in out.stderr
        spec = load(exported).spec
        fields = {(f.entity, f.code): f for f in spec.resources("custom_fields")}
        assert set(fields) == {("order", "source_channel"), ("customer", "source_channel")}
        assert fields["order", "source_channel"].default == "phone"  # from defaultTyped, not the number 2
        assert {s.code: s.active for s in spec.resources("statuses")} == {"3": False}
        assert {p.code: (p.active, p.description) for p in spec.resources("payment_types")} == {"12": (False, "")}

        # ... and a plan of that export shows no changes
        replanned = invoke(runner, "plan", exported, *target)
        assert replanned.exit_code == 0 and "No changes" in replanned.stdout, replanned.output

        # apply of the shop's spec sends nothing outside the official models and gets no 400
        writes.clear()
        applied = invoke(runner, "apply", SHOP, *target, "--yes")
        assert ", 0 failed," in applied.stdout, applied.stdout[-1500:] + applied.stderr
        assert {official_write(w.path, urlencode(w.form, doseq=True))[0] for w in writes} == set(OFFICIAL_KINDS)

        # a second plan: no write left but those a manual step blocks, each naming its step
        second = invoke(runner, "plan", SHOP, *target)
        assert lines(second.stdout, "+") == [] and lines(second.stdout, "~") == [], second.stdout
        blocked = lines(second.stdout, "=")
        assert len(blocked) == 8 and "0 to create, 0 to update, 0 to deactivate" in second.stdout
        assert ("= statuses.supplier-ordered (order status): waits for status_groups.supplier-delivery (manual)"
                in blocked), second.stdout
        assert second.stdout.count("! status_groups.supplier-delivery (status group): create in the admin UI") == 1

    # the admin makes the two groups in the admin UI (here: in the emulator's state file)
    account = Store(state)
    for code, name, ordering in (("supplier-delivery", "Поставка от поставщика", 30), ("return", "Возврат", 60)):
        account.put("status_groups", code, {"code": code, "name": name, "ordering": ordering, "active": True})
    account.save()

    with running(Emulator(Store(state), Settings(api_key=http_env, rate_limit=0))) as server:
        target = ("--target", server.url)
        third = invoke(runner, "apply", SHOP, *target, "--yes")
        assert ", 0 failed," in third.stdout, third.output
        assert "statuses.supplier-ordered" in third.stdout
        clean = invoke(runner, "plan", SHOP, *target, "--detailed-exitcode")
        assert lines(clean.stdout, "+") == [] and lines(clean.stdout, "~") == [], clean.stdout
        assert lines(clean.stdout, "=") == [] and " 0 blocked" not in clean.stdout
        assert clean.exit_code == 4  # only manual steps (templates, triggers, ...) remain
