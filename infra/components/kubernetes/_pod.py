"""The agent's pod template: restricted security context, probes, resources, env."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from infra.components._runtime import RUN_AS_ID
from infra.components.kubernetes._checksum import CHECKSUM_ANNOTATION
from infra.components.kubernetes._labels import common_labels, selector_labels
from infra.components.kubernetes._storage import claim_mount, claim_volume
from infra.spec import DeploymentSpec

core = k8s.core.v1
meta = k8s.meta.v1

CONTAINER_NAME = "agent"
PORT_NAME = "http"
TMP_SIZE_LIMIT = "64Mi"
TERMINATION_GRACE_SECONDS = 30
HOSTNAME_TOPOLOGY = "kubernetes.io/hostname"


def pod_security_context() -> core.PodSecurityContextArgs:
    """Non-root with a high UID and GID, RuntimeDefault seccomp."""
    return core.PodSecurityContextArgs(
        run_as_non_root=True,
        run_as_user=RUN_AS_ID,
        run_as_group=RUN_AS_ID,
        fs_group=RUN_AS_ID,
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def container_security_context() -> core.SecurityContextArgs:
    """Pod Security "restricted": no privilege escalation, no capabilities, read-only root."""
    return core.SecurityContextArgs(
        allow_privilege_escalation=False,
        privileged=False,
        read_only_root_filesystem=True,
        run_as_non_root=True,
        run_as_user=RUN_AS_ID,
        run_as_group=RUN_AS_ID,
        capabilities=core.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=core.SeccompProfileArgs(type="RuntimeDefault"),
    )


def _http_probe(path: str, *, period: int, failures: int) -> core.ProbeArgs:
    return core.ProbeArgs(
        http_get=core.HTTPGetActionArgs(path=path, port=PORT_NAME, scheme="HTTP"),
        period_seconds=period,
        timeout_seconds=2,
        failure_threshold=failures,
    )


def _spread(spec: DeploymentSpec) -> tuple[core.AffinityArgs, core.TopologySpreadConstraintArgs]:
    """Soft spreading over nodes: one node going away takes as few replicas as possible.

    Benchmarks (kube-score) look for host anti-affinity; the spread constraint keeps balancing
    once there are more replicas than nodes. Both are soft, so a small cluster still schedules.
    """
    selector = meta.LabelSelectorArgs(match_labels=selector_labels(spec))
    affinity = core.AffinityArgs(
        pod_anti_affinity=core.PodAntiAffinityArgs(
            preferred_during_scheduling_ignored_during_execution=[
                core.WeightedPodAffinityTermArgs(
                    weight=100,
                    pod_affinity_term=core.PodAffinityTermArgs(
                        topology_key=HOSTNAME_TOPOLOGY, label_selector=selector
                    ),
                )
            ]
        )
    )
    spread = core.TopologySpreadConstraintArgs(
        max_skew=1,
        topology_key=HOSTNAME_TOPOLOGY,
        when_unsatisfiable="ScheduleAnyway",
        label_selector=selector,
    )
    return affinity, spread


def agent_container(
    spec: DeploymentSpec,
    *,
    image: pulumi.Input[str],
    config_map: pulumi.Input[str],
    secret: pulumi.Input[str] | None,
) -> core.ContainerArgs:
    """The agent container: env from the ConfigMap (and Secret), probes, limits and volumes.

    /tmp is mounted, and the storage volume at its mount path when the spec has one.
    """
    agent = spec.agent
    resources = spec.kubernetes.resources
    mounts = [core.VolumeMountArgs(name="tmp", mount_path="/tmp")]
    if spec.kubernetes.storage is not None:
        mounts.append(claim_mount(spec.kubernetes.storage))
    env_from = [core.EnvFromSourceArgs(config_map_ref=core.ConfigMapEnvSourceArgs(name=config_map))]
    if secret is not None:
        env_from.append(core.EnvFromSourceArgs(secret_ref=core.SecretEnvSourceArgs(name=secret)))
    return core.ContainerArgs(
        name=CONTAINER_NAME,
        image=image,
        image_pull_policy="IfNotPresent",
        ports=[core.ContainerPortArgs(name=PORT_NAME, container_port=agent.port, protocol="TCP")],
        env_from=env_from,
        resources=core.ResourceRequirementsArgs(
            requests={"cpu": resources.cpu_request, "memory": resources.memory_request},
            limits={"cpu": resources.cpu_limit, "memory": resources.memory_limit},
        ),
        # Liveness waits for the startup probe, so a slow first start is not killed.
        startup_probe=_http_probe(agent.health_path, period=2, failures=30),
        liveness_probe=_http_probe(agent.health_path, period=10, failures=3),
        readiness_probe=_http_probe(agent.ready_path, period=5, failures=3),
        security_context=container_security_context(),
        volume_mounts=mounts,
        termination_message_policy="FallbackToLogsOnError",
    )


def pod_template(
    spec: DeploymentSpec,
    *,
    container: core.ContainerArgs,
    service_account: pulumi.Input[str],
    checksum: pulumi.Input[str],
    claim: pulumi.Input[str] | None = None,
    pull_secret: pulumi.Input[str] | None = None,
) -> core.PodTemplateSpecArgs:
    """The Deployment's pod template around the agent container.

    Args:
        spec: the validated spec.
        container: the agent container.
        service_account: the pods' ServiceAccount.
        checksum: the config checksum that rolls the pods when their configuration changes.
        claim: the PersistentVolumeClaim to mount (with `kubernetes.storage`).
        pull_secret: the `kubernetes.io/dockerconfigjson` Secret to pull the image with.
    """
    affinity, spread = _spread(spec)
    # The root filesystem is read-only: /tmp (bounded) and the claim are the writable places.
    volumes = [
        core.VolumeArgs(
            name="tmp", empty_dir=core.EmptyDirVolumeSourceArgs(size_limit=TMP_SIZE_LIMIT)
        )
    ]
    if claim is not None:
        volumes.append(claim_volume(claim))
    return core.PodTemplateSpecArgs(
        metadata=meta.ObjectMetaArgs(
            labels=common_labels(spec), annotations={CHECKSUM_ANNOTATION: checksum}
        ),
        spec=core.PodSpecArgs(
            service_account_name=service_account,
            automount_service_account_token=False,
            enable_service_links=False,
            host_network=False,
            host_pid=False,
            host_ipc=False,
            security_context=pod_security_context(),
            termination_grace_period_seconds=TERMINATION_GRACE_SECONDS,
            containers=[container],
            image_pull_secrets=(
                [core.LocalObjectReferenceArgs(name=pull_secret)]
                if pull_secret is not None
                else None
            ),
            volumes=volumes,
            affinity=affinity,
            topology_spread_constraints=[spread],
        ),
    )
