"""Shared harness of the AWS and image component tests (no tests here): specs, and a run
under Pulumi mocks that returns realistic provider outputs (ECR URLs, ARNs, invoke ARNs,
published versions, image digests, ECR tokens) and records every registration and call."""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime import mocks, rpc

from infra.spec import DeploymentSpec
from tests.unit.spec_support import (
    build_spec,
    is_secret_value,
)

ACCOUNT = "123456789012"
REGION = "eu-west-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
ECR_PASSWORD = "ecr-token-canary-77c1"
SECRET_VALUE = "sk-canary-3f9a1c"
DIGEST = "sha256:" + "0123456789abcdef" * 4
IMAGE_REF = f"{REGISTRY}/acme-dev/support-bot@{DIGEST}"
DEPLOYMENT_ID = "d-RELEASE123"
DOMAIN_TARGET = f"d-abc123.execute-api.{REGION}.amazonaws.com"


def spec_dict(environment: str = "dev") -> dict[str, Any]:
    """A valid spec of a Lambda tenant (with plain and secret env) and a prebuilt image."""
    return {
        "tenant": {
            "id": "acme",
            "organization": "acme-corp",
            "environment": environment,
            "labels": {"team": "support"},
        },
        "agent": {
            "name": "support-bot",
            "version": "1.4.2",
            "env": {"LOG_LEVEL": "info"},
            "secretEnv": {"OPENAI_API_KEY": {"fromEnv": "ACME_OPENAI_API_KEY"}},
            "image": {"ref": IMAGE_REF},
        },
        "lambda": {
            "enabled": True,
            "memory": 1024,
            "timeout": 29,
            "architecture": "arm64",
            "logRetentionDays": 14,
            "api": {
                "cors": {"allowOrigins": ["https://app.acme.example"]},
                "throttle": {"burstLimit": 100, "rateLimit": 50},
            },
        },
    }


def make_spec(environment: str = "dev", **sections: Mapping[str, Any]) -> DeploymentSpec:
    """A validated spec: `spec_dict` with `sections` (e.g. lambda_={...}) deep-merged in."""
    return build_spec(spec_dict(environment), sections)


def plain(value: Any) -> Any:
    """A registered input value with the engine's secret wrappers removed."""
    if is_secret_value(value):
        return plain(value["value"])
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


class AwsMocks(pulumi.runtime.Mocks):
    """Outputs shaped like the real providers' (computed fields included); calls recorded."""

    def __init__(self) -> None:
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = inputs.get("name", args.name)
        outputs = dict(inputs)
        resource_id = f"{args.name}-id"
        if args.typ == "aws:ecr/repository:Repository":
            outputs.update(
                repositoryUrl=f"{REGISTRY}/{name}",
                registryId=ACCOUNT,
                arn=_arn("ecr", f"repository/{name}"),
            )
            resource_id = name
        elif args.typ == "aws:iam/role:Role":
            outputs.update(arn=f"arn:aws:iam::{ACCOUNT}:role/{name}", uniqueId="AROAEXAMPLE")
            resource_id = name
        elif args.typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs.update(arn=_arn("logs", f"log-group:{name}"))
            resource_id = name
        elif args.typ == "aws:lambda/function:Function":
            arn = _arn("lambda", f"function:{name}")
            outputs.update(
                arn=arn,
                version="3",
                qualifiedArn=f"{arn}:3",
                invokeArn=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                f"{arn}/invocations",
            )
            resource_id = name
        elif args.typ == "aws:lambda/alias:Alias":
            arn = _arn("lambda", f"function:{inputs['functionName']}:{name}")
            outputs.update(
                arn=arn,
                invokeArn=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                f"{arn}/invocations",
            )
        elif args.typ == "aws:apigatewayv2/api:Api":
            resource_id = "a1b2c3d4e5"
            outputs.update(
                apiEndpoint=f"https://{resource_id}.execute-api.{REGION}.amazonaws.com",
                executionArn=_arn("execute-api", resource_id),
                arn=f"arn:aws:apigateway:{REGION}::/apis/{resource_id}",
            )
        elif args.typ == "aws:lambda/functionUrl:FunctionUrl":
            outputs.update(
                functionUrl=f"https://{args.name}-id.lambda-url.{REGION}.on.aws/", urlId="url-id"
            )
        elif args.typ == "aws:sns/topic:Topic":
            resource_id = _arn("sns", name)
            outputs.update(arn=resource_id)
        elif args.typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            outputs.update(arn=_arn("cloudwatch", f"alarm:{name}"))
            resource_id = name
        elif args.typ == "aws:codedeploy/application:Application":
            outputs.update(arn=_arn("codedeploy", f"application:{name}"))
            resource_id = name
        elif args.typ == "aws:codedeploy/deploymentConfig:DeploymentConfig":
            config = inputs["deploymentConfigName"]
            outputs.update(arn=_arn("codedeploy", f"deploymentconfig:{config}"))
            resource_id = config
        elif args.typ == "aws:codedeploy/deploymentGroup:DeploymentGroup":
            group = f"{inputs['appName']}/{inputs['deploymentGroupName']}"
            outputs.update(arn=_arn("codedeploy", f"deploymentgroup:{group}"))
        elif args.typ == "aws:apigatewayv2/domainName:DomainName":
            resource_id = inputs["domainName"]
            configuration = dict(inputs["domainNameConfiguration"])
            configuration.update(targetDomainName=DOMAIN_TARGET)
            outputs.update(domainNameConfiguration=configuration)
        elif args.typ == "aws:lambda/invocation:Invocation":
            event = json.loads(inputs["input"])
            outputs.update(
                result=json.dumps(
                    {
                        "deploymentId": DEPLOYMENT_ID,
                        "fromVersion": "2",
                        "toVersion": event["targetVersion"],
                    }
                )
            )
        elif args.typ == "docker:index/image:Image":
            image_name = inputs["imageName"]
            repository = image_name.rsplit(":", 1)[0]
            digest = hashlib.sha256(image_name.encode()).hexdigest()
            outputs.update(repoDigest=f"{repository}@sha256:{digest}", baseImageName=image_name)
        return resource_id, outputs

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                "authorizationToken": "QVdTOmVjci10b2tlbi1jYW5hcnktNzdjMQ==",
                "expiresAt": "2030-01-01T12:00:00Z",
                "id": REGION,
                "password": ECR_PASSWORD,
                "proxyEndpoint": f"https://{REGISTRY}",
                "userName": "AWS",
            }, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/deployer",
                "id": ACCOUNT,
                "userId": "AIDAEXAMPLE",
            }, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": REGION, "name": REGION, "region": REGION}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com"}, []
        raise AssertionError(f"unexpected call {args.token}")


@dataclass(frozen=True)
class Registered:
    """One resource registration as the engine received it."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    parent: str
    dependencies: tuple[str, ...]
    provider: str
    ignore_changes: tuple[str, ...] = ()

    @property
    def props(self) -> dict[str, Any]:
        """The inputs with secret wrappers removed."""
        return plain(self.inputs)  # type: ignore[no-any-return]


class _RecordingMonitor(mocks.MockMonitor):
    def __init__(self) -> None:
        self.aws_mocks = AwsMocks()
        super().__init__(self.aws_mocks)
        self.registered: dict[str, Registered] = {}
        self.outputs_by_urn: dict[str, list[dict[str, Any]]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registered[request.name] = Registered(
                type=request.type,
                name=request.name,
                urn=response.urn,
                inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                parent=request.parent,
                dependencies=tuple(request.dependencies),
                provider=request.provider,
                ignore_changes=tuple(request.ignoreChanges),
            )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = dict(rpc.deserialize_properties(request.outputs))
        self.outputs_by_urn.setdefault(request.urn, []).append(outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]


def _accepts_tags(resource: pulumi.Resource) -> bool:
    """Whether the resource's class takes a `tags` argument (the generated SDK's signature)."""
    init = type(resource)._internal_init  # type: ignore[attr-defined]
    return "tags" in inspect.signature(init).parameters


@dataclass(frozen=True)
class Rendered:
    """What one run registered and called, the resources' objects, and resolved outputs."""

    resources: dict[str, Registered]
    objects: dict[str, pulumi.Resource]
    calls: list[pulumi.runtime.MockCallArgs]
    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    registered_outputs: dict[str, list[dict[str, Any]]]
    warnings: tuple[str, ...] = ()

    def of_type(self, type_: str) -> list[Registered]:
        """Registrations of one type token, e.g. `aws:lambda/function:Function`."""
        return [r for r in self.resources.values() if r.type == type_]

    def one(self, type_: str) -> Registered:
        """The only registration of a type token."""
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
        return found[0]

    def aws(self) -> list[Registered]:
        """Every AWS resource (providers excluded)."""
        return [r for r in self.resources.values() if r.type.startswith("aws:")]

    def taggable(self) -> list[Registered]:
        """The AWS resources whose type accepts `tags`."""
        return [r for r in self.aws() if _accepts_tags(self.objects[r.name])]

    def call(self, token: str) -> pulumi.runtime.MockCallArgs:
        """The only call of a function token."""
        found = [c for c in self.calls if c.token == token]
        assert len(found) == 1, f"expected one call of {token}, got {len(found)}"
        return found[0]


def render(program: Callable[[aws.Provider], Mapping[str, pulumi.Input[Any]]]) -> Rendered:
    """Run `program(provider)` under fresh mocks; it returns the outputs to resolve.

    Args:
        program: builds components with the given AWS provider and returns named outputs.
    """
    monitor = _RecordingMonitor()
    logged = _Recorder()
    logger = logging.getLogger(f"{__name__}.engine")
    logger.handlers[:] = [logged]
    logger.propagate = False
    pulumi.runtime.set_mocks(monitor.mocks, preview=False, monitor=monitor, logger=logger)
    objects: dict[str, pulumi.Resource] = {}
    resolved: dict[str, Any] = {}
    secret: set[str] = set()

    def remember(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        objects[args.name] = args.resource
        return None

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> pulumi.Output[Any]:
        pulumi.runtime.register_stack_transformation(remember)
        provider = aws.Provider("aws", region=REGION)
        outputs = {key: pulumi.Output.from_input(value) for key, value in program(provider).items()}

        async def secrets() -> bool:
            for key, output in outputs.items():
                if await output.is_secret():
                    secret.add(key)
            return True

        flags: pulumi.Output[bool] = pulumi.Output.from_input(secrets())
        return pulumi.Output.all(flags, pulumi.Output.all(**outputs)).apply(
            lambda values: resolved.update(values[1])
        )

    run()
    return Rendered(
        resources=dict(monitor.registered),
        objects=objects,
        calls=list(monitor.aws_mocks.calls),
        outputs=resolved,
        secret_outputs=frozenset(secret),
        registered_outputs=dict(monitor.outputs_by_urn),
        warnings=tuple(logged.warnings),
    )


class _Recorder(logging.Handler):
    """Keeps the warnings the program logs through the engine (`pulumi.log.warn`)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.warnings.append(record.getMessage())


AGENT = "agent"
"""The `LambdaAgent` name `render_agent` uses (children are `agent-<suffix>`)."""


def render_agent(
    spec: DeploymentSpec, secret_env: Mapping[str, pulumi.Input[str]] | None = None
) -> Rendered:
    """Run one `LambdaAgent` for `spec`; its outputs are resolved under their attribute names."""
    from infra.components.aws import LambdaAgent, LambdaAgentArgs

    def program(provider: aws.Provider) -> dict[str, pulumi.Input[Any]]:
        agent = LambdaAgent(
            AGENT,
            LambdaAgentArgs(spec=spec, image_ref=IMAGE_REF, secret_env=dict(secret_env or {})),
            opts=pulumi.ResourceOptions(providers=[provider]),
        )
        outputs: dict[str, pulumi.Output[str] | None] = {
            "endpoint_url": agent.endpoint_url,
            "function_name": agent.function_name,
            "alias_arn": agent.alias_arn,
            "api_id": agent.api_id,
            "domain_target": agent.domain_target,
            "alerts_topic_arn": agent.alerts_topic_arn,
            "deployment_group": agent.deployment_group,
            "last_release": agent.last_release,
        }
        return {key: value for key, value in outputs.items() if value is not None}

    return render(program)


def policy_statements(resource: Registered) -> dict[str, dict[str, Any]]:
    """An IAM policy's statements by Sid (the document parsed as JSON)."""
    document = json.loads(resource.props["policy"])
    assert document["Version"] == "2012-10-17"
    return {statement["Sid"]: statement for statement in document["Statement"]}
