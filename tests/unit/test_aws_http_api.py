"""The HTTP API's JWT authorizer and custom domain under Pulumi mocks."""

from __future__ import annotations

import pytest

from tests.unit.mocks.aws import (
    ACCOUNT,
    AGENT,
    DOMAIN_TARGET,
    REGION,
    Rendered,
    make_spec,
    render_agent,
)

AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
ROUTE = "aws:apigatewayv2/route:Route"
DOMAIN = "aws:apigatewayv2/domainName:DomainName"
MAPPING = "aws:apigatewayv2/apiMapping:ApiMapping"
STAGE = "aws:apigatewayv2/stage:Stage"
API_ID = "a1b2c3d4e5"
CERTIFICATE_ARN = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    spec = make_spec(
        lambda_={
            "api": {
                "jwtAuthorizer": {"issuer": ISSUER, "audience": ["support-web", "support-cli"]},
                "domain": {"name": "agent.acme.example", "certificateArn": CERTIFICATE_ARN},
            }
        }
    )
    return render_agent(spec)


def test_the_jwt_authorizer_checks_issuer_and_audience(rendered: Rendered) -> None:
    authorizer = rendered.one(AUTHORIZER).props
    assert authorizer["apiId"] == API_ID
    assert authorizer["authorizerType"] == "JWT"
    assert authorizer["identitySources"] == ["$request.header.Authorization"]
    assert authorizer["jwtConfiguration"] == {
        "issuer": ISSUER,
        "audiences": ["support-web", "support-cli"],
    }


def test_the_route_requires_the_authorizer(rendered: Rendered) -> None:
    route = rendered.one(ROUTE)
    assert route.props["authorizationType"] == "JWT"
    assert route.props["authorizerId"] == f"{AGENT}-jwt-authorizer-id"
    assert rendered.one(AUTHORIZER).urn in route.dependencies


def test_without_an_authorizer_the_route_is_open_as_before(dev_lambda: Rendered) -> None:
    route = dev_lambda.one(ROUTE).props
    assert "authorizationType" not in route and "authorizerId" not in route


def test_the_custom_domain_is_regional_with_the_spec_certificate(rendered: Rendered) -> None:
    domain = rendered.one(DOMAIN).props
    assert domain["domainName"] == "agent.acme.example"
    assert domain["domainNameConfiguration"]["certificateArn"] == CERTIFICATE_ARN
    assert domain["domainNameConfiguration"]["endpointType"] == "REGIONAL"
    assert domain["domainNameConfiguration"]["securityPolicy"] == "TLS_1_2"
    assert domain["tags"]["jockey:tenant"] == "acme"


def test_the_domain_maps_to_the_default_stage_of_this_api(rendered: Rendered) -> None:
    mapping = rendered.one(MAPPING)
    assert mapping.props["apiId"] == API_ID
    assert mapping.props["domainName"] == "agent.acme.example"
    assert mapping.props["stage"] == f"{AGENT}-stage-id"
    assert rendered.one(STAGE).urn in mapping.dependencies
    assert "apiMappingKey" not in mapping.props, "the whole domain serves the agent"


def test_the_dns_target_is_an_output(rendered: Rendered) -> None:
    assert rendered.outputs["domain_target"] == DOMAIN_TARGET
    (registered,) = rendered.registered_outputs[rendered.resources[AGENT].urn]
    assert registered["domainTarget"] == DOMAIN_TARGET
    assert rendered.outputs["endpoint_url"].endswith(".execute-api.eu-west-1.amazonaws.com")
