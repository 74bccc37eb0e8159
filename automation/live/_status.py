"""`status`: one tenant's phase, from its stack, its live cluster and AWS."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, overload

from automation._results import StackStatus
from automation.live._cluster import uses_live_cluster
from automation.live._model import (
    KubernetesStatus,
    LambdaStatus,
    LastOperation,
    Phase,
    TenantStatus,
)
from infra.spec import DeploymentSpec

_SEVERITY = (Phase.FAILED, Phase.DEGRADED, Phase.DEPLOYING, Phase.PENDING)


def tenant_phase(targets: Sequence[Phase], stack_exists: bool) -> Phase:
    """The tenant's phase from its targets' phases: the worst one wins.

    A tenant with every target absent is `absent`; one with some targets absent and others
    up is `pending` (half deployed); `rendered` counts as up. A tenant with no target is
    `running` once its stack exists.
    """
    if not targets:
        return Phase.RUNNING if stack_exists else Phase.ABSENT
    for phase in _SEVERITY:
        if phase in targets:
            return phase
    if all(phase is Phase.ABSENT for phase in targets):
        return Phase.ABSENT
    if Phase.ABSENT in targets:
        return Phase.PENDING
    if all(phase is Phase.RENDERED for phase in targets):
        return Phase.RENDERED
    return Phase.RUNNING


def last_operation(stack: StackStatus) -> LastOperation | None:
    """The stack's newest history entry, if it has one."""
    if not stack.exists or stack.last_operation is None:
        return None
    return LastOperation(
        operation=stack.last_operation,
        result=stack.last_result or "unknown",
        started=stack.last_started,
        ended=stack.last_ended,
    )


def read_stack(spec: DeploymentSpec) -> StackStatus:
    """The tenant stack's status (`automation._api.status`)."""
    from automation._api import status as stack_status

    return stack_status(spec.tenant.id, spec.tenant.environment.value)


def function_name(spec: DeploymentSpec, stack: StackStatus) -> str | None:
    """The Lambda function the stack created (its `functionName` output)."""
    if not stack.exists:
        return None
    from automation._api import outputs

    name = outputs(spec.tenant.id, spec.tenant.environment.value).get("functionName")
    return name if isinstance(name, str) else None


def read_lambda(spec: DeploymentSpec, stack: StackStatus) -> LambdaStatus | None:
    """The Lambda block (None when the target is off)."""
    if not spec.lambda_.enabled:
        return None
    from automation.live._aws import lambda_status

    name = function_name(spec, stack)
    if name is None:
        return LambdaStatus(phase=Phase.ABSENT, function=None)
    return lambda_status(name)


def read_kubernetes_block(spec: DeploymentSpec) -> KubernetesStatus | None:
    """The Kubernetes block (None when the target is off or renders YAML)."""
    if not uses_live_cluster(spec):
        return None
    from automation.live._kube_read import kubernetes_snapshot

    return kubernetes_snapshot(spec)


def assemble(
    spec: DeploymentSpec,
    stack: StackStatus,
    kubernetes: KubernetesStatus | None,
    lambda_: LambdaStatus | None,
) -> TenantStatus:
    """The tenant's status from its parts."""
    targets: list[Phase] = []
    if spec.kubernetes.enabled:
        targets.append(kubernetes.phase if kubernetes is not None else Phase.RENDERED)
    if lambda_ is not None:
        targets.append(lambda_.phase)
    return TenantStatus(
        tenant=spec.tenant.id,
        environment=spec.tenant.environment.value,
        stack=spec.stack_name,
        phase=tenant_phase(targets, stack.exists),
        kubernetes=kubernetes,
        lambda_=lambda_,
        last_operation=last_operation(stack),
        time=time.time(),
    )


@overload
def status(spec: DeploymentSpec, /) -> TenantStatus: ...


@overload
def status(tenant: str, environment: str, /) -> StackStatus: ...


def status(target: DeploymentSpec | str, environment: str | None = None, /) -> Any:
    """The tenant's live status: phase, Kubernetes and Lambda blocks, last operation.

    `status(spec)` returns a `TenantStatus`. `status(tenant, environment)` (no spec, so no
    cluster or function to ask) returns the stack's own `StackStatus`, as it always did.

    Raises:
        ClusterError: the tenant's cluster cannot be reached.
        JockeyError: the stack cannot be read (backend, passphrase).
        botocore.exceptions.ClientError: AWS refused a read.
    """
    if isinstance(target, str):
        if environment is None:
            raise TypeError("status(tenant, environment) needs the environment")
        from automation._api import status as stack_status

        return stack_status(target, environment)
    stack = read_stack(target)
    return assemble(target, stack, read_kubernetes_block(target), read_lambda(target, stack))


__all__ = ["assemble", "last_operation", "read_stack", "status", "tenant_phase"]
