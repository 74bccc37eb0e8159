"""How the CLI shows operations: a live display on a terminal, or JSON lines."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from automation._cancel import cancel_on_signals
from automation._events import EventCallback, EventKind, OperationEvent
from automation._fanout import FanOut
from automation._results import OperationResult

ResultStream = Callable[[FanOut], Iterator[OperationResult]]
"""Runs the operations through the given fan-out, yielding results as they finish."""


class LiveProgress:
    """A table with one row per tenant: what the engine is doing now and the result."""

    def __init__(self, console: Console, stacks: list[str]) -> None:
        self._console = console
        self._lock = threading.Lock()
        self._rows: dict[str, tuple[str, str]] = {stack: ("waiting", "") for stack in stacks}
        self._live: Live | None = None

    def _table(self) -> Table:
        table = Table(box=None, show_header=True, header_style="bold")
        table.add_column("stack")
        table.add_column("state")
        table.add_column("detail", overflow="ellipsis", no_wrap=True, max_width=80)
        for stack, (state, detail) in sorted(self._rows.items()):
            table.add_row(stack, state, detail)
        return table

    def on_event(self, event: OperationEvent) -> None:
        """Update a tenant's row from an engine event."""
        if event.kind is EventKind.RESOURCE_PRE and event.urn:
            detail = f"{event.op} {event.urn.rsplit('::', 1)[-1]}"
        elif event.kind is EventKind.DIAGNOSTIC and event.severity == "error":
            detail = (event.message or "").strip().splitlines()[-1:][0] if event.message else ""
        else:
            return
        with self._lock:
            self._rows[event.stack] = ("running", detail)
            if self._live is not None:
                self._live.update(self._table())

    def on_result(self, result: OperationResult) -> None:
        """Show a finished tenant."""
        counts = result.changes
        summary = (
            f"+{counts.create} ~{counts.update} ±{counts.replace} -{counts.delete} "
            f"={counts.same} in {result.duration_seconds:.1f}s"
        )
        state = "[green]ok[/]" if result.ok else "[red]failed[/]"
        if result.cancelled:
            state = "[yellow]cancelled[/]"
        with self._lock:
            self._rows[result.stack] = (state, summary if result.ok else (result.error or ""))
            if self._live is not None:
                self._live.update(self._table())

    @contextmanager
    def running(self) -> Iterator[LiveProgress]:
        """Show the live table while the block runs."""
        with Live(self._table(), console=self._console, refresh_per_second=8) as live:
            self._live = live
            try:
                yield self
            finally:
                self._live = None


def print_json_line(payload: dict[str, Any]) -> None:
    """One JSON object per line on stdout, flushed so a control plane can stream it."""
    sys.stdout.write(json.dumps(payload, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def print_result(console: Console, result: OperationResult) -> None:
    """One tenant's result as text: counts, repairs, the error."""
    counts = result.changes
    status = "ok" if result.ok else ("cancelled" if result.cancelled else "failed")
    if result.rolled_back:
        status += ", rolled back"
    console.print(
        f"{result.stack}: {result.operation.value} {status} — create {counts.create}, "
        f"update {counts.update}, replace {counts.replace}, delete {counts.delete}, "
        f"same {counts.same} ({result.duration_seconds:.1f}s)",
        highlight=False,
        markup=False,
    )
    for action in result.repaired:
        console.print(f"  repaired: {action}", highlight=False, markup=False)
    for line in result.diagnostics:
        if not result.error or line not in result.error:
            console.print(f"  {line}", highlight=False, markup=False)
    if result.error:
        console.print(f"  error: {result.error}", highlight=False, markup=False)


def run_with_progress(
    stream: ResultStream,
    stacks: list[str],
    *,
    parallel: int,
    as_json: bool,
    with_events: bool,
) -> list[OperationResult]:
    """Run operations, showing them as the CLI does; Ctrl-C/SIGTERM cancel them.

    On a terminal (without `as_json`) a live table shows each tenant; otherwise each result
    prints as it finishes, as text or (with `as_json`) one JSON line, preceded by its event
    lines when `with_events` is set.
    """
    console = Console(stderr=True)
    live = not as_json and console.is_terminal
    progress = LiveProgress(console, stacks)
    on_event: EventCallback | None = None
    if live:
        on_event = progress.on_event
    elif as_json and with_events:
        on_event = lambda event: print_json_line(event.to_json())  # noqa: E731
    fanout = FanOut(parallel, on_event)
    results: list[OperationResult] = []
    with cancel_on_signals(fanout):
        if live:
            with progress.running():
                for result in stream(fanout):
                    progress.on_result(result)
                    results.append(result)
            for result in results:
                if not result.ok:
                    console.print(f"{result.stack}: {result.error}", highlight=False, markup=False)
            return results
        for result in stream(fanout):
            results.append(result)
            if as_json:
                print_json_line(result.to_json())
            else:
                print_result(console, result)
    return results
