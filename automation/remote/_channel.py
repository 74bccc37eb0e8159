"""The side channel of one queued operation, in the broker's Redis: events, cancel, liveness.

Celery carries the request to a worker and the outcome back (its result backend); everything
in between goes through four keys per task, shared by the caller and whichever worker runs it:
- `jockey:op:<id>:events`: a stream of the operation's events, closed by an `end` entry;
- `jockey:op:<id>:cancel`: set by the caller; the worker running it interrupts its engine;
- `jockey:op:<id>:alive`: refreshed by the worker while it runs the operation (a redelivered
  copy of the task waits while the first run is alive, instead of running it twice);
- `jockey:op:<id>:outcome`: the outcome, for a redelivered copy to return without running.
Every key expires; Redis' append-only file keeps them across a restart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

KEY_PREFIX = "jockey:op:"
STREAM_LENGTH = 20_000
"""Events kept per operation (the stream is trimmed beyond that)."""

REDIS_DOWN: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
"""What a call raises while Redis restarts (loading its append-only file included)."""

_END = "end"
_EVENT = "event"


def redis_client(url: str) -> redis.Redis:
    """A client that rides out short outages (a few quick retries; callers retry longer)."""
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=15,
        socket_connect_timeout=5,
        socket_keepalive=True,
        health_check_interval=15,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 3),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
    )


class OperationChannel:
    """The keys of one queued operation (see the module's docstring)."""

    def __init__(self, client: redis.Redis, task_id: str, ttl_seconds: int) -> None:
        self.client = client
        self.task_id = task_id
        self.ttl_seconds = ttl_seconds
        base = f"{KEY_PREFIX}{task_id}"
        self.events_key = f"{base}:events"
        self.cancel_key = f"{base}:cancel"
        self.alive_key = f"{base}:alive"
        self.outcome_key = f"{base}:outcome"

    # The worker's side.

    def publish(self, event: Mapping[str, Any]) -> None:
        """Append one event (JSON) to the stream."""
        self.client.xadd(
            self.events_key,
            {_EVENT: json.dumps(event, default=str)},
            maxlen=STREAM_LENGTH,
            approximate=True,
        )

    def end(self) -> None:
        """Close the stream (a redelivered run may append again, and close it again)."""
        with self.client.pipeline() as pipe:
            pipe.xadd(self.events_key, {_END: "1"}, maxlen=STREAM_LENGTH, approximate=True)
            pipe.expire(self.events_key, self.ttl_seconds)
            pipe.execute()

    def claim(self, lifetime_seconds: int) -> bool:
        """Become the one run of the operation, unless another run's heartbeat is fresh."""
        return bool(self.client.set(self.alive_key, "1", ex=lifetime_seconds, nx=True))

    def heartbeat(self, lifetime_seconds: int) -> None:
        """Say that a worker runs the operation now, for `lifetime_seconds`."""
        self.client.set(self.alive_key, "1", ex=lifetime_seconds)

    def running(self) -> bool:
        """Whether a worker's heartbeat for the operation is fresh."""
        return bool(self.client.exists(self.alive_key))

    def clear_heartbeat(self) -> None:
        """Say that no worker runs it any more."""
        self.client.delete(self.alive_key)

    def cancel_requested(self) -> bool:
        """Whether the caller asked to cancel."""
        return bool(self.client.exists(self.cancel_key))

    def store_outcome(self, outcome: Mapping[str, Any]) -> None:
        """Keep the outcome for a redelivered copy of the task."""
        self.client.set(self.outcome_key, json.dumps(outcome, default=str), ex=self.ttl_seconds)

    def stored_outcome(self) -> dict[str, Any] | None:
        """The outcome of an earlier run of this very task, if it finished."""
        raw = self.client.get(self.outcome_key)
        return json.loads(str(raw)) if raw else None

    # The caller's side.

    def request_cancel(self) -> None:
        """Ask whichever worker runs (or will run) the operation to stop it."""
        self.client.set(self.cancel_key, "1", ex=self.ttl_seconds)


def read_streams(
    client: redis.Redis, positions: Mapping[str, str], block_ms: int
) -> dict[str, tuple[list[dict[str, Any]], bool, str]]:
    """Read new entries of several operations' streams at once.

    Args:
        client: the broker's Redis.
        positions: task id -> the last stream id read ("0" for the start).
        block_ms: how long to wait for an entry when there is none.

    Returns:
        task id -> (events as JSON objects, whether the stream ended, the new position),
        for the tasks that had entries.
    """
    if not positions:
        return {}
    keys = {f"{KEY_PREFIX}{task_id}:events": task_id for task_id in positions}
    streams = {key: positions[task_id] for key, task_id in keys.items()}
    reply = cast(
        "list[tuple[str, list[tuple[str, dict[str, str]]]]] | None",
        client.xread(streams, count=500, block=block_ms),  # type: ignore[arg-type]
    )
    found: dict[str, tuple[list[dict[str, Any]], bool, str]] = {}
    for key, entries in reply or []:
        task_id = keys[str(key)]
        events: list[dict[str, Any]] = []
        ended = False
        position = positions[task_id]
        for entry_id, fields in entries:
            position = str(entry_id)
            if _END in fields:
                ended = True
            elif _EVENT in fields:
                events.append(json.loads(fields[_EVENT]))
        found[task_id] = (events, ended, position)
    return found
