"""A process's descendants, found and stopped through /proc, whatever group they joined.

Pulumi starts its plugins in process groups of their own, so signalling the worker's group
does not reach them. A worker makes itself a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`):
descendants orphaned by a dying engine are re-parented to the worker instead of init, so
walking the parent links from the worker still finds every process it caused to start.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36
_POLL_SECONDS = 0.05


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _parent_links() -> dict[int, int]:
    """Each process visible in /proc, by pid: its parent's pid."""
    links: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Field 2 (comm) is in parentheses and may hold spaces: parse after the last ')'.
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) >= 2 and fields[0] != "Z":
            links[int(entry.name)] = int(fields[1])
    return links


def descendants(pid: int) -> list[int]:
    """Every living (non-zombie) descendant of `pid`, parents before children."""
    children: dict[int, list[int]] = {}
    for child, parent in _parent_links().items():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop(0)
        for child in sorted(children.get(current, ())):
            found.append(child)
            frontier.append(child)
    return found


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _reap_children() -> None:
    """Collect exited children (ours, or orphans re-parented to us) so none stay zombies."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_descendants(pid: int, *, first: int = signal.SIGTERM, grace: float = 5.0) -> list[int]:
    """Stop every descendant of `pid`: `first` signal, then SIGKILL after `grace` seconds.

    Returns:
        The pids that were found running.
    """
    found = descendants(pid)
    if not found:
        return []
    _signal_all(found, first)
    give_up = time.monotonic() + grace
    while time.monotonic() < give_up:
        if pid == os.getpid():
            _reap_children()
        if not descendants(pid):
            return found
        time.sleep(_POLL_SECONDS)
    _signal_all(descendants(pid), signal.SIGKILL)
    if pid == os.getpid():
        time.sleep(_POLL_SECONDS)
        _reap_children()
    return found


def start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot), to tell it from a reused pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return fields[19] if len(fields) > 19 else None


def kill_if_same(processes: dict[int, str]) -> list[int]:
    """SIGKILL each pid still running with the start time it was seen with; returns them."""
    killed = []
    for pid, started in processes.items():
        if start_time(pid) == started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


__all__ = ["become_subreaper", "descendants", "kill_if_same", "start_time", "stop_descendants"]
