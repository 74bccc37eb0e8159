"""Run one tenant operation in this process: lease, repair, engine call, typed result.

The worker process (`automation._worker`) calls `execute`; nothing here forks or spawns.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi.automation as auto
from pulumi.automation import events as engine_events

from automation._cluster_reach import require_cluster, ride_out_outages
from automation._engine_errors import (
    engine_exit_code,
    failure_context,
    keep_engine_log,
    summarize_failure,
    writes_failed,
)
from automation._engine_events import retry_event, to_operation_event
from automation._errors import InvalidSpecError, JockeyError
from automation._events import EventDispatcher, OperationEvent
from automation._lease import hold_lease
from automation._readback import EngineReadback
from automation._repair import mark_needs_repair, repair_stack
from automation._report import tenant_preview_from_events
from automation._request import OperationRequest
from automation._results import Operation, OperationResult, redact_outputs
from automation._settings import load_settings
from automation._stack import TenantStack, open_stack
from automation._state_files import require_headroom, stack_files
from automation._toolchain import find_toolchain
from automation.fleet._hooks import fleet_bookkeeping, refreshes_first
from automation.live._cluster import uses_live_cluster
from automation.live._rollback import RolloutGuard
from infra.preload import preload_program
from infra.spec import DeploymentSpec, SpecError, resolve_pull_secret, resolve_secret_values


def inline_program(
    spec: DeploymentSpec | None,
    secret_values: Mapping[str, str],
    pull_secret: str | None = None,
    preloading: threading.Thread | None = None,
) -> auto.PulumiFn:
    """The shared program as an inline program (`deploy` makes the secret values secrets).

    `preloading` is the thread importing the program's modules (`preload_program`): the
    program waits for it, as a module half-loaded on another thread lacks its attributes.
    """

    def program() -> None:
        if spec is None:
            raise RuntimeError("this stack operation does not run the program")
        if preloading is not None:
            preloading.join()
        from infra.program import deploy

        deploy(spec, secret_values, pull_secret)

    return program


def _refuse_refresh_of_rendered(request: OperationRequest) -> None:
    spec = request.spec
    if request.operation is Operation.REFRESH and spec and spec.kubernetes.cluster.render_dir:
        raise JockeyError(
            f"refresh reads resources back from a cluster, but this tenant renders to "
            f"{spec.kubernetes.cluster.render_dir}",
            tenant=request.tenant,
            stack=request.stack,
            fix="use `jockey up` (rendered manifests have no live state to refresh)",
        )


def _resolve_secrets(request: OperationRequest) -> dict[str, str]:
    if request.spec is None or request.operation not in (Operation.PREVIEW, Operation.UP):
        return {}
    try:
        return resolve_secret_values(request.spec, os.environ)
    except SpecError as error:
        raise InvalidSpecError(
            "a secret's source is missing; nothing was changed",
            problems=tuple(str(problem) for problem in error.problems),
            tenant=request.tenant,
            stack=request.stack,
        ) from error


def _resolve_pull_secret(request: OperationRequest) -> str | None:
    if request.spec is None or request.operation not in (Operation.PREVIEW, Operation.UP):
        return None
    try:
        return resolve_pull_secret(request.spec, os.environ)
    except SpecError as error:
        raise InvalidSpecError(
            "the registry credentials (agent.image.pullSecret) cannot be used; nothing was changed",
            problems=tuple(str(problem) for problem in error.problems),
            tenant=request.tenant,
            stack=request.stack,
        ) from error


def _kept_on_destroy(events: list[engine_events.EngineEvent]) -> tuple[str, ...]:
    """What a destroy left in place (`retainOnDelete`, such as a kept volume claim)."""
    kept = []
    for event in events:
        meta = event.resource_pre_event.metadata if event.resource_pre_event else None
        if meta is None or meta.op != engine_events.OpType.DELETE or meta.old is None:
            continue
        if meta.old.retain_on_delete:
            live = dict(meta.old.outputs or {}).get("metadata") or {}
            where = "/".join(part for part in (live.get("namespace"), live.get("name")) if part)
            kind = meta.type.rsplit(":", 1)[-1]
            name = where or meta.urn.rsplit("::", 1)[-1]
            kept.append(f"kept: {kind} {name} (retained on destroy; delete it to drop its data)")
    return tuple(kept)


_READBACK_KINDS = {
    Operation.UP: "update",
    Operation.DESTROY: "destroy",
    Operation.REFRESH: "refresh",
}
"""The engine calls whose read-backs the events answer (and the summary kind they report)."""


def _run_engine(
    stack: TenantStack,
    request: OperationRequest,
    on_event: Callable[[engine_events.EngineEvent], None],
) -> dict[str, Any]:
    """Run the operation; returns the stack's outputs after it, secrets redacted."""
    try:
        return _call_engine_reading_back(stack, request, on_event)
    except auto.StackNotFoundError:
        if not stack.assumed:
            raise
        # Removed from the backend since this machine last used it; the engine did nothing.
        stack.create_in_backend()
        return _call_engine_reading_back(stack, request, on_event)


def _call_engine_reading_back(
    stack: TenantStack,
    request: OperationRequest,
    on_event: Callable[[engine_events.EngineEvent], None],
) -> dict[str, Any]:
    kind = _READBACK_KINDS.get(request.operation)
    if kind is None:
        return _call_engine(stack, request, on_event)
    readback = EngineReadback(kind)

    def observe(event: engine_events.EngineEvent) -> None:
        readback.observe(event)
        on_event(event)

    with stack.answered_from(readback):
        return _call_engine(stack, request, observe)


def _call_engine(
    stack: TenantStack,
    request: OperationRequest,
    on_event: Callable[[engine_events.EngineEvent], None],
) -> dict[str, Any]:
    operation = request.operation
    common: dict[str, Any] = {"on_event": on_event, "color": "never"}
    if operation is Operation.PREVIEW and request.spec is None:
        # A stack without its spec: preview what destroying it would do.
        stack.preview_destroy(show_secrets=False, **common)
        return {}
    if operation is Operation.PREVIEW:
        stack.preview(diff=True, refresh=refreshes_first(request), **common)
        return {}
    if operation is Operation.UP:
        # `up` already reads the outputs back; reading them again would cost a CLI call.
        result = stack.up(show_secrets=False, refresh=refreshes_first(request), **common)
        return redact_outputs(result.outputs)
    if operation is Operation.DESTROY:
        stack.destroy(show_secrets=False, remove=request.remove_stack or None, **common)
        return {}
    stack.refresh(show_secrets=False, **common)
    return redact_outputs(stack.outputs())


def execute(
    request: OperationRequest,
    on_event: Callable[[OperationEvent], Any] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> OperationResult:
    """Run one operation under the stack's lease and return its result.

    Errors that mean "nothing ran" (invalid spec, busy stack, missing toolchain) raise;
    an engine failure returns a result with `ok=False`, a readable message and the path of
    the engine's full log.
    """
    started = time.monotonic()
    _refuse_refresh_of_rendered(request)
    settings = load_settings()
    toolchain = find_toolchain()
    secret_values = _resolve_secrets(request)
    pull_secret = _resolve_pull_secret(request)
    files = stack_files(settings.backend_url, request.stack)
    if files is not None and request.operation is not Operation.PREVIEW:
        require_headroom(files, tenant=request.tenant)  # a full disk truncates the checkpoint
    if request.spec is not None and uses_live_cluster(request.spec):
        require_cluster(request.spec)  # before the stack is touched: nothing half-created
    preloading: threading.Thread | None = None
    if request.spec is not None and request.operation in (Operation.PREVIEW, Operation.UP):
        # The program's provider modules load while the CLI processes start (after the
        # probe, whose own imports would otherwise wait for this thread's).
        preloading = threading.Thread(
            target=preload_program, args=(request.spec,), name="jockey-preload", daemon=True
        )
        preloading.start()
    program = inline_program(request.spec, secret_values, pull_secret, preloading)
    dispatcher = EventDispatcher(on_event)
    guard = RolloutGuard(request, dispatcher.publish, cancelled)
    events: list[engine_events.EngineEvent] = []

    def record(event: engine_events.EngineEvent) -> None:
        events.append(event)
        operation_event = to_operation_event(request.tenant, request.stack, event)
        dispatcher.publish(operation_event)
        guard.observe(operation_event)

    attempts = 1

    def engine_with_retries() -> dict[str, Any]:
        nonlocal attempts

        def engine() -> dict[str, Any]:
            return _run_engine(stack, request, record)

        if request.spec is None or not uses_live_cluster(request.spec):
            return engine()
        outputs, attempts = ride_out_outages(
            request.spec,
            engine,
            lambda error: str(error) if isinstance(error, auto.CommandError) else None,
            deadline=request.deadline,
            on_retry=lambda attempt, reason: dispatcher.publish(
                retry_event(request, attempt, reason)
            ),
        )
        return outputs

    failure: str | None = None
    error: str | None = None
    repaired: tuple[str, ...] = ()
    outputs: Mapping[str, Any] = {}
    try:
        with hold_lease(
            settings.lease_dir,
            request.stack,
            operation=request.operation.value,
            wait_seconds=request.wait_seconds,
            deadline=request.deadline,
            lease_url=settings.lease_url,
        ) as lease:
            try:
                stack = open_stack(
                    settings,
                    toolchain,
                    request.stack,
                    program,
                    create=request.operation in (Operation.PREVIEW, Operation.UP),
                    tenant=request.tenant,
                )
                repaired = repair_stack(stack, lease, settings.lease_dir)
                if cancelled():
                    error = "cancelled before the engine started"
                else:
                    with fleet_bookkeeping(
                        stack,
                        request,
                        secret_values,
                        toolchain.version,
                        settings.work_dir(request.stack),
                    ) as deployed:
                        outputs = deployed.outputs = guard.run(stack, engine_with_retries)
            except auto.CommandError as command_error:
                failure = str(command_error)
                code = engine_exit_code(failure)
                # A failed state write may leave an unreadable lock file: repair clears it.
                if cancelled() or (code is not None and code < 0) or writes_failed(failure):
                    mark_needs_repair(settings.lease_dir, request.stack)
            except Exception:
                # A signal can land in any engine call (even `pulumi version`): when we were
                # cancelled, that is the outcome to report, not the call that saw it.
                if not cancelled():
                    raise
                error = "cancelled"
                mark_needs_repair(settings.lease_dir, request.stack)
    finally:
        dispatcher.close()

    folded = tenant_preview_from_events(
        request.tenant,
        request.environment,
        request.stack,
        events,
        operation=request.operation.value,
    )
    log_file: Path | None = None
    if failure is not None:
        context = failure_context(settings, request.stack)
        error = summarize_failure(failure, folded.diagnostics, context)
        log_file = keep_engine_log(
            settings.log_dir, request.stack, request.operation.value, failure
        )
        if log_file is not None:
            error += f"\nfull engine log: {log_file}"
    was_cancelled = cancelled()
    return OperationResult(
        tenant=request.tenant,
        environment=request.environment,
        stack=request.stack,
        operation=request.operation,
        ok=error is None,
        changes=folded.changes,
        resources=folded.resources,
        outputs=outputs if request.operation is not Operation.PREVIEW else folded.outputs,
        diagnostics=folded.diagnostics + _kept_on_destroy(events),
        duration_seconds=time.monotonic() - started,
        error=guard.explain(("cancelled: " + error) if (was_cancelled and error) else error),
        cancelled=was_cancelled,
        repaired=repaired,
        rolled_back=guard.rolled_back,
        attempts=attempts,
        log_file=str(log_file) if log_file else None,
    )


__all__ = ["OperationRequest", "execute", "inline_program"]
