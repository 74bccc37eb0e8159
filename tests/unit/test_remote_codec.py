"""What crosses the queue: requests, events, results and refusals as JSON, and back."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from automation._diff import ChangeKind, PropertyChange, ResourceDiff
from automation._errors import InvalidSpecError, JockeyError, StackBusyError
from automation._events import EventKind, OperationEvent
from automation._request import OperationRequest
from automation._results import ChangeCounts, Operation, OperationResult
from automation.live._switch import with_rollback
from automation.remote._codec import (
    decode_event,
    decode_outcome,
    decode_request,
    encode_event,
    encode_outcome,
    encode_request,
)
from infra.spec import load_spec_file

REPO = Path(__file__).resolve().parents[2]
ENVIRON = {"ACME_OPENAI_API_KEY": "never-sent"}


def _through_json(value: object) -> object:
    return json.loads(json.dumps(value))


@pytest.fixture
def request_() -> OperationRequest:
    spec = load_spec_file(REPO / "examples" / "acme.yaml", environ=ENVIRON)
    return OperationRequest(
        operation=Operation.UP,
        tenant="acme",
        environment="dev",
        spec=spec,
        wait_seconds=30.0,
        deadline=time.time() + 60,
    )


def test_a_request_arrives_as_it_left_and_carries_no_secret_value(
    request_: OperationRequest,
) -> None:
    payload = _through_json(encode_request(with_rollback(request_, rollback=False)))
    assert "never-sent" not in json.dumps(payload)
    assert isinstance(payload, dict)
    decoded = decode_request(payload, ENVIRON, None)
    assert decoded.spec == request_.spec
    assert (decoded.wait_seconds, decoded.deadline) == (request_.wait_seconds, request_.deadline)
    assert decoded.env_overrides == (("JOCKEY_ROLLBACK", "off"),)


def test_only_jockeys_own_switches_cross_the_queue(request_: OperationRequest) -> None:
    local_only = OperationRequest(
        operation=Operation.UP,
        tenant="acme",
        environment="dev",
        spec=request_.spec,
        env_overrides=(("PULUMI_BACKEND_URL", "file:///tmp/x"),),
    )
    with pytest.raises(ValueError, match="PULUMI_BACKEND_URL"):
        encode_request(local_only)
    payload = encode_request(request_)
    payload["variables"] = {"PULUMI_BACKEND_URL": "file:///tmp/x"}
    with pytest.raises(InvalidSpecError, match="may not set"):
        decode_request(payload, ENVIRON, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": 99}, "format 99"),
        ({"operation": "rm -rf"}, "cannot be read"),
        ({"options": {"wait_seconds": "soon"}}, "wait_seconds is not a number"),
        ({"options": {"shell": "x"}}, "unknown option"),
        ({"options": {"deadline": [1]}}, "not a plain value"),
        ({"tenant": "globex"}, "another tenant"),
    ],
)
def test_a_bad_payload_is_refused_naming_what_is_wrong(
    request_: OperationRequest, change: dict[str, object], message: str
) -> None:
    payload = {**encode_request(request_), **change}
    with pytest.raises(InvalidSpecError, match=message):
        decode_request(payload, ENVIRON, None)


def test_the_worker_validates_the_spec_against_its_own_policy(
    request_: OperationRequest, tmp_path: Path
) -> None:
    payload = encode_request(request_)
    with pytest.raises(InvalidSpecError) as caught:
        decode_request(payload, {**ENVIRON, "JOCKEY_SECRET_ENV_ALLOW": "OTHER_*"}, None)
    assert caught.value.stack == "acme-dev"
    assert any("fromEnv" in problem for problem in caught.value.problems)
    with pytest.raises(InvalidSpecError):
        decode_request(payload, ENVIRON, tmp_path)  # the spec's paths are outside that root


def test_a_destroy_by_name_needs_no_spec() -> None:
    request = OperationRequest(
        operation=Operation.DESTROY, tenant="acme", environment="dev", spec=None
    )
    assert decode_request(encode_request(request), {}, None) == request
    up = {**encode_request(request), "operation": "up"}
    with pytest.raises(InvalidSpecError, match="needs a spec"):
        decode_request(up, {}, None)


def test_results_and_events_arrive_whole() -> None:
    result = OperationResult(
        tenant="acme",
        environment="dev",
        stack="acme-dev",
        operation=Operation.UP,
        ok=False,
        changes=ChangeCounts(create=2, same=1),
        resources=(
            ResourceDiff(
                urn="urn:pulumi:acme-dev::jockey::kubernetes:core/v1:Secret::s",
                type="kubernetes:core/v1:Secret",
                name="s",
                op="create",
                replace_reasons=("data",),
                properties=(PropertyChange("data", ChangeKind.ADD, None, "[secret]"),),
            ),
        ),
        outputs={"url": "http://x", "nested": {"a": [1, 2]}},
        diagnostics=("warning: x",),
        duration_seconds=1.5,
        error="boom",
        cancelled=True,
        repaired=("cleared Pulumi's stale lock",),
        busy=True,
        rolled_back=True,
        log_file="/tmp/log",
    )
    outcome = _through_json(encode_outcome(result))
    assert isinstance(outcome, dict)
    assert decode_outcome(outcome) == result
    event = OperationEvent(
        tenant="acme",
        stack="acme-dev",
        kind=EventKind.RESOURCE_PRE,
        sequence=7,
        timestamp=1,
        urn="urn:x",
        op="create",
    )
    encoded = _through_json(encode_event(event))
    assert isinstance(encoded, dict)
    assert decode_event(encoded) == event
    assert decode_event({**encoded, "kind": "from-a-newer-worker"}).kind is EventKind.OTHER


def test_refusals_arrive_typed_with_their_fix_and_exit_code() -> None:
    busy = StackBusyError("stack is busy: up by pid 1 on b", stack="acme-dev", fix="wait")
    decoded = decode_outcome(_through_json(encode_outcome(busy)))  # type: ignore[arg-type]
    assert isinstance(decoded, StackBusyError)
    assert (decoded.stack, decoded.fix, decoded.exit_code) == ("acme-dev", "wait", 4)
    invalid = InvalidSpecError("bad", problems=("a: b",), tenant="acme", stack="acme-dev")
    decoded = decode_outcome(_through_json(encode_outcome(invalid)))  # type: ignore[arg-type]
    assert isinstance(decoded, InvalidSpecError) and decoded.problems == ("a: b",)
    unknown = decode_outcome({"error": {"type": "os.system", "message": "x"}})
    assert type(unknown) is JockeyError
