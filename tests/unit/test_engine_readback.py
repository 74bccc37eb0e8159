"""The Automation API's read-backs after an engine call, answered from the call's own events."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.automation import events as engine_events

from automation import _readback
from automation._readback import EngineReadback

STACK_URN = "urn:pulumi:acme-dev::jockey::pulumi:pulumi:Stack::jockey-acme-dev"


def event(sequence: int, **body: Any) -> engine_events.EngineEvent:
    return engine_events.EngineEvent.from_json({"sequence": sequence, "timestamp": 0, **body})


def outputs_of(type_: str, urn: str, outputs: dict[str, Any]) -> engine_events.EngineEvent:
    state = {"type": type_, "urn": urn, "outputs": outputs}
    metadata = {"op": "same", "urn": urn, "type": type_, "provider": "", "new": state}
    return event(2, resOutputsEvent={"metadata": metadata})


def summary() -> engine_events.EngineEvent:
    return event(3, summaryEvent={"durationSeconds": 2, "resourceChanges": {"same": 14}})


def test_the_root_stacks_outputs_and_the_summary_answer_once_the_stream_ended() -> None:
    readback = EngineReadback("update")
    readback.observe(outputs_of("kubernetes:core/v1:Service", "urn:svc", {"spec": {}}))
    readback.observe(
        outputs_of(_readback.ROOT_STACK_TYPE, STACK_URN, {"url": "http://x", "key": "[secret]"})
    )
    readback.observe(summary())
    readback.observe(event(4, cancelEvent={}))
    outputs = readback.outputs()
    assert outputs is not None
    assert {name: (value.value, value.secret) for name, value in outputs.items()} == {
        "url": ("http://x", False),
        "key": ("[secret]", True),
    }
    found = readback.summary()
    assert found is not None and found.kind == "update" and found.result == "succeeded"
    assert found.resource_changes == {"same": 14}


def test_without_the_streams_end_or_a_value_the_cli_is_asked_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_readback, "STREAM_END_WAIT_SECONDS", 0.01)
    readback = EngineReadback("update")
    readback.observe(outputs_of(_readback.ROOT_STACK_TYPE, STACK_URN, {"url": "http://x"}))
    readback.observe(summary())
    assert readback.outputs() is None and readback.summary() is None, "the stream has not ended"
    ended = EngineReadback("destroy")
    ended.observe(event(1, cancelEvent={}))
    assert ended.outputs() is None and ended.summary() is None, "nothing was carried"
