"""Fingerprints of the live CRM: every object read, and every key that was absent."""

from __future__ import annotations

from crmdeploy.fingerprint import differences, record_hash, take
from crmdeploy.secrets import Sensitive
from crmdeploy.spec.integrations import Integration
from crmdeploy.spec.pipeline import Status

A = Status(code="a", name="A", group="g")
B = Status(code="b", name="B", group="g")


def _take(live):
    return take(live, {kind: "write" for kind in live})


def test_equal_reads_have_no_differences():
    assert differences(_take({"statuses": [A, B]}), _take({"statuses": [B, A]})) == []


def test_changed_appeared_and_disappeared_objects_are_named():
    before = _take({"statuses": [A, B], "status_groups": []})
    after = _take({"statuses": [A.model_copy(update={"name": "A2"})],
                   "status_groups": [Status(code="g", name="G", group="g")]})
    assert differences(before, after) == [
        "status_groups.g: appeared (it was absent when the plan was made)",
        "statuses.a: changed",
        "statuses.b: disappeared",
    ]


def test_a_change_of_what_the_target_can_do_is_a_difference():
    before = take({"users": None}, {"users": "none"})
    after = take({"users": []}, {"users": "read"})
    assert differences(before, after) == ["users: the target's access changed from none to read"]


def test_a_secret_changes_the_hash_by_its_digest_and_never_shows():
    old = Integration(code="c", kind="delivery", credentials={"k": Sensitive.from_digest("sha256$s1$aaa")})
    new = Integration(code="c", kind="delivery", credentials={"k": Sensitive.from_digest("sha256$s2$bbb")})
    assert record_hash(old) != record_hash(new)
    clear = Integration(code="c", kind="delivery", credentials={"k": Sensitive("hunter2", env="K")})
    assert record_hash(clear) == record_hash(Integration(code="c", kind="delivery",
                                                         credentials={"k": Sensitive("other", env="K")}))


def test_the_fingerprint_holds_hashes_not_values():
    data = _take({"statuses": [A]})
    assert data == {"statuses": {"capability": "write", "objects": {"a": record_hash(A)}}}
