"""secrets.walk: the one walk over plain data behind masking, digests, placeholders and their reading back."""

from __future__ import annotations

import json

from adapters.store import SECRET_TAG, decode, encode, shared_decode
from crmdeploy.fingerprint import record_hash
from crmdeploy.plan import plain
from crmdeploy.secrets import MASK, Sensitive, resolve_placeholders, secrets_in, walk
from crmdeploy.spec.integrations import Integration
from crmdeploy.specfile import resource_data

SECRET = "s3cret-value-1a2b"


def data() -> dict:
    return {"code": "cdek", "tags": ("a", "b"), "plain": {"n": 1, "list": [1, {"x": "y"}]},
            "credentials": {"password": Sensitive(SECRET, env="CDEK_PASSWORD")},
            "more": [{"token": Sensitive("t0ken", env="TOKEN")}]}


def test_walk_replaces_each_secret_with_its_path_and_keeps_everything_else():
    value = data()
    out = walk(value, lambda secret, path: f"{'.'.join(map(str, path))}={secret.env}", path=())
    assert out == {"code": "cdek", "tags": ["a", "b"], "plain": {"n": 1, "list": [1, {"x": "y"}]},
                   "credentials": {"password": "credentials.password=CDEK_PASSWORD"},
                   "more": [{"token": "more.0.token=TOKEN"}]}
    assert out["plain"] is value["plain"]          # nothing in it changed: shared, not copied
    assert isinstance(value["credentials"]["password"], Sensitive)   # the input is never changed


def test_walk_returns_the_very_object_when_nothing_changed_unless_asked_for_a_copy():
    value = {"a": [1, {"b": "c"}], "d": {"e": None}}
    assert walk(value, lambda s, _: MASK) is value
    copy = walk(value, lambda s, _: MASK, fresh=True)
    assert copy == value and copy is not value
    assert copy["a"] is not value["a"] and copy["a"][1] is not value["a"][1] and copy["d"] is not value["d"]


def test_a_leaf_that_returns_its_node_lets_the_walk_go_inside():
    seen = []
    walk({"a": {"b": [1, 2]}}, lambda node, path: seen.append(path) or node, dict, path=())
    assert seen == [(), ("a",)]


def test_secrets_in_finds_every_secret_with_its_path():
    assert [(path, s.env) for path, s in secrets_in(data())] == [
        (("credentials", "password"), "CDEK_PASSWORD"), (("more", 0, "token"), "TOKEN")]
    assert secrets_in({"a": [1, "x"]}) == []
    assert [p for p, _ in secrets_in(Sensitive("x"))] == [()]


def test_masking_shows_no_secret():
    masked = plain(data())
    text = json.dumps(masked)
    assert SECRET not in text and "t0ken" not in text
    assert masked["credentials"] == {"password": MASK} and masked["more"] == [{"token": MASK}]
    assert masked["tags"] == ["a", "b"]


def test_the_store_keeps_salted_digests_and_reads_them_back_as_equal_secrets():
    stored = encode(data())
    text = json.dumps(stored)
    assert SECRET not in text
    assert set(stored["credentials"]["password"]) == {SECRET_TAG}
    for back in (decode(stored), shared_decode(stored)):
        assert back["credentials"]["password"] == Sensitive(SECRET)
        assert back["credentials"]["password"] != Sensitive("another")
        assert back["more"][0]["token"] == Sensitive("t0ken")
    # A dict that merely holds the tag among other keys is data, not a secret.
    assert decode({SECRET_TAG: "x", "other": 1}) == {SECRET_TAG: "x", "other": 1}


def test_decode_copies_for_a_caller_that_changes_it_and_shared_decode_shares():
    stored = encode({"code": "new", "tags": ["a"], "opts": {"x": 1}})
    copied = decode(stored)
    copied["tags"].append("b")
    copied["opts"]["x"] = 2
    assert stored == {"code": "new", "tags": ["a"], "opts": {"x": 1}}
    assert shared_decode(stored) is stored
    with_secret = encode({"code": "c", "opts": {"x": 1}, "creds": {"p": Sensitive("v")}})
    viewed = shared_decode(with_secret)
    assert viewed is not with_secret and viewed["opts"] is with_secret["opts"]


def test_placeholders_are_written_and_read_back_through_the_environment(monkeypatch):
    monkeypatch.setenv("CDEK_PASSWORD", SECRET)
    resource = Integration.model_validate({"code": "cdek", "kind": "delivery",
                                           "credentials": {"password": Sensitive.from_env("CDEK_PASSWORD"),
                                                           "login": Sensitive(None, digest="sha256$ab$cd")}})
    written = resource_data("integrations", resource)
    assert written["credentials"] == {"password": "${env:CDEK_PASSWORD}", "login": "${env:CDEK_LOGIN}"}
    back = resolve_placeholders({"credentials": {"password": "${env:CDEK_PASSWORD}"}, "other": ["${x}"]})
    assert back["credentials"]["password"] == Sensitive(SECRET) and back["credentials"]["password"].env == "CDEK_PASSWORD"
    assert back["other"] == ["${x}"]


def test_a_records_hash_follows_its_secrets_digest_and_never_holds_the_secret():
    def integration(secret: Sensitive) -> Integration:
        return Integration.model_validate({"code": "cdek", "kind": "delivery", "credentials": {"password": secret}})

    digest = Sensitive(SECRET).digest()
    same, other = Sensitive.from_digest(digest), Sensitive.from_digest(Sensitive("other").digest())
    assert record_hash(integration(same)) == record_hash(integration(Sensitive.from_digest(digest)))
    assert record_hash(integration(same)) != record_hash(integration(other))
