"""Secrets a server quotes back in any encoding are masked everywhere crmdeploy writes: stdout,
stderr, logs, the journal, errors. Ten awkward shapes, four encodings each, and a nested object."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from adapters.emulator import Request
from adapters.emulator.resources import Fail
from crmdeploy.secrets import MASK, mask

from .conftest import SHOP
from .safe_helpers import invoke

SHAPES = [
    "line-one\nline-two",
    "back\\slash\\n-not-a-newline",
    'quo"te\'s',
    "пароль-Секрет-ёж",
    "a&b@c+d=e?f#g",
    "spa ce%20per%cent",
    "tab\there;semi,comma",
    "emoji-🔑-key",
    "</script><b>&amp;&lt;",
    "long-" + "Zq9" * 60 + "==",
]


def four_encodings(secret: str) -> dict[str, str]:
    return {"raw": secret, "json": json.dumps(secret)[1:-1], "url": quote_plus(secret, safe=""),
            "base64": base64.b64encode(secret.encode()).decode()}


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [f"{s!r} as {name}" for s in secrets for name, form in four_encodings(s).items() if form in text]


@pytest.mark.parametrize("secret", SHAPES)
def test_every_encoding_of_a_secret_is_masked_in_text(secret):
    forms = [*four_encodings(secret).values(), quote(secret), json.dumps(secret, ensure_ascii=False)[1:-1],
             repr(secret)[1:-1], json.dumps({"password": secret}), str({"password": secret}),
             json.dumps(json.dumps({"password": secret}))]
    for form in forms:
        masked = mask(f"server said: {form} (end)", [secret])
        assert MASK in masked and not leaks(masked, [secret]), (form, masked)
    assert mask("nothing secret here", [secret]) == "nothing secret here"


def echo_in_every_encoding(request: Request) -> None:
    """A server that quotes every value it was sent back: raw, JSON-escaped, URL-encoded, base64,
    and the whole entity as a nested object."""
    if "integration" not in request.path or request.method != "POST":
        return
    entity = json.loads(next(iter(request.form.values()))[0])
    values = [v for v in _strings(entity) if len(v) > 3]
    errors = {f"{name}{i}": form for i, v in enumerate(values) for name, form in four_encodings(v).items()}
    errors["entity"] = entity
    raise Fail(400, f"not accepted: {json.dumps(entity)} / {request.form}", errors)


def _strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.parametrize("first", [0, 4, 8])
def test_secrets_quoted_back_in_four_encodings_leak_no_byte(first, runner, http_env, start_emulator, monkeypatch,
                                                           caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    shapes = (SHAPES * 2)[first:first + 4]
    for name, value in zip(("CDEK_ACCOUNT", "CDEK_PASSWORD", "RUSSIAN_POST_TOKEN", "TELEPHONY_API_KEY"), shapes):
        monkeypatch.setenv(name, value)
    server = start_emulator()
    server.emulator.on_write = echo_in_every_encoding
    result = invoke(runner, "-vv", "apply", SHOP, "--target", server.url, "--yes")
    assert result.exit_code == 1
    assert "integrations.cdek: 400 not accepted:" in result.stdout and MASK in result.stdout
    journal = Path(".crmdeploy/journal.jsonl").read_text(encoding="utf-8")
    assert "not accepted" in journal
    everything = "\n".join([result.stdout, result.stderr, caplog.text, journal,
                            *(p.read_text(encoding="utf-8") for p in Path(".crmdeploy").rglob("*.yaml"))])
    assert leaks(everything, shapes) == []


@pytest.mark.parametrize("line, where", [
    ("base_url: https://user:hunter2@api.cdek.ru/v2", "integrations[0].base_url"),
    ("base_url: https://api.cdek.ru/v2?token=abc123", "integrations[0].base_url"),
    ("settings: {password: hunter2}", "integrations[0].settings.password"),
    ("settings: {api_key: abc}", "integrations[0].settings.api_key"),
    ("settings: {region: sk_live_51HxYzAbCdEf}", "integrations[0].settings.region"),
    ("settings: {sender: Zk3mQ9xLp2Vb7Nc4Rt8Wy6Hd}", "integrations[0].settings.sender"),
])
def test_a_plain_secret_in_base_url_or_settings_is_refused_with_a_hint(line, where, runner, write_spec):
    spec = write_spec(f"integrations:\n  - code: cdek\n    kind: delivery\n    {line}\n")
    result = invoke(runner, "validate", spec)
    assert result.exit_code == 1
    assert f"spec.yaml:4:" in result.stderr and where in result.stderr and "${env:NAME}" in result.stderr
    for secret in ("hunter2", "abc123", "sk_live_51HxYzAbCdEf", "Zk3mQ9xLp2Vb7Nc4Rt8Wy6Hd"):
        assert secret not in result.output


def test_ordinary_settings_and_urls_are_accepted(runner, write_spec):
    spec = write_spec("integrations:\n  - code: cdek\n    kind: delivery\n    base_url: https://api.cdek.ru/v2?lang=ru\n"
                      "    settings: {sender_city: Москва, tariff: 136, record_calls: true, default_group: managers}\n")
    assert invoke(runner, "validate", spec).exit_code == 0
