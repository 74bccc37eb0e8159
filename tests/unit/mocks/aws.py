"""AWS and image component mocks: a Lambda tenant's spec, and a recorded run.

The mocks return realistic provider outputs (ECR URLs, ARNs, invoke ARNs, published
versions, image digests, ECR tokens) and record every registration and call.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.spec import DeploymentSpec
from tests.unit.mocks import DIGEST, Recording, Registered, build_spec, record

__all__ = [
    "ACCOUNT",
    "AGENT",
    "DEPLOYMENT_ID",
    "DOMAIN_TARGET",
    "ECR_PASSWORD",
    "IMAGE_REF",
    "REGION",
    "REGISTRY",
    "AwsMocks",
    "Rendered",
    "make_spec",
    "policy_statements",
    "render",
    "render_agent",
    "spec_dict",
]

ACCOUNT = "123456789012"
REGION = "eu-west-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
ECR_PASSWORD = "ecr-token-canary-77c1"
IMAGE_REF = f"{REGISTRY}/acme-dev/support-bot@{DIGEST}"
DEPLOYMENT_ID = "d-RELEASE123"
DOMAIN_TARGET = f"d-abc123.execute-api.{REGION}.amazonaws.com"

AGENT = "agent"
"""The `LambdaAgent` name `render_agent` uses (children are `agent-<suffix>`)."""


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


def _accepts_tags(resource: pulumi.Resource) -> bool:
    """Whether the resource's class takes a `tags` argument (the generated SDK's signature)."""
    init = type(resource)._internal_init  # type: ignore[attr-defined]
    return "tags" in inspect.signature(init).parameters


@dataclass(frozen=True)
class Rendered(Recording):
    """A recording of an AWS program, with the provider functions it called."""

    calls: list[pulumi.runtime.MockCallArgs]

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
    mocks = AwsMocks()
    recording = record(mocks, lambda: program(aws.Provider("aws", region=REGION)))
    return Rendered(**vars(recording), calls=list(mocks.calls))


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
