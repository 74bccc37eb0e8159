"""Recorded engine events: the JSON lines the Pulumi CLI writes with `--event-log`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulumi.automation.events import EngineEvent


def parse_event_lines(lines: Iterable[str]) -> list[EngineEvent]:
    """Engine events from JSON lines (blank lines skipped), parsed as the Automation API does.

    Raises:
        ValueError: a line is not a JSON object.
    """
    from pulumi.automation.events import EngineEvent

    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError(f"line {number}: an engine event must be a JSON object")
        events.append(EngineEvent.from_json(data))
    return events


def read_event_log(path: Path) -> list[EngineEvent]:
    """Engine events from a recorded event log file."""
    with path.open(encoding="utf-8") as lines:
        return parse_event_lines(lines)
