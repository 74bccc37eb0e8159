"""`lambda.endpoint: functionUrl` under Pulumi mocks: a streaming Function URL on the alias."""

from __future__ import annotations

from typing import Any

import pytest

from infra.spec import DeploymentSpec
from tests.unit.mocks import build_spec
from tests.unit.mocks.aws import AGENT, REGION, Rendered, render_agent, spec_dict

URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"


def url_spec(environment: str = "dev", **lambda_: Any) -> DeploymentSpec:
    """The sample tenant behind a Function URL (its HTTP API settings removed)."""
    data = spec_dict(environment)
    del data["lambda"]["api"]
    return build_spec(data, {"lambda": {"endpoint": "functionUrl", "timeout": 900, **lambda_}})


@pytest.fixture(scope="module")
def dev_url() -> Rendered:
    spec = url_spec(
        functionUrl={
            "cors": {
                "allowOrigins": ["https://app.acme.example"],
                "exposeHeaders": ["x-request-id"],
                "allowCredentials": True,
            }
        }
    )
    return render_agent(spec)


@pytest.fixture(scope="module")
def prod_url() -> Rendered:
    return render_agent(url_spec("prod"))


def test_the_url_is_on_the_live_alias_and_streams(dev_url: Rendered) -> None:
    url = dev_url.one(URL)
    assert url.props["functionName"] == "acme-dev-support-bot"
    assert url.props["qualifier"] == "live", "the alias, never $LATEST"
    assert url.props["invokeMode"] == "RESPONSE_STREAM"
    assert dev_url.one(ALIAS).urn in url.dependencies
    variables = dev_url.one(FUNCTION).props["environment"]["variables"]
    assert variables["AWS_LWA_INVOKE_MODE"] == "response_stream", "the adapter streams too"


def test_the_function_may_run_lambdas_full_900_seconds(dev_url: Rendered) -> None:
    assert dev_url.one(FUNCTION).props["timeout"] == 900


def test_cors_comes_from_the_spec(dev_url: Rendered) -> None:
    assert dev_url.one(URL).props["cors"] == {
        "allowOrigins": ["https://app.acme.example"],
        "allowMethods": ["GET", "POST"],
        "allowHeaders": ["content-type", "authorization"],
        "exposeHeaders": ["x-request-id"],
        "maxAge": 300,
        "allowCredentials": True,
    }


def test_dev_defaults_to_a_public_url_with_both_public_statements(dev_url: Rendered) -> None:
    assert dev_url.one(URL).props["authorizationType"] == "NONE"
    permissions = {p.props["action"]: p.props for p in dev_url.of_type(PERMISSION)}
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    url_statement = permissions["lambda:InvokeFunctionUrl"]
    assert url_statement["principal"] == "*"
    assert url_statement["functionUrlAuthType"] == "NONE"
    assert url_statement["qualifier"] == "live"
    invoke = permissions["lambda:InvokeFunction"]
    assert invoke["principal"] == "*"
    assert invoke["invokedViaFunctionUrl"] is True, "only through the URL, not the Invoke API"
    assert invoke["qualifier"] == "live"
    assert dev_url.warnings == ()


def test_prod_defaults_to_iam_auth_with_no_public_statement(prod_url: Rendered) -> None:
    assert prod_url.one(URL).props["authorizationType"] == "AWS_IAM"
    assert prod_url.of_type(PERMISSION) == []
    assert prod_url.warnings == ()


def test_opening_a_prod_url_is_explicit_and_warned_about() -> None:
    rendered = render_agent(url_spec("prod", functionUrl={"authType": "NONE"}))
    assert rendered.one(URL).props["authorizationType"] == "NONE"
    (warning,) = rendered.warnings
    assert warning.startswith("acme-prod: lambda.functionUrl.authType: makes the prod")
    assert "public" in warning and "use AWS_IAM" in warning


def test_no_http_api_and_the_url_is_the_endpoint(dev_url: Rendered) -> None:
    assert not [r for r in dev_url.aws() if r.type.startswith("aws:apigatewayv2/")]
    assert dev_url.outputs["endpoint_url"] == f"https://{AGENT}-url-id.lambda-url.{REGION}.on.aws/"
    assert "api_id" not in dev_url.outputs
    (registered,) = dev_url.registered_outputs[dev_url.resources[AGENT].urn]
    assert "apiId" not in registered and registered["endpointUrl"].endswith(".on.aws/")


def test_buffered_url_when_streaming_is_off() -> None:
    rendered = render_agent(url_spec(streaming=False))
    assert rendered.one(URL).props["invokeMode"] == "BUFFERED"
    variables = rendered.one(FUNCTION).props["environment"]["variables"]
    assert "AWS_LWA_INVOKE_MODE" not in variables
    assert "cors" not in rendered.one(URL).props


def test_url_children_are_parented_and_named(dev_url: Rendered) -> None:
    component = dev_url.resources[AGENT]
    for resource in [dev_url.one(URL), *dev_url.of_type(PERMISSION)]:
        assert resource.parent == component.urn
        assert resource.name.startswith(f"{AGENT}-url")
