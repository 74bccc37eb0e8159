"""Physical names and derived settings of the AWS target (pure functions)."""

from __future__ import annotations

import json

import pytest

from infra.components.aws import (
    access_log_format,
    aws_names,
    bounded,
    function_environment,
    integration_timeout_ms,
    lambda_trust_policy,
)
from tests.unit.mocks.aws import make_spec


def test_names_derive_from_the_stack_and_agent() -> None:
    names = aws_names(make_spec("prod"))
    assert names.base == "acme-prod-support-bot"
    assert names.function == names.role == names.api == "acme-prod-support-bot"
    assert names.repository == "acme-prod/support-bot"
    assert names.log_group == "/aws/lambda/acme-prod-support-bot"
    assert names.access_log_group == "/aws/apigateway/acme-prod-support-bot/access"
    assert names.alias == "live"
    assert aws_names(make_spec("prod")) == names, "deterministic"


def test_bounded_keeps_short_names_and_hashes_long_ones() -> None:
    assert bounded("short", 64) == "short"
    long_a, long_b = "x" * 70 + "a", "x" * 70 + "b"
    assert len(bounded(long_a, 64)) == 64
    assert bounded(long_a, 64) != bounded(long_b, 64)
    assert bounded(long_a, 64) == bounded(long_a, 64)
    assert not bounded("a-" * 40, 64).startswith("-")


@pytest.mark.parametrize(("timeout", "expected"), [(1, 2000), (10, 11000), (29, 30000)])
def test_integration_waits_just_past_the_function_and_never_past_30_seconds(
    timeout: int, expected: int
) -> None:
    assert integration_timeout_ms(timeout) == expected
    assert integration_timeout_ms(900) == 30000


def test_function_environment_adds_the_adapter_settings() -> None:
    spec = make_spec(agent={"port": 9000, "healthPath": "/healthz"})
    env = function_environment(spec)
    assert env["AWS_LWA_PORT"] == env["PORT"] == "9000"
    assert env["AWS_LWA_READINESS_CHECK_PATH"] == "/healthz"
    assert env["LOG_LEVEL"] == "info"
    assert "OPENAI_API_KEY" not in env, "secret values are added as Pulumi secrets only"


def test_access_log_format_is_one_json_line_without_request_payloads() -> None:
    text = access_log_format()
    assert "\n" not in text
    fields = json.loads(text)
    assert all(value.startswith("$context.") for value in fields.values())
    assert not [v for v in fields.values() if "authorizer" in v or "header" in v.lower()]


def test_trust_policy_names_one_service_and_one_account() -> None:
    (statement,) = json.loads(lambda_trust_policy("210987654321"))["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "210987654321"
