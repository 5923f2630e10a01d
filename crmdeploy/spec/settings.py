"""Spec settings that are not CRM resources: the safety thresholds of a deploy."""

import difflib
from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Model

Percent = Annotated[float, Field(ge=0, le=100)]
Count = Annotated[int, Field(ge=0)]


def _known_kind(name: str) -> str:
    from ..kinds import BY_NAME  # the kinds module imports the spec package

    if name not in BY_NAME:
        close = difflib.get_close_matches(name, list(BY_NAME), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else f" (kinds: {', '.join(BY_NAME)})"
        raise ValueError(f"unknown kind{hint}")  # the loader adds the name it got
    return name


KindName = Annotated[str, AfterValidator(_known_kind)]  # on the key, so errors point at it

DEFAULT_MAX_PERCENT = 30.0
DEFAULT_MIN_EXISTING = 10


class KindSafety(Model):
    """Overrides for one kind; what is left unset falls back to the spec-wide value."""

    max_change_percent: Percent | None = None
    min_existing: Count | None = None


class Safety(Model):
    """Like octoDNS: refuse a plan that updates or deactivates more than `max_change_percent`
    of the existing resources of one kind, when that kind has at least `min_existing`."""

    max_change_percent: Percent = DEFAULT_MAX_PERCENT
    min_existing: Count = DEFAULT_MIN_EXISTING
    kinds: dict[KindName, KindSafety] = {}

    def limits(self, kind: str) -> tuple[float, int]:
        """(max percent, min existing) that apply to `kind`."""
        own = self.kinds.get(kind, KindSafety())
        percent = own.max_change_percent if own.max_change_percent is not None else self.max_change_percent
        minimum = own.min_existing if own.min_existing is not None else self.min_existing
        return percent, minimum


DEFAULT_MAX_ACTIVE_STATUSES = 40


class LintSettings(Model):
    """Limits of `validate`'s advice. The ТЗ: the fewer statuses the better, each one solving a
    task; past `max_active_statuses` active order statuses, `validate` warns."""

    max_active_statuses: Count = DEFAULT_MAX_ACTIVE_STATUSES
