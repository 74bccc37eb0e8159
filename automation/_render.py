"""`jockey render`: the tenant's Kubernetes manifests, without its stack or any cluster.

The real engine runs the shared program against a throwaway file backend with the
Kubernetes provider in render mode; the tenant's own stack and state are never touched.

Render never deletes or overwrites a file it did not write. It renders into a fresh folder
beside the target, then swaps it in; the target may be new, empty, or a previous render of
the same tenant whose files are exactly as render left them (a manifest of their hashes,
`.jockey-render.json`, says so). Anything else is refused before the engine starts, and a
failed render leaves the previous one intact.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import tempfile
from pathlib import Path

from automation._errors import InvalidSpecError, UnsafeOutputError
from automation._request import OperationRequest
from automation._results import Operation, OperationResult
from automation._settings import engine_log_dir
from automation._worker import run_in_worker
from infra.spec import ClusterSpec, DeploymentSpec

MANIFEST_NAME = ".jockey-render.json"
"""The file in a render folder that lists what render wrote there (path -> sha256)."""
_SHOWN_FILES = 5


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


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_in(folder: Path) -> dict[str, Path]:
    return {
        str(path.relative_to(folder)): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def _foreign_files(out_dir: Path, stack: str) -> list[str]:
    """Files in `out_dir` that are not exactly what a previous render of `stack` wrote."""
    files = _files_in(out_dir)
    files.pop(MANIFEST_NAME, None)
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text())
        written = manifest["files"] if manifest.get("stack") == stack else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        written = {}
    return [
        name
        for name, path in files.items()
        if path.is_symlink() or written.get(name) != _digest(path)
    ]


def check_render_target(out_dir: Path, stack: str) -> None:
    """Refuse a target folder that holds anything but a previous render of `stack`.

    Raises:
        UnsafeOutputError: the folder holds files render did not write (or that changed).
    """
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise UnsafeOutputError(
            f"--out {out_dir} is not a folder render can own",
            stack=stack,
            fix=f"pass a new or empty folder, e.g. --out {out_dir.parent / stack}",
        )
    if not out_dir.exists():
        return
    has_manifest = (out_dir / MANIFEST_NAME).is_file()
    foreign = _foreign_files(out_dir, stack)
    empty_folders_only = not foreign and not has_manifest
    if empty_folders_only and any(out_dir.iterdir()):
        foreign = [str(p.relative_to(out_dir)) for p in sorted(out_dir.iterdir())]
    if foreign:
        shown = ", ".join(foreign[:_SHOWN_FILES]) + (" ..." if len(foreign) > _SHOWN_FILES else "")
        raise UnsafeOutputError(
            f"--out {out_dir} holds files render did not write, or that changed since: "
            f"{shown}; nothing was written or deleted",
            stack=stack,
            fix=f"pass a new or empty folder, e.g. --out {out_dir / stack}",
        )


def _write_manifest(folder: Path, stack: str) -> None:
    files = {name: _digest(path) for name, path in _files_in(folder).items()}
    (folder / MANIFEST_NAME).write_text(json.dumps({"stack": stack, "files": files}, indent=2))


def _swap_in(fresh: Path, out_dir: Path) -> None:
    """Replace `out_dir` (absent, empty, or a previous render) with `fresh`."""
    if not out_dir.exists():
        fresh.rename(out_dir)
        return
    retired = out_dir.with_name(f".{out_dir.name}.jockey-old-{secrets.token_hex(4)}")
    out_dir.rename(retired)
    try:
        fresh.rename(out_dir)
    except OSError:
        retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def render(spec: DeploymentSpec, out_dir: Path) -> OperationResult:
    """Write the tenant's manifests into `out_dir`, replacing only a previous render of it.

    Raises:
        UnsafeOutputError: `out_dir` holds files render did not write.
        InvalidSpecError: the spec cannot be rendered (see `render_spec`).
    """
    out_dir = out_dir.absolute()
    check_render_target(out_dir, spec.stack_name)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.jockey-new-", dir=out_dir.parent))
    fresh.chmod(0o755)
    scratch = Path(tempfile.mkdtemp(prefix="jockey-render-"))
    try:
        request = OperationRequest(
            operation=Operation.UP,
            tenant=spec.tenant.id,
            environment=spec.tenant.environment.value,
            spec=render_spec(spec, fresh),
            env_overrides=(
                ("JOCKEY_HOME", str(scratch / "home")),
                ("PULUMI_BACKEND_URL", f"file://{scratch / 'state'}"),
                ("PULUMI_CONFIG_PASSPHRASE", secrets.token_urlsafe(24)),
                ("JOCKEY_SECRETS_PROVIDER", "passphrase"),
                # A failed render's engine log outlives the throwaway home.
                ("JOCKEY_LOG_DIR", str(engine_log_dir())),
            ),
        )
        result = run_in_worker(request)
        if result.ok:
            _write_manifest(fresh, spec.stack_name)
            check_render_target(out_dir, spec.stack_name)  # nothing appeared meanwhile
            _swap_in(fresh, out_dir)
        return result
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)
