"""`jockey worker`: the command line's front to the queue's workers."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from automation._cli_params import BrokerOption, fail_with


def register_remote_commands(app: typer.Typer) -> None:
    """Add `jockey worker` to the `jockey` app."""
    app.command("worker")(worker)


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            metavar="N",
            envvar="JOCKEY_WORKER_CONCURRENCY",
            help="Operations this worker runs at once (default: the number of CPUs).",
        ),
    ] = None,
    broker: BrokerOption = None,
    loglevel: Annotated[
        str, typer.Option("--loglevel", metavar="LEVEL", help="DEBUG, INFO, WARNING or ERROR.")
    ] = "INFO",
) -> None:
    """Run tenant operations from the queue (a Celery worker; Redis broker).

    Needs a shared state backend (PULUMI_BACKEND_URL=postgres://... or s3://...), leases in
    PostgreSQL (the postgres:// backend's, or JOCKEY_LEASE_URL), the passphrase, and the
    variables the tenants' fromEnv secrets name. SIGTERM stops it after the running operations.
    """
    from automation._errors import JockeyError
    from automation.remote._worker import prepare_worker, run_worker

    try:
        remote = prepare_worker(broker)
    except JockeyError as error:
        fail_with(error)
    raise typer.Exit(
        run_worker(remote, concurrency=concurrency or os.cpu_count() or 1, loglevel=loglevel)
    )
