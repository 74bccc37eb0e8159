"""The release function's code: it runs in AWS Lambda (Python runtime), not in Jockey.

Pulumi invokes it (`aws.lambda.Invocation`) each time the agent function publishes a new
version. It reads which version the `live` alias serves and, when that is not the new one,
starts a CodeDeploy deployment from it to the new version: CodeDeploy then shifts the
alias's weights step by step and rolls it back if an alarm fires. This file is packaged
alone, so it imports nothing from Jockey; boto3 comes with the Lambda runtime.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

BUSY_ERRORS = ("DeploymentLimitExceededException", "DeploymentAlreadyStartedException")


def appspec(function: str, alias: str, current: str, target: str) -> dict[str, Any]:
    """The AppSpec of a Lambda release: move `alias` of `function` from `current` to `target`."""
    return {
        "version": 0.0,
        "Resources": [
            {
                function: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": function,
                        "Alias": alias,
                        "CurrentVersion": current,
                        "TargetVersion": target,
                    },
                }
            }
        ],
    }


def release(event: dict[str, str], lambda_client: Any, codedeploy_client: Any) -> dict[str, Any]:
    """Start the release `event` asks for, unless the alias already serves that version.

    Args:
        event: `functionName`, `alias`, `targetVersion`, `application`, `deploymentGroup`.
        lambda_client: a boto3 Lambda client.
        codedeploy_client: a boto3 CodeDeploy client.

    Returns:
        `deploymentId` (None when nothing had to move), `fromVersion`, `toVersion`.

    Raises:
        RuntimeError: a release of this alias is still running (CodeDeploy runs one at a time).
    """
    function, alias, target = event["functionName"], event["alias"], event["targetVersion"]
    current = lambda_client.get_alias(FunctionName=function, Name=alias)["FunctionVersion"]
    result: dict[str, Any] = {"deploymentId": None, "fromVersion": current, "toVersion": target}
    if current == target:
        return result
    content = json.dumps(appspec(function, alias, current, target))
    try:
        response = codedeploy_client.create_deployment(
            applicationName=event["application"],
            deploymentGroupName=event["deploymentGroup"],
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": content},
            },
            description=f"{function}:{alias} version {current} -> {target} (Jockey)",
        )
    except Exception as error:
        if type(error).__name__ in BUSY_ERRORS:
            raise RuntimeError(
                f"a release of {function}:{alias} is still running; wait for it to finish "
                "(or stop it in CodeDeploy), then run up again"
            ) from error
        raise
    result["deploymentId"] = response["deploymentId"]
    return result


def handler(event: dict[str, str], context: object) -> dict[str, Any]:
    """The Lambda entry point (`release.handler`)."""
    boto3 = importlib.import_module("boto3")
    return release(event, boto3.client("lambda"), boto3.client("codedeploy"))
