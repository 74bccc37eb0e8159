"""Per-stack leases in front of Pulumi's own lock.

Pulumi's lock never expires and `pulumi cancel` deletes it for everyone, so Jockey
serialises same-stack operations (previews included) with a lease of its own: an
exclusive `flock` on `JOCKEY_HOME/leases/<stack>.lock`. The kernel releases the lock when
its holder dies, so a crashed holder can never wedge the stack. Beside the lock, a record
(`<stack>.json`) names the holder and its deadline; it is removed on a clean release, so
finding it on acquisition means the previous holder died mid-operation and its engine
process group may still be running: the new holder stops that group and reports the
takeover, so the caller repairs the stack before going on.

That lease holds on one machine. With a shared lease URL (`Settings.lease_url`, a PostgreSQL
database), `hold_lease` takes the stack's lease there instead (`automation.remote`'s
PostgreSQL lease): the same interface and the same takeover report, across machines.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from automation._errors import StackBusyError

_POLL_SECONDS = 0.2
_GRACE_SECONDS = 10.0


@dataclass(frozen=True)
class LeaseRecord:
    """Who holds (or held) a stack's lease."""

    pid: int
    pgid: int
    host: str
    operation: str
    acquired_at: float
    deadline: float | None

    def describe(self) -> str:
        """One line for errors and status."""
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.acquired_at))
        return f"{self.operation} by pid {self.pid} on {self.host} since {started}"


@dataclass(frozen=True)
class Lease:
    """A held lease; `taken_over` is the record of a holder that died mid-operation.

    `fence` is the shared lease's fencing token (it grows with every acquisition), None for
    a host-local lease.
    """

    stack: str
    record: LeaseRecord
    taken_over: LeaseRecord | None
    fence: int | None = None


def new_record(operation: str, deadline: float | None) -> LeaseRecord:
    """The record of this process taking a lease now."""
    return LeaseRecord(
        pid=os.getpid(),
        pgid=os.getpgid(0),
        host=socket.gethostname(),
        operation=operation,
        acquired_at=time.time(),
        deadline=deadline,
    )


def busy_error(stack: str, holder: LeaseRecord | None) -> StackBusyError:
    """The error of a stack whose lease stayed held, naming the holder when known."""
    held_by = holder.describe() if holder else "another operation"
    return StackBusyError(
        f"stack is busy: {held_by}",
        stack=stack,
        fix="wait for it to finish, or pass a longer --wait",
    )


def _read_record(path: Path) -> LeaseRecord | None:
    try:
        return LeaseRecord(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def read_holder(lease_dir: Path, stack: str, lease_url: str | None = None) -> LeaseRecord | None:
    """The current holder, if the lease is held right now (in the shared store if given)."""
    if lease_url is not None:
        from automation.remote._lease_pg import read_shared_holder

        return read_shared_holder(lease_url, stack)
    lock_path = lease_dir / f"{stack}.lock"
    if not lock_path.exists():
        return None
    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_record(lease_dir / f"{stack}.json")
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_orphaned_group(record: LeaseRecord) -> None:
    """Stop what a dead holder left running on this machine (its engine), gracefully first."""
    if record.host != socket.gethostname() or record.pgid in (0, os.getpgid(0)):
        return
    if not _group_alive(record.pgid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record.pgid, signal.SIGINT)
    deadline = time.monotonic() + _GRACE_SECONDS
    while time.monotonic() < deadline and _group_alive(record.pgid):
        time.sleep(_POLL_SECONDS)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record.pgid, signal.SIGKILL)


@contextlib.contextmanager
def hold_lease(
    lease_dir: Path,
    stack: str,
    *,
    operation: str,
    wait_seconds: float,
    deadline: float | None = None,
    lease_url: str | None = None,
) -> Iterator[Lease]:
    """Hold the stack's lease for the duration of the block.

    Args:
        lease_dir: the folder of lease files (and of the stack's repair marker).
        stack: the stack name.
        operation: what the holder does (shown to waiters).
        wait_seconds: how long to wait for a busy stack; 0 fails fast.
        deadline: when the holder's operation must end (epoch seconds), for the record.
        lease_url: a PostgreSQL database holding the leases of every machine, or None for
            this machine's lease files.

    Raises:
        StackBusyError: the lease stayed held for `wait_seconds`.
    """
    if lease_url is not None:
        from automation.remote._lease_pg import hold_shared_lease

        with hold_shared_lease(
            lease_url,
            lease_dir,
            stack,
            operation=operation,
            wait_seconds=wait_seconds,
            deadline=deadline,
        ) as shared:
            yield shared
        return
    lease_dir.mkdir(parents=True, exist_ok=True)
    lock_path = lease_dir / f"{stack}.lock"
    record_path = lease_dir / f"{stack}.json"
    handle = open(lock_path, "a+")  # noqa: SIM115 - held across the yield
    try:
        give_up = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    raise busy_error(stack, _read_record(record_path)) from None
                time.sleep(_POLL_SECONDS)

        previous = _read_record(record_path)
        if previous is not None:
            stop_orphaned_group(previous)
        record = new_record(operation, deadline)
        temporary = record_path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(record.__dict__))
        temporary.replace(record_path)
        try:
            yield Lease(stack=stack, record=record, taken_over=previous)
        finally:
            record_path.unlink(missing_ok=True)
    finally:
        handle.close()
