"""A Lambda Function URL on the `live` alias (`lambda.endpoint: functionUrl`).

Up to 900 s per request and, by default, streamed responses (`RESPONSE_STREAM`; the adapter
runs in `response_stream` mode to match). Auth is `AWS_IAM` (callers sign with SigV4 and
need `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction` on the alias) or `NONE`, which
the function's resource policy must open to everyone: Lambda requires both statements for
URLs created since October 2025.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.spec import DeploymentSpec, FunctionUrlAuth, FunctionUrlCorsSpec
from infra.spec import effective_function_url_auth as url_auth

PUBLIC = "*"


def _cors(cors: FunctionUrlCorsSpec | None) -> aws.lambda_.FunctionUrlCorsArgs | None:
    if cors is None:
        return None
    return aws.lambda_.FunctionUrlCorsArgs(
        allow_origins=list(cors.allow_origins),
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        expose_headers=list(cors.expose_headers) or None,
        max_age=cors.max_age,
        allow_credentials=cors.allow_credentials,
    )


def declare_function_url(
    name: str,
    parent: pulumi.Resource,
    spec: DeploymentSpec,
    function: aws.lambda_.Function,
    alias: aws.lambda_.Alias,
) -> pulumi.Output[str]:
    """The Function URL on the alias, and with `NONE` auth the public invoke permissions.

    Args:
        name: the component's name; children are `<name>-url` and `<name>-url-*`.
        parent: the component.
        spec: the validated spec.
        function: the agent function.
        alias: its `live` alias.

    Returns:
        The URL, `https://<id>.lambda-url.<region>.on.aws/`.
    """
    child = pulumi.ResourceOptions(parent=parent)
    auth = url_auth(spec)
    url = aws.lambda_.FunctionUrl(
        f"{name}-url",
        function_name=function.name,
        qualifier=alias.name,
        authorization_type=auth.value,
        invoke_mode="RESPONSE_STREAM" if spec.lambda_.streams else "BUFFERED",
        cors=_cors(spec.lambda_.function_url.cors if spec.lambda_.function_url else None),
        opts=child,
    )
    if auth is FunctionUrlAuth.NONE:
        aws.lambda_.Permission(
            f"{name}-url-public",
            action="lambda:InvokeFunctionUrl",
            function=function.name,
            qualifier=alias.name,
            principal=PUBLIC,
            function_url_auth_type=auth.value,
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-public-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            qualifier=alias.name,
            principal=PUBLIC,
            invoked_via_function_url=True,
            opts=child,
        )
    return url.function_url
