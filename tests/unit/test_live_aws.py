"""The Lambda block and the function's logs, against moto's mocked AWS."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from automation.live import Phase
from automation.live._aws import LIVE_ALIAS, lambda_log_events, lambda_status, log_group

FUNCTION = "acme-dev-support-bot"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        yield


def _function(publish: bool = True) -> str:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="agent", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
        Publish=publish,
    )
    if publish:
        version = lam.publish_version(FunctionName=FUNCTION)["Version"]
        lam.create_alias(FunctionName=FUNCTION, Name=LIVE_ALIAS, FunctionVersion=version)
        return version
    return ""


def test_the_alias_name_is_the_one_the_aws_component_creates() -> None:
    from infra.components.aws import ALIAS_NAME

    assert LIVE_ALIAS == ALIAS_NAME


def test_a_missing_function_is_absent(aws: None) -> None:
    status = lambda_status(FUNCTION)
    assert status.phase is Phase.ABSENT and status.state is None


def test_an_active_function_with_its_live_alias_is_running(aws: None) -> None:
    version = _function()
    status = lambda_status(FUNCTION)
    assert status.phase is Phase.RUNNING
    assert status.state == "Active"
    assert status.last_update_status == "Successful"
    assert status.live_version == version
    assert status.to_json()["liveVersion"] == version and status.reason is None


def test_a_function_without_its_live_alias_is_degraded(aws: None) -> None:
    _function(publish=False)
    status = lambda_status(FUNCTION)
    assert status.phase is Phase.DEGRADED
    assert status.live_version is None
    assert "live" in (status.reason or "")


def test_log_events_come_oldest_first_and_each_once(aws: None) -> None:
    now = int(time.time()) * 1000
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName=log_group(FUNCTION))
    logs.create_log_stream(logGroupName=log_group(FUNCTION), logStreamName="2026/01/01/[$LATEST]a")
    logs.put_log_events(
        logGroupName=log_group(FUNCTION),
        logStreamName="2026/01/01/[$LATEST]a",
        logEvents=[
            {"timestamp": now - 1000, "message": "START\n"},
            {"timestamp": now, "message": "hello"},
        ],
    )
    seen: set[str] = set()
    first = list(lambda_log_events(FUNCTION, seen=seen))
    assert [line.text for _, line in first] == ["START", "hello"]
    assert first[0][1].source == "lambda/2026/01/01/[$LATEST]a"
    assert first[1][1].timestamp == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000))
    again = list(lambda_log_events(FUNCTION, start_ms=first[-1][0], seen=seen))
    assert again == []


def test_no_log_group_yet_means_no_lines(aws: None) -> None:
    assert list(lambda_log_events(FUNCTION)) == []
