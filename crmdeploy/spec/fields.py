"""Custom fields and the dictionaries that dictionary-typed fields draw from."""

from typing import Literal

from pydantic import model_validator

from .base import Code, Model, Name, Ordering, Resource, code_set, ref

# `datetime` as the API names it; `file` is the ТЗ's "file" information: retailCRM has no file
# custom field, so on a real account it is a manual note (attach the file to the order).
FieldType = Literal["string", "text", "integer", "numeric", "boolean", "date", "datetime", "email",
                    "dictionary", "multiselect_dictionary", "file"]
Entity = Literal["order", "customer", "customer_corporate", "company", "loyalty_account"]
DisplayArea = Literal["address", "customer", "delivery", "dimensions", "legal_details",
                      "main_data", "payment", "shipment"]
ViewMode = Literal["editable", "not_editable", "miss"]


class DictionaryElement(Model):
    code: Code
    name: Name
    ordering: Ordering | None = None


class CustomDictionary(Resource):
    code: Code
    name: Name
    elements: list[DictionaryElement] = []

    @model_validator(mode="after")
    def _unique_elements(self) -> "CustomDictionary":
        if not self.elements:  # the API refuses a dictionary without elements, and so does its client
            raise ValueError('a dictionary needs at least one element in "elements"')
        seen: set[str] = set()
        for element in self.elements:
            if element.code in seen:
                raise ValueError(f'element code "{element.code}" appears twice')
            seen.add(element.code)
        return self


class CustomField(Resource):
    code: Code
    name: Name
    entity: Entity = "order"
    type: FieldType
    required: bool | None = None
    # Statuses at which the field must be filled in (the ТЗ's "required at this step").
    required_at: code_set("statuses") | None = None
    dictionary: ref("custom_dictionaries") | None = None
    in_filter: bool | None = None
    in_list: bool | None = None
    ordering: Ordering | None = None
    display_area: DisplayArea | None = None
    view_mode: ViewMode | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _dictionary_matches_type(self) -> "CustomField":
        needs = self.type in ("dictionary", "multiselect_dictionary")
        if needs and not self.dictionary:
            raise ValueError(f'a field of type "{self.type}" needs "dictionary"')
        if self.dictionary and not needs:
            raise ValueError(f'"dictionary" is only for dictionary types, not "{self.type}"')
        return self
