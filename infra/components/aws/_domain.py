"""A custom domain for the HTTP API: a regional API Gateway domain name and its mapping."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.spec import DomainSpec

ENDPOINT_TYPE = "REGIONAL"
"""HTTP APIs serve custom domains from their own region (the certificate's region)."""
SECURITY_POLICY = "TLS_1_2"


def declare_custom_domain(
    name: str,
    parent: pulumi.Resource,
    domain: DomainSpec,
    api: aws.apigatewayv2.Api,
    stage: aws.apigatewayv2.Stage,
    tags: dict[str, str],
) -> pulumi.Output[str]:
    """Serve the API's stage at `domain.name` with the domain's ACM certificate.

    No DNS record is created (Jockey manages no hosted zone): point a CNAME, or a Route 53
    alias, for the domain at the returned target.

    Args:
        name: the component's name; children are `<name>-domain` and `<name>-api-mapping`.
        parent: the component.
        domain: the spec's `lambda.api.domain`.
        api: the HTTP API.
        stage: its `$default` stage.
        tags: the tenant's tags.

    Returns:
        The regional target domain name the domain's DNS record points at.
    """
    child = pulumi.ResourceOptions(parent=parent)
    domain_name = aws.apigatewayv2.DomainName(
        f"{name}-domain",
        domain_name=domain.name,
        domain_name_configuration=aws.apigatewayv2.DomainNameDomainNameConfigurationArgs(
            certificate_arn=domain.certificate_arn,
            endpoint_type=ENDPOINT_TYPE,
            security_policy=SECURITY_POLICY,
        ),
        tags=tags,
        opts=child,
    )
    aws.apigatewayv2.ApiMapping(
        f"{name}-api-mapping",
        api_id=api.id,
        domain_name=domain_name.id,
        stage=stage.id,
        opts=child,
    )
    return domain_name.domain_name_configuration.apply(
        lambda configuration: configuration.target_domain_name or ""
    )
