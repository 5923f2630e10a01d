"""Overlays: a target's spec list merged in order, positions kept per file (crmdeploy/overlay.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmdeploy.errors import SpecError
from crmdeploy.loader import load, load_layers

from .fleet_helpers import BASE


@pytest.fixture
def base(write_spec) -> Path:
    return write_spec(BASE + """\
integrations:
  - {code: cdek, kind: delivery, settings: {city: Москва, tariff: 136},
     credentials: {password: "${env:CDEK_PASSWORD}"}}
""", "base/spec.yaml").parent


def layered(base: Path, write_spec, text: str, values=None):
    overlay = write_spec(text, "overlay.yaml")
    return load_layers([base, overlay], values or {"shop_name": "Shop"}), overlay


def problem(excinfo) -> str:
    assert len(excinfo.value.problems) == 1, excinfo.value.problems
    return str(excinfo.value.problems[0])


def test_a_resource_merges_field_by_field_and_new_ones_are_added(base, write_spec):
    loaded, overlay = layered(base, write_spec, """\
statuses:
  - {code: new, ordering: 11}
  - {code: extra, name: Дополнительный, group: new}
""")
    new, cancel, extra = loaded.spec.statuses
    assert (new.code, new.name, new.group, new.ordering) == ("new", "Новый", "new", 11)
    assert (cancel.code, extra.code) == ("cancel-price", "extra")
    assert loaded.document.locate(("statuses", 0, "ordering")).file == str(overlay)
    assert loaded.document.locate(("statuses", 0, "name")).file == str(base / "spec.yaml")


def test_mappings_merge_key_by_key_and_secrets_stay(base, write_spec):
    loaded, _ = layered(base, write_spec, "integrations:\n  - {code: cdek, settings: {tariff: 137}}\n")
    cdek = loaded.spec.integrations[0]
    assert cdek.settings == {"city": "Москва", "tariff": 137}
    assert [env for _, env in loaded.document.secrets] == ["CDEK_PASSWORD"]


def test_a_patch_by_key_changes_only_what_it_states(base, write_spec):
    loaded, overlay = layered(base, write_spec, "delivery_types:\n  courier: {default_cost: 0}\n")
    assert loaded.spec.delivery_types[0].default_cost == 0
    assert loaded.spec.delivery_types[0].payment_types == ["cash"]
    assert loaded.document.locate(("delivery_types", 0, "default_cost")) .file == str(overlay)


def test_remove_drops_a_resource_of_the_base(base, write_spec):
    loaded, _ = layered(base, write_spec, "remove:\n  statuses: [cancel-price]\n")
    assert [s.code for s in loaded.spec.statuses] == ["new"]


def test_errors_point_at_the_file_that_set_the_value(base, write_spec):
    with pytest.raises(SpecError) as info:
        layered(base, write_spec, "statuses:\n  - {code: new, group: nowhere}\n")
    assert problem(info).startswith(f"{base.parent / 'overlay.yaml'}:2:17: statuses[0].group: unknown status group \"nowhere\"")
    with pytest.raises(SpecError) as info:   # the base's own value, unchanged by the overlay
        layered(base, write_spec, "remove:\n  status_groups: [cancel]\n")
    assert problem(info).startswith(f"{base / 'spec.yaml'}:7:50: statuses[1].group: unknown status group \"cancel\"")


def test_changing_a_key_field_is_a_located_error(base, write_spec):
    with pytest.raises(SpecError) as info:
        layered(base, write_spec, "statuses:\n  new: {name: Новый, code: fresh}\n")
    assert problem(info).startswith(f"{base.parent / 'overlay.yaml'}:2:22: statuses.new.code: an overlay cannot "
                                    'change the key of order status "new" (to "fresh")')


def test_patching_or_removing_what_no_earlier_layer_has_is_located(base, write_spec):
    with pytest.raises(SpecError) as info:
        layered(base, write_spec, "statuses:\n  gone: {name: X}\n")
    assert problem(info).startswith(f"{base.parent / 'overlay.yaml'}:2:3: statuses.gone: no order status \"gone\"")
    with pytest.raises(SpecError) as info:
        layered(base, write_spec, "remove:\n  statuses: [new, gone]\n")
    assert problem(info).startswith(f"{base.parent / 'overlay.yaml'}:2:19: remove.statuses[1]: no order status")


def test_remove_in_the_base_is_an_error(write_spec):
    spec = write_spec("version: 1\nremove: {statuses: [x]}\n")
    with pytest.raises(SpecError) as info:
        load_layers([spec, write_spec("version: 1\n", "o.yaml")])
    assert problem(info).startswith(f"{spec}:2:1: remove: `remove:` belongs in an overlay")


def test_a_key_twice_in_one_layer_is_still_a_duplicate(base, write_spec):
    with pytest.raises(SpecError) as info:
        layered(base, write_spec, "statuses:\n  - {code: x, name: X, group: new}\n  - {code: x, name: Y, group: new}\n")
    assert 'duplicate order status "x" in one layer' in problem(info)


def test_a_single_spec_still_loads_as_before(write_spec):
    loaded = load(write_spec(BASE), {"shop_name": "Shop"})
    assert loaded.spec.templates[0].subject == "Заказ в Shop"


def test_custom_fields_are_patched_and_removed_by_entity_slash_code(write_spec):
    base = write_spec("version: 1\ncustom_fields:\n"
                      "  - {code: vin, entity: order, name: VIN, type: string}\n"
                      "  - {code: vin, entity: customer, name: VIN клиента, type: string}\n", "base.yaml")
    overlay = write_spec("custom_fields:\n  order/vin: {name: VIN авто}\nremove:\n  custom_fields: [customer/vin]\n",
                         "o.yaml")
    loaded = load_layers([base, overlay])
    assert [(f.entity, f.code, f.name) for f in loaded.spec.custom_fields] == [("order", "vin", "VIN авто")]
    moved = write_spec("custom_fields:\n  order/vin: {entity: customer}\n", "m.yaml")
    with pytest.raises(SpecError) as info:
        load_layers([base, moved])
    assert problem(info).startswith(f"{moved}:2:15: custom_fields.order/vin.entity: an overlay cannot change the key "
                                    'of custom field "order/vin" (to "customer/vin")')
