"""The JSON change set: stable camelCase keys, deterministic order, secrets redacted."""

from __future__ import annotations

import json
from pathlib import Path

from automation._report import CHANGE_SET_VERSION, TenantPreview, change_set_json, read_event_log
from automation._report import tenant_preview_from_events as from_events

DATA = Path(__file__).parent / "data" / "report"
SECRET_CANARIES = ("canary-OLD-3f9a1c-plaintext", "canary-NEW-8b2e7d-plaintext")


def previews() -> list[TenantPreview]:
    def load(
        name: str, tenant: str, environment: str, ok: bool = True, error: str | None = None
    ) -> TenantPreview:
        events = read_event_log(DATA / f"{name}.jsonl")
        return from_events(
            tenant, environment, f"{tenant}-{environment}", events, ok=ok, error=error
        )

    return [
        load("globex-prod-rollout", "globex", "prod"),
        load("delta-dev-failed", "delta", "dev", ok=False, error="preview failed"),
        load("acme-dev-update", "acme", "dev"),
    ]


def test_change_set_has_totals_and_one_object_per_tenant_in_stack_order() -> None:
    change_set = change_set_json(previews())

    assert change_set["kind"] == "jockey.dev/ChangeSet"
    assert change_set["version"] == CHANGE_SET_VERSION == 1
    assert change_set["ok"] is False
    assert change_set["changes"] == {"create": 0, "update": 9, "replace": 4, "delete": 0, "same": 7}
    assert [t["stack"] for t in change_set["tenants"]] == ["acme-dev", "delta-dev", "globex-prod"]


def test_tenant_objects_match_the_operation_result_shape() -> None:
    tenant = change_set_json(previews())["tenants"][1]

    assert list(tenant) == [
        "tenant",
        "environment",
        "stack",
        "operation",
        "ok",
        "changes",
        "resources",
        "diagnostics",
        "error",
    ]
    assert tenant["tenant"] == "delta" and tenant["environment"] == "dev"
    assert tenant["operation"] == "preview" and tenant["ok"] is False
    assert tenant["error"] == "preview failed"
    assert list(tenant["changes"]) == ["create", "update", "replace", "delete", "same"]


def test_resources_carry_camel_case_replace_reasons_and_property_values() -> None:
    acme = change_set_json(previews())["tenants"][0]
    config = next(r for r in acme["resources"] if r["name"] == "acme-dev-kubernetes-config")

    assert list(config) == ["urn", "type", "name", "op", "replaceReasons", "properties"]
    assert config["op"] == "replace"
    assert config["replaceReasons"] == ["data.LOG_LEVEL", "data.FEATURE_FLAGS"]
    assert {"path": "data.LOG_LEVEL", "kind": "update-replace", "old": "debug", "new": "info"} in (
        config["properties"]
    )
    assert [r["op"] for r in acme["resources"]] == ["replace"] * 3 + ["update"] * 8


def test_secrets_are_redacted_and_outputs_only_on_request() -> None:
    plain = change_set_json(previews())
    with_outputs = change_set_json(previews(), show_outputs=True)

    assert "outputs" not in plain["tenants"][2]
    assert with_outputs["tenants"][2]["outputs"]["openaiApiKeyEcho"] == "[secret]"
    for change_set in (plain, with_outputs):
        text = json.dumps(change_set)
        assert not any(canary in text for canary in SECRET_CANARIES)
    secret = next(r for r in plain["tenants"][2]["resources"] if r["type"].endswith("Secret"))
    key = next(p for p in secret["properties"] if p["path"] == "data.OPENAI_API_KEY")
    assert (key["kind"], key["old"], key["new"]) == ("update-replace", "[secret]", "[secret]")


def test_the_same_previews_in_any_order_give_the_same_json() -> None:
    forward = json.dumps(change_set_json(previews()))
    backward = json.dumps(change_set_json(list(reversed(previews()))))

    assert forward == backward
