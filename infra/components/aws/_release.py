"""The release function: one small Lambda per canary tenant that starts each CodeDeploy release.

Pulumi invokes it (`aws.lambda.Invocation`) whenever the agent publishes a version.

CodeDeploy shifts a Lambda alias only when asked through `CreateDeployment` with an AppSpec
naming the current and target versions; no Pulumi resource does that. Doing it from a
function in the tenant's account keeps `pulumi up` and the Automation API identical, uses
the AWS provider's credentials and region, and needs nothing installed where Jockey runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from infra.components.aws._names import AwsNames
from infra.components.aws._policies import lambda_trust_policy, release_policy
from infra.spec import DeploymentSpec

SOURCE = Path(__file__).with_name("_release_handler.py")
"""The function's code, packaged alone as `release.py`."""
HANDLER = "release.handler"
RUNTIME = "python3.13"
TIMEOUT_SECONDS = 30


def declare_release(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    names: AwsNames,
    *,
    function: aws.lambda_.Function,
    alias: aws.lambda_.Alias,
    application: aws.codedeploy.Application,
    group: aws.codedeploy.DeploymentGroup,
    config_arn: pulumi.Input[str],
    account_id: pulumi.Input[str],
    gates: Sequence[pulumi.Resource],
    tags: dict[str, str],
) -> pulumi.Output[str]:
    """The release function, its role and logs, and its invocation for the new version.

    Args:
        name: the component's name; children are `<name>-release*`.
        parent: the component.
        spec: the validated spec.
        names: the tenant's AWS names.
        function: the agent function (its `version` is the release's target).
        alias: its `live` alias.
        application: the CodeDeploy application.
        group: the deployment group the release runs in.
        config_arn: the ARN of the group's deployment config.
        account_id: the account the function runs in.
        gates: what must exist before a release starts (its alarms, CodeDeploy's role).
        tags: the tenant's tags.

    Returns:
        The invocation's result: JSON with `deploymentId` (null when the alias already
        served the version), `fromVersion` and `toVersion`.
    """
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-release-role",
        name=names.release_role,
        description=f"Starts CodeDeploy releases of {names.function} (Jockey)",
        assume_role_policy=pulumi.Output.from_input(account_id).apply(lambda_trust_policy),
        tags=tags,
        opts=child,
    )
    logs = aws.cloudwatch.LogGroup(
        f"{name}-release-logs",
        name=names.release_log_group,
        retention_in_days=spec.lambda_.log_retention_days,
        tags=tags,
        opts=child,
    )
    policy = aws.iam.RolePolicy(
        f"{name}-release-role-policy",
        name=names.release_role,
        role=role.id,
        policy=pulumi.Output.all(
            logs.arn, function.arn, alias.arn, application.arn, group.arn, config_arn
        ).apply(lambda arns: release_policy(*arns)),
        opts=child,
    )
    release = aws.lambda_.Function(
        f"{name}-release",
        name=names.release_function,
        description=f"Starts a CodeDeploy release of each new {names.function} version (Jockey)",
        role=role.arn,
        runtime=RUNTIME,
        handler=HANDLER,
        code=pulumi.AssetArchive({"release.py": pulumi.FileAsset(str(SOURCE))}),
        architectures=["arm64"],
        memory_size=128,
        timeout=TIMEOUT_SECONDS,
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(
            log_format="Text", log_group=logs.name
        ),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[logs, policy]),
    )
    invocation = aws.lambda_.Invocation(
        f"{name}-release-invocation",
        function_name=release.name,
        input=pulumi.Output.json_dumps(
            {
                "functionName": function.name,
                "alias": names.alias,
                "targetVersion": function.version,
                "application": application.name,
                "deploymentGroup": group.deployment_group_name,
            }
        ),
        # A new version replaces the invocation, which invokes the function again.
        triggers={"targetVersion": function.version},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[group, alias, *gates]),
    )
    return invocation.result
