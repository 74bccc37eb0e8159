"""The program function and the `pulumi up` shim, evaluated under Pulumi's mocks.

The AWS and Docker providers cannot run here (no AWS, no Docker engine), so these paths
are checked with mocks; the Kubernetes path also runs on the real engine (tests/engine).
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SECRET = "sk-unit-test-canary"


class RecordingMocks(pulumi.runtime.Mocks):
    """Records every resource; returns realistic outputs for the image and ECR calls."""

    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ == "aws:ecr/repository:Repository":
            outputs.update(
                repositoryUrl=f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{args.name}",
                registryId="123456789012",
                arn=f"arn:aws:ecr:eu-west-1:123456789012:repository/{args.name}",
            )
        if args.typ.startswith("docker:"):
            outputs.update(repoDigest=f"{outputs.get('imageName', 'repo')}@sha256:{'e' * 64}")
        if args.typ == "aws:apigatewayv2/api:Api":
            outputs.update(
                executionArn=f"arn:aws:execute-api:eu-west-1:123456789012:{args.name}",
                apiEndpoint=f"https://{args.name}.execute-api.eu-west-1.amazonaws.com",
            )
        if args.typ.startswith("aws:"):
            outputs.setdefault("arn", f"arn:aws:{args.typ.split(':')[1]}:eu-west-1:123:{args.name}")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                "authorizationToken": "QVdTOnRva2Vu",
                "userName": "AWS",
                "password": "token",
                "proxyEndpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            }, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:root"}, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": "eu-west-1", "region": "eu-west-1"}, []
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com"}, []
        return {}, []


def _stack_config(stack: str) -> dict[str, str]:
    """A stack file's `jockey:*` config as the engine passes it (JSON strings)."""
    config = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())["config"]
    values = {}
    for key, value in config.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[key] = SECRET  # the engine hands the program decrypted values
        else:
            values[key] = value if isinstance(value, str) else json.dumps(value)
    return values


def _run_shim(stack: str, monkeypatch: pytest.MonkeyPatch) -> RecordingMocks:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="jockey", stack=stack, preview=False)
    config = _stack_config(stack)
    config.setdefault("jockey:openaiApiKey", SECRET)
    pulumi.runtime.set_all_config(config, ["jockey:openaiApiKey"])
    monkeypatch.setattr(pulumi, "get_root_directory", lambda: str(REPO))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(str(REPO / "infra" / "__main__.py"), run_name="__main__")

    run()
    return mocks


def _types(mocks: RecordingMocks) -> list[str]:
    return [resource.typ for resource in mocks.resources]


def test_dev_stack_is_kubernetes_only_with_its_secret_marked_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mocks = _run_shim("dev", monkeypatch)
    types = _types(mocks)
    assert "kubernetes:apps/v1:Deployment" in types
    assert "jockey:kubernetes:Agent" in types
    assert not [t for t in types if t.startswith(("aws:", "docker:"))]
    (provider,) = [r for r in mocks.resources if r.typ == "pulumi:providers:kubernetes"]
    assert provider.inputs["renderYamlToDirectory"] == str(REPO / "out" / "dev")
    # Config edits update in place; the checksum annotation rolls the pods.
    assert provider.inputs["enableConfigMapMutable"] == "true"
    assert provider.inputs["enableSecretMutable"] == "true"
    (deployment,) = [r for r in mocks.resources if r.typ == "kubernetes:apps/v1:Deployment"]
    image = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
    assert "@sha256:" in image


def test_prod_stack_builds_once_and_deploys_both_targets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mocks = _run_shim("prod", monkeypatch)
    types = _types(mocks)
    assert types.count("aws:ecr/repository:Repository") == 1
    assert len([t for t in types if t.startswith("docker:")]) == 1, "one build for both targets"
    assert "aws:lambda/function:Function" in types
    assert "aws:apigatewayv2/api:Api" in types
    assert "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" in types
    assert "kubernetes:policy/v1:PodDisruptionBudget" in types
    (function,) = [r for r in mocks.resources if r.typ == "aws:lambda/function:Function"]
    (deployment,) = [r for r in mocks.resources if r.typ == "kubernetes:apps/v1:Deployment"]
    k8s_image = deployment.inputs["spec"]["template"]["spec"]["containers"][0]["image"]
    assert function.inputs["imageUri"] == k8s_image
    assert "@sha256:" in k8s_image


def test_invalid_stack_config_registers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="jockey", stack="dev", preview=False)
    config = _stack_config("dev")
    config["jockey:kubernetes"] = json.dumps({"enabled": True, "replicas": 0})
    pulumi.runtime.set_all_config(config, ["jockey:openaiApiKey"])
    monkeypatch.setattr(pulumi, "get_root_directory", lambda: str(REPO))

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(str(REPO / "infra" / "__main__.py"), run_name="__main__")

    with pytest.raises(Exception, match=r"kubernetes\.replicas"):
        run()
    assert mocks.resources == []
