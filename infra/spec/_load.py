"""Read specs from tenant files and from a stack's config, with paths and secrets checked."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from infra.spec._errors import SpecError, SpecProblem, problems_from
from infra.spec._models import DeploymentSpec

SECTIONS = ("tenant", "agent", "lambda", "kubernetes")


def _allowed_keys() -> dict[str, list[str]]:
    """For each section path, the YAML keys it accepts (for unknown-field messages)."""
    allowed: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], path: str) -> None:
        fields = model.model_fields
        allowed[path] = sorted(field.alias or name for name, field in fields.items())
        for name, field in fields.items():
            key = field.alias or name
            for candidate in getattr(field.annotation, "__args__", ()) or (field.annotation,):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    walk(candidate, f"{path}.{key}" if path else key)

    walk(DeploymentSpec, "")
    return allowed


def validate_spec(data: Any, *, base_dir: Path, secrets_from: tuple[str, ...]) -> DeploymentSpec:
    """Validate spec data, resolving relative paths against `base_dir`.

    Args:
        data: the parsed spec (a mapping with the four sections).
        base_dir: what relative paths are relative to.
        secrets_from: the secret sources allowed here (`fromEnv`, `fromFile`, `fromConfig`).

    Raises:
        SpecError: every problem found, one per field.
    """
    if not isinstance(data, Mapping):
        raise SpecError(
            [
                SpecProblem(
                    "(spec)", "not a mapping", data, "write tenant, agent, lambda, kubernetes"
                )
            ]
        )
    try:
        spec = DeploymentSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(problems_from(error, _allowed_keys())) from None
    problems = _secret_source_problems(spec, secrets_from)
    if problems:
        raise SpecError(problems)
    return _resolve_paths(spec, base_dir)


def _secret_source_problems(spec: DeploymentSpec, allowed: tuple[str, ...]) -> list[SpecProblem]:
    problems = []
    for name, source in sorted(spec.agent.secret_env.items()):
        used = {
            "fromEnv": source.from_env,
            "fromFile": source.from_file,
            "fromConfig": source.from_config,
        }
        for kind, value in used.items():
            if value is not None and kind not in allowed:
                where = "a stack's config" if "fromConfig" in allowed else "a spec file"
                problems.append(
                    SpecProblem(
                        f"agent.secretEnv.{name}.{kind}",
                        f"{kind} cannot be used in {where}",
                        str(value),
                        f"use {' or '.join(allowed)}",
                    )
                )
    return problems


def _absolute(path: Path | None, base_dir: Path) -> Path | None:
    if path is None:
        return None
    expanded = path.expanduser()
    return expanded if expanded.is_absolute() else (base_dir / expanded).resolve()


def _resolve_paths(spec: DeploymentSpec, base_dir: Path) -> DeploymentSpec:
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
    cluster = spec.kubernetes.cluster
    cluster = cluster.model_copy(
        update={
            "kubeconfig": _absolute(cluster.kubeconfig, base_dir),
            "render_dir": _absolute(cluster.render_dir, base_dir),
        }
    )
    kubernetes = spec.kubernetes.model_copy(update={"cluster": cluster})
    resolved = spec.model_copy(update={"agent": agent, "kubernetes": kubernetes})
    build = resolved.agent.image.build
    if build is not None and not (build.context / build.requirements).is_file():
        where = build.context / build.requirements
        raise SpecError(
            [
                SpecProblem(
                    "agent.image.build.context",
                    f"{where} does not exist",
                    str(build.context),
                    "point context at the agent's folder (relative to the spec file) holding "
                    f"{build.requirements}",
                )
            ]
        )
    return resolved


def load_spec_file(path: Path) -> DeploymentSpec:
    """Read a tenant spec file (YAML); relative paths resolve against its folder.

    Raises:
        SpecError: the file is unreadable, not YAML, or the spec is invalid.
    """
    try:
        text = path.read_text()
    except OSError as error:
        raise SpecError(
            [SpecProblem("(file)", f"cannot read {path}: {error.strerror}", str(path), "check it")]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        problem = getattr(error, "problem", None) or str(error)
        raise SpecError(
            [SpecProblem("(yaml)", f"syntax error at {where}: {problem}", path.name, "fix YAML")]
        ) from None
    return validate_spec(data, base_dir=path.resolve().parent, secrets_from=("fromEnv", "fromFile"))


def spec_from_stack_config(config: Mapping[str, object], project_dir: Path) -> DeploymentSpec:
    """Build the spec from a stack's `jockey:*` config objects (keys without the prefix).

    Raises:
        SpecError: the config is invalid; paths name `jockey:<section>` fields.
    """
    data = {section: config[section] for section in SECTIONS if section in config}
    return validate_spec(data, base_dir=project_dir, secrets_from=("fromConfig",))
