"""`drift`: do a tenant's live resources still match its spec? Optionally put them back.

A drift check is a preview with a refresh first: the engine reads every resource back from
the cluster (in memory only: the state is not changed), then diffs the program's desired
resources against what it read. Each resource it would change is drift, with its
property-level differences (`live → spec`): a `kubectl scale` shows as `spec.replicas`, an
edited ConfigMap as its `data` keys, a deleted NetworkPolicy as a resource `up` creates.
`remediate` runs `up` (refreshing first) on the drifted tenants and reports what it changed.

Render-mode tenants have nothing live to compare: `not-applicable`, not a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from automation._api import DEFAULT_WAIT_SECONDS, failed_result
from automation._diff import ResourceDiff
from automation._events import EventCallback
from automation._exit_codes import ExitCode
from automation._report import DRIFT, TenantPreview
from automation._request import OperationRequest
from automation._results import ChangeCounts, Operation, OperationResult
from automation._toolchain import find_toolchain
from automation.fleet._backend import read_fingerprints, tenant_stacks
from automation.fleet._fingerprint import current_versions, matches
from automation.fleet._plan import material_reader
from automation.fleet._runner import TenantRunner, fleet_runner
from infra.spec import DeploymentSpec


class DriftState(StrEnum):
    """What a drift check found for one tenant."""

    NONE = "none"
    """The live resources match the spec."""
    DRIFTED = "drifted"
    """Some live resources differ from the spec (or are gone)."""
    NOT_APPLICABLE = "not-applicable"
    """Render mode: nothing live to compare."""
    NOT_DEPLOYED = "not-deployed"
    """The tenant has no stack yet: nothing to compare."""
    FAILED = "failed"
    """The check could not run or failed."""


@dataclass(frozen=True)
class DriftResult:
    """One tenant's drift check.

    Attributes:
        tenant: tenant id.
        environment: dev, staging or prod.
        stack: `<tenant>-<environment>`.
        state: what the check found.
        resources: each drifted resource with its property-level differences (old is the
            live value, new the spec's); `op` is what `up` does to put it back.
        reason: why a tenant was not checked, or why the check failed.
        spec_changed: the spec differs from the one last deployed, so some differences may
            be changes not deployed yet rather than drift (None: unknown).
        check: the check's own result (a preview with refresh), when it ran.
        remediation: the `up` that put the tenant back, when asked to.
    """

    tenant: str
    environment: str
    stack: str
    state: DriftState
    resources: tuple[ResourceDiff, ...] = ()
    reason: str = ""
    spec_changed: bool | None = None
    check: OperationResult | None = None
    remediation: OperationResult | None = None

    @property
    def ok(self) -> bool:
        """The check ran (or did not apply) and any remediation succeeded."""
        failed_fix = self.remediation is not None and not self.remediation.ok
        return self.state is not DriftState.FAILED and not failed_fix

    @property
    def remediated(self) -> bool:
        """Drift was found and a successful `up` put it back."""
        return self.remediation is not None and self.remediation.ok

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON line: `"kind": "result"`, `"operation": "drift"` and the drift.

        `drift` (the state), the drifted `resources`, and `remediation` (the `up`'s result)
        if any.
        """
        check = self.check
        return {
            "kind": "result",
            "tenant": self.tenant,
            "environment": self.environment,
            "stack": self.stack,
            "operation": DRIFT,
            "ok": self.ok,
            "drift": self.state.value,
            "reason": self.reason or None,
            "specChanged": self.spec_changed,
            "changes": (check.changes if check else ChangeCounts()).as_dict(),
            "resources": [resource.to_json() for resource in self.resources],
            "diagnostics": list(check.diagnostics) if check else [],
            "durationSeconds": round(check.duration_seconds, 3) if check else 0.0,
            "error": self.reason if self.state is DriftState.FAILED else None,
            "cancelled": bool(check and check.cancelled),
            "remediated": self.remediated,
            "remediation": self.remediation.to_json() if self.remediation else None,
        }

    def to_preview(self) -> TenantPreview:
        """The tenant's drift section in the report model (operation `drift`)."""
        check = self.check
        return TenantPreview(
            tenant=self.tenant,
            environment=self.environment,
            stack=self.stack,
            ok=self.state is not DriftState.FAILED,
            error=self.reason if self.state is DriftState.FAILED else None,
            changes=check.changes if check else ChangeCounts(),
            resources=self.resources,
            diagnostics=check.diagnostics if check else (),
            operation=DRIFT,
        )


DriftCallback = Callable[[DriftResult], None]
"""Receives each tenant's drift result as soon as it is known."""


def _renders(spec: DeploymentSpec) -> bool:
    return bool(spec.kubernetes.enabled and spec.kubernetes.cluster.render_dir)


def _unchecked(spec: DeploymentSpec, state: DriftState, reason: str) -> DriftResult:
    return DriftResult(
        spec.tenant.id, spec.tenant.environment.value, spec.stack_name, state, reason=reason
    )


def _from_check(
    spec: DeploymentSpec, check: OperationResult, spec_changed: bool | None
) -> DriftResult:
    if not check.ok:
        return DriftResult(
            spec.tenant.id,
            spec.tenant.environment.value,
            spec.stack_name,
            DriftState.FAILED,
            reason=check.error or "the drift check failed",
            spec_changed=spec_changed,
            check=check,
        )
    drifted = bool(check.resources) or check.changes.total_changes > 0
    return DriftResult(
        spec.tenant.id,
        spec.tenant.environment.value,
        spec.stack_name,
        DriftState.DRIFTED if drifted else DriftState.NONE,
        resources=check.resources,
        spec_changed=spec_changed,
        check=check,
    )


def _request(
    operation: Operation, spec: DeploymentSpec, wait_seconds: float, deadline: float | None
) -> OperationRequest:
    return OperationRequest(
        operation=operation,
        tenant=spec.tenant.id,
        environment=spec.tenant.environment.value,
        spec=spec,
        wait_seconds=wait_seconds,
        deadline=deadline,
        refresh=True,
    )


def _spec_changes(specs: Sequence[DeploymentSpec]) -> dict[str, bool | None]:
    """Per stack, whether the spec differs from the one last deployed (None: no record)."""
    if not specs:
        return {}
    recorded = read_fingerprints(spec.stack_name for spec in specs)
    material = material_reader(current_versions(find_toolchain().version))
    changed: dict[str, bool | None] = {}
    for spec in specs:
        value = recorded.get(spec.stack_name)
        data = material(spec) if value else None
        changed[spec.stack_name] = None if data is None else not matches(value, data)
    return changed


def drift_many(
    specs: Sequence[DeploymentSpec],
    *,
    remediate: bool = False,
    parallel: int = 1,
    runner: TenantRunner | None = None,
    broker_url: str | None = None,
    on_event: EventCallback | None = None,
    on_result: DriftCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> list[DriftResult]:
    """Check many tenants for drift (and put the drifted ones back with `remediate`).

    Results come in stack order; `on_result` sees each as soon as it is known. An
    interrupt of the runner lets running checks finish and starts nothing more.

    Args:
        specs: the tenants to check.
        remediate: run `up` (refreshing first) on each drifted tenant.
        parallel: tenants checked at once (ignored when `runner` or `broker_url` is given).
        runner: your own runner, to interrupt it from a signal handler.
        broker_url: run the checks on this broker's workers (ignored when `runner` is given).
        on_event: receives every engine event.
        on_result: receives each tenant's result.
        wait_seconds: how long each operation waits for a busy stack.
        timeout_seconds: a deadline for the whole check, from now.
    """
    runner = runner or fleet_runner(parallel, on_event, broker_url=broker_url)
    deadline = None if timeout_seconds is None else time.time() + timeout_seconds
    results: dict[str, DriftResult] = {}

    def emit(result: DriftResult) -> None:
        results[result.stack] = result
        if on_result is not None and not (remediate and result.state is DriftState.DRIFTED):
            on_result(result)

    live = [spec for spec in specs if not _renders(spec)]
    for spec in specs:
        if _renders(spec):
            emit(_unchecked(spec, DriftState.NOT_APPLICABLE, "renders manifests: nothing live"))
    deployed = {stack.stack for stack in tenant_stacks()} if live else set()
    to_check: list[DeploymentSpec] = []
    for spec in live:
        if spec.stack_name in deployed:
            to_check.append(spec)
        else:
            emit(_unchecked(spec, DriftState.NOT_DEPLOYED, "no stack in the backend yet"))
    by_stack = {spec.stack_name: spec for spec in to_check}
    changed = _spec_changes(to_check)
    checks = [_request(Operation.PREVIEW, spec, wait_seconds, deadline) for spec in to_check]
    for check in runner.run(checks, failed_result):
        emit(_from_check(by_stack[check.stack], check, changed.get(check.stack)))
    if remediate:
        drifted = [r for r in results.values() if r.state is DriftState.DRIFTED]
        fixes = [_request(Operation.UP, by_stack[r.stack], wait_seconds, deadline) for r in drifted]
        for fix in runner.run(fixes, failed_result):
            result = results[fix.stack]
            results[fix.stack] = done = replace(result, remediation=fix)
            if on_result is not None:
                on_result(done)
        for result in drifted:  # not started (interrupted): reported without a remediation
            if on_result is not None and results[result.stack].remediation is None:
                on_result(result)
    return [results[name] for name in sorted(results)]


def drift(
    spec: DeploymentSpec,
    *,
    remediate: bool = False,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> DriftResult:
    """Check one tenant for drift: a preview-only refresh (the state is not changed).

    Example:
        >>> import automation  # doctest: +SKIP
        >>> result = automation.drift(spec)  # doctest: +SKIP
        >>> result.state, [r.name for r in result.resources]  # doctest: +SKIP

    Args:
        spec: the tenant.
        remediate: when it drifted, run `up` (refreshing first) to put it back.
        on_event: receives every engine event.
        wait_seconds: how long to wait for a busy stack.
        timeout_seconds: a deadline for the check (and remediation), from now.

    Returns:
        The result: `none`, `drifted` (with each resource and its differences),
        `not-applicable` (render mode), `not-deployed` or `failed`.
    """
    (result,) = drift_many(
        [spec],
        remediate=remediate,
        on_event=on_event,
        wait_seconds=wait_seconds,
        timeout_seconds=timeout_seconds,
    )
    return result


def drift_exit_code(results: Sequence[DriftResult]) -> ExitCode:
    """0 no drift left, 5 drift found (and not put back), 1 a check or remediation failed."""
    if any(not result.ok for result in results):
        return ExitCode.FAILED
    if any(r.state is DriftState.DRIFTED and not r.remediated for r in results):
        return ExitCode.DRIFT
    return ExitCode.OK


__all__ = [
    "DriftCallback",
    "DriftResult",
    "DriftState",
    "drift",
    "drift_exit_code",
    "drift_many",
]
