"""The programmatic API: tenant operations on `DeploymentSpec`s."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from automation._errors import JockeyError, StackBusyError
from automation._events import EventCallback
from automation._fanout import FanOut
from automation._request import OperationRequest, ReadRequest
from automation._results import Operation, OperationResult, StackStatus, StackSummary
from automation._worker import read_in_worker, run_in_worker
from automation.live._switch import with_rollback
from infra.spec import DeploymentSpec

DEFAULT_WAIT_SECONDS = 300.0
"""How long an operation waits for a busy stack by default."""


def _request(
    operation: Operation,
    spec: DeploymentSpec,
    wait_seconds: float,
    timeout_seconds: float | None,
    refresh: bool | None = None,
) -> OperationRequest:
    return OperationRequest(
        operation=operation,
        tenant=spec.tenant.id,
        environment=spec.tenant.environment.value,
        spec=spec,
        wait_seconds=wait_seconds,
        deadline=None if timeout_seconds is None else time.time() + timeout_seconds,
        refresh=refresh,
    )


def _run(
    operation: Operation,
    spec: DeploymentSpec,
    on_event: EventCallback | None,
    wait_seconds: float,
    timeout_seconds: float | None,
    refresh: bool | None = None,
) -> OperationResult:
    request = _request(operation, spec, wait_seconds, timeout_seconds, refresh)
    return run_in_worker(request, on_event)


def preview(
    spec: DeploymentSpec,
    *,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> OperationResult:
    """Preview the tenant's changes (creates the stack if it is new; changes nothing else).

    Raises:
        InvalidSpecError: a secret's source is missing.
        StackBusyError: another operation held the stack for `wait_seconds`.
        ToolchainMissingError: the Pulumi CLI is not installed.
    """
    return _run(Operation.PREVIEW, spec, on_event, wait_seconds, timeout_seconds)


def up(
    spec: DeploymentSpec,
    *,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
    rollback: bool = True,
    refresh: bool | None = None,
) -> OperationResult:
    """Deploy the tenant (see `preview` for the errors).

    When the Deployment's rollout fails, the tenant is rolled back to its last good
    configuration (`rolled_back` on the result); `rollback=False` leaves it failed.

    A cluster tenant's resources are read back first (`refresh`), so whatever was deleted
    or edited behind Jockey's back is put back; pass `refresh=False` to skip that read.
    Render-mode tenants never refresh.
    """
    request = _request(Operation.UP, spec, wait_seconds, timeout_seconds, refresh)
    return run_in_worker(with_rollback(request, rollback), on_event)


def refresh(
    spec: DeploymentSpec,
    *,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> OperationResult:
    """Refresh the tenant's state from its providers.

    Raises:
        StackNotFoundError: the tenant has no stack.
    """
    return _run(Operation.REFRESH, spec, on_event, wait_seconds, timeout_seconds)


def destroy(
    spec: DeploymentSpec | None = None,
    *,
    tenant: str | None = None,
    environment: str | None = None,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> OperationResult:
    """Destroy every resource of the tenant's stack (by spec, or by tenant and environment).

    Raises:
        StackNotFoundError: the tenant has no stack.
    """
    if spec is not None:
        return _run(Operation.DESTROY, spec, on_event, wait_seconds, timeout_seconds)
    if not tenant or not environment:
        raise ValueError("destroy needs a spec, or both tenant and environment")
    return run_in_worker(
        destroy_request(tenant, environment, wait_seconds, timeout_seconds), on_event
    )


def destroy_request(
    tenant: str,
    environment: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
) -> OperationRequest:
    """A destroy of a tenant's stack by name (no spec needed)."""
    return OperationRequest(
        operation=Operation.DESTROY,
        tenant=tenant,
        environment=environment,
        spec=None,
        wait_seconds=wait_seconds,
        deadline=None if timeout_seconds is None else time.time() + timeout_seconds,
    )


def outputs(tenant: str, environment: str) -> Mapping[str, Any]:
    """The stack's outputs, secret values replaced by `[secret]` (read in a worker process).

    Raises:
        StackNotFoundError: the tenant has no stack.
        EngineError: the backend could not be read.
    """
    return cast("Mapping[str, Any]", read_in_worker(ReadRequest("outputs", (tenant, environment))))


def status(tenant: str, environment: str) -> StackStatus:
    """What the stack holds, how its last operation went, and who holds it now."""
    return cast(StackStatus, read_in_worker(ReadRequest("status", (tenant, environment))))


def list_stacks() -> list[StackSummary]:
    """Every tenant stack of the project in the backend, sorted by name."""
    return cast("list[StackSummary]", read_in_worker(ReadRequest("list_stacks")))


def failed_result(request: OperationRequest, error: JockeyError) -> OperationResult:
    """A failed result for an operation that could not run."""
    return OperationResult(
        tenant=request.tenant,
        environment=request.environment,
        stack=request.stack,
        operation=request.operation,
        ok=False,
        error=str(error),
        busy=isinstance(error, StackBusyError),
    )


def run_many(
    operation: Operation,
    specs: Sequence[DeploymentSpec],
    *,
    parallel: int = 1,
    on_event: EventCallback | None = None,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    timeout_seconds: float | None = None,
    fanout: FanOut | None = None,
    rollback: bool = True,
    refresh: bool | None = None,
) -> Iterator[OperationResult]:
    """Run one operation over many tenants, yielding results as each finishes.

    One failure does not stop the others: it becomes a result with `ok=False`. Pass your
    own `FanOut` to be able to cancel from a signal handler. `refresh` is as for `up`.
    """
    requests = [
        with_rollback(_request(operation, spec, wait_seconds, timeout_seconds, refresh), rollback)
        for spec in specs
    ]
    yield from run_requests(requests, parallel=parallel, on_event=on_event, fanout=fanout)


def run_requests(
    requests: Sequence[OperationRequest],
    *,
    parallel: int = 1,
    on_event: EventCallback | None = None,
    fanout: FanOut | None = None,
) -> Iterator[OperationResult]:
    """Run prepared requests (see `run_many`), yielding results as each finishes."""
    runner = fanout or FanOut(parallel, on_event)
    yield from runner.run(requests, failed_result)
