"""The Kubernetes target's rules across fields, and its settings that depend on the environment.

The rules cover single writers, the rollout strategy, access grants and registry credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.spec._errors import SpecProblem

if TYPE_CHECKING:
    from infra.spec._models import DeploymentSpec

_RWO = "kubernetes.storage.accessMode is ReadWriteOnce"


def is_single_writer(spec: DeploymentSpec) -> bool:
    """Whether the agent is a single writer: its storage is `ReadWriteOnce`.

    A single writer runs exactly one pod (validation makes sure), even in prod: it gets no
    default autoscaler and no default disruption budget.
    """
    storage = spec.kubernetes.storage
    return storage is not None and storage.access_mode.value == "ReadWriteOnce"


def effective_retain_on_destroy(spec: DeploymentSpec) -> bool:
    """Whether `destroy` keeps the tenant's claim (and its namespace).

    The spec's `retainOnDestroy`, else keep in prod and delete elsewhere.
    """
    storage = spec.kubernetes.storage
    if storage is not None and storage.retain_on_destroy is not None:
        return storage.retain_on_destroy
    return spec.tenant.environment.value == "prod"


def _single_writer_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """A `ReadWriteOnce` volume has one writer: one pod, replaced (not surged) on rollout."""
    if not is_single_writer(spec):
        return []
    k8s = spec.kubernetes
    problems = []
    if k8s.strategy.value != "Recreate":
        problems.append(
            SpecProblem(
                "kubernetes.strategy",
                f"a rolling update starts the new pod while the old one still holds the "
                f"volume ({_RWO}), so the new pod waits for it and the rollout stalls",
                k8s.strategy.value,
                "set strategy: Recreate (the old pod stops before the new one mounts the "
                "volume), or use accessMode: ReadWriteMany",
            )
        )
    if k8s.replicas != 1:
        problems.append(
            SpecProblem(
                "kubernetes.replicas",
                f"a single writer runs one pod ({_RWO}): more would wait for the volume or "
                "write to it at once",
                k8s.replicas,
                "set replicas: 1, or use accessMode: ReadWriteMany for a volume pods share",
            )
        )
    if k8s.autoscaling is not None:
        problems.append(
            SpecProblem(
                "kubernetes.autoscaling",
                f"an autoscaler would add pods that cannot mount the volume ({_RWO})",
                k8s.autoscaling.model_dump(by_alias=True),
                "remove autoscaling (a single writer runs one pod), or use accessMode: "
                "ReadWriteMany",
            )
        )
    return problems


def _recreate_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """`Recreate` stops every pod before starting new ones: it is for one pod only."""
    k8s = spec.kubernetes
    if k8s.strategy.value != "Recreate" or is_single_writer(spec):
        return []  # a single writer's rules already say what it needs
    if k8s.replicas == 1 and k8s.autoscaling is None:
        return []
    running = "an autoscaler's pods" if k8s.autoscaling else f"{k8s.replicas} replicas"
    return [
        SpecProblem(
            "kubernetes.strategy",
            f"stops all {running} before any new pod starts, so every rollout takes the "
            "agent down; Recreate is for a single writer",
            k8s.strategy.value,
            "use strategy: RollingUpdate (no downtime), or replicas: 1 without autoscaling "
            "for a single writer",
        )
    ]


def _access_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    """Each subject is granted one role, once."""
    seen: dict[tuple[str, str, str], int] = {}
    problems = []
    for index, grant in enumerate(spec.kubernetes.access):
        key = grant.subject_key
        if key in seen:
            problems.append(
                SpecProblem(
                    f"kubernetes.access[{index}]",
                    f"grants {grant.kind.value} {grant.name} again (also at "
                    f"kubernetes.access[{seen[key]}])",
                    grant.name,
                    "list each subject once, with the one role it needs (edit includes what "
                    "view allows)",
                )
            )
        else:
            seen[key] = index
    return problems


def pull_secret_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Registry credentials are for Kubernetes: Lambda pulls from ECR with its own role."""
    if spec.agent.image.pull_secret is None or spec.kubernetes.enabled:
        return []
    return [
        SpecProblem(
            "agent.image.pullSecret",
            "is only used by Kubernetes, which is not enabled (Lambda pulls from Amazon ECR "
            "with the function's role)",
            "fromEnv" if spec.agent.image.pull_secret.from_env else "fromFile",
            "remove pullSecret, or set kubernetes.enabled: true",
        )
    ]


def kubernetes_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Every Kubernetes rule across fields added for storage, strategy and access."""
    return _single_writer_rules(spec) + _recreate_rules(spec) + _access_rules(spec)
