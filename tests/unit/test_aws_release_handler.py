"""The release function's code (it runs in AWS Lambda), with fake boto3 clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.components.aws._release_handler import appspec, release

EVENT = {
    "functionName": "acme-prod-support-bot",
    "alias": "live",
    "targetVersion": "8",
    "application": "acme-prod-support-bot",
    "deploymentGroup": "acme-prod-support-bot-live",
}


class FakeLambda:
    def __init__(self, version: str) -> None:
        self.version = version
        self.calls: list[dict[str, str]] = []

    def get_alias(self, **request: str) -> dict[str, str]:
        self.calls.append(request)
        return {"FunctionVersion": self.version, "Name": request["Name"]}


class DeploymentLimitExceededException(Exception):
    """Named like the error botocore raises while a release is running."""


class FakeCodeDeploy:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.requests: list[dict[str, Any]] = []

    def create_deployment(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return {"deploymentId": "d-ABC123"}


def test_a_new_version_starts_a_release_from_the_version_the_alias_serves() -> None:
    lambda_client, codedeploy = FakeLambda("7"), FakeCodeDeploy()

    result = release(EVENT, lambda_client, codedeploy)

    assert result == {"deploymentId": "d-ABC123", "fromVersion": "7", "toVersion": "8"}
    assert lambda_client.calls == [{"FunctionName": "acme-prod-support-bot", "Name": "live"}]
    (request,) = codedeploy.requests
    assert request["applicationName"] == "acme-prod-support-bot"
    assert request["deploymentGroupName"] == "acme-prod-support-bot-live"
    assert request["revision"]["revisionType"] == "AppSpecContent"
    content = json.loads(request["revision"]["appSpecContent"]["content"])
    assert content == appspec("acme-prod-support-bot", "live", "7", "8")
    properties = content["Resources"][0]["acme-prod-support-bot"]["Properties"]
    assert properties == {
        "Name": "acme-prod-support-bot",
        "Alias": "live",
        "CurrentVersion": "7",
        "TargetVersion": "8",
    }
    assert content["Resources"][0]["acme-prod-support-bot"]["Type"] == "AWS::Lambda::Function"


def test_nothing_moves_when_the_alias_already_serves_the_version() -> None:
    codedeploy = FakeCodeDeploy()

    result = release(EVENT, FakeLambda("8"), codedeploy)

    assert result == {"deploymentId": None, "fromVersion": "8", "toVersion": "8"}
    assert codedeploy.requests == []


def test_a_running_release_is_reported_with_what_to_do() -> None:
    codedeploy = FakeCodeDeploy(DeploymentLimitExceededException("one at a time"))

    with pytest.raises(RuntimeError, match="still running") as caught:
        release(EVENT, FakeLambda("7"), codedeploy)

    assert "run up again" in str(caught.value)
    assert isinstance(caught.value.__cause__, DeploymentLimitExceededException)


def test_other_errors_surface_unchanged() -> None:
    with pytest.raises(PermissionError):
        release(EVENT, FakeLambda("7"), FakeCodeDeploy(PermissionError("denied")))
