"""Building blocks shared by every resource model.

A reference to another resource is declared on the field itself with
`Ref("kind")`, so reference checks, dependency order and apply skipping all
read the same declaration (see `iter_refs`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# No control characters: they corrupt the admin UI and hide text in reviews.
NAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A custom field is named by entity and code, "order/vin" (a bare code is caught by the reference
# check, which says how to write it).
FIELD_KEY_PATTERN = r"^([a-z_]+/)?[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# How long: a whole number and a unit, m(inutes), h(ours) or d(ays): "30m", "4h", "5d".
DURATION_PATTERN = r"^[0-9]{1,6}[mhd]$"
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"
# What each pattern means, for error messages a person can act on.
PATTERN_HELP = {
    CODE_PATTERN: "must be letters, digits, '-', '_' or '.', starting with a letter or digit",
    NAME_PATTERN: "must be one line with no control characters",
    TEXT_PATTERN: "must not contain control characters",
    EMAIL_PATTERN: "must be an email address",
    FIELD_KEY_PATTERN: 'must be ENTITY/CODE of a custom field, e.g. "order/vin"',
    DURATION_PATTERN: 'must be a duration: a whole number and m, h or d, e.g. "30m", "4h", "5d"',
    URL_PATTERN: 'must be an http:// or https:// URL',
}

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=CODE_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NAME_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=100_000, pattern=TEXT_PATTERN)]
FieldKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300,
                                            pattern=FIELD_KEY_PATTERN)]
Ordering = Annotated[int, Field(ge=0, le=100_000)]
Duration = Annotated[str, StringConstraints(strip_whitespace=True, pattern=DURATION_PATTERN)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=URL_PATTERN)]


@dataclass(frozen=True)
class Ref:
    """Marks a field whose value is the key of a resource of `kind`."""

    kind: str

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind a value may name (for dependency order)."""
        return (self.kind,)

    def target(self, value: str) -> str | None:
        """The kind `value` names, or None when this value is no reference at all."""
        return self.kind


@dataclass(frozen=True)
class ScopedRef(Ref):
    """A custom field named "ENTITY/CODE", or one of the `standard` fields (no reference). Any
    other bare name is checked as a reference, whose error says how to write a custom field."""

    standard: frozenset[str] = frozenset()

    def target(self, value: str) -> str | None:
        return None if value in self.standard else self.kind


@dataclass(frozen=True)
class MemberRef(Ref):
    """A user group by code, or a user by email (a value with "@")."""

    kind: str = "user_groups"

    @property
    def kinds(self) -> tuple[str, ...]:
        return ("user_groups", "users")

    def target(self, value: str) -> str | None:
        return "users" if "@" in value else "user_groups"


def _sorted_unique(values: list[str] | None) -> list[str] | None:
    # Membership lists are sets in the CRM; sorting makes spec and live compare equal.
    return None if values is None else sorted(set(values))


CodeList = Annotated[list[Code], AfterValidator(_sorted_unique)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254,
                                         pattern=EMAIL_PATTERN)]


def code_set(kind: str, of: Any = Code) -> Any:
    """A set of references to `kind`, stored sorted."""
    return Annotated[list[of], Ref(kind), AfterValidator(_sorted_unique)]


def ref(kind: str, of: Any = Code) -> Any:
    """A reference to one resource of `kind` by its key."""
    return Annotated[of, Ref(kind)]


class Model(BaseModel):
    """Strict base: unknown fields are errors, values are immutable."""

    # defer_build: a model's validator is built when first used, not at import, so `validate`
    # builds one schema (the whole Spec) instead of one per class as the modules load.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True)


class Resource(Model):
    """A top-level CRM object. `active` is declared by kinds that have it."""


def iter_refs(model: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, str, str]]:
    """Yield `(loc, kind, key)` for every reference in `model`, nested ones included."""
    for name, target in _ref_fields(type(model)):
        value = getattr(model, name)
        if value.__class__ is str:   # most references: one code, read without another generator
            if target and (kind := target.target(value)):
                yield loc + (name,), kind, value
        elif value is not None:
            yield from _refs_in(value, target, loc + (name,))


@cache
def _ref_fields(model_cls: type[BaseModel]) -> tuple[tuple[str, Ref | None], ...]:
    """Fields that can hold a reference: (name, its Ref, or None for nested models)."""
    fields = []
    for name, info in model_cls.model_fields.items():
        target = next((m for m in info.metadata if isinstance(m, Ref)), None)
        # `code_set` puts Ref on the list; `list[ref(...)]` puts it on the item type.
        target = target or next((p for p in annotation_parts(info.annotation) if isinstance(p, Ref)), None)
        if target or model_in(info.annotation):
            fields.append((name, target))
    return tuple(fields)


def annotation_parts(annotation: Any) -> Iterator[Any]:
    """The one walk over a type annotation: the annotation itself, then depth first its
    `Annotated` metadata and its type arguments. `list[Annotated[str, Ref("x")]] | None` gives the
    union, the list, the Annotated str, Ref("x"), str and NoneType."""
    yield annotation
    yield from getattr(annotation, "__metadata__", ()) or ()
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from annotation_parts(arg)


def _is_model(part: Any) -> bool:
    return isinstance(part, type) and issubclass(part, BaseModel)


def holds(model_cls: type[BaseModel], kind: type) -> bool:
    """Whether any field of a model, nested models included, can hold a `kind` (e.g. a secret)."""
    for info in model_cls.model_fields.values():
        for part in annotation_parts(info.annotation):
            if isinstance(part, type) and issubclass(part, kind):
                return True
            if _is_model(part) and part is not model_cls and holds(part, kind):
                return True
    return False


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The first model class an annotation holds (`list[Element] | None` → Element), or None."""
    return next((p for p in annotation_parts(annotation) if _is_model(p)), None)


def _refs_in(value: Any, target: Ref | None, loc: tuple) -> Iterator[tuple[tuple, str, str]]:
    if isinstance(value, BaseModel):
        yield from iter_refs(value, loc)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if item.__class__ is str:   # a list of codes: as in iter_refs
                if target and (kind := target.target(item)):
                    yield loc + (i,), kind, item
            else:
                yield from _refs_in(item, target, loc + (i,))
    elif isinstance(value, str) and target and (kind := target.target(value)):
        yield loc, kind, value


def referenced_kinds(model_cls: type[BaseModel]) -> set[str]:
    """Every kind a model can reference, nested models included (for dependency order)."""
    found: set[str] = set()
    for info in model_cls.model_fields.values():
        found.update(k for m in info.metadata if isinstance(m, Ref) for k in m.kinds)
        for part in annotation_parts(info.annotation):
            if isinstance(part, Ref):
                found.update(part.kinds)
            elif _is_model(part):
                found |= referenced_kinds(part)
    return found
