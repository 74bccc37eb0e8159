"""`sync`: make the backend follow the spec files (create, update, skip, prune).

Plan first (`plan_sync`: which stacks exist, which fingerprints match), then run only what
changed (`run_sync`): `up` for creates and updates, `destroy --remove` for orphans when
pruning, or, with `preview`, a preview of each (orphans as destroy previews).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from automation._api import DEFAULT_WAIT_SECONDS, failed_result
from automation._events import EventCallback
from automation._request import OperationRequest
from automation._results import ChangeCounts, Operation, OperationResult
from automation._toolchain import find_toolchain
from automation.fleet._backend import read_fingerprints, tenant_stacks
from automation.fleet._fingerprint import current_versions
from automation.fleet._plan import (
    FleetPlan,
    Shard,
    SyncPlan,
    TenantPlan,
    check_prune,
    in_shard,
    material_reader,
    plan_fleet,
)
from automation.fleet._runner import TenantRunner, fleet_runner
from automation.fleet._specs import SpecFile, check_unique
from infra.spec import DeploymentSpec


class SyncOutcome(StrEnum):
    """How a tenant's part of a sync ended."""

    DONE = "done"
    """Its operation ran and succeeded."""
    FAILED = "failed"
    """Its operation failed, or could not start (busy stack, missing secret, ...)."""
    SKIPPED = "skipped"
    """Nothing to do: unchanged, or an orphan kept (no `--prune`)."""
    UNTOUCHED = "untouched"
    """The sync was interrupted before its turn: nothing ran for it."""
    CANCELLED = "cancelled"
    """Interrupted while running (a second interrupt); the next operation repairs it."""


@dataclass(frozen=True)
class TenantSync:
    """One tenant's part of a sync.

    Attributes:
        plan: what the sync planned for it, and why.
        outcome: how it ended.
        result: its operation's result (None when nothing ran).
        pruned: an orphan destroyed and its stack removed.
    """

    plan: TenantPlan
    outcome: SyncOutcome
    result: OperationResult | None = None
    pruned: bool = False

    @property
    def ok(self) -> bool:
        """Whether it ended as planned (done, or nothing to do)."""
        return self.outcome in (SyncOutcome.DONE, SyncOutcome.SKIPPED)

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON line (`"kind": "result"`): the operation's result and the plan.

        The result is an empty one when nothing ran; `plan`, `reason`, `file`, `outcome` and
        `pruned` are added.
        """
        plan = self.plan
        if self.result is not None:
            body = self.result.to_json()
        else:
            body = {
                "kind": "result",
                "tenant": plan.tenant,
                "environment": plan.environment,
                "stack": plan.stack,
                "operation": None,
                "ok": True,
                "changes": ChangeCounts().as_dict(),
                "outputs": {},
                "durationSeconds": 0.0,
                "error": None,
                "cancelled": False,
                "resources": [],
                "diagnostics": [],
                "logFile": None,
            }
        body.update(
            plan=plan.plan.value,
            reason=plan.reason,
            file=plan.file,
            outcome=self.outcome.value,
            pruned=self.pruned,
        )
        return body


@dataclass(frozen=True)
class SyncReport:
    """What a sync did, one entry per tenant (ordered by stack).

    Attributes:
        plan: the plan it followed.
        tenants: each tenant's part.
        preview: whether it only previewed.
        prune: whether orphans were to be destroyed.
        interrupted: whether an interrupt stopped it early.
    """

    plan: FleetPlan
    tenants: tuple[TenantSync, ...]
    preview: bool = False
    prune: bool = False
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        """Every tenant ended as planned."""
        return all(tenant.ok for tenant in self.tenants)

    def with_outcome(self, outcome: SyncOutcome) -> list[TenantSync]:
        """The tenants that ended this way."""
        return [tenant for tenant in self.tenants if tenant.outcome is outcome]

    def summary(self) -> dict[str, Any]:
        """The final JSON line: plan counts, `pruned`, `failed`, and interruption details."""
        failed = self.with_outcome(SyncOutcome.FAILED) + self.with_outcome(SyncOutcome.CANCELLED)
        return {
            "kind": "summary",
            **self.plan.counts(),
            "pruned": sum(tenant.pruned for tenant in self.tenants),
            "failed": len(failed),
            "preview": self.preview,
            "interrupted": self.interrupted,
            "done": [t.plan.stack for t in self.with_outcome(SyncOutcome.DONE)],
            "untouched": [t.plan.stack for t in self.with_outcome(SyncOutcome.UNTOUCHED)],
        }


TenantCallback = Callable[[TenantSync], None]
"""Receives each tenant's part of a sync as soon as it is known."""


def _as_spec_files(specs: Sequence[DeploymentSpec | SpecFile]) -> list[SpecFile]:
    return [item if isinstance(item, SpecFile) else SpecFile(None, item) for item in specs]


def plan_sync(
    specs: Sequence[DeploymentSpec | SpecFile],
    *,
    run_all: bool = False,
    shard: Shard | None = None,
) -> FleetPlan:
    """Plan a sync of the backend to `specs` (reads the backend; changes nothing).

    Args:
        specs: the desired set: every tenant that should exist.
        run_all: plan every existing tenant as `update`, whatever its fingerprint.
        shard: plan only the tenants (and orphans) of this shard of the fleet; `specs` is
            still the whole desired set, so orphans are found correctly.

    Raises:
        DuplicateTenantError: two specs describe the same tenant and environment.
        JockeyError: the backend cannot be read (see `list_stacks`).
    """
    check_unique(_as_spec_files(specs))
    # A stack and its spec always fall in the same shard: filtering both keeps orphans right.
    files = [item for item in _as_spec_files(specs) if in_shard(item.stack, shard)]
    existing = [stack for stack in tenant_stacks() if in_shard(stack.stack, shard)]
    names = {stack.stack for stack in existing}
    recorded = {} if run_all else read_fingerprints(f.stack for f in files if f.stack in names)
    material = material_reader(current_versions(find_toolchain().version))
    return plan_fleet(files, existing, recorded, material, run_all=run_all)


def _requests(
    plan: FleetPlan, *, preview: bool, prune: bool, wait_seconds: float, deadline: float | None
) -> list[tuple[TenantPlan, OperationRequest]]:
    planned: list[tuple[TenantPlan, OperationRequest]] = []
    for tenant in plan.tenants:
        common: dict[str, Any] = {
            "tenant": tenant.tenant,
            "environment": tenant.environment,
            "wait_seconds": wait_seconds,
            "deadline": deadline,
        }
        if tenant.plan in (SyncPlan.CREATE, SyncPlan.UPDATE):
            operation = Operation.PREVIEW if preview else Operation.UP
            request = OperationRequest(operation=operation, spec=tenant.spec, **common)
        elif tenant.plan is SyncPlan.ORPHAN and preview:
            request = OperationRequest(operation=Operation.PREVIEW, spec=None, **common)
        elif tenant.plan is SyncPlan.ORPHAN and prune:
            request = OperationRequest(
                operation=Operation.DESTROY, spec=None, remove_stack=True, **common
            )
        else:
            continue
        planned.append((tenant, request))
    return planned


def _skipped(tenant: TenantPlan) -> TenantSync:
    return TenantSync(tenant, SyncOutcome.SKIPPED)


def _finished(tenant: TenantPlan, result: OperationResult, runner: TenantRunner) -> TenantSync:
    if not runner.started(tenant.stack):
        return TenantSync(tenant, SyncOutcome.UNTOUCHED, result)
    if result.ok:
        pruned = result.operation is Operation.DESTROY
        return TenantSync(tenant, SyncOutcome.DONE, result, pruned=pruned)
    outcome = SyncOutcome.CANCELLED if result.cancelled else SyncOutcome.FAILED
    return TenantSync(tenant, outcome, result)


def run_sync(
    plan: FleetPlan,
    *,
    preview: bool = False,
    prune: bool = False,
    allow_prod: bool = False,
    parallel: int = 1,
    runner: TenantRunner | None = None,
    broker_url: str | None = None,
    on_event: EventCallback | None = None,
    on_tenant: TenantCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> SyncReport:
    """Carry out a plan: `up` what is new or changed, destroy orphans when pruning.

    Unchanged tenants and kept orphans are reported without running anything. An interrupt
    of the runner (`FleetRunner.cancel`, e.g. from `cancel_on_signals`) lets what runs
    finish and starts nothing more: every tenant ends done or untouched. With `broker_url`
    the operations are queued for `jockey worker`s (the plan is still read here).

    Args:
        plan: from `plan_sync`.
        preview: preview every planned operation instead (orphans as destroy previews).
        prune: destroy orphans and remove their stacks.
        allow_prod: let `prune` destroy production orphans.
        parallel: tenants processed at once (ignored when `runner` or `broker_url` is given).
        runner: your own runner, to interrupt it from a signal handler.
        broker_url: queue the operations on this broker (ignored when `runner` is given).
        on_event: receives every engine event.
        on_tenant: receives each tenant's part as soon as it is known.
        wait_seconds: how long each operation waits for a busy stack.
        timeout_seconds: a deadline for the operations, from now.

    Raises:
        ProdOrphanError: pruning would destroy production tenants without `allow_prod`
            (nothing ran).
    """
    if prune and not preview:
        check_prune(plan, allow_prod=allow_prod)
    runner = runner or fleet_runner(parallel, on_event, broker_url=broker_url)
    deadline = None if timeout_seconds is None else time.time() + timeout_seconds
    planned = _requests(
        plan, preview=preview, prune=prune, wait_seconds=wait_seconds, deadline=deadline
    )
    running = {request.stack: tenant for tenant, request in planned}
    parts: list[TenantSync] = []

    def emit(part: TenantSync) -> None:
        parts.append(part)
        if on_tenant is not None:
            on_tenant(part)

    for tenant in plan.tenants:
        if tenant.stack not in running:
            emit(_skipped(tenant))
    for result in runner.run([request for _, request in planned], failed_result):
        emit(_finished(running[result.stack], result, runner))
    return SyncReport(
        plan=plan,
        tenants=tuple(sorted(parts, key=lambda part: part.plan.stack)),
        preview=preview,
        prune=prune,
        interrupted=runner.interrupted,
    )


def sync(
    specs: Sequence[DeploymentSpec | SpecFile],
    *,
    prune: bool = False,
    allow_prod: bool = False,
    preview: bool = False,
    run_all: bool = False,
    shard: Shard | None = None,
    parallel: int = 1,
    runner: TenantRunner | None = None,
    broker_url: str | None = None,
    on_event: EventCallback | None = None,
    on_tenant: TenantCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> SyncReport:
    """Make the backend match `specs`: the whole desired set of tenants.

    Each tenant is planned `create` (no stack), `update` (its fingerprint is missing or
    differs, or `run_all`), `unchanged` (nothing runs) or `orphan` (a tenant stack with no
    spec: kept unless `prune`). See `plan_sync` for `shard` and `run_sync` for the rest.

    Example:
        >>> import automation  # doctest: +SKIP
        >>> report = automation.sync(specs, parallel=4)  # doctest: +SKIP
        >>> report.summary()["unchanged"], report.ok  # doctest: +SKIP

    Raises:
        DuplicateTenantError: two specs describe the same tenant and environment.
        ProdOrphanError: pruning would destroy production tenants without `allow_prod`.
    """
    return run_sync(
        plan_sync(specs, run_all=run_all, shard=shard),
        preview=preview,
        prune=prune,
        allow_prod=allow_prod,
        parallel=parallel,
        runner=runner,
        broker_url=broker_url,
        on_event=on_event,
        on_tenant=on_tenant,
        wait_seconds=wait_seconds,
        timeout_seconds=timeout_seconds,
    )


__all__ = [
    "SyncOutcome",
    "SyncReport",
    "TenantCallback",
    "TenantSync",
    "plan_sync",
    "run_sync",
    "sync",
]
