"""The API Gateway HTTP API in front of the `live` alias (`lambda.endpoint: httpApi`)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.aws._domain import declare_custom_domain
from infra.components.aws._names import AwsNames
from infra.components.aws._settings import access_log_format, integration_timeout_ms
from infra.spec import CorsSpec, DeploymentSpec, JwtAuthorizerSpec

API_GATEWAY_SERVICE = "apigateway.amazonaws.com"
DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"
JWT_IDENTITY_SOURCE = "$request.header.Authorization"


@dataclass(frozen=True)
class HttpApiEndpoint:
    """What the HTTP API exposes.

    Attributes:
        url: `https://<api-id>.execute-api.<region>.amazonaws.com`.
        api_id: the API's id.
        domain_target: with a custom domain, the name its DNS record points at.
    """

    url: pulumi.Output[str]
    api_id: pulumi.Output[str]
    domain_target: pulumi.Output[str] | None


def _cors(cors: CorsSpec | None) -> aws.apigatewayv2.ApiCorsConfigurationArgs | None:
    if cors is None:
        return None
    return aws.apigatewayv2.ApiCorsConfigurationArgs(
        allow_origins=list(cors.allow_origins),
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        max_age=cors.max_age,
    )


def _authorizer(
    name: str, parent: pulumi.Resource, api: aws.apigatewayv2.Api, jwt: JwtAuthorizerSpec
) -> aws.apigatewayv2.Authorizer:
    return aws.apigatewayv2.Authorizer(
        f"{name}-jwt-authorizer",
        api_id=api.id,
        name="jwt",
        authorizer_type="JWT",
        identity_sources=[JWT_IDENTITY_SOURCE],
        jwt_configuration=aws.apigatewayv2.AuthorizerJwtConfigurationArgs(
            issuer=jwt.issuer, audiences=list(jwt.audience)
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def declare_http_api(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    names: AwsNames,
    function: aws.lambda_.Function,
    alias: aws.lambda_.Alias,
    tags: dict[str, str],
) -> HttpApiEndpoint:
    """The HTTP API in front of the alias, with its stage, logs, permission and domain.

    A `$default` route to the alias (behind a JWT authorizer when the spec has one), a
    `$default` stage with throttling and JSON access logs in their own log group, CORS from
    the spec, the invoke permission scoped to this API and the alias, and the custom domain
    when the spec has one.

    Args:
        name: the component's name; children are `<name>-<suffix>`.
        parent: the component.
        spec: the validated spec.
        names: the tenant's AWS names.
        function: the agent function.
        alias: its `live` alias.
        tags: the tenant's tags.
    """
    lam = spec.lambda_
    child = pulumi.ResourceOptions(parent=parent)
    access_logs = aws.cloudwatch.LogGroup(
        f"{name}-access-logs",
        name=names.access_log_group,
        retention_in_days=lam.log_retention_days,
        tags=tags,
        opts=child,
    )
    api = aws.apigatewayv2.Api(
        f"{name}-api",
        name=names.api,
        description=f"{spec.agent.name} for {spec.stack_name} (Jockey)",
        protocol_type="HTTP",
        cors_configuration=_cors(lam.api.cors),
        tags=tags,
        opts=child,
    )
    integration = aws.apigatewayv2.Integration(
        f"{name}-integration",
        api_id=api.id,
        integration_type="AWS_PROXY",
        integration_method="POST",
        integration_uri=alias.invoke_arn,
        payload_format_version="2.0",
        timeout_milliseconds=integration_timeout_ms(lam.timeout),
        opts=child,
    )
    jwt = lam.api.jwt_authorizer
    authorizer = _authorizer(name, parent, api, jwt) if jwt is not None else None
    route = aws.apigatewayv2.Route(
        f"{name}-route",
        api_id=api.id,
        route_key=DEFAULT_ROUTE,
        target=pulumi.Output.concat("integrations/", integration.id),
        authorization_type="JWT" if authorizer is not None else None,
        authorizer_id=authorizer.id if authorizer is not None else None,
        opts=child,
    )
    stage = aws.apigatewayv2.Stage(
        f"{name}-stage",
        api_id=api.id,
        name=DEFAULT_STAGE,
        auto_deploy=True,
        default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
            throttling_burst_limit=lam.api.throttle.burst_limit,
            throttling_rate_limit=lam.api.throttle.rate_limit,
        ),
        access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
            destination_arn=access_logs.arn, format=access_log_format()
        ),
        tags=tags,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[route]),
    )
    aws.lambda_.Permission(
        f"{name}-invoke-permission",
        action="lambda:InvokeFunction",
        function=function.name,
        qualifier=alias.name,
        principal=API_GATEWAY_SERVICE,
        source_arn=pulumi.Output.concat(api.execution_arn, "/*/*"),
        opts=child,
    )
    domain = lam.api.domain
    return HttpApiEndpoint(
        url=api.api_endpoint,
        api_id=api.id,
        domain_target=(
            declare_custom_domain(name, parent, domain, api, stage, tags)
            if domain is not None
            else None
        ),
    )
