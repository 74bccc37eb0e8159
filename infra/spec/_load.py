"""Read specs from tenant spec files and from a stack's `jockey:*` config objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra.spec._convert import problems_from
from infra.spec._errors import SpecError, SpecProblem
from infra.spec._models import DeploymentSpec
from infra.spec._paths import path_problems, resolve_paths
from infra.spec._secrets import SecretOrigin, secret_source_problems
from infra.spec._types import SECTIONS


def validate_spec(data: Any, *, base_dir: Path, origin: SecretOrigin) -> DeploymentSpec:
    """Validate parsed spec data; relative paths resolve against `base_dir`.

    Keys must be the camelCase YAML keys (snake_case attribute names are refused).

    Args:
        data: the parsed spec: a mapping with the sections tenant, agent, lambda, kubernetes.
        base_dir: what relative paths are relative to.
        origin: where the data came from (it decides the secret sources allowed).

    Returns:
        The validated spec, its paths absolute.

    Raises:
        SpecError: every problem found.
    """
    if not isinstance(data, Mapping):
        raise SpecError(
            [
                SpecProblem(
                    "(spec)",
                    "is not a mapping",
                    data,
                    f"write the top-level keys {', '.join(SECTIONS)}",
                )
            ]
        )
    try:
        spec = DeploymentSpec.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as error:
        raise SpecError(problems_from(error)) from None
    problems = secret_source_problems(spec, origin)
    if problems:
        raise SpecError(problems)
    resolved = resolve_paths(spec, base_dir)
    problems = path_problems(resolved)
    if problems:
        raise SpecError(problems)
    return resolved


def load_spec_file(path: Path) -> DeploymentSpec:
    """Read and validate a tenant spec file (YAML).

    Relative paths in it resolve against the file's folder; its secrets may come only
    from `fromEnv` or `fromFile`.

    Args:
        path: the spec file.

    Returns:
        The validated spec.

    Raises:
        SpecError: the file is unreadable, not YAML (the problem names the line), or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise SpecError(
            [SpecProblem("(file)", f"cannot be read ({reason})", str(path), "check the path")]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError([_yaml_problem(error)]) from None
    return validate_spec(data, base_dir=path.resolve().parent, origin=SecretOrigin.SPEC_FILE)


def _yaml_problem(error: yaml.YAMLError) -> SpecProblem:
    """The problem of a YAML syntax error: its line and column, and that line's text."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    detail = f"{context}, {problem}" if context else problem
    if mark is None:
        return SpecProblem("(yaml)", f"syntax error: {detail}", None, "fix the YAML")
    lines = (mark.buffer or "").rstrip("\0").splitlines()
    text = lines[mark.line] if mark.line < len(lines) else ""
    return SpecProblem(
        "(yaml)",
        f"syntax error at line {mark.line + 1}, column {mark.column + 1}: {detail}",
        text,
        "fix the YAML on that line (indentation, a missing ':', or an unclosed quote or bracket)",
    )


def spec_from_stack_config(config: Mapping[str, object], project_dir: Path) -> DeploymentSpec:
    """Validate a stack's `jockey:tenant|agent|lambda|kubernetes` config objects.

    Relative paths resolve against the project folder; secrets may come only from
    `fromConfig` (a secure config key `jockey:<key>`). Problem paths start with `jockey:`,
    as the keys are written in `Pulumi.<stack>.yaml`.

    Args:
        config: the config objects by section name (without the `jockey:` prefix), as
            parsed JSON; other keys are ignored.
        project_dir: the Pulumi project's folder.

    Returns:
        The validated spec.

    Raises:
        SpecError: the config is invalid.
    """
    data = {section: config[section] for section in SECTIONS if section in config}
    try:
        return validate_spec(data, base_dir=project_dir, origin=SecretOrigin.STACK_CONFIG)
    except SpecError as error:
        raise SpecError(
            replace(problem, path=f"jockey:{problem.path}") for problem in error.problems
        ) from None
