"""Secrets from Secrets Manager and SSM under Pulumi mocks.

The role reads exactly them, the agent gets references, and no value goes anywhere.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.components.aws import function_environment
from infra.spec import DeploymentSpec
from tests.unit.mocks import SECRET_VALUE, build_spec, is_secret_value
from tests.unit.mocks.aws import (
    ACCOUNT,
    AGENT,
    REGION,
    Rendered,
    make_spec,
    policy_statements,
    render_agent,
    spec_dict,
)

FUNCTION = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/openai-AbCdEf"
OTHER_SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:acme/anthropic-XyZ123"
PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/acme/search-key"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def referencing(secret_env: dict[str, dict[str, str]]) -> DeploymentSpec:
    """The sample spec with only these secret sources."""
    data = spec_dict()
    data["agent"]["secretEnv"] = secret_env
    return build_spec(data, {})


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    spec = referencing(
        {
            "OPENAI_API_KEY": {"fromSecretsManager": SECRET_ARN, "kmsKeyArn": KEY_ARN},
            "ANTHROPIC_API_KEY": {"fromSecretsManager": OTHER_SECRET_ARN},
            "SEARCH_KEY": {"fromSsm": PARAMETER_ARN},
            "DB_PASSWORD": {"fromSsm": "/acme/db/password"},
            "FLAT": {"fromSsm": "flat-name"},
        }
    )
    return render_agent(spec)


def secrets_policy(rendered: Rendered) -> dict[str, dict[str, Any]]:
    (policy,) = [p for p in rendered.of_type(ROLE_POLICY) if p.name == f"{AGENT}-secrets-policy"]
    assert policy.props["role"] == "acme-dev-support-bot"
    assert policy.props["name"] == "acme-dev-support-bot-secrets"
    return policy_statements(policy)


def test_the_role_reads_exactly_the_named_secrets(rendered: Rendered) -> None:
    statement = secrets_policy(rendered)["ReadOwnSecrets"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == ["secretsmanager:GetSecretValue"]
    assert statement["Resource"] == sorted([SECRET_ARN, OTHER_SECRET_ARN])


def test_the_role_reads_exactly_the_named_parameters_in_its_own_region(
    rendered: Rendered,
) -> None:
    statement = secrets_policy(rendered)["ReadOwnParameters"]
    assert statement["Action"] == ["ssm:GetParameter", "ssm:GetParameters"]
    assert statement["Resource"] == sorted(
        [
            PARAMETER_ARN,
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/acme/db/password",
            f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/flat-name",
        ]
    )
    assert not [r for r in statement["Resource"] if "*" in r]


def test_the_role_decrypts_only_with_the_named_key(rendered: Rendered) -> None:
    statements = secrets_policy(rendered)
    assert statements["DecryptOwnSecrets"]["Action"] == ["kms:Decrypt"]
    assert statements["DecryptOwnSecrets"]["Resource"] == [KEY_ARN]
    assert set(statements) == {"ReadOwnSecrets", "ReadOwnParameters", "DecryptOwnSecrets"}


def test_the_agent_gets_references_in_plain_variables(rendered: Rendered) -> None:
    function = rendered.one(FUNCTION)
    variables = function.props["environment"]["variables"]
    assert variables["OPENAI_API_KEY_SECRET_ARN"] == SECRET_ARN
    assert variables["ANTHROPIC_API_KEY_SECRET_ARN"] == OTHER_SECRET_ARN
    assert variables["SEARCH_KEY_SSM_PARAMETER"] == PARAMETER_ARN
    assert variables["DB_PASSWORD_SSM_PARAMETER"] == "/acme/db/password"
    for name in ("OPENAI_API_KEY", "SEARCH_KEY", "DB_PASSWORD", "FLAT"):
        assert name not in variables, "the value itself never reaches Lambda"
    assert not is_secret_value(function.inputs["environment"]), "no value, nothing to hide"


def test_no_value_is_ever_read(rendered: Rendered) -> None:
    tokens = {call.token for call in rendered.calls}
    assert not [t for t in tokens if "secretsmanager" in t or "ssm" in t]
    assert not [r for r in rendered.aws() if r.type.startswith(("aws:secretsmanager", "aws:ssm"))]
    serialized = json.dumps([r.inputs for r in rendered.resources.values()], default=str)
    assert SECRET_VALUE not in serialized


def test_the_function_waits_for_its_secret_access(rendered: Rendered) -> None:
    (policy,) = [p for p in rendered.of_type(ROLE_POLICY) if p.name == f"{AGENT}-secrets-policy"]
    assert policy.urn in rendered.one(FUNCTION).dependencies


def test_arns_only_need_no_location_lookup() -> None:
    rendered = render_agent(referencing({"OPENAI_API_KEY": {"fromSecretsManager": SECRET_ARN}}))
    statements = secrets_policy(rendered)
    assert set(statements) == {"ReadOwnSecrets"}
    tokens = [call.token for call in rendered.calls]
    assert tokens == ["aws:index/getCallerIdentity:getCallerIdentity"]


def test_without_references_there_is_no_secrets_policy() -> None:
    rendered = render_agent(make_spec(), {"OPENAI_API_KEY": SECRET_VALUE})
    assert [p.name for p in rendered.of_type(ROLE_POLICY)] == [f"{AGENT}-role-policy"]
    variables = rendered.one(FUNCTION).props["environment"]["variables"]
    assert not [name for name in variables if name.endswith(("_SECRET_ARN", "_SSM_PARAMETER"))]


def test_async_init_sets_the_adapters_switch_and_keeps_readiness() -> None:
    environment = function_environment(make_spec(agent={"asyncInit": True}))
    assert environment["AWS_LWA_ASYNC_INIT"] == "true"
    assert environment["AWS_LWA_READINESS_CHECK_PATH"] == "/health"
    assert environment["AWS_LWA_PORT"] == "8080"
    assert "AWS_LWA_ASYNC_INIT" not in function_environment(make_spec())
