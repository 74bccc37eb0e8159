"""Operations defaults under Pulumi mocks: alarms on the alias with their SNS topic, X-Ray."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.mocks.aws import (
    ACCOUNT,
    AGENT,
    REGION,
    Rendered,
    make_spec,
    policy_statements,
    render_agent,
)

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:platform-oncall"
ALIAS_DIMENSIONS = {
    "FunctionName": "acme-prod-support-bot",
    "Resource": "acme-prod-support-bot:live",
}


@pytest.fixture(scope="module")
def prod() -> Rendered:
    return render_agent(make_spec("prod"))


def alarms_by_metric(rendered: Rendered) -> dict[str, dict[str, Any]]:
    return {alarm.props["metricName"]: alarm.props for alarm in rendered.of_type(ALARM)}


def test_prod_gets_alarms_on_errors_throttles_and_p95_duration_of_the_alias(
    prod: Rendered,
) -> None:
    alarms = alarms_by_metric(prod)
    assert set(alarms) == {"Errors", "Throttles", "Duration"}
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/Lambda"
        assert alarm["dimensions"] == ALIAS_DIMENSIONS, "the live alias, not one version"
        assert alarm["period"] == 60
        assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (5, 3)
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["treatMissingData"] == "notBreaching"
    assert alarms["Errors"]["statistic"] == "Sum" and alarms["Errors"]["threshold"] == 5
    assert alarms["Throttles"]["statistic"] == "Sum" and alarms["Throttles"]["threshold"] == 1
    assert alarms["Duration"]["extendedStatistic"] == "p95"
    assert "statistic" not in alarms["Duration"]
    assert alarms["Duration"]["threshold"] == 23200, "80% of the 29 s timeout"
    assert {a["name"] for a in alarms.values()} == {
        "acme-prod-support-bot-errors",
        "acme-prod-support-bot-throttles",
        "acme-prod-support-bot-p95-duration",
    }


def test_prod_alarms_notify_a_tenant_topic_on_alarm_and_recovery(prod: Rendered) -> None:
    topic = prod.one(TOPIC)
    assert topic.props["name"] == "acme-prod-support-bot-alerts"
    topic_arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:acme-prod-support-bot-alerts"
    for alarm in prod.of_type(ALARM):
        assert alarm.props["alarmActions"] == [topic_arn]
        assert alarm.props["okActions"] == [topic_arn]
        assert alarm.parent == prod.resources[AGENT].urn
    assert prod.of_type(SUBSCRIPTION) == [], "no address given, nobody subscribed"
    assert prod.outputs["alerts_topic_arn"] == topic_arn


def test_dev_has_no_alarms_unless_asked(dev_lambda: Rendered) -> None:
    assert dev_lambda.of_type(ALARM) == [] and dev_lambda.of_type(TOPIC) == []
    assert "alerts_topic_arn" not in dev_lambda.outputs


def test_an_email_is_subscribed_to_the_topic_jockey_creates() -> None:
    rendered = render_agent(make_spec(lambda_={"alerts": {"email": "oncall@acme.example"}}))
    subscription = rendered.one(SUBSCRIPTION).props
    assert subscription["protocol"] == "email"
    assert subscription["endpoint"] == "oncall@acme.example"
    assert subscription["topic"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:acme-dev-support-bot-alerts"


def test_an_existing_topic_is_used_as_is() -> None:
    spec = make_spec(
        lambda_={"alerts": {"topicArn": TOPIC_ARN, "errorsPerMinute": 20, "p95DurationMs": 9000}}
    )
    rendered = render_agent(spec)
    assert rendered.of_type(TOPIC) == []
    alarms = alarms_by_metric(rendered)
    assert [a["alarmActions"] for a in alarms.values()] == [[TOPIC_ARN]] * 3
    assert alarms["Errors"]["threshold"] == 20
    assert alarms["Duration"]["threshold"] == 9000


def test_tracing_turns_on_active_xray_and_lets_the_role_write_traces() -> None:
    rendered = render_agent(make_spec(lambda_={"tracing": True}))
    assert rendered.one(FUNCTION).props["tracingConfig"] == {"mode": "Active"}
    (policy,) = [p for p in rendered.of_type(ROLE_POLICY) if p.name == f"{AGENT}-role-policy"]
    traces = policy_statements(policy)["WriteTraces"]
    assert traces["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    assert traces["Resource"] == "*", "X-Ray has no resource-level permissions"


def test_no_tracing_by_default(prod: Rendered) -> None:
    assert "tracingConfig" not in prod.one(FUNCTION).props
    (policy,) = [p for p in prod.of_type(ROLE_POLICY) if p.name == f"{AGENT}-role-policy"]
    assert set(policy_statements(policy)) == {"WriteOwnLogs"}


def test_reserved_concurrency_caps_a_noisy_tenant() -> None:
    rendered = render_agent(make_spec(lambda_={"reservedConcurrency": 25}))
    assert rendered.one(FUNCTION).props["reservedConcurrentExecutions"] == 25
