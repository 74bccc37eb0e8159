"""`LambdaAgent`: the agent image as a Lambda function behind an HTTP API or a Function URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra._providers import tenant_tags
from infra.components.aws._alarms import declare_alarms, declare_alerts_topic
from infra.components.aws._canary import declare_canary
from infra.components.aws._function_url import declare_function_url
from infra.components.aws._http_api import declare_http_api
from infra.components.aws._names import aws_names
from infra.components.aws._policies import VPC_ACCESS_POLICY, lambda_trust_policy, logs_policy
from infra.components.aws._secret_access import declare_secret_access
from infra.components.aws._settings import function_environment
from infra.spec import CanaryAlarm, DeploymentSpec, Endpoint, effective_alerts, spec_warnings

TYPE_TOKEN = "jockey:aws:LambdaAgent"
CODEDEPLOY_OWNS = ["functionVersion", "routingConfig"]
"""The alias properties CodeDeploy moves during a canary release (Pulumi leaves them be)."""


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


class LambdaAgent(pulumi.ComponentResource):
    """One tenant's agent on AWS Lambda, reached through an HTTP API or a Function URL.

    Creates a least-privilege execution role (assumable only by Lambda for this account;
    it may write to its own log group, plus the VPC access policy when `lambda.vpc` is set,
    a mount grant for `lambda.efs`, X-Ray writes with `lambda.tracing`, and reads of exactly
    the agent's Secrets Manager and SSM secrets), the log group with retention, the
    container-image function (published; the adapter's settings and the agent's env as
    variables, secret values as Pulumi secrets, secret references as plain variables), a
    `live` alias, and the endpoint: the HTTP API (`_http_api`) or a Function URL
    (`_function_url`). Alarms with an SNS topic come with `lambda.alerts` (always in prod);
    `lambda.canary` hands the alias to CodeDeploy (`_canary`). Every taggable resource
    carries the tenant's tags. The AWS provider comes in through `opts`. What the spec allows
    but deserves attention (a public Function URL in prod) is logged as a warning on every
    preview and up.

    Lambda shows environment variables to anyone allowed to read the function's
    configuration: values from `fromEnv`, `fromFile` or `fromConfig` are encrypted in
    Pulumi's state but visible there; `fromSecretsManager` and `fromSsm` keep them out.

    Attributes:
        endpoint_url: the HTTP API's URL or the Function URL.
        function_name: the function's name (`<tenant>-<environment>-<agent>`, at most 64).
        function_arn: the function's ARN.
        alias_arn: the `live` alias's ARN (what the endpoint invokes).
        role_arn: the execution role's ARN.
        api_id: the HTTP API's id (None with a Function URL).
        log_group_name: the function's log group.
        image_ref: the image the function runs.
        domain_target: with a custom domain, the name its DNS record points at.
        alerts_topic_arn: with alerts, the topic the alarms notify.
        deployment_group: with a canary, the CodeDeploy deployment group releasing versions.
        last_release: with a canary, the release function's answer for the current version
            (JSON: `deploymentId`, null when nothing had to move, `fromVersion`, `toVersion`).
    """

    endpoint_url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    api_id: pulumi.Output[str] | None
    log_group_name: pulumi.Output[str]
    image_ref: pulumi.Output[str]
    domain_target: pulumi.Output[str] | None
    alerts_topic_arn: pulumi.Output[str] | None
    deployment_group: pulumi.Output[str] | None
    last_release: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: LambdaAgentArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        """Declare the function, its role and logs, the alias, the endpoint and operations.

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
        for warning in spec_warnings(spec):
            if warning.path.startswith("lambda."):
                pulumi.log.warn(f"{spec.stack_name}: {warning}", resource=self)

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
            policy=log_group.arn.apply(lambda arn: logs_policy(arn, efs_arn, tracing=lam.tracing)),
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
        secret_access = declare_secret_access(name, self, spec, names, role, identity.account_id)
        if secret_access is not None:
            permissions.append(secret_access)

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
            tracing_config=(
                aws.lambda_.FunctionTracingConfigArgs(mode="Active") if lam.tracing else None
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
            description=(
                "The version API Gateway invokes (Jockey)"
                if lam.endpoint is Endpoint.HTTP_API
                else "The version the Function URL invokes (Jockey)"
            ),
            function_name=function.name,
            function_version=function.version,
            # With a canary, CodeDeploy moves the alias to each new version, step by step.
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=CODEDEPLOY_OWNS if lam.canary else None
            ),
        )

        self.api_id = self.domain_target = None
        if lam.endpoint is Endpoint.FUNCTION_URL:
            self.endpoint_url = declare_function_url(name, self, spec, function, alias)
        else:
            api = declare_http_api(name, self, spec, names, function, alias, tags)
            self.endpoint_url, self.api_id, self.domain_target = (
                api.url,
                api.api_id,
                api.domain_target,
            )

        alerts = effective_alerts(spec)
        self.alerts_topic_arn = None
        if alerts is not None:
            self.alerts_topic_arn = declare_alerts_topic(name, self, alerts, names, tags)
            declare_alarms(
                name, self, spec, names, function, list(CanaryAlarm), self.alerts_topic_arn, tags
            )
        self.deployment_group = self.last_release = None
        if lam.canary is not None:
            gates = declare_alarms(
                name,
                self,
                spec,
                names,
                function,
                lam.canary.alarms,
                self.alerts_topic_arn,
                tags,
                release=True,
            )
            canary = declare_canary(
                name,
                self,
                spec,
                names,
                function=function,
                alias=alias,
                alarms=gates,
                account_id=identity.account_id,
                tags=tags,
            )
            self.deployment_group, self.last_release = canary.deployment_group, canary.last_release

        self.function_name = function.name
        self.function_arn = function.arn
        self.alias_arn = alias.arn
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.image_ref = pulumi.Output.from_input(args.image_ref)
        outputs: dict[str, pulumi.Output[str] | None] = {
            "endpointUrl": self.endpoint_url,
            "functionName": self.function_name,
            "functionArn": self.function_arn,
            "aliasArn": self.alias_arn,
            "roleArn": self.role_arn,
            "apiId": self.api_id,
            "logGroupName": self.log_group_name,
            "imageRef": self.image_ref,
            "domainTarget": self.domain_target,
            "alertsTopicArn": self.alerts_topic_arn,
            "deploymentGroup": self.deployment_group,
            "lastRelease": self.last_release,
        }
        self.register_outputs({key: value for key, value in outputs.items() if value is not None})
