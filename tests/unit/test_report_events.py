"""The preview model, folded from recorded engine events (JSON lines as the CLI writes them)."""

from __future__ import annotations

from pathlib import Path

from pulumi.automation.events import EngineEvent

from automation._report import (
    ChangeKind,
    ResourceDiff,
    TenantPreview,
    parse_event_lines,
    read_event_log,
    tenant_preview_from_events,
)

DATA = Path(__file__).parent / "data" / "report"
SECRET_CANARIES = ("canary-OLD-3f9a1c-plaintext", "canary-NEW-8b2e7d-plaintext")


def preview(name: str, tenant: str, environment: str) -> TenantPreview:
    events = read_event_log(DATA / f"{name}.jsonl")
    return tenant_preview_from_events(tenant, environment, f"{tenant}-{environment}", events)


def by_name(result: TenantPreview) -> dict[str, ResourceDiff]:
    return {resource.name: resource for resource in result.resources}


def test_counts_come_from_the_engine_summary() -> None:
    acme = preview("acme-dev-update", "acme", "dev")

    assert acme.changes.as_dict() == {
        "create": 0,
        "update": 8,
        "replace": 3,
        "delete": 0,
        "same": 3,
    }
    assert acme.ok and acme.error is None and acme.operation == "preview"


def test_stack_same_and_component_resources_are_left_out() -> None:
    acme = preview("acme-dev-update", "acme", "dev")
    types = {resource.type for resource in acme.resources}

    assert "pulumi:pulumi:Stack" not in types
    assert "jockey:kubernetes:Agent" not in types  # an unchanged component
    assert all(resource.op != "same" for resource in acme.resources)
    created = preview("beta-dev-create", "beta", "dev")
    assert "jockey:kubernetes:Agent" not in {r.type for r in created.resources}
    assert {r.op for r in created.resources} == {"create"}
    assert len(created.resources) == 13  # 15 creates minus the stack and the component


def test_a_replacement_is_one_resource_with_its_reasons() -> None:
    acme = preview("acme-dev-update", "acme", "dev")
    config = by_name(acme)["acme-dev-kubernetes-config"]
    deployment = by_name(acme)["acme-dev-kubernetes-deployment"]

    assert [r.name for r in acme.resources].count("acme-dev-kubernetes-config") == 1
    assert config.op == "replace"
    assert config.replace_reasons == ("data.LOG_LEVEL", "data.FEATURE_FLAGS")
    # The deployment's reason arrives only on its create-replacement step.
    assert deployment.op == "replace"
    assert deployment.replace_reasons == ("spec.selector",)


def test_property_diffs_resolve_old_and_new_values_by_path() -> None:
    acme = preview("acme-dev-update", "acme", "dev")
    config = {p.path: p for p in by_name(acme)["acme-dev-kubernetes-config"].properties}
    service = {p.path: p for p in by_name(acme)["acme-dev-kubernetes-service"].properties}

    log_level = config["data.LOG_LEVEL"]
    assert (log_level.kind, log_level.old, log_level.new) == (
        ChangeKind.UPDATE_REPLACE,
        "debug",
        "info",
    )
    added = config["data.FEATURE_FLAGS"]
    assert (added.kind, added.old, added.new) == (
        ChangeKind.ADD_REPLACE,
        None,
        "search,<b>beta</b>|x",
    )
    assert service["spec.ports[0].port"].old == 80
    assert service["spec.ports[0].port"].new == 8081
    label = config['metadata.labels["app.kubernetes.io/version"]']
    assert (label.kind, label.old, label.new) == (ChangeKind.UPDATE, "1.0.0", "1.1.0")


def test_deployment_rollout_shows_replicas_and_image() -> None:
    globex = preview("globex-prod-rollout", "globex", "prod")
    deployment = by_name(globex)["globex-prod-kubernetes-deployment"]
    changes = {p.path: (p.old, p.new) for p in deployment.properties}

    assert deployment.op == "update"
    assert changes["spec.replicas"] == (2, 4)
    old_image, new_image = changes["spec.template.spec.containers[0].image"]
    assert old_image.endswith("974de92ba445bab86cba471525dacfaa261612316766d6929e4c8538fbd67c63")
    assert new_image.endswith("5d41402abc4b2a76b9719d911017c592ae2f1e9f7c3a6b1d2e4f5a6b7c8d9e0f")


def test_a_step_without_detailed_diff_falls_back_to_comparing_inputs() -> None:
    acme = preview("acme-dev-update", "acme", "dev")
    deployment = {p.path: p for p in by_name(acme)["acme-dev-kubernetes-deployment"].properties}

    assert deployment["spec.replicas"].old == 1
    assert deployment["spec.replicas"].new == 3
    assert deployment["spec.replicas"].kind is ChangeKind.UPDATE


def test_a_rotated_secret_shows_as_changed_but_never_its_value() -> None:
    for name, tenant, environment in (
        ("acme-dev-update", "acme", "dev"),  # blinded: {"<sig>": ..., "ciphertext": "[secret]"}
        ("globex-prod-rollout", "globex", "prod"),  # recorded with --show-secrets: plaintext
    ):
        result = preview(name, tenant, environment)
        secret = by_name(result)[f"{tenant}-{environment}-kubernetes-secret"]
        key = {p.path: p for p in secret.properties}["data.OPENAI_API_KEY"]

        assert key.kind is ChangeKind.UPDATE_REPLACE
        assert (key.old, key.new) == ("[secret]", "[secret]")


def test_secret_plaintext_in_events_never_reaches_the_model() -> None:
    raw = (DATA / "globex-prod-rollout.jsonl").read_text()
    assert all(canary in raw for canary in SECRET_CANARIES)  # the fixture does carry them

    result = preview("globex-prod-rollout", "globex", "prod")

    assert result.outputs["openaiApiKeyEcho"] == "[secret]"
    assert not any(canary in repr(result) for canary in SECRET_CANARIES)


def test_deletes_have_old_values_only() -> None:
    gamma = preview("gamma-staging-delete", "gamma", "staging")

    assert [(r.op, r.type) for r in gamma.resources] == [
        ("delete", "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    ]
    assert gamma.changes.delete == 1 and gamma.changes.same == 14


def test_failed_preview_keeps_error_and_engine_errors() -> None:
    events = read_event_log(DATA / "delta-dev-failed.jsonl")
    result = tenant_preview_from_events(
        "delta", "dev", "delta-dev", events, ok=False, error="the engine failed"
    )

    assert not result.ok and result.error == "the engine failed"
    assert result.resources == ()
    assert result.diagnostics[-1] == "error: preview failed"
    assert any("not a valid image reference" in d for d in result.diagnostics)
    assert not any("Traceback" in d for d in result.diagnostics)  # program stderr is not shown


def test_engine_debug_messages_and_duplicates_are_dropped() -> None:
    acme = preview("acme-dev-update", "acme", "dev")

    assert acme.diagnostics == (
        "warning: acme-dev-kubernetes-secret: rendered YAML will contain a secret value "
        "in plaintext",
    )


def test_without_a_summary_counts_come_from_the_resources() -> None:
    lines = (DATA / "acme-dev-update.jsonl").read_text().splitlines()
    events = [e for e in parse_event_lines(lines) if e.summary_event is None]

    result = tenant_preview_from_events("acme", "dev", "acme-dev", [None, *events])

    assert (result.changes.update, result.changes.replace) == (8, 3)


def test_events_parse_as_the_automation_api_parses_them() -> None:
    events = read_event_log(DATA / "beta-dev-create.jsonl")

    assert all(isinstance(event, EngineEvent) for event in events)
    assert events[-1].cancel_event is not None
    assert parse_event_lines(["", "   "]) == []
