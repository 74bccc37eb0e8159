"""A tenant's fingerprint: everything its last successful `up` deployed, as one salted hash.

What goes in: the spec (canonical JSON, absolute paths and all), the values of its `fromEnv`
and `fromFile` secrets, what its files hold (the image build context, the kubeconfig), the
AWS region a Lambda target lands in, the program's version (Jockey's version and a digest of
the `infra` package's files) and the engine's (the Pulumi CLI, the SDK and provider packages).
When any of it changes, the tenant is no longer `unchanged`.

No secret value is stored: the whole input is stretched with PBKDF2 under a random salt, and
the tag keeps only `v1:<salt>:<digest>`. Checking a spec against a recorded fingerprint reuses
the recorded salt. Nothing here imports the Pulumi SDK.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from automation._deploy_record import RECORD_TAG
from infra.spec import DeploymentSpec

FINGERPRINT_TAG = RECORD_TAG
"""The stack tag holding the fingerprint of the tenant's last successful `up` (first in the
stack's record, `automation._deploy_record`)."""
FORMAT = "v1"
"""Bumped when the inputs or the hash change: an older fingerprint never matches."""
ITERATIONS = 20_000
"""PBKDF2 rounds: about 10 ms per tenant, so a guessed secret costs as much to test."""
_SALT_BYTES = 16
_ENGINE_PACKAGES = ("pulumi", "pulumi-kubernetes", "pulumi-aws", "pulumi-docker")
_AWS_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class Versions:
    """The program and engine versions a fingerprint covers.

    Attributes:
        program: Jockey's version and a digest of the `infra` package's files.
        engine: the Pulumi CLI's version and the SDK and provider packages' versions.
    """

    program: str
    engine: str


@functools.cache
def program_version() -> str:
    """Jockey's version plus a digest of every file of the `infra` package (the program)."""
    import infra

    root = Path(infra.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{_package_version('jockey')}+{digest.hexdigest()[:20]}"


def engine_version(cli_version: str) -> str:
    """The Pulumi CLI's version and the installed SDK and provider packages' versions."""
    packages = ",".join(f"{name}={_package_version(name)}" for name in _ENGINE_PACKAGES)
    return f"cli={cli_version},{packages}"


def current_versions(cli_version: str) -> Versions:
    """The versions this process would deploy with."""
    return Versions(program=program_version(), engine=engine_version(cli_version))


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _kubeconfig_files(spec: DeploymentSpec, environ: Mapping[str, str]) -> list[Path]:
    """The kubeconfig files the Kubernetes provider reads for this tenant (none in render mode)."""
    cluster = spec.kubernetes.cluster
    if not spec.kubernetes.enabled or cluster.render_dir is not None:
        return []
    if cluster.kubeconfig is not None:
        return [cluster.kubeconfig]
    listed = [Path(item) for item in environ.get("KUBECONFIG", "").split(os.pathsep) if item]
    return listed or [Path(environ.get("HOME", str(Path.home()))) / ".kube" / "config"]


def _read_or_absent(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        return f"unreadable: {type(error).__name__}"


def _build_context(spec: DeploymentSpec) -> str | None:
    build = spec.agent.image.build
    if build is None:
        return None
    from infra.components.image import context_hash, render_dockerfile

    try:
        return context_hash(build.context, render_dockerfile(spec.agent, build))
    except OSError as error:
        return f"unreadable: {type(error).__name__}"


def _pull_secret(spec: DeploymentSpec, environ: Mapping[str, str]) -> str | None:
    """The registry credentials' value (rotated credentials are a change to deploy)."""
    from infra.spec import SpecError, resolve_pull_secret

    try:
        return resolve_pull_secret(spec, environ)
    except SpecError:
        return "unreadable"


def fingerprint_material(
    spec: DeploymentSpec,
    secret_values: Mapping[str, str],
    versions: Versions,
    environ: Mapping[str, str],
) -> bytes:
    """Everything a fingerprint covers, as canonical bytes.

    Secret values included: never store or show these; only `fingerprint` of them.
    """
    material: dict[str, Any] = {
        "format": FORMAT,
        "spec": spec.model_dump(mode="json", by_alias=True),
        "secrets": dict(sorted(secret_values.items())),
        "pullSecret": _pull_secret(spec, environ),
        "buildContext": _build_context(spec),
        "kubeconfig": [_read_or_absent(path) for path in _kubeconfig_files(spec, environ)],
        "awsRegion": (
            [environ.get(name) for name in _AWS_REGION_VARIABLES] if spec.lambda_.enabled else None
        ),
        "program": versions.program,
        "engine": versions.engine,
    }
    return json.dumps(material, sort_keys=True, separators=(",", ":"), default=str).encode()


def fingerprint(material: bytes, salt: bytes | None = None) -> str:
    """The tag value for `material`: `v1:<salt hex>:<PBKDF2-SHA256 hex>` (a new salt by default)."""
    salt = secrets.token_bytes(_SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", material, salt, ITERATIONS)
    return f"{FORMAT}:{salt.hex()}:{digest.hex()}"


def _salt_of(recorded: str) -> bytes | None:
    parts = recorded.split(":")
    if len(parts) != 3 or parts[0] != FORMAT:
        return None
    try:
        salt = bytes.fromhex(parts[1])
    except ValueError:
        return None
    return salt if len(salt) == _SALT_BYTES else None


def matches(recorded: str | None, material: bytes) -> bool:
    """Whether a recorded fingerprint was made from exactly this material."""
    if not recorded:
        return False
    salt = _salt_of(recorded)
    if salt is None:
        return False
    return hmac.compare_digest(fingerprint(material, salt), recorded)


__all__ = [
    "FINGERPRINT_TAG",
    "FORMAT",
    "ITERATIONS",
    "Versions",
    "current_versions",
    "engine_version",
    "fingerprint",
    "fingerprint_material",
    "matches",
    "program_version",
]
