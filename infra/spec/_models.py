"""The deployment spec: one pydantic model with four sections (the public contract).

YAML and Pulumi config use camelCase keys; Python code uses the snake_case attributes.
Unknown fields are errors and every model is frozen: the spec is validated once, at the
edge, and everything behind the edge trusts it. Field types carry the limits of where each
value lands (`infra.spec._types`); rules across sections live in `infra.spec._rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from infra.spec._errors import REDACTED, cross_field_error, rule_error
from infra.spec._stack_name import stack_name
from infra.spec._types import (
    CLOUDWATCH_RETENTION_DAYS,
    AccessPointArn,
    AgentName,
    CertificateArn,
    Cidr,
    Command,
    ConfigKey,
    CorsOrigin,
    CpuQuantity,
    DnsLabel,
    DnsSubdomain,
    EmailAddress,
    EnvName,
    EnvSourceName,
    FunctionUrlMethod,
    HeaderName,
    HostName,
    HttpMethod,
    HttpPath,
    ImageReference,
    Int,
    JwtAudience,
    JwtIssuer,
    KmsKeyArn,
    LabelKey,
    LabelValue,
    MemoryQuantity,
    MountPath,
    Number,
    Organization,
    PythonVersion,
    RelativeFile,
    SecretsManagerArn,
    SecurityGroupId,
    SemanticVersion,
    SnsTopicArn,
    SsmParameter,
    StorageQuantity,
    SubjectName,
    SubnetId,
    TenantId,
    VolumeMountPath,
    at_least_one,
    count_between,
    dns_subdomain,
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


class Endpoint(StrEnum):
    """How clients reach a Lambda agent."""

    HTTP_API = "httpApi"
    FUNCTION_URL = "functionUrl"


class FunctionUrlAuth(StrEnum):
    """Who may call a Function URL: signed IAM requests, or anyone."""

    AWS_IAM = "AWS_IAM"
    NONE = "NONE"


class CanaryAlarm(StrEnum):
    """A metric of the new version that stops its release when it breaches."""

    ERRORS = "errors"
    THROTTLES = "throttles"
    P95_DURATION = "p95Duration"


class RolloutStrategy(StrEnum):
    """Kubernetes Deployment strategy."""

    ROLLING_UPDATE = "RollingUpdate"
    RECREATE = "Recreate"


class ServiceType(StrEnum):
    """Kubernetes Service type."""

    CLUSTER_IP = "ClusterIP"
    NODE_PORT = "NodePort"
    LOAD_BALANCER = "LoadBalancer"


class AccessMode(StrEnum):
    """How a PersistentVolumeClaim's volume may be mounted."""

    READ_WRITE_ONCE = "ReadWriteOnce"
    READ_WRITE_MANY = "ReadWriteMany"


class SubjectKind(StrEnum):
    """Who a tenant access grant is for (a RoleBinding subject)."""

    USER = "User"
    GROUP = "Group"
    SERVICE_ACCOUNT = "ServiceAccount"


class AccessRole(StrEnum):
    """The cluster's built-in roles a tenant may grant in its namespace."""

    VIEW = "view"
    EDIT = "edit"


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
    `fromSecretsManager` and `fromSsm` (either, Lambda only) are never read by Jockey: the
    function's role may read exactly that secret or parameter, and the agent gets its
    reference as `<NAME>_SECRET_ARN` or `<NAME>_SSM_PARAMETER` and reads it at start.
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
    from_secrets_manager: SecretsManagerArn | None = Field(
        default=None,
        description="The complete ARN of a Secrets Manager secret the agent reads at start "
        "(Lambda only; the agent gets it as <NAME>_SECRET_ARN).",
    )
    from_ssm: SsmParameter | None = Field(
        default=None,
        description="The name or ARN of an SSM parameter (SecureString) the agent reads at "
        "start (Lambda only; the agent gets it as <NAME>_SSM_PARAMETER).",
    )
    kms_key_arn: KmsKeyArn | None = Field(
        default=None,
        description="The customer managed KMS key encrypting that secret or parameter: the "
        "role may then kms:Decrypt with it (not needed for AWS managed keys).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        sources = (
            self.from_env,
            self.from_file,
            self.from_config,
            self.from_secrets_manager,
            self.from_ssm,
        )
        chosen = [v for v in sources if v is not None]
        if len(chosen) != 1:
            raise rule_error(
                f"needs exactly one source, has {len(chosen)}",
                "use one of fromEnv: VAR or fromFile: path (spec files), fromConfig: key "
                "(stacks), fromSecretsManager: ARN or fromSsm: name (Lambda)",
            )
        if self.kms_key_arn is not None and self.reference is None:
            raise rule_error(
                "names a key, but Jockey reads this source itself",
                "remove kmsKeyArn, or use it with fromSecretsManager or fromSsm",
                field="kmsKeyArn",
                value=self.kms_key_arn,
            )
        return self

    @property
    def reference(self) -> str | None:
        """The secret's ARN or parameter the agent reads at run time (None: Jockey reads it)."""
        return self.from_secrets_manager or self.from_ssm


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


class RegistryCredentialSource(SpecModel):
    """Where the image registry's credentials (a Docker config JSON) are read from.

    Exactly one source; resolved by the CLI or the Automation API like `secretEnv`'s
    (the operator's `fromEnv` policy, paths confined to the spec's root).
    """

    from_env: EnvSourceName | None = Field(
        default=None, description="An environment variable holding the Docker config JSON."
    )
    from_file: Path | None = Field(
        default=None,
        description="A file holding the Docker config JSON (such as ~/.docker/config.json "
        "copied beside the spec), relative to the spec file.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.from_env is None) == (self.from_file is None):
            raise rule_error(
                "needs exactly one source",
                "use fromEnv: VARIABLE or fromFile: path (a Docker config JSON with auths)",
            )
        return self


def _no_inline_credentials(value: Any) -> Any:
    """Refuse credentials written into the spec, without echoing them in the problem."""
    if value is None or (isinstance(value, Mapping) and set(value) <= _CREDENTIAL_SOURCES):
        return value
    raise rule_error(
        "holds credentials written in the spec, or keys other than fromEnv and fromFile",
        "never write registry credentials here: use {fromEnv: VARIABLE} or {fromFile: path}",
        value=REDACTED,
    )


_CREDENTIAL_SOURCES = {"fromEnv", "fromFile"}


class ImageSpec(SpecModel):
    """The agent image: exactly one of a prebuilt `ref` or a `build`."""

    ref: ImageReference | None = Field(
        default=None,
        description="Prebuilt image, `<registry>/<repo>@sha256:<digest>` (a tag is allowed "
        "outside prod; Lambda needs an Amazon ECR image).",
    )
    build: BuildSpec | None = Field(default=None, description="Build from a context.")
    pull_secret: Annotated[
        RegistryCredentialSource | None, BeforeValidator(_no_inline_credentials)
    ] = Field(
        default=None,
        description="Credentials of a private registry (Kubernetes): a Docker config JSON "
        "that becomes a kubernetes.io/dockerconfigjson Secret the pods pull with.",
    )

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
    async_init: StrictBool = Field(
        default=False,
        description="Slow start (Lambda): the adapter lets initialisation run past Lambda's "
        "10 s init phase, then waits for the readiness check (AWS_LWA_ASYNC_INIT).",
    )
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


class DomainSpec(SpecModel):
    """A custom domain for the HTTP API (a regional API Gateway domain name)."""

    name: HostName = Field(description="The domain, such as agent.acme.example.")
    certificate_arn: CertificateArn = Field(
        description="An ACM certificate for the domain, in the API's region."
    )


class JwtAuthorizerSpec(SpecModel):
    """A JWT authorizer on the HTTP API's route (the Authorization header's bearer token)."""

    issuer: JwtIssuer = Field(description="The https URL of the tokens' issuer (iss claim).")
    audience: Annotated[list[JwtAudience], at_least_one("audience"), unique("audience")] = Field(
        description="Accepted aud claims (at least one)."
    )


class ApiSpec(SpecModel):
    """API Gateway HTTP API in front of the function (with `endpoint: httpApi`)."""

    cors: CorsSpec | None = Field(default=None, description="CORS; none when unset.")
    throttle: ThrottleSpec = Field(default_factory=ThrottleSpec, description="Throttling.")
    domain: DomainSpec | None = Field(
        default=None, description="A custom domain with an ACM certificate."
    )
    jwt_authorizer: JwtAuthorizerSpec | None = Field(
        default=None, description="Require a valid JWT (issuer and audience) on every request."
    )


class FunctionUrlCorsSpec(SpecModel):
    """CORS of a Function URL (Lambda answers the preflight)."""

    allow_origins: Annotated[
        list[CorsOrigin], count_between(1, 100, "origins"), unique("origin")
    ] = Field(description="Origins allowed to call the URL: * or scheme://host[:port] (1-100).")
    allow_methods: Annotated[
        list[FunctionUrlMethod], count_between(1, 6, "methods"), unique("method")
    ] = Field(
        default_factory=lambda: ["GET", "POST"],
        description="HTTP methods allowed (1-6; OPTIONS is answered by Lambda).",
    )
    allow_headers: Annotated[
        list[HeaderName], count_between(0, 100, "headers"), unique("header")
    ] = Field(
        default_factory=lambda: ["content-type", "authorization"],
        description="Request headers allowed (at most 100).",
    )
    expose_headers: Annotated[
        list[HeaderName], count_between(0, 100, "headers"), unique("header")
    ] = Field(default_factory=list, description="Response headers browsers may read.")
    max_age: Annotated[Int, in_range(0, 86400, " s")] = Field(
        default=300, description="Seconds browsers cache the preflight (0-86400)."
    )
    allow_credentials: StrictBool = Field(
        default=False, description="Allow cookies and authorization headers cross-origin."
    )

    @model_validator(mode="after")
    def _credentials_need_origins(self) -> Self:
        if self.allow_credentials and "*" in self.allow_origins:
            raise rule_error(
                "allows credentials from any origin (*), which browsers refuse",
                "list the origins explicitly, or set allowCredentials: false",
                field="allowCredentials",
                value=True,
            )
        return self


class FunctionUrlSpec(SpecModel):
    """A Lambda Function URL on the `live` alias (with `endpoint: functionUrl`)."""

    auth_type: FunctionUrlAuth | None = Field(
        default=None,
        description="AWS_IAM (callers sign requests with SigV4) or NONE (public). Unset: "
        "AWS_IAM in prod, NONE elsewhere; NONE in prod must be written here and is warned "
        "about on every preview and up.",
    )
    cors: FunctionUrlCorsSpec | None = Field(default=None, description="CORS; none when unset.")


class AlertsSpec(SpecModel):
    """CloudWatch alarms on the `live` alias, and where they notify (always on in prod)."""

    email: EmailAddress | None = Field(
        default=None,
        description="Subscribe this address to a topic Jockey creates (AWS e-mails a "
        "confirmation link first).",
    )
    topic_arn: SnsTopicArn | None = Field(
        default=None, description="Notify this existing SNS topic instead of creating one."
    )
    errors_per_minute: Annotated[Int, in_range(1, 1_000_000)] = Field(
        default=5, description="Function errors per minute that count as breaching."
    )
    throttles_per_minute: Annotated[Int, in_range(1, 1_000_000)] = Field(
        default=1, description="Throttled invocations per minute that count as breaching."
    )
    p95_duration_ms: Annotated[Int, in_range(1, 900_000, " ms")] | None = Field(
        default=None,
        description="p95 duration (ms) that counts as breaching; unset: 80% of lambda.timeout.",
    )

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        if self.email is not None and self.topic_arn is not None:
            raise rule_error(
                "is set together with topicArn",
                "set email (Jockey creates a topic and subscribes it) or topicArn (your "
                "topic, with its own subscriptions), not both",
                field="email",
                value=self.email,
            )
        return self


class TrafficShift(NamedTuple):
    """How CodeDeploy moves traffic to a new version.

    Attributes:
        kind: `canary` (one step, then all) or `linear` (equal steps).
        percentage: the share of traffic each step adds (the first step's, for canary).
        interval_minutes: the wait between steps.
    """

    kind: Literal["canary", "linear"]
    percentage: int
    interval_minutes: int


class CanarySpec(SpecModel):
    """Release each new version through CodeDeploy: weighted alias steps gated by alarms."""

    steps: Annotated[
        list[Annotated[Int, in_range(1, 100, " %")]], count_between(2, 100, "steps")
    ] = Field(
        description="Cumulative traffic % on the new version, ending at 100: one step then "
        "100 ([10, 100], a canary) or equal steps ([25, 50, 75, 100], linear)."
    )
    interval_minutes: Annotated[Int, in_range(1, 2880, " minutes", why="CodeDeploy's 48 hours")] = (
        Field(description="Minutes between steps (1-2880).")
    )
    alarms: Annotated[list[CanaryAlarm], at_least_one("alarm"), unique("alarm")] = Field(
        description="Metrics of the new version that roll it back when they breach: errors, "
        "throttles, p95Duration (at least one)."
    )

    @model_validator(mode="after")
    def _codedeploy_can_shift(self) -> Self:
        steps = self.steps
        if any(later <= earlier for earlier, later in pairwise(steps)):
            raise rule_error(
                "do not increase step by step",
                "list cumulative percentages in increasing order, such as [10, 100]",
                field="steps",
                value=steps,
            )
        if steps[-1] != 100:
            raise rule_error(
                f"end at {steps[-1]}%, so the new version never gets all traffic",
                f"end the list with 100, such as [{steps[0]}, 100]",
                field="steps",
                value=steps,
            )
        first = steps[0]
        linear = list(range(first, 101, first))
        if len(steps) > 2 and steps != linear:
            example = linear if linear[-1] == 100 else [25, 50, 75, 100]
            raise rule_error(
                "cannot be shifted by CodeDeploy, which moves one step then all traffic, or "
                "equal steps",
                f"use [{first}, 100] (canary) or equal steps such as {example} (linear)",
                field="steps",
                value=steps,
            )
        shifts = len(steps) - 1
        if shifts * self.interval_minutes > 2880:
            raise rule_error(
                f"make the release last {shifts * self.interval_minutes} minutes, beyond "
                "CodeDeploy's 48 hours (2880 minutes) from first to last shift",
                f"use at most {2880 // shifts} minutes, or fewer steps",
                field="intervalMinutes",
                value=self.interval_minutes,
            )
        return self

    @property
    def traffic_shift(self) -> TrafficShift:
        """The CodeDeploy traffic routing these steps describe."""
        kind: Literal["canary", "linear"] = "canary" if len(self.steps) == 2 else "linear"
        return TrafficShift(kind, self.steps[0], self.interval_minutes)


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
        default=29,
        description="Seconds (1-900); at most 29 with endpoint httpApi (its 30 s limit).",
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
    endpoint: Endpoint = Field(
        default=Endpoint.HTTP_API,
        description="httpApi (API Gateway, 29 s, buffered) or functionUrl (a Function URL, "
        "up to 900 s, streamed responses).",
    )
    streaming: StrictBool | None = Field(
        default=None,
        description="Stream responses (RESPONSE_STREAM, adapter in response_stream mode); "
        "functionUrl only. Unset: on with functionUrl.",
    )
    api: ApiSpec = Field(default_factory=ApiSpec, description="The HTTP API (httpApi).")
    function_url: FunctionUrlSpec | None = Field(
        default=None, description="The Function URL's auth and CORS (functionUrl)."
    )
    tracing: StrictBool = Field(default=False, description="AWS X-Ray active tracing.")
    alerts: AlertsSpec | None = Field(
        default=None,
        description="Alarms on errors, throttles and p95 duration, with an SNS topic "
        "(always on in prod, with these defaults).",
    )
    canary: CanarySpec | None = Field(
        default=None,
        description="Release new versions in weighted steps through CodeDeploy, rolled back "
        "by alarms; unset: all traffic moves at once.",
    )
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

    @property
    def streams(self) -> bool:
        """Whether responses stream (`streaming`, or by default with a Function URL)."""
        if self.streaming is not None:
            return self.streaming
        return self.endpoint is Endpoint.FUNCTION_URL


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


class StorageSpec(SpecModel):
    """A PersistentVolumeClaim in the tenant namespace, mounted into the agent."""

    size: StorageQuantity = Field(description="Requested size, such as 1Gi (at least 1Mi).")
    storage_class: DnsSubdomain | None = Field(
        default=None, description="A StorageClass of the cluster; unset: the cluster's default."
    )
    access_mode: AccessMode = Field(
        default=AccessMode.READ_WRITE_ONCE,
        description="ReadWriteOnce (a single writer: needs strategy Recreate, 1 replica, no "
        "autoscaling) or ReadWriteMany (a volume the storage class can share).",
    )
    mount_path: VolumeMountPath = Field(
        default="/data",
        description="Where the agent sees the volume (writable; the root filesystem stays "
        "read-only).",
    )
    retain_on_destroy: StrictBool | None = Field(
        default=None,
        description="Keep the claim and its namespace on destroy; unset: keep in prod, "
        "delete elsewhere.",
    )


class AccessGrant(SpecModel):
    """A RoleBinding in the tenant namespace to the cluster's built-in view or edit role."""

    kind: SubjectKind = Field(description="User | Group | ServiceAccount.")
    name: SubjectName = Field(
        description="The user, group or service account name (never a system: identity)."
    )
    namespace: DnsLabel | None = Field(
        default=None,
        description="A ServiceAccount's namespace (default: the tenant's); ServiceAccount only.",
    )
    role: AccessRole = Field(
        description="view (read, no Secrets) or edit (change workloads, read Secrets); never "
        "admin or cluster-wide."
    )

    @model_validator(mode="after")
    def _namespace_for_service_accounts(self) -> Self:
        if self.namespace is not None and self.kind is not SubjectKind.SERVICE_ACCOUNT:
            raise rule_error(
                f"is set for a {self.kind.value}, which has no namespace",
                "remove namespace, or use kind: ServiceAccount",
                field="namespace",
                value=self.namespace,
            )
        if self.kind is SubjectKind.SERVICE_ACCOUNT:
            try:
                dns_subdomain(self.name)
            except PydanticCustomError as error:
                raise rule_error(
                    "not a ServiceAccount name (DNS-1123 subdomain)",
                    "use the ServiceAccount's name: lowercase letters, digits, '-' and '.'",
                    field="name",
                    value=self.name,
                ) from error
        return self

    @property
    def subject_key(self) -> tuple[str, str, str]:
        """Who the grant is for: kind, namespace (ServiceAccounts) and name."""
        return (self.kind.value, self.namespace or "", self.name)


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
    storage: StorageSpec | None = Field(
        default=None, description="A PersistentVolumeClaim mounted into the agent."
    )
    access: Annotated[list[AccessGrant], count_between(0, 100, "grants")] = Field(
        default_factory=list,
        description="Who may view or edit the tenant namespace (RoleBindings to the built-in "
        "view and edit roles).",
    )
    rollout_timeout_seconds: Annotated[Int, in_range(30, 3600, " s")] = Field(
        default=300,
        description="Seconds `up` waits for the Deployment's pods to be ready (30-3600) "
        "before it fails.",
    )


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
        return stack_name(self.tenant.id, self.tenant.environment.value)

    @property
    def namespace(self) -> str:
        """The tenant's Kubernetes namespace (one per tenant and environment)."""
        return self.stack_name
