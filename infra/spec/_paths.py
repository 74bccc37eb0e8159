"""Relative paths in a spec resolve against a base folder, as docker compose does."""

from __future__ import annotations

from pathlib import Path

from infra.spec._errors import SpecError, SpecProblem
from infra.spec._models import DeploymentSpec


class _Resolver:
    """Resolves paths against one folder, collecting the ones that cannot be resolved."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[SpecProblem] = []

    def __call__(self, field: str, path: Path | None) -> Path | None:
        if path is None:
            return None
        try:
            return (self.base_dir / path.expanduser()).resolve()
        except (OSError, RuntimeError, ValueError) as error:
            # A NUL byte, an unknown ~user, a symlink loop: no file could be meant.
            reason = str(error).split(":", 1)[0] or type(error).__name__
            self.problems.append(
                SpecProblem(field, f"is not a usable path ({reason})", str(path), _PATH_FIX)
            )
            return None


_PATH_FIX = "write a plain path, relative to the spec file"


def resolve_paths(spec: DeploymentSpec, base_dir: Path) -> DeploymentSpec:
    """The spec with every path made absolute against `base_dir`, symlinks followed.

    The paths are `agent.image.build.context`, `agent.secretEnv.*.fromFile`,
    `agent.image.pullSecret.fromFile`, `kubernetes.cluster.kubeconfig` and
    `kubernetes.cluster.renderDir`.

    Raises:
        SpecError: a path cannot be resolved (a NUL byte, an unknown `~user`, a symlink loop).
    """
    absolute = _Resolver(base_dir)
    agent = spec.agent
    image = agent.image
    if image.build is not None:
        context = absolute("agent.image.build.context", image.build.context)
        build = image.build.model_copy(update={"context": context})
        image = image.model_copy(update={"build": build})
    secret_env = {
        name: source.model_copy(
            update={"from_file": absolute(f"agent.secretEnv.{name}.fromFile", source.from_file)}
        )
        for name, source in agent.secret_env.items()
    }
    pull_secret = image.pull_secret
    if pull_secret is not None and pull_secret.from_file is not None:
        pull_file = absolute("agent.image.pullSecret.fromFile", pull_secret.from_file)
        pull_secret = pull_secret.model_copy(update={"from_file": pull_file})
        image = image.model_copy(update={"pull_secret": pull_secret})
    agent = agent.model_copy(update={"image": image, "secret_env": secret_env})
    cluster = spec.kubernetes.cluster
    cluster = cluster.model_copy(
        update={
            "kubeconfig": absolute("kubernetes.cluster.kubeconfig", cluster.kubeconfig),
            "render_dir": absolute("kubernetes.cluster.renderDir", cluster.render_dir),
        }
    )
    if absolute.problems:
        raise SpecError(absolute.problems)
    kubernetes = spec.kubernetes.model_copy(update={"cluster": cluster})
    return spec.model_copy(update={"agent": agent, "kubernetes": kubernetes})


def path_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Paths that must exist before anything runs (a resolved spec's build context)."""
    build = spec.agent.image.build
    if build is None:
        return []
    try:
        is_folder = build.context.is_dir()
        has_requirements = is_folder and (build.context / build.requirements).is_file()
    except OSError:  # a name too long for the file system
        is_folder = has_requirements = False
    if not is_folder:
        return [
            SpecProblem(
                "agent.image.build.context",
                "is not a folder",
                str(build.context),
                "point context at the agent's folder (relative to the spec file)",
            )
        ]
    if not has_requirements:
        return [
            SpecProblem(
                "agent.image.build.requirements",
                f"is not a file in {build.context}",
                build.requirements,
                "add it to the context, or set requirements to the file the agent uses",
            )
        ]
    return []
