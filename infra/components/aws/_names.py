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
    """

    base: str
    function: str
    role: str
    logs_policy: str
    repository: str
    api: str
    log_group: str
    access_log_group: str
    alias: str = ALIAS_NAME


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
    )
