"""The deployment spec: one pydantic model with four sections (the public contract).

YAML and Pulumi config use camelCase keys; Python code uses the snake_case attributes.
Unknown fields are errors and every model is frozen: the spec is validated once, at the
edge, and everything behind the edge trusts it. Field types carry the limits of where each
value lands (`infra.spec._types`); rules across sections live in `infra.spec._rules`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator
from pydantic.alias_generators import to_camel

from infra.spec._errors import cross_field_error, rule_error
from infra.spec._types import (
    CLOUDWATCH_RETENTION_DAYS,
    AccessPointArn,
    AgentName,
    Cidr,
    Command,
    ConfigKey,
    CorsOrigin,
    CpuQuantity,
    DnsLabel,
    DnsSubdomain,
    EnvName,
    EnvSourceName,
    HeaderName,
    HostName,
    HttpMethod,
    HttpPath,
    ImageReference,
    Int,
    LabelKey,
    LabelValue,
    MemoryQuantity,
    MountPath,
    Number,
    Organization,
    PythonVersion,
    RelativeFile,
    SecurityGroupId,
    SemanticVersion,
    SubnetId,
    TenantId,
    at_least_one,
    count_between,
    in_range,
    one_of,
    unique,
)


class SpecModel(BaseModel):
    """Base for every spec section: camelCase aliases, unknown fields rejected, frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        validate_default=True,
    )


class Environment(StrEnum):
    """Where a tenant's deployment runs; `prod` turns on the production rules."""

    DEV = "dev"
    STAGING = "staging"
    PROD = "prod"


class Architecture(StrEnum):
    """Lambda CPU architecture; the image platform must match it."""

    ARM64 = "arm64"
    X86_64 = "x86_64"

    @property
    def platform(self) -> str:
        """The container platform of this architecture."""
        return "linux/arm64" if self is Architecture.ARM64 else "linux/amd64"


class RolloutStrategy(StrEnum):
    """Kubernetes Deployment strategy."""

    ROLLING_UPDATE = "RollingUpdate"
    RECREATE = "Recreate"


class ServiceType(StrEnum):
    """Kubernetes Service type."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"


class Platform(StrEnum):
    """Image build platform (one per image: it runs on Lambda and Kubernetes alike)."""

    LINUX_ARM64 = "linux/arm64"
    LINUX_AMD64 = "linux/amd64"


# ---------------------------------------------------------------- tenant


class TenantSpec(SpecModel):
    """Who the deployment belongs to."""

    id: TenantId = Field(
        description="DNS-1123 label (lowercase letters, digits, '-'; at most 40 characters "
        "so that `<id>-<environment>` and derived resource names fit their limits).",
        examples=["acme"],
    )
    organization: Organization = Field(
        description="Owning organization; becomes the `jockey.dev/organization` label value."
    )
    environment: Environment = Field(description="dev | staging | prod (prod is stricter).")
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        description="Extra Kubernetes labels and AWS tags put on every resource "
        "(kubernetes.io, k8s.io and jockey.dev prefixes are reserved).",
    )


# ---------------------------------------------------------------- agent


class SecretSource(SpecModel):
    """Where one secret env value is read from: exactly one source.

    `fromEnv` and `fromFile` (spec files) are resolved by the CLI or the Automation API;
    `fromConfig` (stack config) names a Pulumi secure config key `jockey:<key>`.
    """

    from_env: EnvSourceName | None = Field(
        default=None, description="An environment variable holding the value (spec files)."
    )
    from_file: Path | None = Field(
        default=None,
        description="A file holding the value, relative to the spec file (spec files).",
    )
    from_config: ConfigKey | None = Field(
        default=None,
        description="A secure config key of the stack, `jockey:<key>` without the prefix "
        "(stack config).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        chosen = [v for v in (self.from_env, self.from_file, self.from_config) if v is not None]
        if len(chosen) != 1:
            raise rule_error(
                f"needs exactly one source, has {len(chosen)}",
                "use one of fromEnv: VAR or fromFile: path (spec files), fromConfig: key (stacks)",
            )
        return self


class BuildSpec(SpecModel):
    """Build the agent image from a context with the unified Dockerfile."""

    context: Path = Field(description="Build context (relative to the spec file's directory).")
    platform: Platform = Field(
        default=Platform.LINUX_ARM64,
        description="linux/arm64 or linux/amd64; must match lambda.architecture.",
    )
    python_version: PythonVersion = Field(
        default="3.12", description="Python minor version of the slim base image (3.10-3.13)."
    )
    requirements: RelativeFile = Field(
        default="requirements.txt", description="Requirements file inside the context."
    )
    command: Command = Field(
        default_factory=lambda: ["python", "-m", "app"],
        description="The agent's HTTP server command (JSON-form CMD).",
    )


class ImageSpec(SpecModel):
    """The agent image: exactly one of a prebuilt `ref` or a `build`."""

    ref: ImageReference | None = Field(
        default=None,
        description="Prebuilt image, `<registry>/<repo>@sha256:<digest>` (a tag is allowed "
        "outside prod; Lambda needs an Amazon ECR image).",
    )
    build: BuildSpec | None = Field(default=None, description="Build from a context.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.ref is None) == (self.build is None):
            raise rule_error(
                "needs exactly one of ref and build",
                "set ref: <registry>/<repo>@sha256:<digest>, or build: {context: <folder>}",
            )
        return self


class AgentSpec(SpecModel):
    """The agent HTTP service itself."""

    name: AgentName = Field(
        description="DNS-1035 label naming the agent (and its Kubernetes Service)."
    )
    version: SemanticVersion = Field(description="Semantic version of the agent, e.g. 1.4.2.")
    port: Annotated[Int, in_range(1024, 65535, why="the agent runs as non-root")] = Field(
        default=8080, description="Port the agent listens on (1024-65535: it runs as non-root)."
    )
    health_path: HttpPath = Field(
        default="/health", description="Liveness path; also the adapter's readiness check."
    )
    ready_path: HttpPath = Field(default="/ready", description="Kubernetes readiness path.")
    env: dict[EnvName, str] = Field(
        default_factory=dict, description="Plain environment variables (string values)."
    )
    secret_env: dict[EnvName, SecretSource] = Field(
        default_factory=dict,
        description="Secret environment variables: where to read each value from.",
    )
    image: ImageSpec = Field(description="Prebuilt `ref` or a `build`.")

    @model_validator(mode="after")
    def _no_duplicate_names(self) -> Self:
        both = sorted(set(self.env) & set(self.secret_env))
        if both:
            raise rule_error(
                "also set in env",
                f"keep {', '.join(both)} in only one of env and secretEnv",
                field=f"secretEnv.{both[0]}",
                value=both[0],
            )
        return self


# ---------------------------------------------------------------- lambda


class CorsSpec(SpecModel):
    """CORS of the HTTP API."""

    allow_origins: Annotated[list[CorsOrigin], at_least_one("origin"), unique("origin")] = Field(
        description="Origins allowed to call the API: * or scheme://host[:port]."
    )
    allow_methods: Annotated[list[HttpMethod], at_least_one("method"), unique("method")] = Field(
        default_factory=lambda: ["GET", "POST", "OPTIONS"], description="HTTP methods allowed."
    )
    allow_headers: Annotated[list[HeaderName], unique("header")] = Field(
        default_factory=lambda: ["content-type", "authorization"],
        description="Request headers allowed.",
    )
    max_age: Annotated[Int, in_range(0, 86400, " s")] = Field(
        default=300, description="Seconds browsers cache the preflight (0-86400)."
    )


class ThrottleSpec(SpecModel):
    """Stage throttling of the HTTP API (within API Gateway's account defaults)."""

    burst_limit: Annotated[Int, in_range(1, 5000, why="API Gateway's account burst")] = Field(
        default=100, description="Requests burst (1-5000, the account default ceiling)."
    )
    rate_limit: Annotated[Number, in_range(1, 10000, why="API Gateway's account rate")] = Field(
        default=50, description="Steady requests per second (1-10000)."
    )


class ApiSpec(SpecModel):
    """API Gateway HTTP API in front of the function."""

    cors: CorsSpec | None = Field(default=None, description="CORS; none when unset.")
    throttle: ThrottleSpec = Field(default_factory=ThrottleSpec, description="Throttling.")


class VpcSpec(SpecModel):
    """Run the function inside a VPC."""

    subnet_ids: Annotated[list[SubnetId], count_between(1, 16, "subnets"), unique("subnet")] = (
        Field(description="Subnets (subnet-...), 1-16.")
    )
    security_group_ids: Annotated[
        list[SecurityGroupId], count_between(1, 5, "security groups"), unique("security group")
    ] = Field(description="Security groups (sg-...), 1-5.")


class EfsSpec(SpecModel):
    """Mount an EFS access point (needs `vpc`)."""

    access_point_arn: AccessPointArn = Field(description="ARN of the EFS access point.")
    mount_path: MountPath = Field(
        default="/mnt/data", description="Where to mount it: /mnt/<name>."
    )


class LambdaSpec(SpecModel):
    """The AWS Lambda target."""

    enabled: StrictBool = Field(default=False, description="Deploy to Lambda.")
    memory: Annotated[Int, in_range(128, 10240, " MB")] = Field(
        default=1024, description="MB (128-10240)."
    )
    timeout: Annotated[Int, in_range(1, 900, " s")] = Field(
        default=29, description="Seconds (1-900); at most 29 behind the HTTP API's 30 s limit."
    )
    architecture: Architecture = Field(default=Architecture.ARM64, description="arm64 | x86_64.")
    log_retention_days: Annotated[
        Int, one_of(CLOUDWATCH_RETENTION_DAYS, "CloudWatch retention")
    ] = Field(default=14, description="Days; a CloudWatch Logs retention value.")
    reserved_concurrency: (
        Annotated[Int, in_range(1, 900, why="the default account limit 1000 minus 100 unreserved")]
        | None
    ) = Field(default=None, description="1-900, or unset for the account's unreserved pool.")
    keep_images: Annotated[Int, in_range(1, 1000)] = Field(
        default=10, description="ECR lifecycle: images kept (1-1000)."
    )
    api: ApiSpec = Field(default_factory=ApiSpec, description="The HTTP API.")
    vpc: VpcSpec | None = Field(default=None, description="Run inside a VPC.")
    efs: EfsSpec | None = Field(default=None, description="Mount EFS (needs vpc).")

    @model_validator(mode="after")
    def _efs_needs_vpc(self) -> Self:
        if self.efs is not None and self.vpc is None:
            raise rule_error(
                "is missing: efs needs the function inside a VPC",
                "add lambda.vpc with subnetIds and securityGroupIds that reach the EFS "
                "mount targets",
                field="vpc",
                value=None,
            )
        return self


# ---------------------------------------------------------------- kubernetes


class ClusterSpec(SpecModel):
    """Which cluster: a kubeconfig (file and/or context), or renderDir (no cluster)."""

    context: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="A context of the kubeconfig."
    )
    kubeconfig: Path | None = Field(
        default=None, description="Path of a kubeconfig file (relative to the spec file)."
    )
    render_dir: Path | None = Field(
        default=None,
        description="Render YAML to this folder instead of applying (no cluster; relative "
        "to the spec file).",
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.render_dir is not None and (self.context or self.kubeconfig):
            raise rule_error(
                "cannot be combined with a cluster (context or kubeconfig)",
                "set either renderDir, or context and/or kubeconfig",
                field="renderDir",
                value=str(self.render_dir),
            )
        return self


class ResourcesSpec(SpecModel):
    """Container requests and limits (Kubernetes quantities)."""

    cpu_request: CpuQuantity = Field(default="100m", description="CPU request, e.g. 100m.")
    cpu_limit: CpuQuantity = Field(default="500m", description="CPU limit, e.g. 500m.")
    memory_request: MemoryQuantity = Field(
        default="128Mi", description="Memory request, e.g. 128Mi."
    )
    memory_limit: MemoryQuantity = Field(default="256Mi", description="Memory limit, e.g. 256Mi.")


class QuotaSpec(SpecModel):
    """The tenant namespace's ResourceQuota (requests and limits)."""

    cpu: CpuQuantity = Field(default="4", description="CPU of the whole namespace.")
    memory: MemoryQuantity = Field(default="8Gi", description="Memory of the whole namespace.")
    pods: Annotated[Int, in_range(1, 1000)] = Field(default=20, description="Pods (1-1000).")


class ServiceSpec(SpecModel):
    """The Kubernetes Service in front of the agent."""

    type: ServiceType = Field(default=ServiceType.CLUSTER_IP, description="Service type.")
    port: Annotated[Int, in_range(1, 65535)] = Field(default=80, description="Service port.")
    node_port: Annotated[Int, in_range(30000, 32767, why="the NodePort range")] | None = Field(
        default=None, description="30000-32767, with type NodePort only."
    )

    @model_validator(mode="after")
    def _node_port_only_with_node_port(self) -> Self:
        if self.node_port is not None and self.type is not ServiceType.NODE_PORT:
            raise rule_error(
                f"is set but the Service type is {self.type.value}",
                "set type: NodePort, or remove nodePort",
                field="nodePort",
                value=self.node_port,
            )
        return self


class AutoscalingSpec(SpecModel):
    """HorizontalPodAutoscaler (autoscaling/v2) on CPU."""

    min_replicas: Annotated[Int, in_range(1, 1000)] = Field(
        default=2, description="Fewest pods (1-1000)."
    )
    max_replicas: Annotated[Int, in_range(1, 1000)] = Field(
        default=6, description="Most pods (1-1000)."
    )
    target_cpu_utilization: Annotated[Int, in_range(1, 100, " %")] = Field(
        default=70,
        alias="targetCPUUtilization",
        description="Average CPU utilization target, percent of requests (1-100).",
    )

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_replicas > self.max_replicas:
            raise rule_error(
                f"is above maxReplicas {self.max_replicas}",
                "make minReplicas <= maxReplicas",
                field="minReplicas",
                value=self.min_replicas,
            )
        return self


class NetworkPolicySpec(SpecModel):
    """Allowed paths on top of the default-deny policy."""

    allow_from_namespaces: Annotated[list[DnsLabel], unique("namespace")] = Field(
        default_factory=list, description="Namespaces whose pods may reach the agent port."
    )
    allow_egress_cidrs: Annotated[list[Cidr], unique("CIDR block")] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        description="Where HTTPS (443) egress may go; DNS to kube-system is always allowed.",
    )


class DisruptionBudgetSpec(SpecModel):
    """PodDisruptionBudget."""

    min_available: Annotated[Int, in_range(1, 1000)] = Field(
        default=1, description="Pods kept during voluntary disruptions (below the replicas)."
    )


class IngressSpec(SpecModel):
    """An optional Ingress for the Service."""

    host: HostName = Field(description="Host name, e.g. agent.acme.example.")
    path: HttpPath = Field(default="/", description="Path prefix.")
    class_name: DnsSubdomain | None = Field(default=None, description="IngressClass name.")
    tls_secret_name: DnsSubdomain | None = Field(
        default=None, description="Name of the TLS Secret in the tenant namespace."
    )


class KubernetesSpec(SpecModel):
    """The Kubernetes target."""

    enabled: StrictBool = Field(default=False, description="Deploy to Kubernetes.")
    cluster: ClusterSpec = Field(default_factory=ClusterSpec, description="Which cluster.")
    replicas: Annotated[Int, in_range(1, 1000)] = Field(default=2, description="Pods (1-1000).")
    resources: ResourcesSpec = Field(default_factory=ResourcesSpec, description="Per pod.")
    quota: QuotaSpec = Field(default_factory=QuotaSpec, description="Per namespace.")
    strategy: RolloutStrategy = Field(
        default=RolloutStrategy.ROLLING_UPDATE,
        description="RollingUpdate (maxSurge 1, maxUnavailable 0) or Recreate.",
    )
    service: ServiceSpec = Field(default_factory=ServiceSpec, description="The Service.")
    autoscaling: AutoscalingSpec | None = Field(default=None, description="An HPA on CPU.")
    disruption_budget: DisruptionBudgetSpec | None = Field(
        default=None, description="A PodDisruptionBudget (always one in prod)."
    )
    network_policy: NetworkPolicySpec = Field(
        default_factory=NetworkPolicySpec, description="Allowed traffic."
    )
    ingress: IngressSpec | None = Field(default=None, description="An Ingress.")


# ---------------------------------------------------------------- the whole spec


class DeploymentSpec(SpecModel):
    """One tenant's deployment: `tenant`, `agent`, `lambda` and `kubernetes`."""

    tenant: TenantSpec = Field(description="Who the deployment belongs to.")
    agent: AgentSpec = Field(description="The agent HTTP service.")
    lambda_: LambdaSpec = Field(
        default_factory=LambdaSpec, alias="lambda", description="The AWS Lambda target."
    )
    kubernetes: KubernetesSpec = Field(
        default_factory=KubernetesSpec, description="The Kubernetes target."
    )

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Self:
        from infra.spec._rules import cross_field_problems

        problems = cross_field_problems(self)
        if problems:
            raise cross_field_error(problems)
        return self

    @property
    def stack_name(self) -> str:
        """The Pulumi stack of this tenant and environment: `<tenant-id>-<environment>`."""
        return f"{self.tenant.id}-{self.tenant.environment.value}"

    @property
    def namespace(self) -> str:
        """The tenant's Kubernetes namespace (one per tenant and environment)."""
        return self.stack_name
