"""One contract, every adapter: the mock adapter and the HTTP adapter over the emulator must
behave the same through the Adapter protocol, so neither can drift from the other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from .conftest import SHOP

from adapters.mock import MockAdapter
from crmdeploy.adapter import Adapter, Capability
from crmdeploy.errors import AdapterError
from crmdeploy.kinds import BY_NAME, KINDS, ORDER
from crmdeploy.loader import load
from crmdeploy.secrets import MASK, Sensitive
from crmdeploy.spec.commerce import PaymentType
from crmdeploy.spec.fields import CustomField
from crmdeploy.spec.integrations import Integration
from crmdeploy.spec.pipeline import Status, StatusGroup


@pytest.fixture(params=["mock", "http"])
def adapter(request: pytest.FixtureRequest, start_emulator, connect) -> Iterator[Adapter]:
    if request.param == "mock":
        yield MockAdapter()
        return
    yield connect(start_emulator().url)


def stored(kind_name: str, resource):
    """What any CRM keeps of a resource: the spec-only fields are not sent."""
    kind = BY_NAME[kind_name]
    return kind.from_record(kind.record(resource))


def test_an_empty_crm_reads_empty_and_every_kind_is_writable(adapter: Adapter) -> None:
    for kind in KINDS:
        live = adapter.fetch(kind, [])
        assert (live.resources, live.capability) == ([], Capability.WRITE), kind.name
        assert live.manual_fields == frozenset(), kind.name  # the mock and the emulator write every field


def test_every_kind_reads_back_as_created(adapter: Adapter, secrets_env) -> None:
    spec = load(SHOP).spec
    for name in ORDER:
        for resource in spec.resources(name):
            adapter.create(BY_NAME[name], resource)
    for kind in KINDS:
        desired = spec.resources(kind.name)
        live = {kind.key_of(r): r for r in adapter.fetch(kind, desired).resources}
        assert sorted(live) == sorted(kind.key_of(r) for r in desired), kind.name
        for resource in desired:
            assert live[kind.key_of(resource)] == stored(kind.name, resource), kind.key_of(resource)


def test_update_writes_only_the_named_fields(adapter: Adapter) -> None:
    groups, statuses = BY_NAME["status_groups"], BY_NAME["statuses"]
    adapter.create(groups, StatusGroup(code="new", name="Новый"))
    adapter.create(statuses, Status(code="call", name="Позвонить", group="new", ordering=10))
    adapter.update(statuses, Status(code="call", name="Перезвонить", group="new", ordering=99), ("name",))
    [live] = adapter.fetch(statuses, []).resources
    assert (live.name, live.ordering) == ("Перезвонить", 10)


def test_deactivate_keeps_the_resource_but_inactive(adapter: Adapter) -> None:
    kind = BY_NAME["payment_types"]
    adapter.create(kind, PaymentType(code="cash", name="Наличные"))
    adapter.deactivate(kind, "cash")
    assert adapter.fetch(kind, []).resources == [PaymentType(code="cash", name="Наличные", active=False)]


def test_a_reference_to_a_missing_resource_is_refused_with_the_field(adapter: Adapter) -> None:
    with pytest.raises(AdapterError) as caught:
        adapter.create(BY_NAME["statuses"], Status(code="cancel-price", name="Цена", group="cancel"))
    assert caught.value.status == 400
    assert str(caught.value) == ('statuses.cancel-price: 400 Errors in the entity format: '
                                 'group: status group "cancel" not found')
    assert adapter.fetch(BY_NAME["statuses"], []).resources == []


def test_a_custom_field_is_created_once_and_edited_only_when_it_exists(adapter: Adapter) -> None:
    kind = BY_NAME["custom_fields"]
    vin = CustomField(code="vin", name="VIN", type="string")
    with pytest.raises(AdapterError) as missing:
        adapter.update(kind, vin, ("name",))
    assert missing.value.status == 404
    adapter.create(kind, vin)
    with pytest.raises(AdapterError) as taken:
        adapter.create(kind, vin)
    assert taken.value.status == 400
    assert adapter.fetch(kind, []).resources == [vin]


def test_credentials_compare_by_value_and_never_show(adapter: Adapter) -> None:
    kind = BY_NAME["integrations"]
    cdek = Integration(code="cdek", kind="delivery", credentials={"password": Sensitive("pa55-1")})
    adapter.create(kind, cdek)
    [live] = adapter.fetch(kind, [cdek]).resources
    assert live == cdek
    assert repr(live.credentials) == f"{{'password': {MASK}}}"
    rotated = cdek.model_copy(update={"credentials": {"password": Sensitive("pa55-2")}})
    [live] = adapter.fetch(kind, [rotated]).resources
    assert live.credentials != rotated.credentials
