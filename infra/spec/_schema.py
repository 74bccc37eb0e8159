"""The spec's JSON Schema, for editors and `jockey schema`."""

from __future__ import annotations

from typing import Any

from infra.spec._models import DeploymentSpec


def _drop_property_titles(node: Any) -> None:
    """Remove pydantic's generated per-field titles ("Cpurequest"); descriptions stay."""
    if isinstance(node, dict):
        for prop in node.get("properties", {}).values():
            prop.pop("title", None)
        for child in node.values():
            _drop_property_titles(child)
    elif isinstance(node, list):
        for child in node:
            _drop_property_titles(child)


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a tenant spec file.

    Keys are the camelCase YAML keys and every field carries a description. Limits that
    need code (quantities, cross-field rules) are enforced by `load_spec_file`, not here.
    """
    schema = DeploymentSpec.model_json_schema(by_alias=True, mode="validation")
    _drop_property_titles(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Jockey tenant spec",
        **{key: value for key, value in schema.items() if key != "title"},
    }
