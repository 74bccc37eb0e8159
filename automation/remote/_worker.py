"""`jockey worker`: a Celery worker that runs tenant operations from the queue.

Each operation still runs in a fresh worker process of its own (`automation._worker`); the
Celery worker's threads only wait for them, so `--concurrency` is the number of operations
this machine runs at once. Before it takes any task, the worker checks that it can run any
tenant: a shared state backend, leases every machine shares, and the engine toolchain.
"""

from __future__ import annotations

import os
import socket
import time

from automation._errors import ConfigurationError, JockeyError
from automation._settings import Settings, default_backend_url, load_settings
from automation._toolchain import find_toolchain
from automation.remote._config import RemoteSettings, load_remote_settings


def check_worker_settings(settings: Settings) -> None:
    """Refuse settings under which this worker could not share tenants with the others.

    Raises:
        ConfigurationError: the backend is this machine's folder, or leases are host-local.
    """
    if settings.backend_url == default_backend_url(settings.home):
        raise ConfigurationError(
            f"the state backend is this machine's folder ({settings.backend_url}): other "
            "workers would not see its stacks",
            fix="set PULUMI_BACKEND_URL to a shared backend (postgres://... or s3://...)",
        )
    if settings.lease_url is None:
        raise ConfigurationError(
            "leases are host-local: workers on other machines could run the same stack at once",
            fix="use a postgres:// PULUMI_BACKEND_URL, or set JOCKEY_LEASE_URL=postgres://...",
        )


def prepare_worker(broker_url: str | None) -> RemoteSettings:
    """Check everything a worker needs before it takes a task; returns the queue's settings.

    Raises:
        ConfigurationError: no broker, unshareable settings, or an unreachable lease database.
        ToolchainMissingError: the engine toolchain is missing.
        EngineError: the state backend cannot be opened.
    """
    remote = load_remote_settings(broker_url)
    settings = load_settings()
    check_worker_settings(settings)
    find_toolchain()
    from automation.remote._lease_pg import connect

    assert settings.lease_url is not None
    connect(settings.lease_url, "worker check").close()
    _open_backend()
    return remote


def _open_backend(attempts: int = 3) -> None:
    """Open the backend once before taking tasks: it answers, and any new table exists.

    A new PostgreSQL backend creates its table now: engines opening a new one at the same
    moment can collide.
    """
    from automation._api import list_stacks

    for attempt in range(1, attempts + 1):
        try:
            list_stacks()
            return
        except JockeyError:
            if attempt == attempts:
                raise
            time.sleep(attempt)


def run_worker(remote: RemoteSettings, *, concurrency: int, loglevel: str = "INFO") -> int:
    """Run the Celery worker until it is stopped.

    SIGTERM finishes the running operations first; a second SIGTERM or SIGQUIT stops now, each
    operation's engine interrupted.
    """
    from automation.remote._app import celery_app

    app = celery_app(remote)
    worker = app.Worker(
        concurrency=concurrency,
        pool="threads",
        queues=[remote.queue],
        hostname=f"jockey-{os.getpid()}@{socket.gethostname()}",
        without_gossip=True,
        without_mingle=True,
        loglevel=loglevel,
    )
    worker.start()
    return int(worker.exitcode or 0)
