"""The JSON Schema of a spec, straight from the pydantic models, for editors and CI."""

from __future__ import annotations

from typing import Any

from .spec.root import Spec

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def spec_schema() -> dict[str, Any]:
    """Validation-mode schema: unknown fields are rejected, secrets must be `${env:NAME}`."""
    schema = Spec.model_json_schema(mode="validation")
    schema["title"] = "crmdeploy spec"
    schema["description"] = ("CRM configuration as code: the ТЗ of a retailCRM roll-out. "
                             "Secrets are written only as ${env:NAME}.")
    return {"$schema": DIALECT, **schema}
