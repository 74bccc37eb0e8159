"""Import what the program will need before the engine asks for it.

The provider SDKs load their API modules lazily, on first use, and they are large:
`pulumi_kubernetes.core.v1` alone takes ~0.6 s to import on our build machine (thousands of
typed input classes). Imported inside the program, that time sits on the engine's critical
path: the engine waits for the program's first resource. The worker calls `preload_program`
on a thread as soon as it knows the spec, so the imports overlap the CLI's own start-up and
the program finds them done.

`tests/unit/test_preload.py` checks that running the program imports no provider module this
list misses.
"""

from __future__ import annotations

import importlib

from infra.spec import DeploymentSpec

KUBERNETES_MODULES = (
    "infra.components.kubernetes",
    "pulumi_kubernetes.provider",
    "pulumi_kubernetes.apps.v1",
    "pulumi_kubernetes.autoscaling.v2",
    "pulumi_kubernetes.core.v1",
    "pulumi_kubernetes.meta.v1",
    "pulumi_kubernetes.networking.v1",
    "pulumi_kubernetes.policy.v1",
    "pulumi_kubernetes.rbac.v1",
)
LAMBDA_MODULES = (
    "infra.components.aws",
    "pulumi_aws.provider",
    "pulumi_aws.apigatewayv2",
    "pulumi_aws.cloudwatch",
    "pulumi_aws.codedeploy",
    "pulumi_aws.iam",
    "pulumi_aws.lambda_",
    "pulumi_aws.sns",
)
IMAGE_BUILD_MODULES = ("infra.components.image._component", "pulumi_aws.ecr", "pulumi_docker")


def program_modules(spec: DeploymentSpec) -> tuple[str, ...]:
    """The modules the program imports for this spec, in import order."""
    modules: tuple[str, ...] = ("infra.program",)
    if spec.agent.image.build is not None:
        modules += IMAGE_BUILD_MODULES
    if spec.lambda_.enabled:
        modules += LAMBDA_MODULES
    if spec.kubernetes.enabled:
        modules += KUBERNETES_MODULES
    return modules


def preload_program(spec: DeploymentSpec) -> None:
    """Import the program's modules for `spec` (safe on a thread).

    Errors are left to the program, which imports the same modules and reports them properly.
    """
    for name in program_modules(spec):
        try:
            load_fully(name)
        except Exception:
            continue


def load_fully(name: str) -> None:
    """Import `name` and its parent packages, loading lazy ones too.

    The provider SDKs register their modules as lazy ones (`importlib.util.LazyLoader`):
    importing them only reserves the name; the first attribute access loads them.
    """
    parts = name.split(".")
    for depth in range(1, len(parts) + 1):
        module = importlib.import_module(".".join(parts[:depth]))
        getattr(module, "__all__", None)  # any ordinary attribute makes a lazy module load


__all__ = [
    "IMAGE_BUILD_MODULES",
    "KUBERNETES_MODULES",
    "LAMBDA_MODULES",
    "load_fully",
    "preload_program",
]
