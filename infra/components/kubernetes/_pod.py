"""The agent's pod template: restricted security context, probes, resources, env."""

from __future__ import annotations

from typing import Any

import pulumi

from infra.components.kubernetes._labels import common_labels, selector_labels
from infra.spec import DeploymentSpec

RUN_AS_USER = 10001
"""A high, non-root UID (the image's user has the same one)."""
CHECKSUM_ANNOTATION = "jockey.dev/config-checksum"
TMP_SIZE_LIMIT = "64Mi"


def pod_security_context() -> dict[str, Any]:
    """Non-root with a high UID and GID, RuntimeDefault seccomp."""
    return {
        "run_as_non_root": True,
        "run_as_user": RUN_AS_USER,
        "run_as_group": RUN_AS_USER,
        "fs_group": RUN_AS_USER,
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> dict[str, Any]:
    """Pod Security "restricted": no privilege escalation, no capabilities, read-only root."""
    return {
        "allow_privilege_escalation": False,
        "privileged": False,
        "read_only_root_filesystem": True,
        "run_as_non_root": True,
        "run_as_user": RUN_AS_USER,
        "run_as_group": RUN_AS_USER,
        "capabilities": {"drop": ["ALL"]},
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def _probe(path: str, *, period: int, failures: int, initial: int = 0) -> dict[str, Any]:
    return {
        "http_get": {"path": path, "port": "http"},
        "initial_delay_seconds": initial,
        "period_seconds": period,
        "timeout_seconds": 2,
        "failure_threshold": failures,
    }


def pod_template(
    spec: DeploymentSpec,
    *,
    image: pulumi.Input[str],
    service_account: pulumi.Input[str],
    config_map: pulumi.Input[str],
    secret: pulumi.Input[str] | None,
    checksum: pulumi.Input[str],
) -> dict[str, Any]:
    """The Deployment's pod template."""
    agent = spec.agent
    resources = spec.kubernetes.resources
    env_from: list[dict[str, Any]] = [{"config_map_ref": {"name": config_map}}]
    if secret is not None:
        env_from.append({"secret_ref": {"name": secret}})
    container = {
        "name": "agent",
        "image": image,
        "image_pull_policy": "IfNotPresent",
        "ports": [{"name": "http", "container_port": agent.port, "protocol": "TCP"}],
        "env_from": env_from,
        "resources": {
            "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
            "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        },
        "startup_probe": _probe(agent.health_path, period=2, failures=30),
        "liveness_probe": _probe(agent.health_path, period=10, failures=3),
        "readiness_probe": _probe(agent.ready_path, period=5, failures=3),
        "security_context": container_security_context(),
        "volume_mounts": [{"name": "tmp", "mount_path": "/tmp"}],
        "termination_message_policy": "FallbackToLogsOnError",
    }
    return {
        "metadata": {
            "labels": common_labels(spec),
            "annotations": {CHECKSUM_ANNOTATION: checksum},
        },
        "spec": {
            "service_account_name": service_account,
            "automount_service_account_token": False,
            "enable_service_links": False,
            "security_context": pod_security_context(),
            "termination_grace_period_seconds": 30,
            "containers": [container],
            "volumes": [{"name": "tmp", "empty_dir": {"size_limit": TMP_SIZE_LIMIT}}],
            "topology_spread_constraints": [
                {
                    "max_skew": 1,
                    "topology_key": "kubernetes.io/hostname",
                    "when_unsatisfiable": "ScheduleAnyway",
                    "label_selector": {"match_labels": selector_labels(spec)},
                }
            ],
        },
    }
