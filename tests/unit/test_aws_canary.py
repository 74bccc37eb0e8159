"""`lambda.canary` under Pulumi mocks: CodeDeploy owns the alias.

Alarms on the new version gate each step and roll it back, and the release function starts
each release.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.mocks.aws import (
    ACCOUNT,
    AGENT,
    DEPLOYMENT_ID,
    REGION,
    Rendered,
    make_spec,
    policy_statements,
    render_agent,
)

APP = "aws:codedeploy/application:Application"
CONFIG = "aws:codedeploy/deploymentConfig:DeploymentConfig"
GROUP = "aws:codedeploy/deploymentGroup:DeploymentGroup"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ALIAS = "aws:lambda/alias:Alias"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INVOCATION = "aws:lambda/invocation:Invocation"
BASE = "acme-dev-support-bot"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{BASE}"
ALIAS_ARN = f"{FUNCTION_ARN}:live"
ALL_ALARMS = ["errors", "throttles", "p95Duration"]


def canary(**settings: Any) -> dict[str, Any]:
    return {"canary": {"steps": [10, 100], "intervalMinutes": 10, "alarms": ALL_ALARMS, **settings}}


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return render_agent(make_spec(lambda_=canary()))


def named(rendered: Rendered, name: str) -> Any:
    return rendered.resources[f"{AGENT}-{name}"]


def test_codedeploy_owns_the_alias_version_and_weights(rendered: Rendered) -> None:
    alias = rendered.one(ALIAS)
    assert set(alias.ignore_changes) == {"functionVersion", "routingConfig"}
    assert alias.props["functionVersion"] == "3", "the first version, at creation"
    assert "routingConfig" not in alias.props, "Jockey never splits traffic itself"


def test_without_canary_pulumi_moves_the_alias_at_once(dev_lambda: Rendered) -> None:
    assert dev_lambda.one(ALIAS).ignore_changes == ()
    assert not [r for r in dev_lambda.aws() if r.type.startswith("aws:codedeploy")]
    assert dev_lambda.of_type(INVOCATION) == []


def test_a_lambda_application_with_a_predefined_canary_config(rendered: Rendered) -> None:
    app = rendered.one(APP).props
    assert app["computePlatform"] == "Lambda"
    assert app["name"] == BASE
    assert rendered.of_type(CONFIG) == [], "CodeDeploy's own config: no account quota used"
    group = rendered.one(GROUP).props
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent10Minutes"


@pytest.mark.parametrize(
    ("steps", "interval", "kind", "percentage"),
    [([20, 100], 7, "TimeBasedCanary", 20), ([25, 50, 75, 100], 4, "TimeBasedLinear", 25)],
)
def test_other_steps_get_a_custom_config_with_those_weights(
    steps: list[int], interval: int, kind: str, percentage: int
) -> None:
    rendered = render_agent(make_spec(lambda_=canary(steps=steps, intervalMinutes=interval)))
    config = rendered.one(CONFIG).props
    assert config["deploymentConfigName"] == f"{BASE}-canary"
    assert config["computePlatform"] == "Lambda"
    routing = config["trafficRoutingConfig"]
    assert routing["type"] == kind
    shift = routing["timeBasedCanary" if kind == "TimeBasedCanary" else "timeBasedLinear"]
    assert shift == {"percentage": percentage, "interval": interval}
    assert rendered.one(GROUP).props["deploymentConfigName"] == f"{BASE}-canary"


def test_linear_ten_percent_steps_use_codedeploys_config() -> None:
    spec = make_spec(lambda_=canary(steps=list(range(10, 101, 10)), intervalMinutes=3))
    group = render_agent(spec).one(GROUP).props
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"


def test_release_alarms_watch_the_new_version_behind_the_alias(rendered: Rendered) -> None:
    alarms = [a for a in rendered.of_type(ALARM) if a.name.startswith(f"{AGENT}-canary-alarm-")]
    assert {a.props["metricName"] for a in alarms} == {"Errors", "Throttles", "Duration"}
    for alarm in alarms:
        assert alarm.props["dimensions"] == {
            "FunctionName": BASE,
            "Resource": f"{BASE}:live",
            "ExecutedVersion": "3",
        }, "the version being released, on the live alias"
        assert (alarm.props["evaluationPeriods"], alarm.props["datapointsToAlarm"]) == (1, 1)
        assert alarm.props["treatMissingData"] == "notBreaching"


def test_the_group_stops_and_rolls_back_on_alarm(rendered: Rendered) -> None:
    group = rendered.one(GROUP).props
    assert group["appName"] == BASE
    assert group["deploymentGroupName"] == f"{BASE}-live"
    assert group["deploymentStyle"] == {
        "deploymentOption": "WITH_TRAFFIC_CONTROL",
        "deploymentType": "BLUE_GREEN",
    }
    assert group["alarmConfiguration"]["enabled"] is True
    assert sorted(group["alarmConfiguration"]["alarms"]) == sorted(
        f"{BASE}-canary-{suffix}" for suffix in ("errors", "throttles", "p95-duration")
    )
    assert group["autoRollbackConfiguration"] == {
        "enabled": True,
        "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
    }
    assert group["serviceRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/{BASE}-deploy"


def test_only_the_chosen_alarms_gate_a_release() -> None:
    rendered = render_agent(make_spec(lambda_=canary(alarms=["errors"])))
    group = rendered.one(GROUP).props
    assert group["alarmConfiguration"]["alarms"] == [f"{BASE}-canary-errors"]


def test_codedeploy_may_move_only_this_alias_and_read_only_its_alarms(
    rendered: Rendered,
) -> None:
    role = named(rendered, "deploy-role").props
    (trust,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "codedeploy.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    statements = policy_statements(named(rendered, "deploy-role-policy"))
    shift = statements["ShiftTheLiveAlias"]
    assert shift["Action"] == [
        "lambda:GetAlias",
        "lambda:UpdateAlias",
        "lambda:GetProvisionedConcurrencyConfig",
    ]
    assert shift["Resource"] == [FUNCTION_ARN, ALIAS_ARN]
    alarms = statements["ReadReleaseAlarms"]
    assert alarms["Action"] == "cloudwatch:DescribeAlarms"
    assert alarms["Resource"] == sorted(
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{BASE}-canary-{suffix}"
        for suffix in ("errors", "throttles", "p95-duration")
    )
    assert not role.get("managedPolicyArns"), "no AWSCodeDeployRoleForLambda (alias: *)"


def test_the_release_function_may_only_start_releases_of_this_group(rendered: Rendered) -> None:
    release = named(rendered, "release").props
    assert release["runtime"] == "python3.13"
    assert release["handler"] == "release.handler"
    assert release["timeout"] == 30
    statements = policy_statements(named(rendered, "release-role-policy"))
    codedeploy = f"arn:aws:codedeploy:{REGION}:{ACCOUNT}"
    assert statements["StartReleases"]["Action"] == "codedeploy:CreateDeployment"
    assert (
        statements["StartReleases"]["Resource"]
        == f"{codedeploy}:deploymentgroup:{BASE}/{BASE}-live"
    )
    assert statements["ReadTheDeploymentConfig"]["Resource"] == (
        f"{codedeploy}:deploymentconfig:CodeDeployDefault.LambdaCanary10Percent10Minutes"
    )
    assert statements["RegisterRevisions"]["Resource"] == f"{codedeploy}:application:{BASE}"
    assert statements["ReadTheLiveAlias"] == {
        "Sid": "ReadTheLiveAlias",
        "Effect": "Allow",
        "Action": "lambda:GetAlias",
        "Resource": [FUNCTION_ARN, ALIAS_ARN],
    }
    assert statements["WriteOwnLogs"]["Resource"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{BASE}-release:*"
    )
    (trust,) = json.loads(named(rendered, "release-role").props["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_each_new_version_invokes_a_release_after_its_gates_exist(rendered: Rendered) -> None:
    invocation = rendered.one(INVOCATION)
    assert invocation.props["functionName"] == f"{BASE}-release"
    assert json.loads(invocation.props["input"]) == {
        "functionName": BASE,
        "alias": "live",
        "targetVersion": "3",
        "application": BASE,
        "deploymentGroup": f"{BASE}-live",
    }
    assert invocation.props["triggers"] == {"targetVersion": "3"}
    for gate in [rendered.one(GROUP), rendered.one(ALIAS), named(rendered, "deploy-role-policy")]:
        assert gate.urn in invocation.dependencies
    for alarm in rendered.of_type(ALARM):
        assert alarm.urn in invocation.dependencies
    assert rendered.outputs["deployment_group"] == f"{BASE}-live"
    (registered,) = rendered.registered_outputs[rendered.resources[AGENT].urn]
    assert registered["deploymentGroup"] == f"{BASE}-live"
    assert json.loads(rendered.outputs["last_release"])["deploymentId"] == DEPLOYMENT_ID


def test_canary_children_are_parented_tagged_and_named(rendered: Rendered) -> None:
    component = rendered.resources[AGENT]
    for resource in rendered.aws():
        assert resource.parent == component.urn, resource.name
        assert resource.name.startswith(f"{AGENT}-"), resource.name
    for role in rendered.of_type(ROLE):
        assert len(role.props["name"]) <= 64
    assert rendered.one(APP).props["tags"]["jockey:tenant"] == "acme"
