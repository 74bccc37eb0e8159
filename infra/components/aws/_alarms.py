"""CloudWatch alarms on the agent's `live` alias (or a release's new version), and their topic.

Every alarm reads `AWS/Lambda` metrics by the alias's `Resource` dimension
(`<function>:live`); a release's alarms add `ExecutedVersion`, so they watch only the
traffic the new version serves while the alias is split. Periods are one minute; the
tenant's alarms need 3 breaching minutes out of 5 (a blip is not a page), a release's alarms
fire on the first (a canary is stopped early). Missing data (no traffic) is not breaching.
They notify one SNS topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.aws._names import AwsNames
from infra.spec import AlertsSpec, CanaryAlarm, DeploymentSpec, effective_alerts

NAMESPACE = "AWS/Lambda"
PERIOD_SECONDS = 60
TENANT_WINDOW = (5, 3)
"""Evaluation periods and breaching data points of the tenant's alarms."""
RELEASE_WINDOW = (1, 1)
"""Evaluation periods and breaching data points of a release's alarms."""
DEFAULT_P95_SHARE = 0.8
"""The default p95 duration threshold, as a share of the function's timeout."""


@dataclass(frozen=True)
class AlarmMetric:
    """One watched metric and when it breaches.

    Attributes:
        suffix: the alarm name's suffix (`errors`, `throttles`, `p95-duration`).
        metric: the `AWS/Lambda` metric.
        statistic: `Sum`, or None for a percentile.
        percentile: `p95`, or None.
        threshold: the value at or above which a minute breaches.
        unit: how the threshold reads in the description.
    """

    suffix: str
    metric: str
    statistic: str | None
    percentile: str | None
    threshold: float
    unit: str


def alarm_metrics(spec: DeploymentSpec) -> dict[CanaryAlarm, AlarmMetric]:
    """The watched metrics with the thresholds of `lambda.alerts` (or its defaults)."""
    alerts = effective_alerts(spec) or AlertsSpec()
    p95_ms = alerts.p95_duration_ms or int(spec.lambda_.timeout * 1000 * DEFAULT_P95_SHARE)
    return {
        CanaryAlarm.ERRORS: AlarmMetric(
            "errors", "Errors", "Sum", None, alerts.errors_per_minute, "errors per minute"
        ),
        CanaryAlarm.THROTTLES: AlarmMetric(
            "throttles", "Throttles", "Sum", None, alerts.throttles_per_minute, "per minute"
        ),
        CanaryAlarm.P95_DURATION: AlarmMetric(
            "p95-duration", "Duration", None, "p95", p95_ms, "ms at p95"
        ),
    }


def declare_alerts_topic(
    name: str, parent: pulumi.Resource, alerts: AlertsSpec, names: AwsNames, tags: dict[str, str]
) -> pulumi.Output[str]:
    """The topic alarms notify: the spec's `topicArn`, or one Jockey creates.

    A created topic has the spec's e-mail subscribed (AWS mails a confirmation link first).
    It is not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS managed
    `alias/aws/sns` key, and alarm notifications carry no agent data.
    """
    if alerts.topic_arn is not None:
        return pulumi.Output.from_input(alerts.topic_arn)
    child = pulumi.ResourceOptions(parent=parent)
    topic = aws.sns.Topic(f"{name}-alerts", name=names.alerts_topic, tags=tags, opts=child)
    if alerts.email is not None:
        aws.sns.TopicSubscription(
            f"{name}-alerts-email",
            topic=topic.arn,
            protocol="email",
            endpoint=alerts.email,
            opts=child,
        )
    return topic.arn


def declare_alarms(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    names: AwsNames,
    function: aws.lambda_.Function,
    kinds: Sequence[CanaryAlarm],
    topic_arn: pulumi.Output[str] | None,
    tags: dict[str, str],
    *,
    release: bool = False,
) -> list[aws.cloudwatch.MetricAlarm]:
    """Alarms on the `live` alias, or with `release` on the version the function published.

    Args:
        name: the component's name; children are `<name>-alarm-<suffix>` (or
            `<name>-canary-alarm-<suffix>`).
        parent: the component.
        spec: the validated spec.
        names: the tenant's AWS names.
        function: the agent function.
        kinds: the metrics to watch.
        topic_arn: the topic notified on alarm and on recovery, if any.
        tags: the tenant's tags.
        release: watch the new version's share of the alias (a release's gates).
    """
    metrics = alarm_metrics(spec)
    periods, datapoints = RELEASE_WINDOW if release else TENANT_WINDOW
    dimensions: dict[str, pulumi.Input[str]] = {
        "FunctionName": function.name,
        "Resource": pulumi.Output.concat(function.name, ":", names.alias),
    }
    if release:
        dimensions["ExecutedVersion"] = function.version
    actions = [topic_arn] if topic_arn is not None else []
    prefix = f"{name}-canary-alarm" if release else f"{name}-alarm"
    watched = f"new version of {names.function}" if release else f"{names.alias} alias"
    alarms = []
    for kind in kinds:
        metric = metrics[kind]
        alarms.append(
            aws.cloudwatch.MetricAlarm(
                f"{prefix}-{metric.suffix}",
                name=names.alarm(metric.suffix, canary=release),
                alarm_description=(
                    f"{metric.metric} of the {watched} ({spec.stack_name}): at least "
                    f"{metric.threshold:g} {metric.unit} in {datapoints} of {periods} minutes "
                    "(Jockey)"
                ),
                namespace=NAMESPACE,
                metric_name=metric.metric,
                dimensions=dimensions,
                statistic=metric.statistic,
                extended_statistic=metric.percentile,
                period=PERIOD_SECONDS,
                evaluation_periods=periods,
                datapoints_to_alarm=datapoints,
                threshold=metric.threshold,
                comparison_operator="GreaterThanOrEqualToThreshold",
                treat_missing_data="notBreaching",
                alarm_actions=actions,
                ok_actions=actions,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=parent),
            )
        )
    return alarms
