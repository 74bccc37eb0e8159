"""Per-stack leases that hold across machines: PostgreSQL advisory locks bound to a session.

Why PostgreSQL rather than a Redis lock with fencing tokens: the lock lives in the server
session of the holder, so PostgreSQL itself frees it the moment that session ends (a worker
killed with -9, a machine gone: its TCP connection closes or its keepalives fail) — there is
no time-to-live to guess and no renewal that a paused process can miss while another takes
over. The database is a single strongly consistent primary (Redis' replication is
asynchronous, so a failover can hand one lock to two holders). And with the `postgres://`
state backend, the state the lease protects lives in the same database.

One row per stack in `jockey_leases` records the holder (the same `LeaseRecord` as the
host-local lease), a fencing token that grows with every acquisition, when the holder last
proved it is alive, and whether the stack needs repair. A clean release clears the holder; a
holder still recorded when the next one takes the lock died mid-operation, and is reported as
taken over, so the caller repairs the stack first. The holder watches its session: when the
database stops answering, it stops its own operation (in a worker process, a SIGINT stops the
engine), and a new holder on another machine waits for that to have happened before it goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from automation._errors import ConfigurationError
from automation._lease import (
    Lease,
    LeaseRecord,
    busy_error,
    new_record,
    stop_orphaned_group,
)
from automation._worker_main import GRACE_SECONDS

HEARTBEAT_SECONDS = 2.0
"""How often the holder proves (and checks) that its session is alive."""
CONNECTION_TIMEOUT_SECONDS = 10.0
"""How long an unanswered database call may take before the session counts as lost."""
SETTLE_SECONDS = HEARTBEAT_SECONDS + CONNECTION_TIMEOUT_SECONDS + GRACE_SECONDS + 5.0
"""How long after a vanished holder's last heartbeat its engine is certainly stopped: it
notices the lost session, interrupts its engine, and kills it after the grace period."""
NEEDS_REPAIR_SUFFIX = ".needs-repair"
"""The marker `automation._repair` keeps beside the lease (a unit test keeps them equal)."""

_POLL_SECONDS = 0.5
_SCHEMA_LOCK_KEY = 0x6A6F636B6579  # "jockey": serialises the one-time CREATE TABLE
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jockey_leases (
    stack text PRIMARY KEY,
    holder jsonb,
    fence bigint NOT NULL DEFAULT 0,
    needs_repair boolean NOT NULL DEFAULT false,
    heartbeat_at timestamptz
)
"""
_ensured: set[str] = set()

LostCallback = Callable[[str], None]
"""Called (from the watchdog thread) with the reason when the holder loses its lease."""


def lock_key(stack: str) -> int:
    """The stack's advisory-lock key: a signed 64-bit digest of its name."""
    digest = hashlib.blake2b(f"jockey-lease:{stack}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def database_label(url: str) -> str:
    """host:port/database of a connection URL, without its credentials."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "(unparsable URL)"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def connect(url: str, purpose: str, *, stack: str | None = None) -> psycopg.Connection[Any]:
    """An autocommit session whose death the server and we both notice within seconds.

    Raises:
        ConfigurationError: the database cannot be reached.
    """
    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=int(CONNECTION_TIMEOUT_SECONDS),
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
            tcp_user_timeout=int(CONNECTION_TIMEOUT_SECONDS * 1000),
            application_name=f"jockey {purpose}"[:63],
        )
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error)
        raise ConfigurationError(
            f"the lease database {database_label(url)} cannot be reached: {first_line}",
            stack=stack,
            fix="check that PostgreSQL runs and JOCKEY_LEASE_URL (or the postgres:// "
            "PULUMI_BACKEND_URL) names it; then run the operation again",
        ) from error


def _ensure_schema(connection: psycopg.Connection[Any], url: str) -> None:
    if url in _ensured:
        return
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
        connection.execute(_SCHEMA)
    _ensured.add(url)


def _try_lock(connection: psycopg.Connection[Any], key: int) -> bool:
    row = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    return bool(row and row[0])


def _recorded_holder(connection: psycopg.Connection[Any], stack: str) -> LeaseRecord | None:
    row = connection.execute(
        "SELECT holder FROM jockey_leases WHERE stack = %s", (stack,)
    ).fetchone()
    return _as_record(row[0]) if row else None


def _as_record(value: object) -> LeaseRecord | None:
    try:
        return LeaseRecord(**value) if isinstance(value, dict) else None
    except TypeError:
        return None


class _Watchdog:
    """Refreshes the holder's heartbeat; reports a lost session (or fence) once."""

    def __init__(
        self, connection: psycopg.Connection[Any], stack: str, fence: int, on_lost: LostCallback
    ) -> None:
        self.lost: str | None = None
        self._connection = connection
        self._stack = stack
        self._fence = fence
        self._on_lost = on_lost
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="jockey-lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(HEARTBEAT_SECONDS):
            try:
                cursor = self._connection.execute(
                    "UPDATE jockey_leases SET heartbeat_at = now() WHERE stack = %s AND fence = %s",
                    (self._stack, self._fence),
                )
                if cursor.rowcount == 1:
                    continue
                reason = "another holder took the lease over"
            except psycopg.Error as error:
                reason = f"the lease database stopped answering ({type(error).__name__})"
            if self._stopped.is_set():
                return
            self.lost = reason
            self._on_lost(reason)
            return

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(CONNECTION_TIMEOUT_SECONDS + 1)


def interrupt_this_process(stack: str) -> LostCallback:
    """The default reaction to a lost lease: SIGINT to ourselves.

    A worker process turns it into stopping its engine: nothing may go on writing a stack
    another machine may now hold.
    """

    def react(reason: str) -> None:
        print(
            f"jockey: [{stack}] lost the lease: {reason}; stopping the operation", file=sys.stderr
        )
        os.kill(os.getpid(), signal.SIGINT)

    return react


def _let_previous_holder_stop(previous: LeaseRecord, idle_seconds: float | None) -> None:
    """Make sure a vanished holder's engine no longer runs before we touch the stack."""
    if previous.host == socket.gethostname():
        stop_orphaned_group(previous)  # on this machine we can see (and stop) it ourselves
        return
    remaining = SETTLE_SECONDS - (idle_seconds or 0.0)
    if remaining > 0:
        time.sleep(remaining)


def _acquire(
    connection: psycopg.Connection[Any], stack: str, record: LeaseRecord
) -> tuple[LeaseRecord | None, bool, int]:
    """Record us as the holder; returns (previous holder, repair pending, our fence)."""
    row = connection.execute(
        "SELECT holder, needs_repair, EXTRACT(EPOCH FROM now() - heartbeat_at)::float8 "
        "FROM jockey_leases WHERE stack = %s",
        (stack,),
    ).fetchone()
    previous, needs_repair, idle = (None, False, None) if row is None else row
    previous_record = _as_record(previous)
    if previous_record is not None:
        _let_previous_holder_stop(previous_record, idle)
    fenced = connection.execute(
        "INSERT INTO jockey_leases AS lease (stack, holder, fence, needs_repair, heartbeat_at) "
        "VALUES (%s, %s, 1, false, now()) "
        "ON CONFLICT (stack) DO UPDATE SET holder = EXCLUDED.holder, fence = lease.fence + 1, "
        "needs_repair = false, heartbeat_at = now() RETURNING fence",
        (stack, json.dumps(record.__dict__)),
    ).fetchone()
    assert fenced is not None
    return previous_record, bool(needs_repair), int(fenced[0])


def _release(
    connection: psycopg.Connection[Any], marker: Path, stack: str, key: int, fence: int
) -> None:
    """A clean release: clear the holder, carry a pending repair over, unlock."""
    connection.execute(
        "UPDATE jockey_leases SET holder = NULL, needs_repair = %s, heartbeat_at = now() "
        "WHERE stack = %s AND fence = %s",
        (marker.exists(), stack, fence),
    )
    marker.unlink(missing_ok=True)  # the shared row carries it now
    connection.execute("SELECT pg_advisory_unlock(%s)", (key,))


@contextlib.contextmanager
def hold_shared_lease(
    url: str,
    lease_dir: Path,
    stack: str,
    *,
    operation: str,
    wait_seconds: float,
    deadline: float | None = None,
    on_lost: LostCallback | None = None,
) -> Iterator[Lease]:
    """Hold the stack's lease in PostgreSQL for the duration of the block.

    Args:
        url: the lease database.
        lease_dir: this machine's lease folder: the stack's repair marker is put there for
            the duration of the operation when the shared row says a repair is pending.
        stack: the stack name.
        operation: what the holder does (shown to waiters).
        wait_seconds: how long to wait for a busy stack; 0 fails fast.
        deadline: when the holder's operation must end (epoch seconds), for the record.
        on_lost: what to do when the session is lost mid-operation (default: SIGINT to this
            process, which a worker process turns into stopping its engine).

    Raises:
        StackBusyError: the lease stayed held for `wait_seconds`.
        ConfigurationError: the database cannot be reached.
    """
    connection = connect(url, f"lease {stack}", stack=stack)
    key = lock_key(stack)
    watchdog: _Watchdog | None = None
    fence: int | None = None
    try:
        _ensure_schema(connection, url)
        give_up = time.monotonic() + wait_seconds
        while not _try_lock(connection, key):
            if time.monotonic() >= give_up:
                raise busy_error(stack, _recorded_holder(connection, stack)) from None
            time.sleep(_POLL_SECONDS)
        record = new_record(operation, deadline)
        previous, needs_repair, fence = _acquire(connection, stack, record)
        lease_dir.mkdir(parents=True, exist_ok=True)  # the repair marker's folder
        if needs_repair:
            (lease_dir / f"{stack}{NEEDS_REPAIR_SUFFIX}").touch()
        watchdog = _Watchdog(connection, stack, fence, on_lost or interrupt_this_process(stack))
        yield Lease(stack=stack, record=record, taken_over=previous, fence=fence)
    finally:
        if watchdog is not None:
            watchdog.stop()
        try:
            if fence is not None and watchdog is not None and watchdog.lost is None:
                _release(connection, lease_dir / f"{stack}{NEEDS_REPAIR_SUFFIX}", stack, key, fence)
        except psycopg.Error:
            pass  # the session's end frees the lock; the recorded holder makes the next repair
        finally:
            connection.close()


def read_shared_holder(url: str, stack: str) -> LeaseRecord | None:
    """The current holder of the stack's shared lease, if it is held right now.

    Raises:
        ConfigurationError: the database cannot be reached.
    """
    connection = connect(url, f"lease status {stack}", stack=stack)
    try:
        _ensure_schema(connection, url)
        key = lock_key(stack)
        if _try_lock(connection, key):
            connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
            return None
        return _recorded_holder(connection, stack)
    finally:
        connection.close()
