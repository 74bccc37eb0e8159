"""Deterministic physical names of a tenant's AWS resources, within AWS's limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from infra.spec import DeploymentSpec

FUNCTION_NAME_MAX = 64
ROLE_NAME_MAX = 64
POLICY_NAME_MAX = 128
API_NAME_MAX = 128
LOG_GROUP_NAME_MAX = 512
REPOSITORY_NAME_MAX = 256
ALARM_NAME_MAX = 255
TOPIC_NAME_MAX = 256
CODEDEPLOY_NAME_MAX = 100
ALIAS_NAME = "live"
"""The alias API Gateway invokes: it always points at the latest published version."""
_HASH_DIGITS = 8


def bounded(name: str, limit: int) -> str:
    """`name` if it fits `limit`, else its start plus a short hash of the whole.

    Args:
        name: the preferred name.
        limit: the maximum length.

    Returns:
        A name of at most `limit` characters, still unique per input name.
    """
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_DIGITS]
    return f"{name[: limit - _HASH_DIGITS - 1].rstrip('-')}-{digest}"


@dataclass(frozen=True)
class AwsNames:
    """The physical names of one tenant's AWS resources.

    Attributes:
        base: `<tenant>-<environment>-<agent>`, unbounded.
        function: the Lambda function (at most 64 characters).
        role: the function's IAM role (at most 64 characters).
        logs_policy: the role's inline policy for its log group.
        repository: the ECR repository, `<tenant>-<environment>/<agent>`.
        api: the HTTP API.
        log_group: the function's log group, `/aws/lambda/<function>`.
        access_log_group: the HTTP API's access log group.
        alias: the alias API Gateway invokes.
        secrets_policy: the role's inline policy reading the agent's secret references.
        alerts_topic: the SNS topic alarms notify (when Jockey creates it).
        deploy_application: the CodeDeploy application releasing new versions (canary).
        deploy_group: its deployment group.
        deploy_config: the custom deployment config (when no predefined one fits).
        deploy_role: the role CodeDeploy shifts the alias with.
        release_function: the function starting a CodeDeploy release per new version.
        release_role: its role.
    """

    base: str
    function: str
    role: str
    logs_policy: str
    repository: str
    api: str
    log_group: str
    access_log_group: str
    secrets_policy: str
    alerts_topic: str
    deploy_application: str
    deploy_group: str
    deploy_config: str
    deploy_role: str
    release_function: str
    release_role: str
    alias: str = ALIAS_NAME

    def alarm(self, metric: str, *, canary: bool = False) -> str:
        """The name of the alarm on one metric of the alias (or, for a canary, its new version)."""
        return bounded(f"{self.base}-{'canary-' if canary else ''}{metric}", ALARM_NAME_MAX)

    @property
    def release_log_group(self) -> str:
        """The release function's log group."""
        return f"/aws/lambda/{self.release_function}"


def aws_names(spec: DeploymentSpec) -> AwsNames:
    """The names of a spec's AWS resources, derived from its stack and agent names.

    Args:
        spec: the validated deployment spec.

    Returns:
        The names; the same spec always gives the same names.
    """
    base = f"{spec.stack_name}-{spec.agent.name}"
    function = bounded(base, FUNCTION_NAME_MAX)
    api = bounded(base, API_NAME_MAX)
    return AwsNames(
        base=base,
        function=function,
        role=bounded(base, ROLE_NAME_MAX),
        logs_policy=bounded(f"{base}-logs", POLICY_NAME_MAX),
        repository=bounded(f"{spec.stack_name}/{spec.agent.name}", REPOSITORY_NAME_MAX),
        api=api,
        log_group=f"/aws/lambda/{function}",
        access_log_group=bounded(f"/aws/apigateway/{api}/access", LOG_GROUP_NAME_MAX),
        secrets_policy=bounded(f"{base}-secrets", POLICY_NAME_MAX),
        alerts_topic=bounded(f"{base}-alerts", TOPIC_NAME_MAX),
        deploy_application=bounded(base, CODEDEPLOY_NAME_MAX),
        deploy_group=bounded(f"{base}-{ALIAS_NAME}", CODEDEPLOY_NAME_MAX),
        deploy_config=bounded(f"{base}-canary", CODEDEPLOY_NAME_MAX),
        deploy_role=bounded(f"{base}-deploy", ROLE_NAME_MAX),
        release_function=bounded(f"{base}-release", FUNCTION_NAME_MAX),
        release_role=bounded(f"{base}-release", ROLE_NAME_MAX),
    )
