"""The labels every Kubernetes object of a tenant carries."""

from __future__ import annotations

from infra.spec import DeploymentSpec

TENANT_LABEL = "jockey.dev/tenant"
ORGANIZATION_LABEL = "jockey.dev/organization"
PSS_LEVEL = "restricted"


def common_labels(spec: DeploymentSpec) -> dict[str, str]:
    """`app.kubernetes.io/*`, tenant and organization labels, plus the tenant's own."""
    return {
        **spec.tenant.labels,
        "app.kubernetes.io/name": spec.agent.name,
        "app.kubernetes.io/instance": spec.stack_name,
        "app.kubernetes.io/version": spec.agent.version,
        "app.kubernetes.io/component": "agent",
        "app.kubernetes.io/part-of": "jockey",
        "app.kubernetes.io/managed-by": "jockey",
        TENANT_LABEL: spec.tenant.id,
        ORGANIZATION_LABEL: spec.tenant.organization,
    }


def selector_labels(spec: DeploymentSpec) -> dict[str, str]:
    """The stable subset used in selectors (selectors are immutable: no version here)."""
    return {
        "app.kubernetes.io/name": spec.agent.name,
        "app.kubernetes.io/instance": spec.stack_name,
    }


def namespace_labels(spec: DeploymentSpec) -> dict[str, str]:
    """Namespace labels: common ones plus Pod Security "restricted" enforcement."""
    pss = {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", PSS_LEVEL), ("-version", "latest"))
    }
    return {**common_labels(spec), **pss}
