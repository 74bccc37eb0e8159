"""`LambdaAgent`: the agent image as a Lambda function behind an API Gateway HTTP API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra._providers import tenant_tags
from infra.components.aws._names import aws_names
from infra.components.aws._policies import VPC_ACCESS_POLICY, lambda_trust_policy, logs_policy
from infra.components.aws._settings import (
    access_log_format,
    function_environment,
    integration_timeout_ms,
)
from infra.spec import CorsSpec, DeploymentSpec

TYPE_TOKEN = "jockey:aws:LambdaAgent"
API_GATEWAY_SERVICE = "apigateway.amazonaws.com"
DEFAULT_ROUTE = "$default"
DEFAULT_STAGE = "$default"


@dataclass(frozen=True)
class LambdaAgentArgs:
    """Inputs of `LambdaAgent`.

    Attributes:
        spec: the validated deployment spec (`lambda` section, tenant, agent).
        image_ref: the digest-pinned image in ECR, `<repository>@sha256:<digest>`.
        secret_env: the agent's secret environment values (made Pulumi secrets here too).
    """

    spec: DeploymentSpec
    image_ref: pulumi.Input[str]
    secret_env: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)


def _cors(cors: CorsSpec | None) -> aws.apigatewayv2.ApiCorsConfigurationArgs | None:
    if cors is None:
        return None
    return aws.apigatewayv2.ApiCorsConfigurationArgs(
        allow_origins=list(cors.allow_origins),
        allow_methods=list(cors.allow_methods),
        allow_headers=list(cors.allow_headers),
        max_age=cors.max_age,
    )


class LambdaAgent(pulumi.ComponentResource):
    """One tenant's agent on AWS Lambda, reached through an API Gateway HTTP API.

    Creates a least-privilege execution role (assumable only by Lambda for this account;
    it may write to its own log group, plus the VPC access policy when `lambda.vpc` is set
    and a mount grant for `lambda.efs`), the log group with retention, the container-image
    function (published; the adapter's settings and the agent's env as variables, secret
    values as Pulumi secrets), a `live` alias, and the HTTP API: `$default` route to the
    alias, `$default` stage with throttling and JSON access logs in their own log group,
    CORS from the spec, and the invoke permission scoped to this API and the alias.
    Every taggable resource carries the tenant's tags. The AWS provider comes in through
    `opts`.

    Lambda shows environment variables to anyone allowed to read the function's
    configuration: the secret values are encrypted in Pulumi's state, but a production
    setup should keep them in AWS Secrets Manager and let the agent read them at start.

    Attributes:
        endpoint_url: the HTTP API's URL, `https://<api-id>.execute-api.<region>.amazonaws.com`.
        function_name: the function's name (`<tenant>-<environment>-<agent>`, at most 64).
        function_arn: the function's ARN.
        alias_arn: the `live` alias's ARN (what API Gateway invokes).
        role_arn: the execution role's ARN.
        api_id: the HTTP API's id.
        log_group_name: the function's log group.
        image_ref: the image the function runs.
    """

    endpoint_url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    api_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    image_ref: pulumi.Output[str]

    def __init__(
        self, name: str, args: LambdaAgentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the function, its role and logs, the alias and the HTTP API.

        Args:
            name: the component's name; children are named `<name>-<suffix>`.
            args: the spec, the image reference and the secret values.
            opts: resource options, carrying the AWS provider.
        """
        super().__init__(TYPE_TOKEN, name, None, opts)
        spec = args.spec
        lam = spec.lambda_
        names = aws_names(spec)
        tags = tenant_tags(spec)
        child = pulumi.ResourceOptions(parent=self)

        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        role = aws.iam.Role(
            f"{name}-role",
            name=names.role,
            description=f"Execution role of the Lambda function {names.function} (Jockey)",
            assume_role_policy=identity.account_id.apply(lambda_trust_policy),
            tags=tags,
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=names.log_group,
            retention_in_days=lam.log_retention_days,
            tags=tags,
            opts=child,
        )
        efs_arn = lam.efs.access_point_arn if lam.efs is not None else None
        role_policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            name=names.logs_policy,
            role=role.id,
            policy=log_group.arn.apply(lambda arn: logs_policy(arn, efs_arn)),
            opts=child,
        )
        permissions: list[pulumi.Resource] = [log_group, role_policy]
        if lam.vpc is not None:
            # The role ARN names the partition (aws, aws-cn, aws-us-gov) of the managed policy.
            permissions.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-vpc-access",
                    role=role.name,
                    policy_arn=role.arn.apply(
                        lambda arn: f"arn:{arn.split(':')[1]}:iam::aws:policy/{VPC_ACCESS_POLICY}"
                    ),
                    opts=child,
                )
            )

        variables: dict[str, pulumi.Input[str]] = dict(function_environment(spec))
        variables.update(
            {key: pulumi.Output.secret(value) for key, value in args.secret_env.items()}
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=names.function,
            description=f"{spec.agent.name} {spec.agent.version} for {spec.stack_name} (Jockey)",
            role=role.arn,
            package_type="Image",
            image_uri=args.image_ref,
            architectures=[lam.architecture.value],
            memory_size=lam.memory,
            timeout=lam.timeout,
            reserved_concurrent_executions=lam.reserved_concurrency,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=variables),
            vpc_config=(
                aws.lambda_.FunctionVpcConfigArgs(
                    subnet_ids=list(lam.vpc.subnet_ids),
                    security_group_ids=list(lam.vpc.security_group_ids),
                )
                if lam.vpc is not None
                else None
            ),
            file_system_config=(
                aws.lambda_.FunctionFileSystemConfigArgs(
                    arn=lam.efs.access_point_arn, local_mount_path=lam.efs.mount_path
                )
                if lam.efs is not None
                else None
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=log_group.name
            ),
            publish=True,
            tags=tags,
            # Logging (and the network interfaces) must work from the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=permissions),
        )
        alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=names.alias,
            description="The version API Gateway invokes (Jockey)",
            function_name=function.name,
            function_version=function.version,
            opts=child,
        )

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
        route = aws.apigatewayv2.Route(
            f"{name}-route",
            api_id=api.id,
            route_key=DEFAULT_ROUTE,
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=child,
        )
        aws.apigatewayv2.Stage(
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
            opts=pulumi.ResourceOptions(parent=self, depends_on=[route]),
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

        self.endpoint_url = api.api_endpoint
        self.function_name = function.name
        self.function_arn = function.arn
        self.alias_arn = alias.arn
        self.role_arn = role.arn
        self.api_id = api.id
        self.log_group_name = log_group.name
        self.image_ref = pulumi.Output.from_input(args.image_ref)
        self.register_outputs(
            {
                "endpointUrl": self.endpoint_url,
                "functionName": self.function_name,
                "functionArn": self.function_arn,
                "aliasArn": self.alias_arn,
                "roleArn": self.role_arn,
                "apiId": self.api_id,
                "logGroupName": self.log_group_name,
                "imageRef": self.image_ref,
            }
        )
