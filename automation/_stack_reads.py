"""Reads of the backend, run in a worker process (they need the Pulumi SDK).

A stack's outputs and status, and the list of the project's stacks. The caller asks through
`automation._worker.read_in_worker` and gets plain dataclasses back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from automation._errors import EngineError, JockeyError
from automation._lease import read_holder
from automation._results import StackStatus, StackSummary, redact_outputs
from automation._settings import load_settings
from automation._toolchain import find_toolchain
from infra.spec import stack_name


@contextmanager
def _engine_errors(tenant: str | None, stack: str | None) -> Iterator[None]:
    """Turn a failed engine command into an `EngineError` naming the tenant and stack."""
    import pulumi.automation as auto

    from automation._engine_errors import known_fix, summarize_failure

    try:
        yield
    except auto.CommandError as error:
        text = str(error)
        raise EngineError(
            f"the engine failed: {summarize_failure(text, ()).splitlines()[0]}",
            tenant=tenant,
            stack=stack,
            fix=known_fix(text) or "check `jockey doctor`, the backend and the passphrase",
        ) from error


def _engine_locked(stack: Any) -> bool:
    """Whether the engine's own lock on the stack is held (an update is in progress)."""
    summaries = stack.workspace.list_stacks()
    return any(item.name == stack.name and item.update_in_progress for item in summaries)


def _no_program() -> None:
    raise RuntimeError("reading a stack does not run the program")


def outputs(tenant: str, environment: str) -> dict[str, Any]:
    """The stack's outputs, secret values replaced by `[secret]`.

    Raises:
        StackNotFoundError: the tenant has no stack.
    """
    from automation._stack import open_stack

    name = stack_name(tenant, environment)
    with _engine_errors(tenant, name):
        stack = open_stack(
            load_settings(), find_toolchain(), name, _no_program, create=False, tenant=tenant
        )
        return redact_outputs(stack.outputs())


def status(tenant: str, environment: str) -> StackStatus:
    """What the stack holds, how its last operation went, and who holds it now."""
    from automation._stack import open_stack

    settings = load_settings()
    name = stack_name(tenant, environment)
    holder = read_holder(settings.lease_dir, name, settings.lease_url)
    try:
        stack = open_stack(
            settings, find_toolchain(), name, _no_program, create=False, tenant=tenant
        )
    except JockeyError:
        return StackStatus(stack=name, exists=False)
    with _engine_errors(tenant, name):
        deployment = stack.export_stack().deployment or {}
        history = stack.history(page_size=1, page=1)
    resources = [
        r for r in deployment.get("resources") or [] if r.get("type") != "pulumi:pulumi:Stack"
    ]
    last = history[0] if history else None
    return StackStatus(
        stack=name,
        exists=True,
        resource_count=len(resources),
        last_operation=last.kind if last else None,
        last_result=last.result if last else None,
        last_started=last.start_time.isoformat() if last else None,
        last_ended=last.end_time.isoformat() if last and last.end_time else None,
        pending_operations=len(deployment.get("pending_operations") or []),
        engine_locked=_engine_locked(stack),
        lease_holder=holder.describe() if holder else None,
    )


def list_stacks() -> list[StackSummary]:
    """Every tenant stack of the project in the backend, sorted by name."""
    from automation._stack import open_workspace

    settings = load_settings()
    workspace = open_workspace(settings, find_toolchain(), settings.home / "workspace", None)
    with _engine_errors(None, None):
        stacks = workspace.list_stacks()
    summaries = [
        StackSummary(
            stack=item.name,
            resource_count=item.resource_count,
            last_update=item.last_update.isoformat() if item.last_update else None,
            update_in_progress=bool(item.update_in_progress),
        )
        for item in stacks
    ]
    return sorted(summaries, key=lambda summary: summary.stack)


__all__ = ["list_stacks", "outputs", "status"]
