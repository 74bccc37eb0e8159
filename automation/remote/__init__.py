"""Tenant operations beyond one machine: Celery workers on a Redis broker, shared state, leases.

- `jockey worker` (`automation.remote._worker`) runs a Celery worker; each operation still runs
  in a fresh worker process of its own, under a lease every machine shares (PostgreSQL advisory
  locks, `automation.remote._lease_pg`), against a shared backend (`postgres://` or `s3://`).
- `submit(operation, spec)` queues one operation and returns a `RemoteOperation`, whose
  `events()` and `result(timeout)` follow it; `RemoteBatch` follows many (the remote
  counterpart of `FanOut`: `run(requests, on_failure)`, `cancel()`), and
  `run_remote_with_progress` shows them as the CLI shows local runs; `QueuedFleetRunner`
  runs `sync` and `drift` on the workers.
- Without a broker (`JOCKEY_BROKER_URL`, `--broker`) nothing here is used.

Names resolve lazily: importing this package loads neither Celery nor Redis' client.
See docs/remote.md.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "QueuedFleetRunner": "automation.remote._fleet",
    "RemoteBatch": "automation.remote._submit",
    "RemoteOperation": "automation.remote._submit",
    "RemoteSettings": "automation.remote._config",
    "broker_url_from": "automation.remote._config",
    "load_remote_settings": "automation.remote._config",
    "operation_request": "automation.remote._submit",
    "run_remote_with_progress": "automation.remote._progress",
    "submit": "automation.remote._submit",
    "submit_request": "automation.remote._submit",
}

if TYPE_CHECKING:
    from automation.remote._config import RemoteSettings as RemoteSettings
    from automation.remote._config import broker_url_from as broker_url_from
    from automation.remote._config import load_remote_settings as load_remote_settings
    from automation.remote._fleet import QueuedFleetRunner as QueuedFleetRunner
    from automation.remote._progress import run_remote_with_progress as run_remote_with_progress
    from automation.remote._submit import RemoteBatch as RemoteBatch
    from automation.remote._submit import RemoteOperation as RemoteOperation
    from automation.remote._submit import operation_request as operation_request
    from automation.remote._submit import submit as submit
    from automation.remote._submit import submit_request as submit_request


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'automation.remote' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = sorted(_EXPORTS)
