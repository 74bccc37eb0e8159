"""The spec's JSON Schema, for editors (`jockey schema`)."""

from __future__ import annotations

from typing import Any

from infra.spec._models import DeploymentSpec


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema of a tenant spec file, camelCase keys, with descriptions."""
    schema = DeploymentSpec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Jockey tenant spec"
    return schema
