"""The command line's exit codes: the one table (errors carry theirs as `exit_code`)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `jockey` exits with (see the README's table)."""

    OK = 0
    """Everything asked for succeeded."""
    FAILED = 1
    """An operation failed (engine error, unreadable backend, ...)."""
    USAGE = 2
    """The command line was wrong, or asked for something unsafe (nothing ran)."""
    INVALID_SPEC = 3
    """A spec is invalid (nothing ran)."""
    STACK_BUSY = 4
    """Another operation held a tenant's stack for the whole wait."""
    DRIFT = 5
    """`jockey drift` found live resources that differ from the state."""
    UNHEALTHY = 6
    """`jockey status` found a tenant degraded or failed."""


__all__ = ["ExitCode"]
