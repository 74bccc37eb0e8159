"""Values the Lambda target derives from the spec: environment, timeouts, log formats."""

from __future__ import annotations

import json

from infra.components._runtime import agent_environment
from infra.spec import DeploymentSpec, secret_references

HTTP_API_MAX_TIMEOUT_MS = 30_000
"""The longest an HTTP API integration waits (API Gateway's hard limit)."""

ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "path": "$context.path",
    "routeKey": "$context.routeKey",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
}
"""One JSON object per request in the access log group (no headers, bodies or tokens)."""


def function_environment(spec: DeploymentSpec) -> dict[str, str]:
    """The function's plain environment: the agent's env plus the adapter's settings.

    Secret values are not here: the component adds them as Pulumi secrets. Secrets Manager
    and SSM secrets are here as references only (`<NAME>_SECRET_ARN`, `<NAME>_SSM_PARAMETER`):
    the agent reads their values itself, so no value reaches Lambda's configuration or
    Pulumi's state. The adapter streams (`AWS_LWA_INVOKE_MODE`) when the endpoint does, and
    lets a slow initialisation finish in the background (`AWS_LWA_ASYNC_INIT`) when asked.

    Args:
        spec: the validated deployment spec.

    Returns:
        Variable names to values.
    """
    agent = spec.agent
    variables = {
        **agent.env,
        **secret_references(spec),
        **agent_environment(agent),
    }
    if spec.lambda_.streams:
        variables["AWS_LWA_INVOKE_MODE"] = "response_stream"
    if agent.async_init:
        variables["AWS_LWA_ASYNC_INIT"] = "true"
    return variables


def integration_timeout_ms(function_timeout_s: int) -> int:
    """How long API Gateway waits for the function: one second past its own timeout.

    The function times out first and reports it; the integration's wait is capped at the
    HTTP API's limit.

    Args:
        function_timeout_s: the Lambda timeout in seconds.

    Returns:
        Milliseconds, at most 30000.
    """
    return min((function_timeout_s + 1) * 1000, HTTP_API_MAX_TIMEOUT_MS)


def access_log_format() -> str:
    """The stage's access log format: one JSON object per request."""
    return json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))
