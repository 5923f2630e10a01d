"""kinds: the one declaration of a kind — its stored form (`Kind.record`) and its ТЗ area (`Kind.area`),
from which the mock and emulator stores, the spec folder and the ТЗ workbook take what they need."""

from __future__ import annotations

import dataclasses
import json

import pytest

from adapters.mock import MockAdapter
from adapters.store import Store, decode, encode
from crmdeploy import kinds
from crmdeploy.export import export_spec
from crmdeploy.kinds import AREAS, BY_NAME, KINDS, NOTE_AREAS, area_of
from crmdeploy.loader import load
from crmdeploy.spec.base import Ref, annotation_parts, model_in
from crmdeploy.spec.comms import Action, Trigger
from crmdeploy.spec.fields import CustomDictionary, DictionaryElement
from crmdeploy.specfile import FILES, render_folder
from crmdeploy.xlsx.layout import TABLES, TABS, tab_of

from .conftest import SECRETS, SHOP


@pytest.fixture
def shop(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return load(SHOP).spec


def without_spec_only(kind, resource):
    return resource.model_copy(update={name: None for name in kind.spec_only})


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_record_holds_what_the_crm_keeps_and_reads_back_to_the_resource(kind, shop):
    resources = shop.resources(kind.name)
    assert resources, f"specs/shop.yaml has no {kind.name}: this test would prove nothing"
    for resource in resources:
        record = kind.record(resource)
        assert not set(record) & kind.spec_only
        assert None not in record.values()
        assert kind.key_from(record) == kind.key_of(resource)
        assert kind.from_record(record) == without_spec_only(kind, resource)
        # Through the store: secrets become digests on disk and still compare equal to the spec's.
        stored = json.loads(json.dumps(encode(record)))
        assert kind.from_record(decode(stored)) == without_spec_only(kind, resource)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_mock_stores_and_reads_every_kind_as_its_record(kind, shop, tmp_path):
    adapter = MockAdapter(Store(tmp_path / "crm.json"))
    for name in kinds.ORDER[: kinds.ORDER.index(kind.name) + 1]:
        for resource in shop.resources(name):
            adapter.create(BY_NAME[name], resource)
    adapter.close()
    records = Store(tmp_path / "crm.json").resources[kind.name]   # as the file holds them
    assert all(kind.key_from(record) == key for key, record in records.items())
    assert {key: kind.from_record(decode(record)) for key, record in records.items()} == \
        {kind.key_of(r): without_spec_only(kind, r) for r in shop.resources(kind.name)}


def test_a_custom_fields_key_is_entity_and_code_with_the_models_default_entity():
    fields = BY_NAME["custom_fields"]
    assert fields.key_from({"entity": "customer", "code": "vin"}) == "customer/vin"
    assert fields.key_from({"code": "vin"}) == "order/vin"
    assert BY_NAME["users"].key_from({"email": "a@b.ru", "code": "x"}) == "a@b.ru"
    with pytest.raises(KeyError):
        fields.key_from({"entity": "order"})


# --- areas -----------------------------------------------------------------------------------------------

def test_every_kind_has_one_area_of_the_tz_and_every_area_has_a_kind():
    assert {k.area for k in KINDS} | set(NOTE_AREAS.values()) == set(AREAS)
    assert all(k.area in AREAS for k in KINDS)


@pytest.mark.parametrize("area", AREAS)
def test_every_area_is_in_exactly_one_spec_file_and_one_workbook_tab(area):
    assert len([f.stem for f in FILES if area in f.areas]) == 1
    assert len([t.title for t in TABS if area in t.areas]) == 1


def test_a_spec_file_and_a_workbook_tab_hold_exactly_the_kinds_of_their_areas():
    names = [k.name for k in KINDS] + list(NOTE_AREAS)
    for file in FILES:
        assert sorted(file.kinds) == sorted(n for n in names if area_of(n) in file.areas)
    for tab in TABS:
        assert sorted(t.kind for t in tab.tables) == sorted(t.kind for t in TABLES if area_of(t.kind) in tab.areas)
    assert {t.kind for t in TABLES} <= set(names)
    assert tab_of("statuses").title == tab_of("payment_types").title == "Статусы"
    assert tab_of("access_notes").title == tab_of("user_groups").title == "Доступы"


def moved(monkeypatch, name: str, area: str) -> None:
    monkeypatch.setitem(kinds.BY_NAME, name, dataclasses.replace(BY_NAME[name], area=area))


def test_a_kind_moved_to_another_area_moves_file_and_tab(monkeypatch, shop):
    assert "users.yaml" in render_folder(shop)
    moved(monkeypatch, "users", "access")
    files = render_folder(shop)
    assert "users.yaml" not in files
    assert "\nusers:\n" in files["access.yaml"] and "\nuser_groups:\n" in files["access.yaml"]
    assert [t.kind for t in next(t for t in TABS if t.title == "Доступы").tables] == \
        ["access_notes", "user_groups", "users"]
    assert next(t for t in TABS if t.title == "Пользователи").tables == ()
    assert tab_of("users").title == "Доступы"


def test_export_lists_a_kind_under_its_parent_only_within_one_area(monkeypatch, shop):
    assert BY_NAME["statuses"].parent == ("group", "status_groups")
    assert [k.name for k in KINDS if k.parent] == ["statuses"]
    # A product status names an order status, but it is optional: not a parent.
    assert BY_NAME["product_statuses"].parent is None
    adapter = MockAdapter()
    for name in kinds.ORDER:
        for resource in shop.resources(name):
            adapter.create(BY_NAME[name], resource)
    exported = export_spec(adapter).spec
    groups = [g.code for g in exported.resources("status_groups")]
    positions = [groups.index(s.group) for s in exported.resources("statuses")]
    assert positions == sorted(positions)
    assert len(set(positions)) > 1
    moved(monkeypatch, "statuses", "orders")
    assert BY_NAME["statuses"].parent is None


# --- the one walk over annotations -----------------------------------------------------------------------

def test_annotation_parts_walks_unions_lists_and_annotated_metadata():
    annotation = Trigger.model_fields["actions"].annotation
    assert model_in(annotation) is Action
    fields = CustomDictionary.model_fields["elements"].annotation
    assert model_in(fields) is DictionaryElement
    refs = [p for p in annotation_parts(BY_NAME["users"].model.model_fields["groups"].annotation)
            if isinstance(p, Ref)]
    assert refs == [Ref("user_groups")]
    assert model_in(BY_NAME["users"].model.model_fields["groups"].annotation) is None


def test_every_workbook_table_is_read_and_written_and_a_plain_one_by_its_cells_alone():
    from crmdeploy.xlsx.layout import SIMPLE
    from crmdeploy.xlsx.rows import ROWS, simple
    from crmdeploy.xlsx.tabs import READERS, read_simple

    assert {t.kind for t in TABLES} <= set(READERS) & set(ROWS)
    for kind in SIMPLE:   # a plain list of named things needs only its cells declared
        assert READERS[kind] is read_simple and ROWS[kind] is simple
        assert all(name in BY_NAME[kind].model.model_fields for name, _ in SIMPLE[kind].values())
