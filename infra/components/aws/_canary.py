"""Canary releases through AWS CodeDeploy (`lambda.canary`).

CodeDeploy owns the `live` alias's version and weights: it shifts traffic in the spec's
steps, watches the release's alarms, and moves the alias back to the previous version when
one fires (or the release fails). Steps map to a predefined deployment config when one
matches (an account holds at most 50 custom configs, too few for a fleet of tenants),
otherwise to one custom config per tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.aws._names import AwsNames
from infra.components.aws._policies import codedeploy_trust_policy, deploy_policy
from infra.components.aws._release import declare_release
from infra.spec import DeploymentSpec, TrafficShift

PREDEFINED_CONFIGS = {
    TrafficShift("canary", 10, 5): "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    TrafficShift("canary", 10, 10): "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    TrafficShift("canary", 10, 15): "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    TrafficShift("canary", 10, 30): "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    TrafficShift("linear", 10, 1): "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    TrafficShift("linear", 10, 2): "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    TrafficShift("linear", 10, 3): "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    TrafficShift("linear", 10, 10): "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
}
"""CodeDeploy's own Lambda deployment configs, by the traffic shift they perform."""
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]


@dataclass(frozen=True)
class CanaryRelease:
    """The release machinery of a tenant.

    Attributes:
        deployment_group: the deployment group's name.
        last_release: the release function's answer for the current version (JSON).
    """

    deployment_group: pulumi.Output[str]
    last_release: pulumi.Output[str]


def _config_arn(application_arn: str, config: str) -> str:
    prefix = application_arn.split(":application:", 1)[0]
    return f"{prefix}:deploymentconfig:{config}"


def _routing(shift: TrafficShift) -> aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs:
    if shift.kind == "canary":
        return aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
            type="TimeBasedCanary",
            time_based_canary=aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs(
                percentage=shift.percentage, interval=shift.interval_minutes
            ),
        )
    return aws.codedeploy.DeploymentConfigTrafficRoutingConfigArgs(
        type="TimeBasedLinear",
        time_based_linear=aws.codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs(
            percentage=shift.percentage, interval=shift.interval_minutes
        ),
    )


def declare_canary(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    names: AwsNames,
    *,
    function: aws.lambda_.Function,
    alias: aws.lambda_.Alias,
    alarms: Sequence[aws.cloudwatch.MetricAlarm],
    account_id: pulumi.Input[str],
    tags: dict[str, str],
) -> CanaryRelease:
    """CodeDeploy for the tenant's releases, and the release function.

    The application, deployment config, service role and deployment group (alarm-gated,
    rolled back on alarm or failure).

    Args:
        name: the component's name; children are `<name>-deploy-*` and `<name>-release*`.
        parent: the component.
        spec: the validated spec, with `lambda.canary`.
        names: the tenant's AWS names.
        function: the agent function.
        alias: its `live` alias (whose version CodeDeploy owns).
        alarms: the release's alarms on the new version.
        account_id: the account the function runs in.
        tags: the tenant's tags.
    """
    canary = spec.lambda_.canary
    assert canary is not None, "declare_canary needs lambda.canary"
    child = pulumi.ResourceOptions(parent=parent)
    application = aws.codedeploy.Application(
        f"{name}-deploy-app",
        name=names.deploy_application,
        compute_platform="Lambda",
        tags=tags,
        opts=child,
    )
    shift = canary.traffic_shift
    predefined = PREDEFINED_CONFIGS.get(shift)
    config_name: pulumi.Output[str]
    config_arn: pulumi.Output[str]
    if predefined is not None:
        config_name = pulumi.Output.from_input(predefined)
        config_arn = application.arn.apply(lambda arn: _config_arn(arn, predefined))
    else:
        config = aws.codedeploy.DeploymentConfig(
            f"{name}-deploy-config",
            deployment_config_name=names.deploy_config,
            compute_platform="Lambda",
            traffic_routing_config=_routing(shift),
            opts=child,
        )
        config_name, config_arn = config.deployment_config_name, config.arn
    role = aws.iam.Role(
        f"{name}-deploy-role",
        name=names.deploy_role,
        description=f"CodeDeploy shifts the {names.alias} alias of {names.function} (Jockey)",
        assume_role_policy=pulumi.Output.from_input(account_id).apply(codedeploy_trust_policy),
        tags=tags,
        opts=child,
    )
    role_policy = aws.iam.RolePolicy(
        f"{name}-deploy-role-policy",
        name=names.deploy_role,
        role=role.id,
        policy=pulumi.Output.all(function.arn, alias.arn, *[a.arn for a in alarms]).apply(
            lambda arns: deploy_policy(arns[0], arns[1], arns[2:])
        ),
        opts=child,
    )
    group = aws.codedeploy.DeploymentGroup(
        f"{name}-deploy-group",
        app_name=application.name,
        deployment_group_name=names.deploy_group,
        service_role_arn=role.arn,
        deployment_config_name=config_name,
        deployment_style=aws.codedeploy.DeploymentGroupDeploymentStyleArgs(
            deployment_option="WITH_TRAFFIC_CONTROL", deployment_type="BLUE_GREEN"
        ),
        alarm_configuration=aws.codedeploy.DeploymentGroupAlarmConfigurationArgs(
            enabled=True, alarms=[alarm.name for alarm in alarms]
        ),
        auto_rollback_configuration=aws.codedeploy.DeploymentGroupAutoRollbackConfigurationArgs(
            enabled=True, events=ROLLBACK_EVENTS
        ),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )
    last_release = declare_release(
        name,
        parent,
        spec,
        names,
        function=function,
        alias=alias,
        application=application,
        group=group,
        config_arn=config_arn,
        account_id=account_id,
        gates=[*alarms, role_policy],
        tags=tags,
    )
    return CanaryRelease(deployment_group=group.deployment_group_name, last_release=last_release)
