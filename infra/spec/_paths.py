"""Relative paths in a spec resolve against a base folder, as docker compose does."""

from __future__ import annotations

from pathlib import Path

from infra.spec._errors import SpecProblem
from infra.spec._models import DeploymentSpec


def _absolute(path: Path | None, base_dir: Path) -> Path | None:
    if path is None:
        return None
    expanded = path.expanduser()
    return expanded if expanded.is_absolute() else (base_dir / expanded).resolve()


def resolve_paths(spec: DeploymentSpec, base_dir: Path) -> DeploymentSpec:
    """The spec with every relative path made absolute against `base_dir`.

    The paths are `agent.image.build.context`, `agent.secretEnv.*.fromFile`,
    `kubernetes.cluster.kubeconfig` and `kubernetes.cluster.renderDir`.
    """
    agent = spec.agent
    image = agent.image
    if image.build is not None:
        build = image.build.model_copy(update={"context": _absolute(image.build.context, base_dir)})
        image = image.model_copy(update={"build": build})
    secret_env = {
        name: source.model_copy(update={"from_file": _absolute(source.from_file, base_dir)})
        for name, source in agent.secret_env.items()
    }
    agent = agent.model_copy(update={"image": image, "secret_env": secret_env})
    cluster = spec.kubernetes.cluster.model_copy(
        update={
            "kubeconfig": _absolute(spec.kubernetes.cluster.kubeconfig, base_dir),
            "render_dir": _absolute(spec.kubernetes.cluster.render_dir, base_dir),
        }
    )
    kubernetes = spec.kubernetes.model_copy(update={"cluster": cluster})
    return spec.model_copy(update={"agent": agent, "kubernetes": kubernetes})


def path_problems(spec: DeploymentSpec) -> list[SpecProblem]:
    """Paths that must exist before anything runs (a resolved spec's build context)."""
    build = spec.agent.image.build
    if build is None:
        return []
    if not build.context.is_dir():
        return [
            SpecProblem(
                "agent.image.build.context",
                "is not a folder",
                str(build.context),
                "point context at the agent's folder (relative to the spec file)",
            )
        ]
    if not (build.context / build.requirements).is_file():
        return [
            SpecProblem(
                "agent.image.build.requirements",
                f"is not a file in {build.context}",
                build.requirements,
                "add it to the context, or set requirements to the file the agent uses",
            )
        ]
    return []
