"""The deployment spec: one pydantic model with four sections (the public contract).

YAML and Pulumi config use camelCase keys; Python code uses the snake_case attributes.
Unknown fields are errors and every model is frozen: the spec is validated once, at the
edge, and everything behind the edge trusts it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class SpecModel(BaseModel):
    """Base for every spec section: camelCase aliases, unknown fields rejected, frozen."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
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


class RolloutStrategy(StrEnum):
    """Kubernetes Deployment strategy."""

    ROLLING_UPDATE = "RollingUpdate"
    RECREATE = "Recreate"


class ServiceType(StrEnum):
    """Kubernetes Service type."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"


# ---------------------------------------------------------------- tenant


class TenantSpec(SpecModel):
    """Who the deployment belongs to."""

    id: str = Field(
        description="DNS-1123 label (lowercase letters, digits, '-'); stack, namespace and "
        "resource names derive from it.",
        examples=["acme"],
    )
    organization: str = Field(description="Owning organization; becomes a label value.")
    environment: Environment = Field(description="dev | staging | prod.")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="Extra Kubernetes labels and AWS tags put on every resource.",
    )


# ---------------------------------------------------------------- agent


class SecretSource(SpecModel):
    """Where one secret env value is read from: exactly one of the three sources.

    `fromEnv` and `fromFile` are resolved by the driver (CLI / Automation API);
    `fromConfig` names a Pulumi secure config key of the stack (`jockey:<key>`).
    """

    from_env: str | None = Field(default=None, description="Name of an environment variable.")
    from_file: Path | None = Field(
        default=None, description="Path of a file holding the value (relative to the spec)."
    )
    from_config: str | None = Field(
        default=None, description="A secure config key of the stack, e.g. `openaiApiKey`."
    )


class BuildSpec(SpecModel):
    """Build the agent image from a context with the unified Dockerfile."""

    context: Path = Field(description="Build context (relative to the spec file's directory).")
    platform: str = Field(
        default="linux/arm64", description="linux/arm64 or linux/amd64; matches the Lambda arch."
    )
    python_version: str = Field(
        default="3.12", description="Python base image version (slim), e.g. 3.12."
    )
    requirements: str = Field(
        default="requirements.txt", description="Requirements file inside the context."
    )
    command: list[str] = Field(
        default_factory=lambda: ["python", "-m", "app"],
        description="The agent's HTTP server command (JSON-form CMD).",
    )


class ImageSpec(SpecModel):
    """The agent image: exactly one of a prebuilt `ref` or a `build`."""

    ref: str | None = Field(
        default=None,
        description="Prebuilt image, `<registry>/<repo>@sha256:<digest>` (a tag is allowed "
        "outside prod).",
    )
    build: BuildSpec | None = Field(default=None, description="Build from a context.")


class AgentSpec(SpecModel):
    """The agent HTTP service itself."""

    name: str = Field(description="DNS-1123 label naming the agent.")
    version: str = Field(description="Semantic version of the agent, e.g. 1.4.2.")
    port: int = Field(default=8080, description="Port the agent listens on (1024-65535).")
    health_path: str = Field(
        default="/health", description="Liveness path; also the adapter's readiness check."
    )
    ready_path: str = Field(default="/ready", description="Kubernetes readiness path.")
    env: dict[str, str] = Field(default_factory=dict, description="Plain environment variables.")
    secret_env: dict[str, SecretSource] = Field(
        default_factory=dict,
        description="Secret environment variables: where to read each value from.",
    )
    image: ImageSpec = Field(description="Prebuilt `ref` or a `build`.")


# ---------------------------------------------------------------- lambda


class CorsSpec(SpecModel):
    """CORS of the HTTP API."""

    allow_origins: list[str] = Field(default_factory=list)
    allow_methods: list[str] = Field(default_factory=lambda: ["GET", "POST", "OPTIONS"])
    allow_headers: list[str] = Field(default_factory=lambda: ["content-type", "authorization"])
    max_age: int = Field(default=300, description="Seconds (0-86400).")


class ThrottleSpec(SpecModel):
    """Stage throttling of the HTTP API."""

    burst_limit: int = Field(default=100, description="Requests burst (0-5000).")
    rate_limit: float = Field(default=50, description="Steady requests per second (0-10000).")


class ApiSpec(SpecModel):
    """API Gateway HTTP API in front of the function."""

    cors: CorsSpec | None = None
    throttle: ThrottleSpec = Field(default_factory=ThrottleSpec)


class VpcSpec(SpecModel):
    """Run the function inside a VPC."""

    subnet_ids: list[str] = Field(min_length=1)
    security_group_ids: list[str] = Field(min_length=1)


class EfsSpec(SpecModel):
    """Mount an EFS access point (needs `vpc`)."""

    access_point_arn: str
    mount_path: str = Field(default="/mnt/data", description="Must start with /mnt/.")


class LambdaSpec(SpecModel):
    """The AWS Lambda target."""

    enabled: bool = False
    memory: int = Field(default=1024, description="MB (128-10240).")
    timeout: int = Field(default=29, description="Seconds; at most 29 behind the HTTP API.")
    architecture: Architecture = Architecture.ARM64
    log_retention_days: int = Field(default=14, description="A CloudWatch retention value.")
    reserved_concurrency: int | None = Field(default=None, description="0-1000, or unset.")
    keep_images: int = Field(default=10, description="ECR lifecycle: images kept (1-1000).")
    api: ApiSpec = Field(default_factory=ApiSpec)
    vpc: VpcSpec | None = None
    efs: EfsSpec | None = None


# ---------------------------------------------------------------- kubernetes


class ClusterSpec(SpecModel):
    """Which cluster: at most one of a kubeconfig context, a kubeconfig file, or renderDir."""

    context: str | None = Field(default=None, description="A context of the default kubeconfig.")
    kubeconfig: Path | None = Field(default=None, description="Path of a kubeconfig file.")
    render_dir: Path | None = Field(
        default=None, description="Render YAML to this folder instead of applying (no cluster)."
    )


class ResourcesSpec(SpecModel):
    """Container requests and limits (Kubernetes quantities)."""

    cpu_request: str = "100m"
    cpu_limit: str = "500m"
    memory_request: str = "128Mi"
    memory_limit: str = "256Mi"


class QuotaSpec(SpecModel):
    """The tenant namespace's ResourceQuota (applies to limits and requests)."""

    cpu: str = "4"
    memory: str = "8Gi"
    pods: int = 20


class ServiceSpec(SpecModel):
    """The Kubernetes Service in front of the agent."""

    type: ServiceType = ServiceType.CLUSTER_IP
    port: int = 80
    node_port: int | None = Field(default=None, description="30000-32767, NodePort only.")


class AutoscalingSpec(SpecModel):
    """HorizontalPodAutoscaler (autoscaling/v2) on CPU."""

    min_replicas: int = 2
    max_replicas: int = 6
    target_cpu_utilization: int = Field(default=70, description="Percent (1-100).")


class NetworkPolicySpec(SpecModel):
    """Allowed paths on top of the default-deny policy."""

    allow_from_namespaces: list[str] = Field(
        default_factory=list, description="Namespaces whose pods may reach the agent port."
    )
    allow_egress_cidrs: list[str] = Field(
        default_factory=lambda: ["0.0.0.0/0"],
        description="Where HTTPS (443) egress may go; DNS to kube-system is always allowed.",
    )


class DisruptionBudgetSpec(SpecModel):
    """PodDisruptionBudget."""

    min_available: int = 1


class IngressSpec(SpecModel):
    """An optional Ingress for the Service."""

    host: str
    path: str = "/"
    class_name: str | None = None
    tls_secret_name: str | None = None


class KubernetesSpec(SpecModel):
    """The Kubernetes target."""

    enabled: bool = False
    cluster: ClusterSpec = Field(default_factory=ClusterSpec)
    replicas: int = 2
    resources: ResourcesSpec = Field(default_factory=ResourcesSpec)
    quota: QuotaSpec = Field(default_factory=QuotaSpec)
    strategy: RolloutStrategy = RolloutStrategy.ROLLING_UPDATE
    service: ServiceSpec = Field(default_factory=ServiceSpec)
    autoscaling: AutoscalingSpec | None = None
    disruption_budget: DisruptionBudgetSpec | None = None
    network_policy: NetworkPolicySpec = Field(default_factory=NetworkPolicySpec)
    ingress: IngressSpec | None = None


# ---------------------------------------------------------------- the whole spec


class DeploymentSpec(SpecModel):
    """One tenant's deployment: `tenant`, `agent`, `lambda` and `kubernetes`."""

    tenant: TenantSpec
    agent: AgentSpec
    lambda_: Annotated[LambdaSpec, Field(alias="lambda")] = Field(default_factory=LambdaSpec)
    kubernetes: KubernetesSpec = Field(default_factory=KubernetesSpec)

    @property
    def stack_name(self) -> str:
        """The Pulumi stack of this tenant and environment: `<tenant-id>-<environment>`."""
        return f"{self.tenant.id}-{self.tenant.environment.value}"

    @property
    def namespace(self) -> str:
        """The tenant's Kubernetes namespace (one per tenant and environment)."""
        return self.stack_name
