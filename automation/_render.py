"""`jockey render`: the tenant's Kubernetes manifests, without its stack or any cluster.

The real engine runs the shared program against a throwaway file backend with the
Kubernetes provider in render mode; the tenant's own stack and state are never touched.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from pathlib import Path

from automation._errors import InvalidSpecError
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation._worker import run_in_worker
from infra.spec import ClusterSpec, DeploymentSpec


def render_spec(spec: DeploymentSpec, out_dir: Path) -> DeploymentSpec:
    """The spec with only its Kubernetes target, rendered into `out_dir`.

    Raises:
        InvalidSpecError: the spec has no Kubernetes target or no prebuilt image.
    """
    if not spec.kubernetes.enabled:
        raise InvalidSpecError(
            "render needs the Kubernetes target",
            tenant=spec.tenant.id,
            stack=spec.stack_name,
            fix="set kubernetes.enabled: true",
        )
    if spec.agent.image.ref is None:
        raise InvalidSpecError(
            "render needs a prebuilt image: a build's digest exists only after the build",
            tenant=spec.tenant.id,
            stack=spec.stack_name,
            fix="set agent.image.ref to the digest-pinned image, or use `jockey preview`",
        )
    kubernetes = spec.kubernetes.model_copy(
        update={"cluster": ClusterSpec(render_dir=out_dir.resolve())}
    )
    lambda_ = spec.lambda_.model_copy(update={"enabled": False})
    return spec.model_copy(update={"kubernetes": kubernetes, "lambda_": lambda_})


def render(spec: DeploymentSpec, out_dir: Path) -> OperationResult:
    """Write the tenant's manifests into `out_dir` (replacing what a previous render left)."""
    rendered = render_spec(spec, out_dir)
    scratch = Path(tempfile.mkdtemp(prefix="jockey-render-"))
    try:
        request = OperationRequest(
            operation=Operation.UP,
            tenant=spec.tenant.id,
            environment=spec.tenant.environment.value,
            spec=rendered,
            env_overrides=(
                ("JOCKEY_HOME", str(scratch / "home")),
                ("PULUMI_BACKEND_URL", f"file://{scratch / 'state'}"),
                ("PULUMI_CONFIG_PASSPHRASE", secrets.token_urlsafe(24)),
                ("JOCKEY_SECRETS_PROVIDER", "passphrase"),
            ),
        )
        shutil.rmtree(out_dir, ignore_errors=True)
        return run_in_worker(request)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
