"""Where the queue is and how long its messages live: the remote settings, from the environment.

- `JOCKEY_BROKER_URL` (or `--broker`): the Redis URL of the Celery broker (and result backend).
- `JOCKEY_QUEUE`: the queue tenant operations go through (default `jockey`).
- `JOCKEY_VISIBILITY_TIMEOUT`: seconds before a task a worker took but never acknowledged
  (the worker died) is handed to another worker (default 3600). It must exceed the longest
  operation: a task still running past it is handed out again, and the second copy then
  waits for the first instead of running the operation twice.
- `JOCKEY_RESULT_TTL`: seconds results and event streams are kept (default one day).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from automation._errors import ConfigurationError

BROKER_VARIABLE = "JOCKEY_BROKER_URL"
_SCHEMES = ("redis://", "rediss://", "unix://")


@dataclass(frozen=True)
class RemoteSettings:
    """How to reach the queue.

    Attributes:
        broker_url: the Redis URL (broker, result backend and event streams).
        queue: the queue tenant operations go through.
        visibility_timeout: seconds before an unacknowledged task is handed out again.
        result_ttl: seconds results and event streams are kept.
    """

    broker_url: str
    queue: str = "jockey"
    visibility_timeout: int = 3600
    result_ttl: int = 86_400


def _seconds(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(
            f"{name}={raw} is not a positive number of seconds", fix=f"set {name} to e.g. {default}"
        )
    return value


def broker_url_from(explicit: str | None, environ: Mapping[str, str] | None = None) -> str | None:
    """`--broker`, else `JOCKEY_BROKER_URL`, else None (operations run locally)."""
    env = os.environ if environ is None else environ
    return (explicit or env.get(BROKER_VARIABLE) or "").strip() or None


def load_remote_settings(
    broker_url: str | None = None, environ: Mapping[str, str] | None = None
) -> RemoteSettings:
    """Resolve the remote settings.

    Raises:
        ConfigurationError: no broker is set, or a value is unusable.
    """
    env = os.environ if environ is None else environ
    url = broker_url_from(broker_url, env)
    if url is None:
        raise ConfigurationError(
            "no broker to queue operations on",
            fix=f"set {BROKER_VARIABLE}=redis://host:6379/0 (or pass --broker); "
            "`scripts/services up` starts one for tests",
        )
    if not url.startswith(_SCHEMES):
        raise ConfigurationError(
            f"the broker URL must be a Redis URL, got {url.split('://')[0]}://...",
            fix=f"set {BROKER_VARIABLE}=redis://host:6379/0",
        )
    return RemoteSettings(
        broker_url=url,
        queue=env.get("JOCKEY_QUEUE", "").strip() or "jockey",
        visibility_timeout=_seconds(env, "JOCKEY_VISIBILITY_TIMEOUT", 3600),
        result_ttl=_seconds(env, "JOCKEY_RESULT_TTL", 86_400),
    )
