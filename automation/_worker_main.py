"""The worker process of one operation: `python -m automation._worker_main CONTROL_FD REPORT_FD`.

Started by `automation._worker` as a plain program (never through multiprocessing, so the
caller's `__main__` is never re-imported: scripts without a main guard, notebooks and web
apps can all call Jockey). The request arrives pickled on the control pipe; events and the
result go back on the report pipe. Nothing secret is on the command line.

The worker leads its own session, which the Pulumi CLI it launches joins, and is a child
subreaper, so every process the engine starts (plugins in groups of their own included)
stays below it. It stops its engine (SIGINT to the group, SIGKILL to every descendant after
the grace period) when the caller asks, when the request's deadline passes, or when the
caller dies (the control pipe reaches end-of-file), and it leaves no descendant behind.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from automation._errors import JockeyError
from automation._events import OperationEvent
from automation._proctree import become_subreaper, descendants, stop_descendants
from automation._request import OperationRequest, ReadRequest

GRACE_SECONDS = 20.0
"""How long the engine gets to stop after SIGINT before every descendant is killed."""
CANCEL_MESSAGE = "cancel"
"""What the caller sends on the control pipe to cancel the operation."""

_WATCH_SECONDS = 0.2


class _Interrupter:
    """Stops the engine once: SIGINT to the group and to every later descendant, then SIGKILL."""

    def __init__(self, grace: float) -> None:
        self.requested = threading.Event()
        self.reason = ""
        self._grace = grace
        self._lock = threading.Lock()

    def interrupt(self, reason: str) -> None:
        with self._lock:
            if self.requested.is_set():
                return
            self.reason = reason
            self.requested.set()
        threading.Thread(target=self._stop_engine, name="jockey-interrupt", daemon=True).start()

    def _stop_engine(self) -> None:
        me = os.getpid()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(0), signal.SIGINT)
        signalled = set(descendants(me))
        give_up = time.monotonic() + self._grace
        while time.monotonic() < give_up:
            # An engine command started just after the first SIGINT missed it: send it one
            # of its own, so no window lets an operation run on past its cancellation.
            for pid in descendants(me):
                if pid not in signalled:
                    signalled.add(pid)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGINT)
            time.sleep(_WATCH_SECONDS)
        stop_descendants(me, first=signal.SIGKILL, grace=0)


def _watch_control(control: Connection, interrupter: _Interrupter) -> None:
    while True:
        try:
            message = control.recv()
        except (EOFError, OSError):
            interrupter.interrupt("the process that started this operation exited")
            return
        if message == CANCEL_MESSAGE:
            interrupter.interrupt("cancelled")


def _watch_deadline(deadline: float, interrupter: _Interrupter) -> None:
    while not interrupter.requested.wait(max(0.0, min(1.0, deadline - time.time()))):
        if time.time() >= deadline:
            interrupter.interrupt("deadline passed")
            return


def _start(target: Any, *args: Any) -> None:
    threading.Thread(target=target, args=args, daemon=True).start()


def main(argv: list[str]) -> None:
    """Run the operation the control pipe asks for; report on the report pipe; exit."""
    os.environ["PYTHONUNBUFFERED"] = "1"
    control = Connection(int(argv[0]), writable=False)
    report = Connection(int(argv[1]), readable=False)
    # The engine side first: a worker started ahead of its request (`prestart_worker`)
    # imports while its caller still loads the specs.
    for module in ("automation._operations", "automation._stack_reads"):
        importlib.import_module(module)

    try:
        request, forward_events = control.recv()
    except (EOFError, OSError):
        os._exit(0)  # a spare worker its caller never needed
    assert isinstance(request, (OperationRequest, ReadRequest))
    os.environ.update(dict(request.env_overrides))
    become_subreaper()
    interrupter = _Interrupter(GRACE_SECONDS)
    # The engine shares our group: a SIGINT meant for it must not raise KeyboardInterrupt here.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: interrupter.interrupt("interrupted by a signal"))
    _start(_watch_control, control, interrupter)
    if request.deadline is not None:
        _start(_watch_deadline, request.deadline, interrupter)

    send_lock = threading.Lock()

    def send(message: tuple[str, object]) -> None:
        with send_lock, contextlib.suppress(OSError):
            report.send(message)

    def publish(event: OperationEvent) -> None:
        send(("event", event))

    try:
        outcome: object
        if isinstance(request, ReadRequest):
            from automation import _stack_reads

            outcome = getattr(_stack_reads, request.function)(*request.args)
        else:
            from automation._operations import execute

            outcome = execute(
                request,
                publish if forward_events else None,
                cancelled=interrupter.requested.is_set,
            )
    except JockeyError as error:
        outcome = error
    except BaseException as error:  # report anything to the caller rather than die silently
        import traceback

        traceback.print_exc()
        outcome = JockeyError(
            f"worker failed: {type(error).__name__}: {error}",
            tenant=request.tenant,
            stack=request.stack,
        )
    send(("result", outcome))
    # Nothing this operation started may outlive it (plugins run in groups of their own).
    stop_descendants(os.getpid(), grace=5.0)
    with contextlib.suppress(OSError):
        report.close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown: the gRPC runtime's threads take ~0.5 s to wind down.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
