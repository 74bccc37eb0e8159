"""Jockey's Celery tasks: small functions that call into the library (`_runner`)."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task

from automation.remote._config import RemoteSettings

RUN_OPERATION = "jockey.run_operation"
"""The task that runs one tenant operation (its argument: an encoded `OperationRequest`)."""


def register_tasks(app: Celery, settings: RemoteSettings) -> None:
    """Register the tasks on `app` (the settings give the runner its side channel)."""

    @app.task(name=RUN_OPERATION, bind=True)  # type: ignore[untyped-decorator]
    def run_operation(task: Task, payload: dict[str, Any]) -> dict[str, Any]:
        from automation.remote._runner import run_queued_operation

        return run_queued_operation(payload, str(task.request.id), settings)
