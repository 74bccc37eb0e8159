"""Spec validation: good specs pass; each broken rule yields exactly its own problem.

Every bad-input case starts from a valid spec (the DESIGN.md example, or the production
example), changes one thing, and checks the one problem reported: its path (camelCase
YAML keys), that its message says what is wrong and its fix says what to do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.spec import (
    AlertsSpec,
    DeploymentSpec,
    FunctionUrlAuth,
    SecretOrigin,
    SpecError,
    SpecProblem,
    TrafficShift,
    effective_alerts,
    effective_autoscaling,
    effective_disruption_budget,
    effective_function_url_auth,
    effective_retain_on_destroy,
    is_single_writer,
    load_spec_file,
    resolve_secret_values,
    secret_references,
    spec_warnings,
    validate_spec,
)
from infra.spec._errors import shown_value

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DIGEST = "sha256:" + "ab" * 32
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/support-bot"
DELETE = object()


def _example(name: str) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / name).read_text())
    assert isinstance(data, dict)
    return data


BASES = {"dev": _example("acme.yaml"), "prod": _example("prod-acme.yaml")}


def _changed(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with each dotted path set (or removed with DELETE)."""
    data = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def _validate(data: Any) -> DeploymentSpec:
    return validate_spec(data, base_dir=EXAMPLES, origin=SecretOrigin.SPEC_FILE)


def _problems(data: Any) -> tuple[SpecProblem, ...]:
    with pytest.raises(SpecError) as caught:
        _validate(data)
    return caught.value.problems


# ---------------------------------------------------------------- good specs


def test_design_example_validates_as_written() -> None:
    spec = load_spec_file(EXAMPLES / "acme.yaml")

    assert spec.stack_name == spec.namespace == "acme-dev"
    assert spec.agent.secret_env["OPENAI_API_KEY"].from_env == "ACME_OPENAI_API_KEY"
    assert spec.lambda_.enabled and spec.kubernetes.enabled
    assert spec.kubernetes.autoscaling is not None
    assert spec.kubernetes.autoscaling.target_cpu_utilization == 70
    assert spec.kubernetes.quota.cpu == "4"
    assert spec.lambda_.api.cors is not None
    assert spec.lambda_.api.cors.allow_origins == ["https://app.acme.example"]


def test_production_example_validates_and_gets_a_disruption_budget() -> None:
    spec = load_spec_file(EXAMPLES / "prod-acme.yaml")

    assert spec.stack_name == "acme-prod"
    assert spec.kubernetes.replicas >= 2
    budget = effective_disruption_budget(spec)
    assert budget is not None and budget.min_available == 2


def test_prod_without_a_disruption_budget_gets_one_that_allows_evictions() -> None:
    spec = _validate(_changed(BASES["prod"], {"kubernetes.disruptionBudget": DELETE}))

    budget = effective_disruption_budget(spec)
    assert budget is not None
    assert 1 <= budget.min_available < spec.kubernetes.replicas


def test_prod_accepts_a_digest_pinned_ecr_image() -> None:
    spec = _validate(_changed(BASES["prod"], {"agent.image": {"ref": f"{ECR}@{DIGEST}"}}))

    assert spec.agent.image.ref == f"{ECR}@{DIGEST}"


def test_yaml_numbers_are_read_as_quantities() -> None:
    spec = _validate(_changed(BASES["dev"], {"kubernetes.quota.cpu": 4}))

    assert spec.kubernetes.quota.cpu == "4"


def test_recreate_needs_no_surge_pod_in_the_quota() -> None:
    # Recreate is for a single writer: one replica, no autoscaler (and no surge pod).
    spec = _validate(
        _changed(
            BASES["dev"],
            {
                "kubernetes.strategy": "Recreate",
                "kubernetes.replicas": 1,
                "kubernetes.autoscaling": DELETE,
                "kubernetes.quota.pods": 1,
            },
        )
    )

    assert spec.kubernetes.quota.pods == 1


def test_kubernetes_only_spec_may_use_any_registry_and_a_tag_outside_prod() -> None:
    spec = _validate(
        _changed(
            BASES["dev"],
            {"lambda.enabled": False, "agent.image": {"ref": "ghcr.io/acme/bot:1.4.2"}},
        )
    )

    assert spec.agent.image.ref == "ghcr.io/acme/bot:1.4.2"


def test_a_model_is_frozen() -> None:
    spec = load_spec_file(EXAMPLES / "acme.yaml")

    with pytest.raises(ValueError, match="frozen"):
        spec.tenant.id = "other"  # type: ignore[misc]


# ---------------------------------------------------------------- one problem per rule


@dataclass(frozen=True)
class Case:
    """One broken rule: the change, and the problem it must produce."""

    id: str
    changes: dict[str, Any]
    path: str
    message: str
    fix: str
    base: str = "dev"
    value: Any = field(default=None)


CASES = [
    # tenant
    Case("tenant-id-label", {"tenant.id": "Acme"}, "tenant.id", "DNS-1123 label", "lowercase"),
    Case("tenant-id-length", {"tenant.id": "a" * 41}, "tenant.id", "longer than 40", "63"),
    Case(
        "organization-label-value",
        {"tenant.organization": "acme corp"},
        "tenant.organization",
        "label value",
        "at most 63",
    ),
    Case("organization-empty", {"tenant.organization": ""}, "tenant.organization", "empty", "acme"),
    Case(
        "environment",
        {"tenant.environment": "production"},
        "tenant.environment",
        "not an allowed value",
        "'prod'",
    ),
    Case(
        "label-key",
        {"tenant.labels": {"bad key": "x"}},
        "tenant.labels.bad key",
        "label key",
        "prefix/name",
    ),
    Case(
        "label-key-reserved",
        {"tenant.labels": {"jockey.dev/tenant": "other"}},
        "tenant.labels.jockey.dev/tenant",
        "reserved",
        "your own prefix",
    ),
    Case(
        "label-value",
        {"tenant.labels": {"team": "-support"}},
        "tenant.labels.team",
        "label value",
        "letter or digit",
    ),
    Case(
        "unknown-field",
        {"tenant.name": "acme"},
        "tenant.name",
        "unknown field",
        "allowed here: id, organization, environment, labels",
    ),
    Case("missing-field", {"tenant.id": DELETE}, "tenant.id", "missing", "add id: DNS-1123"),
    Case(
        "unknown-section",
        {"lamda": {"enabled": True}},
        "lamda",
        "unknown field",
        "tenant, agent, lambda, kubernetes",
    ),
    Case(
        "snake-case-key",
        {"agent.health_path": "/health"},
        "agent.health_path",
        "unknown field",
        "rename it to healthPath",
    ),
    Case(
        "acronym-key",
        {"kubernetes.autoscaling.targetCpuUtilization": 70},
        "kubernetes.autoscaling.targetCpuUtilization",
        "unknown field",
        "rename it to targetCPUUtilization",
    ),
    Case(
        "section-not-a-mapping",
        {"kubernetes": "yes"},
        "kubernetes",
        "not a mapping",
        "replicas",
    ),
    # agent
    Case("agent-name", {"agent.name": "1bot"}, "agent.name", "DNS-1035", "starting with a letter"),
    Case("version", {"agent.version": "1.4"}, "agent.version", "semantic version", "MAJOR"),
    Case("version-number", {"agent.version": 1.4}, "agent.version", "not text", "quote"),
    Case("port-privileged", {"agent.port": 80}, "agent.port", "non-root", "1024 to 65535"),
    Case("port-text", {"agent.port": "8080"}, "agent.port", "whole number", "without quotes"),
    Case("health-path", {"agent.healthPath": "health"}, "agent.healthPath", "HTTP path", "'/'"),
    Case("ready-path", {"agent.readyPath": "/ready?x=1"}, "agent.readyPath", "HTTP path", "/"),
    Case(
        "env-name",
        {"agent.env": {"1BAD": "x"}},
        "agent.env.1BAD",
        "environment variable name",
        "not starting with a digit",
    ),
    Case(
        "env-adapter-reserved",
        {"agent.env": {"AWS_LWA_PORT": "9000"}},
        "agent.env.AWS_LWA_PORT",
        "reserved",
        "AWS_LWA_*",
    ),
    Case(
        "env-port-reserved", {"agent.env": {"PORT": "9000"}}, "agent.env.PORT", "reserved", "PORT"
    ),
    Case(
        "env-lambda-reserved",
        {"agent.env": {"AWS_LAMBDA_FUNCTION_NAME": "x"}},
        "agent.env.AWS_LAMBDA_FUNCTION_NAME",
        "reserved",
        "LAMBDA_",
    ),
    Case("env-value-text", {"agent.env": {"DEBUG": True}}, "agent.env.DEBUG", "not text", "quote"),
    Case(
        "env-and-secret-env",
        {"agent.env": {"OPENAI_API_KEY": "x"}},
        "agent.secretEnv.OPENAI_API_KEY",
        "also set in env",
        "only one of env and secretEnv",
    ),
    Case(
        "secret-two-sources",
        {"agent.secretEnv": {"TOKEN": {"fromEnv": "TOKEN", "fromFile": "token.txt"}}},
        "agent.secretEnv.TOKEN",
        "exactly one source",
        "fromEnv",
    ),
    Case(
        "secret-no-source",
        {"agent.secretEnv": {"TOKEN": {}}},
        "agent.secretEnv.TOKEN",
        "exactly one source",
        "fromFile",
    ),
    Case(
        "secret-source-name",
        {"agent.secretEnv": {"TOKEN": {"fromEnv": "not-a-var"}}},
        "agent.secretEnv.TOKEN.fromEnv",
        "environment variable name",
        "ACME_OPENAI_API_KEY",
    ),
    Case(
        "secret-from-config-in-file",
        {"agent.secretEnv": {"TOKEN": {"fromConfig": "token"}}},
        "agent.secretEnv.TOKEN.fromConfig",
        "cannot be used in a spec file",
        "fromEnv",
    ),
    Case(
        "image-both",
        {"agent.image.ref": f"{ECR}@{DIGEST}"},
        "agent.image",
        "exactly one of ref and build",
        "ref:",
    ),
    Case("image-neither", {"agent.image": {}}, "agent.image", "exactly one of", "build:"),
    Case(
        "image-ref-bare",
        {"agent.image": {"ref": "nginx"}},
        "agent.image.ref",
        "image reference",
        "registry",
    ),
    Case(
        "image-ref-short-digest",
        {"agent.image": {"ref": f"{ECR}@sha256:abc"}},
        "agent.image.ref",
        "image reference",
        "64 hex",
    ),
    Case(
        "image-ref-uppercase-repo",
        {"agent.image": {"ref": "ghcr.io/Acme/Bot:1"}},
        "agent.image.ref",
        "image reference",
        "@sha256:",
    ),
    Case(
        "build-platform",
        {"agent.image.build.platform": "linux/386"},
        "agent.image.build.platform",
        "not an allowed value",
        "linux/arm64",
    ),
    Case(
        "python-version-number",
        {"agent.image.build.pythonVersion": 3.10},
        "agent.image.build.pythonVersion",
        "number",
        '"3.12"',
    ),
    Case(
        "python-version",
        {"agent.image.build.pythonVersion": "3.9"},
        "agent.image.build.pythonVersion",
        "not a supported Python version",
        "3.13",
    ),
    Case(
        "requirements-outside-context",
        {"agent.image.build.requirements": "../requirements.txt"},
        "agent.image.build.requirements",
        "inside the build context",
        "'..'",
    ),
    Case(
        "requirements-missing",
        {"agent.image.build.requirements": "nope.txt"},
        "agent.image.build.requirements",
        "not a file",
        "add it",
    ),
    Case(
        "build-command",
        {"agent.image.build.command": []},
        "agent.image.build.command",
        "needs a program",
        '["python"',
    ),
    Case(
        "build-context-missing",
        {"agent.image.build.context": "no-such-agent"},
        "agent.image.build.context",
        "not a folder",
        "relative to the spec file",
    ),
    # lambda
    Case(
        "lambda-enabled-text",
        {"lambda.enabled": "yes"},
        "lambda.enabled",
        "not true or false",
        "true",
    ),
    Case("memory-low", {"lambda.memory": 64}, "lambda.memory", "128-10240 MB", "128 to 10240"),
    Case("memory-high", {"lambda.memory": 20480}, "lambda.memory", "128-10240", "10240"),
    Case("timeout-zero", {"lambda.timeout": 0}, "lambda.timeout", "1-900", "1 to 900"),
    Case("timeout-api", {"lambda.timeout": 60}, "lambda.timeout", "30 s", "at most 29"),
    Case(
        "architecture",
        {"lambda.architecture": "arm"},
        "lambda.architecture",
        "not an allowed value",
        "'x86_64'",
    ),
    Case(
        "log-retention",
        {"lambda.logRetentionDays": 10},
        "lambda.logRetentionDays",
        "CloudWatch retention",
        "7, 14, 30",
    ),
    Case(
        "reserved-concurrency",
        {"lambda.reservedConcurrency": 0},
        "lambda.reservedConcurrency",
        "1-900",
        "1 to 900",
    ),
    Case("keep-images", {"lambda.keepImages": 0}, "lambda.keepImages", "1-1000", "1 to 1000"),
    Case(
        "burst-limit",
        {"lambda.api.throttle.burstLimit": 6000},
        "lambda.api.throttle.burstLimit",
        "1-5000",
        "1 to 5000",
    ),
    Case(
        "rate-limit",
        {"lambda.api.throttle.rateLimit": 0},
        "lambda.api.throttle.rateLimit",
        "1-10000",
        "1 to 10000",
    ),
    Case(
        "cors-origin-path",
        {"lambda.api.cors.allowOrigins": ["https://app.acme.example/"]},
        "lambda.api.cors.allowOrigins[0]",
        "CORS origin",
        "no path",
    ),
    Case(
        "cors-origin-scheme",
        {"lambda.api.cors.allowOrigins": ["app.acme.example"]},
        "lambda.api.cors.allowOrigins[0]",
        "CORS origin",
        "scheme://host",
    ),
    Case(
        "cors-origins-empty",
        {"lambda.api.cors.allowOrigins": []},
        "lambda.api.cors.allowOrigins",
        "lists no origin",
        "at least one",
    ),
    Case(
        "cors-max-age",
        {"lambda.api.cors.maxAge": 100000},
        "lambda.api.cors.maxAge",
        "0-86400",
        "0 to 86400",
    ),
    Case(
        "cors-method",
        {"lambda.api.cors.allowMethods": ["FETCH"]},
        "lambda.api.cors.allowMethods[0]",
        "HTTP method",
        "GET",
    ),
    Case(
        "vpc-subnet",
        {"lambda.vpc": {"subnetIds": ["subnet-xyz"], "securityGroupIds": ["sg-0a1b2c3d"]}},
        "lambda.vpc.subnetIds[0]",
        "subnet id",
        "subnet-0a1b2c3d",
    ),
    Case(
        "vpc-security-groups",
        {
            "lambda.vpc": {
                "subnetIds": ["subnet-0a1b2c3d"],
                "securityGroupIds": [f"sg-0a1b2c3{i}" for i in range(6)],
            }
        },
        "lambda.vpc.securityGroupIds",
        "has 6 security groups",
        "1 to 5",
    ),
    Case(
        "efs-without-vpc",
        {
            "lambda.efs": {
                "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:"
                "access-point/fsap-0123456789abcdef0"
            }
        },
        "lambda.vpc",
        "efs needs the function inside a VPC",
        "subnetIds",
    ),
    Case(
        "efs-mount-path",
        {
            "lambda.vpc": {"subnetIds": ["subnet-0a1b2c3d"], "securityGroupIds": ["sg-0a1b2c3d"]},
            "lambda.efs": {
                "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:"
                "access-point/fsap-0123456789abcdef0",
                "mountPath": "/data",
            },
        },
        "lambda.efs.mountPath",
        "mount path",
        "/mnt/<name>",
    ),
    Case(
        "efs-arn",
        {
            "lambda.vpc": {"subnetIds": ["subnet-0a1b2c3d"], "securityGroupIds": ["sg-0a1b2c3d"]},
            "lambda.efs": {"accessPointArn": "arn:aws:s3:::bucket"},
        },
        "lambda.efs.accessPointArn",
        "access point ARN",
        "fsap-",
    ),
    Case(
        "platform-architecture",
        {"lambda.architecture": "x86_64"},
        "agent.image.build.platform",
        "does not match lambda.architecture x86_64",
        "linux/amd64",
    ),
    Case(
        "lambda-needs-ecr",
        {"agent.image": {"ref": f"ghcr.io/acme/support-bot@{DIGEST}"}},
        "agent.image.ref",
        "Amazon ECR",
        "dkr.ecr",
    ),
    Case(
        "lambda-env-size",
        {"agent.env": {"BIG": "x" * 5000}},
        "agent.env",
        "4096-byte limit",
        "move large values",
    ),
    Case(
        "no-target",
        {"lambda.enabled": False, "kubernetes.enabled": False},
        "lambda.enabled",
        "no target",
        "kubernetes.enabled",
    ),
    # kubernetes
    Case("replicas", {"kubernetes.replicas": 0}, "kubernetes.replicas", "1-1000", "1 to 1000"),
    Case(
        "quantity",
        {"kubernetes.resources.cpuRequest": "100x"},
        "kubernetes.resources.cpuRequest",
        "not a Kubernetes quantity",
        "500m",
    ),
    Case(
        "memory-milli",
        {"kubernetes.resources.memoryLimit": "256m"},
        "kubernetes.resources.memoryLimit",
        "milli",
        "256Mi",
    ),
    Case(
        "memory-tiny",
        {"kubernetes.resources.memoryLimit": "1Mi"},
        "kubernetes.resources.memoryLimit",
        "below 6Mi",
        "128Mi",
    ),
    Case(
        "cpu-tiny",
        {"kubernetes.resources.cpuLimit": "0.0001"},
        "kubernetes.resources.cpuLimit",
        "below 1m",
        "100m",
    ),
    Case(
        "cpu-request-above-limit",
        {"kubernetes.resources.cpuRequest": "1"},
        "kubernetes.resources.cpuRequest",
        "above the limit 500m",
        "cpuRequest <= cpuLimit",
    ),
    Case(
        "memory-request-above-limit",
        {"kubernetes.resources.memoryRequest": "1Gi"},
        "kubernetes.resources.memoryRequest",
        "above the limit 256Mi",
        "memoryRequest <= memoryLimit",
    ),
    Case(
        "quota-pods",
        {"kubernetes.quota.pods": 6},
        "kubernetes.quota.pods",
        "6 replicas + 1 surge = 7 pods",
        "at least 7",
    ),
    Case(
        "quota-cpu",
        {"kubernetes.quota.cpu": "3"},
        "kubernetes.quota.cpu",
        "7 pods x 500m",
        "at least 3500m",
    ),
    Case(
        "quota-memory",
        {"kubernetes.quota.memory": "1Gi"},
        "kubernetes.quota.memory",
        "7 pods x 256Mi",
        "at least 1792Mi",
    ),
    Case(
        "strategy",
        {"kubernetes.strategy": "BlueGreen"},
        "kubernetes.strategy",
        "not an allowed value",
        "'Recreate'",
    ),
    Case("service-port", {"kubernetes.service.port": 0}, "kubernetes.service.port", "1-65535", "1"),
    Case(
        "node-port-type",
        {"kubernetes.service.nodePort": 30080},
        "kubernetes.service.nodePort",
        "type is ClusterIP",
        "type: NodePort",
    ),
    Case(
        "node-port-range",
        {"kubernetes.service": {"type": "NodePort", "port": 80, "nodePort": 8080}},
        "kubernetes.service.nodePort",
        "NodePort range",
        "30000 to 32767",
    ),
    Case(
        "service-type",
        {"kubernetes.service.type": "ExternalName"},
        "kubernetes.service.type",
        "not an allowed value",
        "'LoadBalancer'",
    ),
    Case(
        "hpa-min-above-max",
        {"kubernetes.autoscaling.minReplicas": 8},
        "kubernetes.autoscaling.minReplicas",
        "above maxReplicas 6",
        "minReplicas <= maxReplicas",
    ),
    Case(
        "hpa-target",
        {"kubernetes.autoscaling.targetCPUUtilization": 150},
        "kubernetes.autoscaling.targetCPUUtilization",
        "1-100 %",
        "1 to 100",
    ),
    Case(
        "pdb-blocks-evictions",
        {"kubernetes.disruptionBudget": {"minAvailable": 2}},
        "kubernetes.disruptionBudget.minAvailable",
        "blocks every eviction",
        "at most 1",
    ),
    Case(
        "pdb-single-replica",
        {
            "kubernetes.replicas": 1,
            "kubernetes.autoscaling": DELETE,
            "kubernetes.disruptionBudget": {"minAvailable": 1},
        },
        "kubernetes.disruptionBudget.minAvailable",
        "with 1 replica(s)",
        "raise replicas",
    ),
    Case(
        "network-policy-namespace",
        {"kubernetes.networkPolicy.allowFromNamespaces": ["Ingress_Nginx"]},
        "kubernetes.networkPolicy.allowFromNamespaces[0]",
        "DNS-1123 label",
        "lowercase",
    ),
    Case(
        "network-policy-cidr",
        {"kubernetes.networkPolicy.allowEgressCidrs": ["10.0.0.1/8"]},
        "kubernetes.networkPolicy.allowEgressCidrs[0]",
        "CIDR",
        "10.0.0.0/8",
    ),
    Case(
        "ingress-host-ip",
        {"kubernetes.ingress": {"host": "10.0.0.1"}},
        "kubernetes.ingress.host",
        "IP address",
        "DNS name",
    ),
    Case(
        "ingress-host",
        {"kubernetes.ingress": {"host": "Agent_Acme.example"}},
        "kubernetes.ingress.host",
        "DNS host name",
        "agent.acme.example",
    ),
    Case(
        "ingress-tls-secret",
        {"kubernetes.ingress": {"host": "agent.acme.example", "tlsSecretName": "Bad_Name"}},
        "kubernetes.ingress.tlsSecretName",
        "object name",
        "lowercase",
    ),
    Case(
        "cluster-render-and-context",
        {"kubernetes.cluster": {"renderDir": "out", "context": "kind-kind"}},
        "kubernetes.cluster.renderDir",
        "cannot be combined",
        "either renderDir",
    ),
    Case(
        "cluster-context-empty",
        {"kubernetes.cluster": {"context": ""}},
        "kubernetes.cluster.context",
        "is empty",
        "give a value",
    ),
    # production rules
    Case(
        "prod-digest",
        {"agent.image": {"ref": f"{ECR}:1.4.2"}},
        "agent.image.ref",
        "pinned by digest",
        "@sha256:<digest>",
        base="prod",
    ),
    Case(
        "prod-replicas",
        {
            "kubernetes.replicas": 1,
            "kubernetes.autoscaling": DELETE,
            "kubernetes.disruptionBudget": DELETE,
        },
        "kubernetes.replicas",
        "at least 2 replicas",
        "2 or more",
        base="prod",
    ),
    Case(
        "prod-hpa-min",
        {"kubernetes.autoscaling.minReplicas": 1, "kubernetes.disruptionBudget": DELETE},
        "kubernetes.autoscaling.minReplicas",
        "at least 2 replicas",
        "2 or more",
        base="prod",
    ),
    Case(
        "prod-render-dir",
        {"kubernetes.cluster": {"renderDir": "out"}},
        "kubernetes.cluster.renderDir",
        "not to a folder",
        "cluster.context",
        base="prod",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_broken_rule_reports_exactly_its_problem(case: Case) -> None:
    problems = _problems(_changed(BASES[case.base], case.changes))

    assert [problem.path for problem in problems] == [case.path], problems
    problem = problems[0]
    assert case.message in problem.message
    assert case.fix in problem.fix
    shown = shown_value(problem.value)
    assert str(problem) == f"{problem.path}: {problem.message} ({shown}) — {problem.fix}"


def test_every_case_starts_from_a_valid_spec() -> None:
    for base in BASES.values():
        _validate(base)
    assert len({case.id for case in CASES}) == len(CASES)


def test_problem_shows_the_offending_value() -> None:
    (problem,) = _problems(_changed(BASES["dev"], {"kubernetes.resources.cpuRequest": "100x"}))

    assert problem.value == "100x"
    assert "kubernetes.resources.cpuRequest: not a Kubernetes quantity ('100x') — " in str(problem)


def test_all_field_problems_are_reported_at_once() -> None:
    data = _changed(
        BASES["dev"], {"tenant.id": "Acme", "agent.port": 80, "lambda.logRetentionDays": 10}
    )

    with pytest.raises(SpecError) as caught:
        _validate(data)

    paths = [problem.path for problem in caught.value.problems]
    assert paths == ["tenant.id", "agent.port", "lambda.logRetentionDays"]
    assert str(caught.value).splitlines() == [str(problem) for problem in caught.value.problems]


def test_a_secret_written_inline_is_refused_and_never_echoed() -> None:
    data = _changed(BASES["dev"], {"agent.secretEnv": {"OPENAI_API_KEY": "sk-live-0123456789"}})

    with pytest.raises(SpecError) as caught:
        _validate(data)

    (problem,) = caught.value.problems
    assert problem.path == "agent.secretEnv.OPENAI_API_KEY"
    assert "secret value is written in the spec" in problem.message
    assert "fromEnv" in problem.fix
    assert "sk-live" not in str(caught.value)
    assert "sk-live" not in repr(caught.value.problems)


def test_a_secret_in_an_unknown_source_key_is_never_echoed() -> None:
    data = _changed(BASES["dev"], {"agent.secretEnv": {"TOKEN": {"value": "sk-live-0123456789"}}})

    with pytest.raises(SpecError) as caught:
        _validate(data)

    assert "sk-live" not in str(caught.value)
    assert any(problem.path == "agent.secretEnv.TOKEN.value" for problem in caught.value.problems)


def test_a_non_mapping_spec_is_one_problem() -> None:
    (problem,) = _problems(["tenant", "agent"])

    assert problem.path == "(spec)"
    assert "tenant, agent, lambda, kubernetes" in problem.fix


def test_kubernetes_rules_do_not_apply_when_kubernetes_is_off() -> None:
    spec = _validate(
        _changed(BASES["dev"], {"kubernetes.enabled": False, "kubernetes.quota.pods": 1})
    )

    assert not spec.kubernetes.enabled


def test_lambda_rules_do_not_apply_when_lambda_is_off() -> None:
    spec = _validate(_changed(BASES["dev"], {"lambda.enabled": False, "lambda.timeout": 600}))

    assert spec.lambda_.timeout == 600


ACCEPTED = [
    ("agent.image", {"ref": f"{ECR}:1.4.2"}),
    ("agent.image", {"ref": f"{ECR}:1.4.2@{DIGEST}"}),
    ("agent.image", {"ref": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/bot@{DIGEST}"}),
    ("agent.version", "2.0.0-rc.1+build.7"),
    ("agent.env", {"lower_case_ok": "1", "_LEADING": "x"}),
    ("tenant.labels", {"acme.example/team": "support", "cost-center": "", "a_b.c": "X_y.z"}),
    ("tenant.id", "a" * 40),
    ("lambda.api.cors", {"allowOrigins": ["*"]}),
    ("lambda.api.cors", {"allowOrigins": ["http://localhost:3000", "https://a.example:8443"]}),
    ("lambda.logRetentionDays", 3653),
    ("lambda.timeout", 1),
    ("lambda.memory", 10240),
    ("kubernetes.resources", {"cpuRequest": 0.1, "cpuLimit": 0.5, "memoryRequest": "1e8"}),
    ("kubernetes.ingress", {"host": "*.acme.example", "className": "nginx"}),
    ("kubernetes.networkPolicy", {"allowEgressCidrs": ["10.0.0.0/8", "2001:db8::/32"]}),
    ("kubernetes.service", {"type": "NodePort", "port": 80, "nodePort": 32767}),
    ("kubernetes.cluster", {"context": "kind-kind"}),
]


@pytest.mark.parametrize(("path", "value"), ACCEPTED, ids=[f"{p}={v}" for p, v in ACCEPTED])
def test_valid_values_at_the_limits_are_accepted(path: str, value: Any) -> None:
    _validate(_changed(BASES["dev"], {path: value}))


@pytest.mark.parametrize(
    "ref", ["localhost:5000/agent:1", f"registry.example.com:5000/a/b@{DIGEST}", "ghcr.io/a/b:v1"]
)
def test_any_registry_works_for_kubernetes_only(ref: str) -> None:
    spec = _validate(_changed(BASES["dev"], {"lambda.enabled": False, "agent.image": {"ref": ref}}))

    assert spec.agent.image.ref == ref


# ---------------------------------------------------------------- AI-agent Lambda fields

SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme/openai-AbCdEf"
PARAMETER_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/acme/openai-key"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
CERTIFICATE_ARN = (
    "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:acme-alerts"
URL = {"lambda.endpoint": "functionUrl", "lambda.api": DELETE}
CANARY = {"steps": [10, 100], "intervalMinutes": 10, "alarms": ["errors"]}
BASES["lambda"] = _changed(BASES["dev"], {"kubernetes.enabled": False})


def _secret(source: dict[str, Any]) -> dict[str, Any]:
    return {"agent.secretEnv": {"OPENAI_API_KEY": source}}


LAMBDA_CASES = [
    # endpoint
    Case(
        "endpoint-kind", {"lambda.endpoint": "grpc"}, "lambda.endpoint", "not an allowed", "httpApi"
    ),
    Case(
        "streaming-with-http-api",
        {"lambda.streaming": True},
        "lambda.streaming",
        "buffers the whole response",
        "endpoint: functionUrl",
    ),
    Case(
        "function-url-with-http-api",
        {"lambda.functionUrl": {"authType": "AWS_IAM"}},
        "lambda.functionUrl",
        "endpoint is httpApi",
        "set endpoint: functionUrl",
    ),
    Case(
        "timeout-http-api-names-function-url",
        {"lambda.timeout": 120},
        "lambda.timeout",
        "30 s integration timeout",
        "endpoint: functionUrl (up to 900 s)",
    ),
    Case(
        "jwt-on-function-url",
        {
            **URL,
            "lambda.api": {
                "jwtAuthorizer": {"issuer": "https://id.acme.example", "audience": ["agent"]}
            },
        },
        "lambda.api.jwtAuthorizer",
        "cannot use a JWT authorizer",
        "endpoint: httpApi",
    ),
    Case(
        "domain-on-function-url",
        {
            **URL,
            "lambda.api": {
                "domain": {"name": "agent.acme.example", "certificateArn": CERTIFICATE_ARN}
            },
        },
        "lambda.api.domain",
        "no custom domain",
        "CloudFront",
    ),
    Case(
        "api-cors-on-function-url",
        {**URL, "lambda.api": {"cors": {"allowOrigins": ["https://app.acme.example"]}}},
        "lambda.api.cors",
        "endpoint is functionUrl",
        "lambda.functionUrl.cors",
    ),
    Case(
        "api-throttle-on-function-url",
        {**URL, "lambda.api": {"throttle": {"burstLimit": 10, "rateLimit": 5}}},
        "lambda.api.throttle",
        "no stage throttling",
        "reservedConcurrency",
    ),
    Case(
        "function-url-auth",
        {**URL, "lambda.functionUrl": {"authType": "JWT"}},
        "lambda.functionUrl.authType",
        "not an allowed value",
        "AWS_IAM",
    ),
    Case(
        "function-url-cors-options",
        {
            **URL,
            "lambda.functionUrl": {"cors": {"allowOrigins": ["*"], "allowMethods": ["OPTIONS"]}},
        },
        "lambda.functionUrl.cors.allowMethods[0]",
        "not a Function URL CORS method",
        "answers OPTIONS",
    ),
    Case(
        "function-url-credentials-any-origin",
        {**URL, "lambda.functionUrl": {"cors": {"allowOrigins": ["*"], "allowCredentials": True}}},
        "lambda.functionUrl.cors.allowCredentials",
        "browsers refuse",
        "list the origins",
    ),
    # agent
    Case(
        "async-init-switch", {"agent.asyncInit": "yes"}, "agent.asyncInit", "true or false", "true"
    ),
    Case("tracing-switch", {"lambda.tracing": 1}, "lambda.tracing", "true or false", "true"),
    # canary
    Case(
        "canary-without-alarms",
        {"lambda.canary": {"steps": [10, 100], "intervalMinutes": 10}},
        "lambda.canary.alarms",
        "required field is missing",
        "roll it back",
    ),
    Case(
        "canary-empty-alarms",
        {"lambda.canary": {**CANARY, "alarms": []}},
        "lambda.canary.alarms",
        "lists no alarm",
        "at least one alarm",
    ),
    Case(
        "canary-alarm-kind",
        {"lambda.canary": {**CANARY, "alarms": ["latency"]}},
        "lambda.canary.alarms[0]",
        "not an allowed value",
        "p95Duration",
    ),
    Case(
        "canary-weights-not-ending-at-100",
        {"lambda.canary": {**CANARY, "steps": [10, 50]}},
        "lambda.canary.steps",
        "end at 50%",
        "end the list with 100",
    ),
    Case(
        "canary-weights-not-increasing",
        {"lambda.canary": {**CANARY, "steps": [50, 10, 100]}},
        "lambda.canary.steps",
        "do not increase",
        "increasing order",
    ),
    Case(
        "canary-single-step",
        {"lambda.canary": {**CANARY, "steps": [100]}},
        "lambda.canary.steps",
        "has 1 steps, needs 2-100",
        "2 to 100",
    ),
    Case(
        "canary-weight-range",
        {"lambda.canary": {**CANARY, "steps": [0, 100]}},
        "lambda.canary.steps[0]",
        "out of range 1-100 %",
        "1 to 100",
    ),
    Case(
        "canary-steps-codedeploy-cannot-shift",
        {"lambda.canary": {**CANARY, "steps": [10, 50, 100]}},
        "lambda.canary.steps",
        "cannot be shifted by CodeDeploy",
        "[10, 100] (canary)",
    ),
    Case(
        "canary-longer-than-48-hours",
        {"lambda.canary": {**CANARY, "steps": [25, 50, 75, 100], "intervalMinutes": 1000}},
        "lambda.canary.intervalMinutes",
        "3000 minutes",
        "at most 960 minutes",
    ),
    # secrets from Secrets Manager and SSM
    Case(
        "secret-arn-malformed",
        _secret(
            {"fromSecretsManager": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme"}
        ),
        "agent.secretEnv.OPENAI_API_KEY.fromSecretsManager",
        "not a Secrets Manager secret ARN",
        "6 characters",
        base="lambda",
    ),
    Case(
        "secret-arn-unknown-partition",
        _secret({"fromSecretsManager": SECRET_ARN.replace("arn:aws:", "arn:aws-mars:")}),
        "agent.secretEnv.OPENAI_API_KEY.fromSecretsManager",
        "partition 'aws-mars'",
        "complete ARN",
        base="lambda",
    ),
    Case(
        "secret-arn-of-another-service",
        _secret({"fromSecretsManager": PARAMETER_ARN}),
        "agent.secretEnv.OPENAI_API_KEY.fromSecretsManager",
        "ARN of ssm",
        "secretsmanager",
        base="lambda",
    ),
    Case(
        "secret-arn-from-another-partition",
        {
            **_secret({"fromSecretsManager": SECRET_ARN.replace("arn:aws:", "arn:aws-cn:")}),
            "agent.image": {"ref": f"{ECR}@{DIGEST}"},
        },
        "agent.secretEnv.OPENAI_API_KEY.fromSecretsManager",
        "aws-cn partition, but agent.image.ref is in aws",
        "ARN in the aws partition",
        base="lambda",
    ),
    Case(
        "ssm-name",
        _secret({"fromSsm": "acme/openai-key"}),
        "agent.secretEnv.OPENAI_API_KEY.fromSsm",
        "not an SSM parameter name",
        "starts with '/'",
        base="lambda",
    ),
    Case(
        "kms-alias-not-key",
        _secret(
            {"fromSsm": "/acme/k", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:alias/acme"}
        ),
        "agent.secretEnv.OPENAI_API_KEY.kmsKeyArn",
        "not a KMS key ARN",
        "not an alias",
        base="lambda",
    ),
    Case(
        "kms-key-without-reference",
        _secret({"fromEnv": "ACME_OPENAI_API_KEY", "kmsKeyArn": KEY_ARN}),
        "agent.secretEnv.OPENAI_API_KEY.kmsKeyArn",
        "Jockey reads this source itself",
        "fromSecretsManager or fromSsm",
        base="lambda",
    ),
    Case(
        "secret-with-two-sources",
        _secret({"fromEnv": "ACME_OPENAI_API_KEY", "fromSecretsManager": SECRET_ARN}),
        "agent.secretEnv.OPENAI_API_KEY",
        "exactly one source, has 2",
        "fromSecretsManager: ARN",
        base="lambda",
    ),
    Case(
        "secret-reference-on-kubernetes",
        _secret({"fromSecretsManager": SECRET_ARN}),
        "agent.secretEnv.OPENAI_API_KEY.fromSecretsManager",
        "cannot reach the Kubernetes target",
        "kubernetes.enabled: false",
    ),
    Case(
        "ssm-reference-on-kubernetes",
        _secret({"fromSsm": "/acme/openai-key"}),
        "agent.secretEnv.OPENAI_API_KEY.fromSsm",
        "needs an operator",
        "fromEnv or fromFile",
    ),
    Case(
        "secret-reference-variable-taken",
        {**_secret({"fromSsm": "/acme/k"}), "agent.env": {"OPENAI_API_KEY_SSM_PARAMETER": "x"}},
        "agent.secretEnv.OPENAI_API_KEY",
        "OPENAI_API_KEY_SSM_PARAMETER is also set in env",
        "rename the secret",
        base="lambda",
    ),
    # alerts
    Case(
        "alerts-email-and-topic",
        {"lambda.alerts": {"email": "oncall@acme.example", "topicArn": TOPIC_ARN}},
        "lambda.alerts.email",
        "together with topicArn",
        "not both",
    ),
    Case(
        "alerts-email",
        {"lambda.alerts": {"email": "oncall"}},
        "lambda.alerts.email",
        "not an e-mail address",
        "oncall@acme.example",
    ),
    Case(
        "alerts-topic-arn",
        {"lambda.alerts": {"topicArn": "arn:aws:sqs:eu-west-1:123456789012:q"}},
        "lambda.alerts.topicArn",
        "ARN of sqs",
        "standard topic",
    ),
    Case(
        "alerts-p95-above-timeout",
        {"lambda.alerts": {"p95DurationMs": 40000}},
        "lambda.alerts.p95DurationMs",
        "above lambda.timeout (29000 ms)",
        "at most 29000 ms",
    ),
    # custom domain and JWT authorizer
    Case(
        "certificate-arn",
        {
            "lambda.api.domain": {
                "name": "agent.acme.example",
                "certificateArn": "arn:aws:acm:eu-west-1:123456789012:cert/1",
            }
        },
        "lambda.api.domain.certificateArn",
        "not an ACM certificate ARN",
        "certificate/<id>",
    ),
    Case(
        "certificate-in-another-region",
        {
            "agent.image": {"ref": f"{ECR}@{DIGEST}"},
            "lambda.api.domain": {
                "name": "agent.acme.example",
                "certificateArn": CERTIFICATE_ARN.replace("eu-west-1", "us-east-1"),
            },
        },
        "lambda.api.domain.certificateArn",
        "is in us-east-1, but the function and its HTTP API run in eu-west-1",
        "in ACM in eu-west-1",
    ),
    Case(
        "jwt-issuer-not-https",
        {"lambda.api.jwtAuthorizer": {"issuer": "http://id.acme.example", "audience": ["agent"]}},
        "lambda.api.jwtAuthorizer.issuer",
        "not a JWT issuer URL",
        "https URL",
    ),
    Case(
        "jwt-without-audience",
        {"lambda.api.jwtAuthorizer": {"issuer": "https://id.acme.example", "audience": []}},
        "lambda.api.jwtAuthorizer.audience",
        "lists no audience",
        "at least one audience",
    ),
]


@pytest.mark.parametrize("case", LAMBDA_CASES, ids=[case.id for case in LAMBDA_CASES])
def test_each_broken_lambda_rule_reports_exactly_its_problem(case: Case) -> None:
    problems = _problems(_changed(BASES[case.base], case.changes))

    assert [problem.path for problem in problems] == [case.path], problems
    problem = problems[0]
    assert case.message in problem.message
    assert case.fix in problem.fix


def test_lambda_case_ids_are_unique_and_their_base_is_valid() -> None:
    _validate(BASES["lambda"])
    assert len({case.id for case in LAMBDA_CASES}) == len(LAMBDA_CASES)
    assert not {case.id for case in LAMBDA_CASES} & {case.id for case in CASES}


LAMBDA_ACCEPTED = [
    {**URL, "lambda.timeout": 900},
    {**URL, "lambda.streaming": False},
    {**URL, "lambda.functionUrl": {"authType": "NONE", "cors": {"allowOrigins": ["*"]}}},
    {"lambda.canary": {**CANARY, "steps": [25, 50, 75, 100], "intervalMinutes": 960}},
    {"lambda.canary": {**CANARY, "steps": list(range(10, 101, 10)), "intervalMinutes": 1}},
    {"lambda.canary": {**CANARY, "steps": [1, 100], "intervalMinutes": 2880}},
    {"lambda.alerts": {"topicArn": TOPIC_ARN, "p95DurationMs": 29000}},
    {"lambda.tracing": True, "agent.asyncInit": True},
    {
        "lambda.api.domain": {"name": "agent.acme.example", "certificateArn": CERTIFICATE_ARN},
        "lambda.api.jwtAuthorizer": {"issuer": "https://id.acme.example/", "audience": ["a", "b"]},
    },
    {"kubernetes.enabled": False, **_secret({"fromSsm": PARAMETER_ARN, "kmsKeyArn": KEY_ARN})},
    {
        "kubernetes.enabled": False,
        "agent.image": {"ref": f"{ECR}@{DIGEST}"},
        **_secret({"fromSecretsManager": SECRET_ARN, "kmsKeyArn": KEY_ARN}),
    },
]


@pytest.mark.parametrize("changes", LAMBDA_ACCEPTED, ids=[str(c) for c in LAMBDA_ACCEPTED])
def test_valid_lambda_settings_are_accepted(changes: dict[str, Any]) -> None:
    _validate(_changed(BASES["dev"], changes))


def test_secret_references_are_allowed_in_stack_config_and_read_no_value() -> None:
    data = _changed(
        BASES["lambda"],
        {"agent.secretEnv": {"A": {"fromSecretsManager": SECRET_ARN}, "B": {"fromSsm": "/a/b"}}},
    )
    spec = validate_spec(data, base_dir=EXAMPLES, origin=SecretOrigin.STACK_CONFIG)

    assert resolve_secret_values(spec, {}) == {}, "nothing is read: the agent reads them in AWS"
    assert secret_references(spec) == {"A_SECRET_ARN": SECRET_ARN, "B_SSM_PARAMETER": "/a/b"}


def test_function_url_auth_defaults_to_iam_in_prod_only() -> None:
    prod = _validate(_changed(BASES["prod"], {**URL, "kubernetes.enabled": False}))
    dev = _validate(_changed(BASES["dev"], URL))
    opened = _validate(
        _changed(
            BASES["prod"],
            {**URL, "kubernetes.enabled": False, "lambda.functionUrl": {"authType": "NONE"}},
        )
    )

    assert effective_function_url_auth(prod) is FunctionUrlAuth.AWS_IAM
    assert effective_function_url_auth(dev) is FunctionUrlAuth.NONE
    assert effective_function_url_auth(opened) is FunctionUrlAuth.NONE, "explicitly opened"
    assert prod.lambda_.streams and not _validate(BASES["dev"]).lambda_.streams


def test_prod_gets_alerts_by_default_and_dev_only_when_asked() -> None:
    assert effective_alerts(_validate(BASES["prod"])) == AlertsSpec()
    assert effective_alerts(_validate(BASES["dev"])) is None


def test_canary_steps_map_to_codedeploy_traffic_shifts() -> None:
    canary = _validate(_changed(BASES["dev"], {"lambda.canary": CANARY})).lambda_.canary
    linear = _validate(
        _changed(BASES["dev"], {"lambda.canary": {**CANARY, "steps": [25, 50, 75, 100]}})
    ).lambda_.canary

    assert canary is not None and canary.traffic_shift == TrafficShift("canary", 10, 10)
    assert linear is not None and linear.traffic_shift == TrafficShift("linear", 25, 10)


def test_only_an_opened_prod_function_url_is_warned_about() -> None:
    prod = _changed(BASES["prod"], {**URL, "kubernetes.enabled": False})
    opened = _changed(prod, {"lambda.functionUrl": {"authType": "NONE"}})

    (warning,) = spec_warnings(_validate(opened))
    assert warning.path == "lambda.functionUrl.authType" and warning.value == "NONE"
    assert "public" in warning.message and "AWS_IAM" in warning.fix
    assert spec_warnings(_validate(prod)) == []
    assert spec_warnings(_validate(_changed(BASES["dev"], URL))) == [], "dev is open by default"


# ---------------------------------------------------------------- Kubernetes: storage, access,
# registry credentials, rollout strategy and timeout

SINGLE_WRITER = {
    "kubernetes.storage": {"size": "1Gi"},
    "kubernetes.strategy": "Recreate",
    "kubernetes.replicas": 1,
    "kubernetes.autoscaling": DELETE,
}
USER_EDIT = {"kind": "User", "name": "alice@acme.example", "role": "edit"}


def _storage(**fields: Any) -> dict[str, Any]:
    return {**SINGLE_WRITER, "kubernetes.storage": {"size": "1Gi", **fields}}


KUBERNETES_CASES = [
    Case("storage-size", _storage(size="1x"), "kubernetes.storage.size", "quantity", "1Gi"),
    Case("storage-milli", _storage(size="100m"), "kubernetes.storage.size", "milli", "Mi"),
    Case("storage-tiny", _storage(size="512Ki"), "kubernetes.storage.size", "below 1Mi", "1Gi"),
    Case(
        "storage-class",
        _storage(storageClass="Fast_SSD"),
        "kubernetes.storage.storageClass",
        "object name",
        "lowercase",
    ),
    Case(
        "storage-access-mode",
        _storage(accessMode="ReadOnlyMany"),
        "kubernetes.storage.accessMode",
        "not an allowed value",
        "'ReadWriteOnce' or 'ReadWriteMany'",
    ),
    Case(
        "storage-mount-relative",
        _storage(mountPath="data"),
        "kubernetes.storage.mountPath",
        "not a plain absolute path",
        "/data",
    ),
    Case(
        "storage-mount-dotdot",
        _storage(mountPath="/data/../etc"),
        "kubernetes.storage.mountPath",
        "not a plain absolute path",
        "'..'",
    ),
    Case(
        "storage-mount-tmp",
        _storage(mountPath="/tmp/cache"),
        "kubernetes.storage.mountPath",
        "would cover /tmp",
        "folder of its own",
    ),
    Case(
        "storage-mount-root",
        _storage(mountPath="/"),
        "kubernetes.storage.mountPath",
        "would cover /",
        "/data",
    ),
    Case(
        "storage-retain-switch",
        _storage(retainOnDestroy="yes"),
        "kubernetes.storage.retainOnDestroy",
        "",
        "",
    ),
    Case(
        "rwo-rolling-update",
        {**SINGLE_WRITER, "kubernetes.strategy": "RollingUpdate"},
        "kubernetes.strategy",
        "still holds the volume",
        "strategy: Recreate",
    ),
    Case(
        "rwo-replicas",
        {**SINGLE_WRITER, "kubernetes.replicas": 2},
        "kubernetes.replicas",
        "single writer runs one pod",
        "replicas: 1",
    ),
    Case(
        "rwo-autoscaling",
        {**SINGLE_WRITER, "kubernetes.autoscaling": {"minReplicas": 1, "maxReplicas": 2}},
        "kubernetes.autoscaling",
        "cannot mount the volume",
        "remove autoscaling",
    ),
    Case(
        "recreate-replicas",
        {"kubernetes.strategy": "Recreate", "kubernetes.autoscaling": DELETE},
        "kubernetes.strategy",
        "stops all 2 replicas",
        "RollingUpdate",
    ),
    Case(
        "recreate-autoscaler",
        {"kubernetes.strategy": "Recreate", "kubernetes.replicas": 1},
        "kubernetes.strategy",
        "autoscaler",
        "replicas: 1 without autoscaling",
    ),
    Case(
        "rollout-timeout-range",
        {"kubernetes.rolloutTimeoutSeconds": 10},
        "kubernetes.rolloutTimeoutSeconds",
        "out of range 30-3600",
        "30 to 3600",
    ),
    Case(
        "rollout-timeout-text",
        {"kubernetes.rolloutTimeoutSeconds": "300"},
        "kubernetes.rolloutTimeoutSeconds",
        "whole number",
        "without quotes",
    ),
    Case(
        "access-kind",
        {"kubernetes.access": [{**USER_EDIT, "kind": "Role"}]},
        "kubernetes.access[0].kind",
        "not an allowed value",
        "'ServiceAccount'",
    ),
    Case(
        "access-admin",
        {"kubernetes.access": [{**USER_EDIT, "role": "admin"}]},
        "kubernetes.access[0].role",
        "not an allowed value",
        "'view' or 'edit'",
    ),
    Case(
        "access-cluster-wide",
        {"kubernetes.access": [{**USER_EDIT, "clusterWide": True}]},
        "kubernetes.access[0].clusterWide",
        "unknown field",
        "kind, name, namespace, role",
    ),
    Case(
        "access-system-group",
        {"kubernetes.access": [{**USER_EDIT, "kind": "Group", "name": "system:authenticated"}]},
        "kubernetes.access[0].name",
        "system: identity",
        "tenant's own",
    ),
    Case(
        "access-user-name",
        {"kubernetes.access": [{**USER_EDIT, "name": "alice smith"}]},
        "kubernetes.access[0].name",
        "not a user or group name",
        "no spaces",
    ),
    Case(
        "access-user-namespace",
        {"kubernetes.access": [{**USER_EDIT, "namespace": "other"}]},
        "kubernetes.access[0].namespace",
        "has no namespace",
        "kind: ServiceAccount",
    ),
    Case(
        "access-service-account-name",
        {"kubernetes.access": [{**USER_EDIT, "kind": "ServiceAccount", "name": "CI_Bot"}]},
        "kubernetes.access[0].name",
        "not a ServiceAccount name",
        "lowercase",
    ),
    Case(
        "access-twice",
        {"kubernetes.access": [USER_EDIT, {**USER_EDIT, "role": "view"}]},
        "kubernetes.access[1]",
        "again (also at kubernetes.access[0])",
        "list each subject once",
    ),
    Case(
        "pull-secret-inline",
        {"agent.image.pullSecret": {"auths": {"ghcr.io": {"auth": "dTpw"}}}},
        "agent.image.pullSecret",
        "credentials written in the spec",
        "{fromEnv: VARIABLE} or {fromFile: path}",
        value="[secret]",
    ),
    Case(
        "pull-secret-two-sources",
        {"agent.image.pullSecret": {"fromEnv": "ACME_REGISTRY", "fromFile": "auth.json"}},
        "agent.image.pullSecret",
        "exactly one source",
        "fromEnv: VARIABLE or fromFile: path",
    ),
    Case(
        "pull-secret-without-kubernetes",
        {"agent.image.pullSecret": {"fromEnv": "ACME_REGISTRY"}, "kubernetes.enabled": False},
        "agent.image.pullSecret",
        "only used by Kubernetes",
        "kubernetes.enabled: true",
    ),
    Case(
        "pull-secret-credential-variable",
        {"agent.image.pullSecret": {"fromEnv": "DOCKER_AUTH_CONFIG"}},
        "agent.image.pullSecret.fromEnv",
        "never readable",
        "variable of its own",
    ),
    Case(
        "pull-secret-outside-root",
        {"agent.image.pullSecret": {"fromFile": "../../etc/hosts"}},
        "agent.image.pullSecret.fromFile",
        "resolves outside the spec's root",
        "inside the spec's folder",
    ),
]


@pytest.mark.parametrize("case", KUBERNETES_CASES, ids=[case.id for case in KUBERNETES_CASES])
def test_each_broken_kubernetes_rule_reports_exactly_its_problem(case: Case) -> None:
    problems = _problems(_changed(BASES[case.base], case.changes))

    assert [problem.path for problem in problems] == [case.path], problems
    problem = problems[0]
    assert case.message in problem.message
    assert case.fix in problem.fix
    if case.value is not None:
        assert problem.value == case.value


def test_kubernetes_case_ids_are_unique() -> None:
    ids = {case.id for case in KUBERNETES_CASES}
    assert len(ids) == len(KUBERNETES_CASES)
    assert not ids & {case.id for case in CASES}


def test_credentials_written_in_the_spec_are_never_echoed() -> None:
    token = "dXNlcjpodW50ZXIy"  # user:hunter2
    for written in ({"auths": {"ghcr.io": {"auth": token}}}, f'{{"auths": "{token}"}}'):
        with pytest.raises(SpecError) as caught:
            _validate(_changed(BASES["dev"], {"agent.image.pullSecret": written}))
        assert token not in str(caught.value)


KUBERNETES_ACCEPTED = [
    SINGLE_WRITER,
    _storage(
        size="20Gi", storageClass="fast-ssd", mountPath="/var/lib/agent", retainOnDestroy=False
    ),
    # A shared volume does not make a single writer: replicas, an HPA and rolling updates stay.
    {"kubernetes.storage": {"size": "5Gi", "accessMode": "ReadWriteMany"}},
    {"kubernetes.strategy": "Recreate", "kubernetes.replicas": 1, "kubernetes.autoscaling": DELETE},
    {"kubernetes.rolloutTimeoutSeconds": 30},
    {"kubernetes.rolloutTimeoutSeconds": 3600},
    {
        "kubernetes.access": [
            USER_EDIT,
            {"kind": "Group", "name": "acme:support", "role": "view"},
            {"kind": "ServiceAccount", "name": "deployer", "role": "edit"},
            {"kind": "ServiceAccount", "name": "deployer", "namespace": "ci", "role": "view"},
        ]
    },
    {"agent.image.pullSecret": {"fromEnv": "ACME_REGISTRY_AUTH"}},
    {"agent.image.pullSecret": {"fromFile": "echo-agent/requirements.txt"}},
]


@pytest.mark.parametrize(
    "changes", KUBERNETES_ACCEPTED, ids=[str(c)[:60] for c in KUBERNETES_ACCEPTED]
)
def test_valid_kubernetes_settings_are_accepted(changes: dict[str, Any]) -> None:
    _validate(_changed(BASES["dev"], changes))


def test_a_prod_single_writer_runs_one_pod_and_keeps_its_claim() -> None:
    prod = _validate(
        _changed(BASES["prod"], {**SINGLE_WRITER, "kubernetes.disruptionBudget": DELETE})
    )

    assert prod.kubernetes.replicas == 1 and is_single_writer(prod)
    assert effective_autoscaling(prod) is None, "no autoscaler adds pods to a single writer"
    assert effective_disruption_budget(prod) is None, "a budget on one pod blocks every drain"
    assert effective_retain_on_destroy(prod), "prod keeps its data by default"


def test_retain_on_destroy_defaults_to_keep_in_prod_only() -> None:
    dev = _validate(_changed(BASES["dev"], SINGLE_WRITER))
    dev_kept = _validate(_changed(BASES["dev"], _storage(retainOnDestroy=True)))
    prod_dropped = _validate(
        _changed(
            BASES["prod"],
            {**_storage(retainOnDestroy=False), "kubernetes.disruptionBudget": DELETE},
        )
    )

    assert not effective_retain_on_destroy(dev)
    assert effective_retain_on_destroy(dev_kept)
    assert not effective_retain_on_destroy(prod_dropped)


def test_registry_credentials_are_refused_in_a_stack_config() -> None:
    data = _changed(BASES["dev"], {"agent.image.pullSecret": {"fromEnv": "ACME_REGISTRY_AUTH"}})
    data["agent"]["secretEnv"] = {}

    with pytest.raises(SpecError) as caught:
        validate_spec(data, base_dir=EXAMPLES, origin=SecretOrigin.STACK_CONFIG)

    (problem,) = caught.value.problems
    assert problem.path == "agent.image.pullSecret.fromEnv"
    assert "spec file" in problem.fix
