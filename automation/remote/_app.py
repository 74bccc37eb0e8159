"""The Celery application: every delivery guarantee is configuration here, not task code.

- Late acknowledgement: a task is acknowledged when its operation has finished, so a worker
  killed mid-operation leaves it unacknowledged and Redis hands it to another worker after
  the visibility timeout (`JOCKEY_VISIBILITY_TIMEOUT`); a worker whose pool loses the task
  rejects it back to the queue at once.
- One task at a time per worker slot (no prefetching): a busy worker never sits on tasks an
  idle one could run.
- A redelivered task that already succeeded is not run again (Celery's deduplication).
- JSON only, in both directions: nothing from the broker is unpickled.
- Connections to Redis are retried for ever, and results are stored with retries, so a Redis
  restart loses nothing (its append-only file keeps the queue, the unacknowledged tasks and
  the results).
- No automatic retries of failed operations: a failed `up` is a result to report, and the
  next operation repairs what a crash left.
"""

from __future__ import annotations

from celery import Celery

from automation.remote._config import RemoteSettings
from automation.remote._tasks import register_tasks

_SOCKETS = {
    "socket_timeout": 15,
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 15,
    "retry_on_timeout": True,
}


def celery_app(settings: RemoteSettings) -> Celery:
    """The Celery app for this broker and queue, with Jockey's task registered."""
    app = Celery("jockey", broker=settings.broker_url, backend=settings.broker_url)
    restore_every = max(1, min(10, settings.visibility_timeout // 4))
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_deduplicate_successful_tasks=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_default_queue=settings.queue,
        task_routes={"jockey.*": {"queue": settings.queue}},
        broker_transport_options={
            **_SOCKETS,
            "visibility_timeout": settings.visibility_timeout,
            "unacked_restore_interval": restore_every,
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options={**_SOCKETS},
        result_backend_always_retry=True,
        result_backend_base_sleep_between_retries_ms=200,
        result_backend_max_sleep_between_retries_ms=5000,
        result_expires=settings.result_ttl,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_channel_error_retry=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        task_send_sent_event=False,
        enable_utc=True,
    )
    register_tasks(app, settings)
    return app
