"""`LambdaAgent` under Pulumi mocks: role, logs, function, alias, HTTP API, permission."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from infra._providers import tenant_tags
from infra.components.aws import LambdaAgent, LambdaAgentArgs
from infra.spec import DeploymentSpec
from tests.unit.mocks import SECRET_VALUE, Registered, is_secret_value
from tests.unit.mocks.aws import ACCOUNT, IMAGE_REF, REGION, Rendered, make_spec, render

COMPONENT = "acme-dev-lambda"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
API = "aws:apigatewayv2/api:Api"
INTEGRATION = "aws:apigatewayv2/integration:Integration"
ROUTE = "aws:apigatewayv2/route:Route"
STAGE = "aws:apigatewayv2/stage:Stage"
PERMISSION = "aws:lambda/permission:Permission"
SUBNETS = ["subnet-0a1b2c3d", "subnet-0a1b2c3e"]
SECURITY_GROUPS = ["sg-0a1b2c3d"]
ACCESS_POINT = f"arn:aws:elasticfilesystem:{REGION}:{ACCOUNT}:access-point/fsap-0123456789abcdef0"


def render_lambda(
    spec: DeploymentSpec | None = None,
    secret_env: dict[str, pulumi.Input[str]] | None = None,
    image_ref: pulumi.Input[str] = IMAGE_REF,
) -> Rendered:
    the_spec = spec or make_spec()
    values = {"OPENAI_API_KEY": SECRET_VALUE} if secret_env is None else secret_env

    def program(provider: pulumi.ProviderResource) -> dict[str, Any]:
        agent = LambdaAgent(
            COMPONENT,
            LambdaAgentArgs(spec=the_spec, image_ref=image_ref, secret_env=values),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        return {
            "endpoint_url": agent.endpoint_url,
            "function_name": agent.function_name,
            "function_arn": agent.function_arn,
            "alias_arn": agent.alias_arn,
            "role_arn": agent.role_arn,
            "api_id": agent.api_id,
            "log_group_name": agent.log_group_name,
            "image_ref": agent.image_ref,
        }

    return render(program)


@pytest.fixture(scope="module")
def default() -> Rendered:
    return render_lambda()


def log_group(rendered: Rendered, suffix: str) -> Registered:
    return rendered.resources[f"{COMPONENT}-{suffix}"]


# ---------------------------------------------------------------- IAM


def test_role_is_assumable_only_by_lambda_on_behalf_of_this_account(default: Rendered) -> None:
    role = default.one(ROLE).props
    assert role["name"] == "acme-dev-support-bot"
    (statement,) = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert "managedPolicyArns" not in role or not role["managedPolicyArns"]


def test_role_may_only_write_to_its_own_log_group(default: Rendered) -> None:
    policy = default.one(ROLE_POLICY).props
    assert policy["role"] == "acme-dev-support-bot"
    (statement,) = json.loads(policy["policy"])["Statement"]
    logs_arn = log_group(default, "logs").props["name"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == (f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logs_arn}:*"), (
        "scoped to the function's group, no wildcard over other groups"
    )
    assert "*" not in statement["Resource"][:-2]


def test_no_vpc_access_policy_without_a_vpc(default: Rendered) -> None:
    assert default.of_type(ATTACHMENT) == []
    function = default.one(FUNCTION).props
    assert not function.get("vpcConfig")
    assert not function.get("fileSystemConfig")


def test_vpc_and_efs_add_the_network_policy_the_mount_grant_and_the_function_config() -> None:
    spec = make_spec(
        lambda_={
            "vpc": {"subnetIds": SUBNETS, "securityGroupIds": SECURITY_GROUPS},
            "efs": {"accessPointArn": ACCESS_POINT, "mountPath": "/mnt/agent"},
        }
    )
    rendered = render_lambda(spec)
    attachment = rendered.one(ATTACHMENT).props
    assert attachment["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    )
    assert attachment["role"] == "acme-dev-support-bot"
    function = rendered.one(FUNCTION)
    assert function.props["vpcConfig"] == {
        "subnetIds": SUBNETS,
        "securityGroupIds": SECURITY_GROUPS,
    }
    assert function.props["fileSystemConfig"] == {
        "arn": ACCESS_POINT,
        "localMountPath": "/mnt/agent",
    }
    statements = json.loads(rendered.one(ROLE_POLICY).props["policy"])["Statement"]
    (mount,) = [s for s in statements if s["Sid"] == "MountOwnAccessPoint"]
    assert mount["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert mount["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": ACCESS_POINT}
    }
    assert rendered.one(ATTACHMENT).urn in function.dependencies, "ENIs before the function"


# ---------------------------------------------------------------- logs


def test_function_log_group_has_the_lambda_name_and_retention() -> None:
    rendered = render_lambda(make_spec(lambda_={"logRetentionDays": 30}))
    logs = log_group(rendered, "logs").props
    assert logs["name"] == "/aws/lambda/acme-dev-support-bot"
    assert logs["retentionInDays"] == 30
    function = rendered.one(FUNCTION).props
    assert function["loggingConfig"]["logGroup"] == "/aws/lambda/acme-dev-support-bot"


def test_access_logs_go_to_their_own_group_as_json(default: Rendered) -> None:
    access = log_group(default, "access-logs").props
    assert access["name"] != log_group(default, "logs").props["name"]
    assert access["retentionInDays"] == 14
    stage = default.one(STAGE).props
    settings = stage["accessLogSettings"]
    assert settings["destinationArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{access['name']}"
    )
    fields = json.loads(settings["format"])
    assert fields["requestId"] == "$context.requestId"
    assert fields["status"] == "$context.status"
    assert fields["integrationError"] == "$context.integrationErrorMessage"


# ---------------------------------------------------------------- function


def test_function_runs_the_digest_pinned_image_with_the_spec_sizes(default: Rendered) -> None:
    function = default.one(FUNCTION).props
    assert function["name"] == "acme-dev-support-bot"
    assert function["packageType"] == "Image"
    assert function["imageUri"] == IMAGE_REF
    assert "@sha256:" in function["imageUri"]
    assert function["architectures"] == ["arm64"]
    assert function["memorySize"] == 1024
    assert function["timeout"] == 29
    assert function["publish"] is True
    assert function["role"] == "arn:aws:iam::123456789012:role/acme-dev-support-bot"
    assert "handler" not in function and "runtime" not in function


def test_function_environment_has_the_adapter_settings_and_the_agent_env(
    default: Rendered,
) -> None:
    variables = default.one(FUNCTION).props["environment"]["variables"]
    assert variables["AWS_LWA_PORT"] == "8080"
    assert variables["PORT"] == "8080"
    assert variables["AWS_LWA_READINESS_CHECK_PATH"] == "/health"
    assert variables["LOG_LEVEL"] == "info"
    assert variables["OPENAI_API_KEY"] == SECRET_VALUE


def plaintext_paths(value: Any, needle: str, path: str = "") -> list[str]:
    """Where `needle` appears in registered inputs outside any secret wrapper."""
    if is_secret_value(value):
        return []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in plaintext_paths(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plaintext_paths(v, needle, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and needle in value else []


def test_secret_values_reach_the_engine_only_as_secrets(default: Rendered) -> None:
    for resource in default.resources.values():
        assert plaintext_paths(resource.inputs, SECRET_VALUE) == [], resource.name
    assert plaintext_paths(default.registered_outputs, SECRET_VALUE) == []
    # The SDK marks the whole `environment` object secret once one value is.
    assert is_secret_value(default.one(FUNCTION).inputs["environment"])


def test_no_secret_env_leaves_the_environment_readable() -> None:
    rendered = render_lambda(secret_env={})
    environment = rendered.one(FUNCTION).inputs["environment"]
    assert not is_secret_value(environment)
    assert "OPENAI_API_KEY" not in environment["variables"]


def test_reserved_concurrency_and_architecture_follow_the_spec() -> None:
    spec = make_spec(
        agent={"image": {"ref": IMAGE_REF}},
        lambda_={"reservedConcurrency": 50, "architecture": "x86_64", "memory": 2048},
    )
    function = render_lambda(spec).one(FUNCTION).props
    assert function["reservedConcurrentExecutions"] == 50
    assert function["architectures"] == ["x86_64"]
    assert function["memorySize"] == 2048


def test_unreserved_concurrency_is_left_unset(default: Rendered) -> None:
    assert "reservedConcurrentExecutions" not in default.one(FUNCTION).props


def test_function_waits_for_its_log_group_and_permissions(default: Rendered) -> None:
    function = default.one(FUNCTION)
    assert log_group(default, "logs").urn in function.dependencies
    assert default.one(ROLE_POLICY).urn in function.dependencies
    assert default.one(ROLE).urn in function.dependencies


def test_live_alias_points_at_the_published_version(default: Rendered) -> None:
    alias = default.one(ALIAS)
    assert alias.props["name"] == "live"
    assert alias.props["functionName"] == "acme-dev-support-bot"
    assert alias.props["functionVersion"] == "3", "the version the function published"
    assert default.one(FUNCTION).urn in alias.dependencies


# ---------------------------------------------------------------- HTTP API


def test_http_api_with_cors_from_the_spec(default: Rendered) -> None:
    api = default.one(API).props
    assert api["protocolType"] == "HTTP"
    assert api["name"] == "acme-dev-support-bot"
    assert api["corsConfiguration"] == {
        "allowOrigins": ["https://app.acme.example"],
        "allowMethods": ["GET", "POST", "OPTIONS"],
        "allowHeaders": ["content-type", "authorization"],
        "maxAge": 300,
    }


def test_no_cors_configuration_without_cors_in_the_spec() -> None:
    spec = make_spec(lambda_={"api": {"cors": None}})
    assert "corsConfiguration" not in render_lambda(spec).one(API).props


def test_integration_proxies_to_the_alias_within_the_http_api_timeout(
    default: Rendered,
) -> None:
    integration = default.one(INTEGRATION)
    props = integration.props
    assert props["integrationType"] == "AWS_PROXY"
    assert props["payloadFormatVersion"] == "2.0"
    assert props["integrationMethod"] == "POST"
    assert props["integrationUri"].endswith(":function:acme-dev-support-bot:live/invocations"), (
        "the alias, not $LATEST"
    )
    assert props["timeoutMilliseconds"] == 30000
    assert default.one(ALIAS).urn in integration.dependencies


def test_short_function_timeouts_give_a_short_integration_timeout() -> None:
    integration = render_lambda(make_spec(lambda_={"timeout": 10})).one(INTEGRATION)
    assert integration.props["timeoutMilliseconds"] == 11000


def test_default_route_targets_the_integration(default: Rendered) -> None:
    route = default.one(ROUTE).props
    assert route["routeKey"] == "$default"
    assert route["target"] == f"integrations/{COMPONENT}-integration-id"
    assert route["apiId"] == "a1b2c3d4e5"


def test_default_stage_auto_deploys_with_the_spec_throttling() -> None:
    spec = make_spec(lambda_={"api": {"throttle": {"burstLimit": 200, "rateLimit": 100}}})
    rendered = render_lambda(spec)
    stage = rendered.one(STAGE)
    assert stage.props["name"] == "$default"
    assert stage.props["autoDeploy"] is True
    assert stage.props["defaultRouteSettings"] == {
        "throttlingBurstLimit": 200,
        "throttlingRateLimit": 100,
    }
    assert rendered.one(ROUTE).urn in stage.dependencies


def test_invoke_permission_is_scoped_to_this_api_and_the_alias(default: Rendered) -> None:
    permission = default.one(PERMISSION)
    props = permission.props
    assert props["action"] == "lambda:InvokeFunction"
    assert props["principal"] == "apigateway.amazonaws.com"
    assert props["function"] == "acme-dev-support-bot"
    assert props["qualifier"] == "live"
    assert props["sourceArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5/*/*"
    assert default.one(API).urn in permission.dependencies
    assert default.one(ALIAS).urn in permission.dependencies


# ---------------------------------------------------------------- shape


def test_every_taggable_resource_carries_the_tenant_tags(default: Rendered) -> None:
    expected = tenant_tags(make_spec())
    taggable = default.taggable()
    assert {r.type for r in taggable} == {ROLE, LOG_GROUP, FUNCTION, API, STAGE}
    for resource in taggable:
        assert resource.props.get("tags") == expected, resource.name
    assert expected["managed-by"] == "jockey"
    assert expected["team"] == "support"


def test_children_are_parented_named_and_use_the_provider_from_opts(default: Rendered) -> None:
    component = default.resources[COMPONENT]
    assert component.type == "jockey:aws:LambdaAgent"
    provider = default.resources["aws"]
    assert default.aws(), "the component declared AWS resources"
    for resource in default.aws():
        assert resource.parent == component.urn, resource.name
        assert resource.name.startswith(f"{COMPONENT}-"), resource.name
        assert resource.provider.startswith(provider.urn), resource.name
    identity = default.call("aws:index/getCallerIdentity:getCallerIdentity")
    assert identity.provider.startswith(provider.urn)


def test_outputs_are_the_endpoint_function_and_image(default: Rendered) -> None:
    outputs = default.outputs
    assert outputs["endpoint_url"] == f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"
    assert outputs["function_name"] == "acme-dev-support-bot"
    assert outputs["function_arn"].endswith(":function:acme-dev-support-bot")
    assert outputs["alias_arn"].endswith(":function:acme-dev-support-bot:live")
    assert outputs["image_ref"] == IMAGE_REF
    assert outputs["log_group_name"] == "/aws/lambda/acme-dev-support-bot"
    (registered,) = default.registered_outputs[default.resources[COMPONENT].urn]
    assert set(registered) == {
        "endpointUrl",
        "functionName",
        "functionArn",
        "aliasArn",
        "roleArn",
        "apiId",
        "logGroupName",
        "imageRef",
    }


def test_secret_image_ref_output_stays_secret() -> None:
    rendered = render_lambda(image_ref=pulumi.Output.secret(IMAGE_REF))
    assert "image_ref" in rendered.secret_outputs


def test_long_names_fit_aws_limits_and_stay_distinct() -> None:
    tenant = "t" * 40
    names = set()
    for agent in ("a" * 63, "a" * 62 + "b"):
        spec = make_spec(
            "staging", tenant={"id": tenant}, agent={"name": agent, "image": {"ref": IMAGE_REF}}
        )
        rendered = render_lambda(spec)
        function = rendered.one(FUNCTION).props["name"]
        role = rendered.one(ROLE).props["name"]
        assert len(function) <= 64 and len(role) <= 64
        assert function.startswith(f"{tenant}-staging-")
        assert log_group(rendered, "logs").props["name"] == f"/aws/lambda/{function}"
        names.add(function)
    assert len(names) == 2


def test_a_prebuilt_image_needs_no_build_and_no_repository(default: Rendered) -> None:
    types = {resource.type for resource in default.resources.values()}
    assert not [t for t in types if t.startswith("docker:")]
    assert "aws:ecr/repository:Repository" not in types
    assert not [c for c in default.calls if c.token.startswith("aws:ecr/")]
