"""Rules across fields: what no single field can know on its own."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import TYPE_CHECKING

from infra.spec._errors import SpecProblem
from infra.spec._kubernetes_rules import (
    is_single_writer,
    kubernetes_problems,
    pull_secret_problems,
)
from infra.spec._lambda_rules import kubernetes_secret_problems, lambda_problems
from infra.spec._quantity import parse_quantity
from infra.spec._types import is_digest_pinned

if TYPE_CHECKING:
    from infra.spec._models import AutoscalingSpec, DeploymentSpec, DisruptionBudgetSpec


def _requests_within_limits(spec: DeploymentSpec) -> list[SpecProblem]:
    resources = spec.kubernetes.resources
    problems = []
    for kind in ("cpu", "memory"):
        request = getattr(resources, f"{kind}_request")
        limit = getattr(resources, f"{kind}_limit")
        if parse_quantity(request) > parse_quantity(limit):
            problems.append(
                SpecProblem(
                    f"kubernetes.resources.{kind}Request",
                    f"request is above the limit {limit}",
                    request,
                    f"make {kind}Request <= {kind}Limit",
                )
            )
    return problems


def _amount(value: Decimal, kind: str) -> str:
    """A quantity for a message: CPU in millicores, memory in Mi (rounded up)."""
    if kind == "cpu":
        return f"{int((value * 1000).to_integral_value(rounding=ROUND_CEILING))}m"
    return f"{int((value / 2**20).to_integral_value(rounding=ROUND_CEILING))}Mi"


def _fits_quota(spec: DeploymentSpec) -> list[SpecProblem]:
    """The most pods a rollout runs at once must fit the namespace quota."""
    k8s = spec.kubernetes
    autoscaling = effective_autoscaling(spec)
    steady = autoscaling.max_replicas if autoscaling else k8s.replicas
    surge = 1 if k8s.strategy.value == "RollingUpdate" else 0
    peak = steady + surge
    during = f"{steady} replicas + {surge} surge" if surge else f"{steady} replicas"
    problems = []
    if peak > k8s.quota.pods:
        problems.append(
            SpecProblem(
                "kubernetes.quota.pods",
                f"too few for a rollout ({during} = {peak} pods)",
                k8s.quota.pods,
                f"raise quota.pods to at least {peak}, or lower replicas",
            )
        )
    for kind, limit in (("cpu", k8s.resources.cpu_limit), ("memory", k8s.resources.memory_limit)):
        quota = getattr(k8s.quota, kind)
        needed = parse_quantity(limit) * Decimal(peak)
        if needed > parse_quantity(quota):
            problems.append(
                SpecProblem(
                    f"kubernetes.quota.{kind}",
                    f"too small for a rollout ({during} = {peak} pods x {limit})",
                    quota,
                    f"raise quota.{kind} to at least {_amount(needed, kind)}, or lower "
                    f"replicas or {kind}Limit",
                )
            )
    return problems


def _production_rules(spec: DeploymentSpec) -> list[SpecProblem]:
    if spec.tenant.environment.value != "prod":
        return []
    problems = []
    ref = spec.agent.image.ref
    if ref is not None and not is_digest_pinned(ref):
        problems.append(
            SpecProblem(
                "agent.image.ref",
                "prod images must be pinned by digest",
                ref,
                "replace the tag with @sha256:<digest> (`docker buildx imagetools inspect` "
                "prints it), or use build:",
            )
        )
    k8s = spec.kubernetes
    # A single writer (ReadWriteOnce storage) runs one pod by nature; its own rules hold it.
    if k8s.enabled and k8s.replicas < 2 and not is_single_writer(spec):
        problems.append(
            SpecProblem(
                "kubernetes.replicas",
                "prod needs at least 2 replicas",
                k8s.replicas,
                "use 2 or more so a node loss or a rollout keeps the agent up (only a single "
                "writer, with ReadWriteOnce storage and strategy Recreate, runs one)",
            )
        )
    if k8s.enabled and k8s.autoscaling and k8s.autoscaling.min_replicas < 2:
        problems.append(
            SpecProblem(
                "kubernetes.autoscaling.minReplicas",
                "prod needs at least 2 replicas",
                k8s.autoscaling.min_replicas,
                "use 2 or more so the HPA never scales prod to a single pod",
            )
        )
    if k8s.enabled and k8s.cluster.render_dir is not None:
        problems.append(
            SpecProblem(
                "kubernetes.cluster.renderDir",
                "prod deploys to a cluster, not to a folder",
                str(k8s.cluster.render_dir),
                "set cluster.context or cluster.kubeconfig (use `jockey render` to inspect)",
            )
        )
    return problems


def _disruption_budget(spec: DeploymentSpec) -> list[SpecProblem]:
    k8s = spec.kubernetes
    if k8s.disruption_budget is None:
        return []
    autoscaling = effective_autoscaling(spec)
    smallest = autoscaling.min_replicas if autoscaling else k8s.replicas
    if k8s.disruption_budget.min_available >= smallest:
        return [
            SpecProblem(
                "kubernetes.disruptionBudget.minAvailable",
                f"blocks every eviction with {smallest} replica(s)",
                k8s.disruption_budget.min_available,
                f"use at most {smallest - 1}, or raise replicas"
                if smallest > 1
                else "raise replicas (and minReplicas) to 2 or more, or remove disruptionBudget",
            )
        ]
    return []


def cross_field_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Every cross-field rule the spec breaks."""
    if not (spec.lambda_.enabled or spec.kubernetes.enabled):
        return [
            SpecProblem(
                "lambda.enabled",
                "no target is enabled",
                False,
                "set lambda.enabled or kubernetes.enabled to true",
            )
        ]
    problems = lambda_problems(spec) + _production_rules(spec) + pull_secret_problems(spec)
    if spec.kubernetes.enabled:
        problems += _requests_within_limits(spec) + _fits_quota(spec) + _disruption_budget(spec)
        problems += kubernetes_secret_problems(spec) + kubernetes_problems(spec)
    return problems


def effective_autoscaling(spec: DeploymentSpec) -> AutoscalingSpec | None:
    """The HPA the tenant gets: the spec's, or in prod one from replicas to twice that.

    None for a single writer, which runs one pod.
    """
    from infra.spec._models import AutoscalingSpec

    k8s = spec.kubernetes
    if k8s.autoscaling is not None or spec.tenant.environment.value != "prod":
        return k8s.autoscaling
    if is_single_writer(spec):
        return None
    return AutoscalingSpec(min_replicas=k8s.replicas, max_replicas=k8s.replicas * 2)


def effective_disruption_budget(spec: DeploymentSpec) -> DisruptionBudgetSpec | None:
    """The PDB the tenant gets: the spec's, or in prod one keeping all but one pod.

    None for a single writer: a budget on its one pod would block every node drain.
    """
    from infra.spec._models import DisruptionBudgetSpec

    k8s = spec.kubernetes
    if k8s.disruption_budget is not None or spec.tenant.environment.value != "prod":
        return k8s.disruption_budget
    if is_single_writer(spec):
        return None
    autoscaling = effective_autoscaling(spec)
    smallest = autoscaling.min_replicas if autoscaling else k8s.replicas
    return DisruptionBudgetSpec(min_available=max(1, smallest - 1))
