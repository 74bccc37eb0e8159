"""The stack read-backs the Automation API makes after an engine call, answered from its events.

After `up`, `destroy` and `refresh`, Pulumi's Automation API reads the stack back with more CLI
processes: `stack output` twice (once with `--show-secrets`, which derives the passphrase key:
1,000,000 PBKDF2-SHA256 rounds) and `stack history`. Each costs a CLI start, a backend read and
often that key derivation: 0.1 to 0.4 s apiece, paid by every operation of every tenant. The
engine's own events already say the same: the root stack's outputs (in its `ResOutputsEvent`)
and the summary (`SummaryEvent`). `EngineReadback` collects them; `TenantStack`
(`automation._stack`) answers the read-backs from it once the event stream has ended, and falls
back to the CLI whenever it has not, or a value is missing.

Outputs come as the engine displays them, secret ones masked (`[secret]`): Jockey redacts
secret outputs anyway (`redact_outputs`), so nothing it reports changes.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from pulumi.automation import OutputMap, OutputValue, UpdateSummary
from pulumi.automation import events as engine_events

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_MASK = "[secret]"
STREAM_END_WAIT_SECONDS = 1.0
"""How long a read-back waits for the event stream to end before asking the CLI instead."""


class EngineReadback:
    """What one engine call's events say about the stack after it (see the module)."""

    def __init__(self, kind: str) -> None:
        """Follow the events of an engine call of this kind (`update`, `destroy`, `refresh`)."""
        self._kind = kind
        self._started = datetime.now(UTC)
        self._ended = threading.Event()
        self._outputs: dict[str, Any] | None = None
        self._summary: engine_events.SummaryEvent | None = None

    def observe(self, event: engine_events.EngineEvent) -> None:
        """Take in one engine event (from the call's `on_event`)."""
        if event.cancel_event is not None:
            self._ended.set()
        elif event.summary_event is not None:
            self._summary = event.summary_event
        elif event.res_outputs_event is not None:
            meta = event.res_outputs_event.metadata
            if meta.type == ROOT_STACK_TYPE and meta.new is not None:
                self._outputs = dict(meta.new.outputs or {})

    def outputs(self) -> OutputMap | None:
        """The stack's outputs after the call, or None when the events did not carry them."""
        if not self._ended.wait(STREAM_END_WAIT_SECONDS) or self._outputs is None:
            return None
        return {
            name: OutputValue(value=value, secret=value == SECRET_MASK)
            for name, value in self._outputs.items()
        }

    def summary(self) -> UpdateSummary | None:
        """The call's summary, or None when the events did not carry one."""
        if not self._ended.wait(STREAM_END_WAIT_SECONDS) or self._summary is None:
            return None
        return UpdateSummary(
            kind=self._kind,
            start_time=self._started,
            message="",
            environment={},
            config={},
            result="succeeded",  # a failed call raises before its read-backs
            end_time=datetime.now(UTC),
            resource_changes=self._summary.resource_changes,
        )


__all__ = ["EngineReadback"]
