"""Every path in a spec resolves inside its root, as kustomize's load restrictor confines files.

The root is the spec file's folder (a stack's project folder for stack config) unless the
operator sets one (`root=`, `--root`, `JOCKEY_SPEC_ROOT`). Paths are checked once every
symlink is followed, so neither `..`, an absolute path nor a symlink leads out. A kubeconfig
may also be one of the files the operator's own `KUBECONFIG` names. The opt-out
(`allow_outside_root`) warns for every path it lets through.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path

from infra.spec._errors import SpecProblem
from infra.spec._models import DeploymentSpec

SPEC_ROOT_VARIABLE = "JOCKEY_SPEC_ROOT"
"""The operator's root for spec files (when no root is passed)."""
KUBECONFIG_FIELD = "kubernetes.cluster.kubeconfig"


class OutsideRootWarning(UserWarning):
    """A spec path outside its root, let through by `allow_outside_root`."""


def choose_root(default: Path, root: Path | None, environ: Mapping[str, str] | None) -> Path:
    """The root to confine a spec's paths to, resolved.

    Args:
        default: the spec file's folder (or a stack's project folder).
        root: the operator's root, when one is passed.
        environ: where to look for `JOCKEY_SPEC_ROOT` when no root is passed (`None`: not
            at all).
    """
    chosen = root
    if chosen is None and environ is not None and environ.get(SPEC_ROOT_VARIABLE):
        chosen = Path(environ[SPEC_ROOT_VARIABLE])
    return (chosen if chosen is not None else default).expanduser().resolve()


def spec_paths(spec: DeploymentSpec) -> list[tuple[str, Path]]:
    """Every file system path in a spec, with its field path (YAML keys)."""
    paths: list[tuple[str, Path]] = []
    build = spec.agent.image.build
    if build is not None:
        paths.append(("agent.image.build.context", build.context))
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.from_file is not None:
            paths.append((f"agent.secretEnv.{name}.fromFile", source.from_file))
    pull_secret = spec.agent.image.pull_secret
    if pull_secret is not None and pull_secret.from_file is not None:
        paths.append(("agent.image.pullSecret.fromFile", pull_secret.from_file))
    cluster = spec.kubernetes.cluster
    if cluster.kubeconfig is not None:
        paths.append((KUBECONFIG_FIELD, cluster.kubeconfig))
    if cluster.render_dir is not None:
        paths.append(("kubernetes.cluster.renderDir", cluster.render_dir))
    return paths


def operator_kubeconfigs(environ: Mapping[str, str]) -> frozenset[Path]:
    """The files the operator's `KUBECONFIG` names (os.pathsep-separated), resolved."""
    listed = environ.get("KUBECONFIG", "").split(os.pathsep)
    return frozenset(Path(item).expanduser().resolve() for item in listed if item.strip())


def confinement_problems(
    spec: DeploymentSpec,
    root: Path,
    *,
    allow_outside_root: bool = False,
    environ: Mapping[str, str],
) -> list[SpecProblem]:
    """The paths of a resolved spec that lead outside `root`.

    Args:
        spec: a spec whose paths `resolve_paths` made absolute, symlinks followed.
        root: the resolved root (see `choose_root`).
        allow_outside_root: the operator's opt-out: each path outside is let through with
            an `OutsideRootWarning` instead of a problem.
        environ: the environment holding the operator's `KUBECONFIG`.

    Returns:
        One problem per path outside the root, naming the field, the resolved path and the fix.
    """
    if not root.is_dir():
        return [
            SpecProblem(
                "(root)",
                "is not a folder",
                str(root),
                f"set --root or {SPEC_ROOT_VARIABLE} to the folder that holds the tenant specs "
                "and their files",
            )
        ]
    kubeconfigs = operator_kubeconfigs(environ)
    problems = []
    for field, path in spec_paths(spec):
        if path.is_relative_to(root) or (field == KUBECONFIG_FIELD and path in kubeconfigs):
            continue
        if allow_outside_root:
            warnings.warn(
                f"{field} resolves to {path}, outside the spec's root {root}: let through "
                "because outside paths are allowed (--allow-outside-root)",
                OutsideRootWarning,
                stacklevel=2,
            )
            continue
        problems.append(
            SpecProblem(field, f"resolves outside the spec's root {root}", str(path), _fix(field))
        )
    return problems


def _fix(field: str) -> str:
    where = "keep it inside the spec's folder and name it relative to the spec file"
    operator = f"an operator may set --root (or {SPEC_ROOT_VARIABLE}) to a folder that holds it"
    if field == KUBECONFIG_FIELD:
        return f"{where}; or list the file in the operator's KUBECONFIG; {operator}"
    if field.endswith("renderDir"):
        return f"render inside the spec's folder, such as out/<tenant>; {operator}"
    return f"{where} (symlinks are followed); {operator}"
