"""The mock's read shares unchanged records with its store and decodes secrets like `records`."""

from __future__ import annotations

from adapters.store import Store, decode, encode, shared_decode
from crmdeploy.secrets import Sensitive


def test_view_equals_records_and_shares_what_holds_no_secret():
    store = Store()
    plain = {"code": "new", "name": "Новый", "tags": ["a", {"b": 1}]}
    secret = {"code": "cdek", "settings": {"login": "x", "password": Sensitive("s3cret")},
              "list": [1, {"k": Sensitive("t0ken")}]}
    store.put("statuses", "new", plain)
    store.put("integrations", "cdek", secret)
    for kind in ("statuses", "integrations"):
        assert store.view(kind) == store.records(kind)
    assert store.view("statuses")[0] is store.resources["statuses"]["new"]
    stored = store.resources["integrations"]["cdek"]
    viewed = store.view("integrations")[0]
    assert isinstance(viewed["settings"]["password"], Sensitive) and viewed["code"] == "cdek"
    assert stored["settings"]["password"] != viewed["settings"]["password"]   # the stored digest is untouched
    encoded = encode(secret)
    assert shared_decode(encoded) == decode(encoded)
