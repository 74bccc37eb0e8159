"""How the CLI shows queued operations: the same live table, text or JSON lines as local runs."""

from __future__ import annotations

from rich.console import Console

from automation._cancel import cancel_on_signals
from automation._events import EventCallback
from automation._progress import LiveProgress, ResultStream, print_json_line, print_result
from automation._results import OperationResult
from automation.remote._submit import RemoteBatch


def run_remote_with_progress(
    stream: ResultStream,
    stacks: list[str],
    *,
    parallel: int,
    as_json: bool,
    with_events: bool,
    broker_url: str | None = None,
) -> list[OperationResult]:
    """`run_with_progress`, with the operations queued for the workers.

    `stream` gets a `RemoteBatch` for its fan-out (Ctrl-C/SIGTERM cancel the operations
    wherever they run).

    Raises:
        ConfigurationError: no broker is set.
    """
    console = Console(stderr=True)
    live = not as_json and console.is_terminal
    progress = LiveProgress(console, stacks)
    on_event: EventCallback | None = None
    if live:
        on_event = progress.on_event
    elif as_json and with_events:
        on_event = lambda event: print_json_line(event.to_json())  # noqa: E731
    batch = RemoteBatch(parallel, on_event, broker_url=broker_url)
    results: list[OperationResult] = []
    with cancel_on_signals(batch):
        if live:
            with progress.running():
                for result in stream(batch):
                    progress.on_result(result)
                    results.append(result)
            for result in results:
                if not result.ok:
                    console.print(f"{result.stack}: {result.error}", highlight=False, markup=False)
            return results
        for result in stream(batch):
            results.append(result)
            if as_json:
                print_json_line(result.to_json())
            else:
                print_result(console, result)
    return results
