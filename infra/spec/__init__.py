"""The deployment spec (the public contract): models, loading and validation.

Nothing here imports the Pulumi SDK: `jockey validate` stays fast and engine-free.

Example:
    >>> from pathlib import Path
    >>> from infra.spec import load_spec_file
    >>> load_spec_file(Path("examples/acme.yaml")).stack_name
    'acme-dev'
"""

from infra.spec._confine import SPEC_ROOT_VARIABLE, OutsideRootWarning
from infra.spec._environ import NEVER_READABLE, SECRET_ENV_ALLOW_VARIABLE, EnvPolicy
from infra.spec._errors import REDACTED, SpecError, SpecProblem, format_problems
from infra.spec._kubernetes_rules import effective_retain_on_destroy, is_single_writer
from infra.spec._lambda_rules import (
    SECRET_ARN_SUFFIX,
    SSM_PARAMETER_SUFFIX,
    effective_alerts,
    effective_function_url_auth,
    secret_references,
    spec_warnings,
)
from infra.spec._load import load_spec_file, spec_from_stack_config, validate_spec
from infra.spec._models import (
    AccessGrant,
    AccessMode,
    AccessRole,
    AgentSpec,
    AlertsSpec,
    ApiSpec,
    Architecture,
    AutoscalingSpec,
    BuildSpec,
    CanaryAlarm,
    CanarySpec,
    ClusterSpec,
    CorsSpec,
    DeploymentSpec,
    DisruptionBudgetSpec,
    DomainSpec,
    EfsSpec,
    Endpoint,
    Environment,
    FunctionUrlAuth,
    FunctionUrlCorsSpec,
    FunctionUrlSpec,
    ImageSpec,
    IngressSpec,
    JwtAuthorizerSpec,
    KubernetesSpec,
    LambdaSpec,
    NetworkPolicySpec,
    Platform,
    QuotaSpec,
    RegistryCredentialSource,
    ResourcesSpec,
    RolloutStrategy,
    SecretSource,
    ServiceSpec,
    ServiceType,
    StorageSpec,
    SubjectKind,
    TenantSpec,
    ThrottleSpec,
    TrafficShift,
    VpcSpec,
)
from infra.spec._quantity import parse_quantity
from infra.spec._registry_auth import resolve_pull_secret
from infra.spec._rules import effective_autoscaling, effective_disruption_budget
from infra.spec._schema import spec_json_schema
from infra.spec._secrets import SecretOrigin, resolve_secret_values
from infra.spec._stack_file import load_stack_file
from infra.spec._stack_name import stack_name
from infra.spec._yaml import MAX_DEPTH, MAX_FILE_BYTES

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "NEVER_READABLE",
    "REDACTED",
    "SECRET_ARN_SUFFIX",
    "SECRET_ENV_ALLOW_VARIABLE",
    "SPEC_ROOT_VARIABLE",
    "SSM_PARAMETER_SUFFIX",
    "AccessGrant",
    "AccessMode",
    "AccessRole",
    "AgentSpec",
    "AlertsSpec",
    "ApiSpec",
    "Architecture",
    "AutoscalingSpec",
    "BuildSpec",
    "CanaryAlarm",
    "CanarySpec",
    "ClusterSpec",
    "CorsSpec",
    "DeploymentSpec",
    "DisruptionBudgetSpec",
    "DomainSpec",
    "EfsSpec",
    "Endpoint",
    "EnvPolicy",
    "Environment",
    "FunctionUrlAuth",
    "FunctionUrlCorsSpec",
    "FunctionUrlSpec",
    "ImageSpec",
    "IngressSpec",
    "JwtAuthorizerSpec",
    "KubernetesSpec",
    "LambdaSpec",
    "NetworkPolicySpec",
    "OutsideRootWarning",
    "Platform",
    "QuotaSpec",
    "RegistryCredentialSource",
    "ResourcesSpec",
    "RolloutStrategy",
    "SecretOrigin",
    "SecretSource",
    "ServiceSpec",
    "ServiceType",
    "SpecError",
    "SpecProblem",
    "StorageSpec",
    "SubjectKind",
    "TenantSpec",
    "ThrottleSpec",
    "TrafficShift",
    "VpcSpec",
    "effective_alerts",
    "effective_autoscaling",
    "effective_disruption_budget",
    "effective_function_url_auth",
    "effective_retain_on_destroy",
    "format_problems",
    "is_single_writer",
    "load_spec_file",
    "load_stack_file",
    "parse_quantity",
    "resolve_pull_secret",
    "resolve_secret_values",
    "secret_references",
    "spec_from_stack_config",
    "spec_json_schema",
    "spec_warnings",
    "stack_name",
    "validate_spec",
]
