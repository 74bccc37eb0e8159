"""Read specs from tenant spec files and from a stack's `jockey:*` config objects."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from infra.spec._confine import choose_root, confinement_problems
from infra.spec._convert import problems_from
from infra.spec._environ import env_source_problems
from infra.spec._errors import SpecError, SpecProblem
from infra.spec._kubeconfig import kubeconfig_problems
from infra.spec._models import DeploymentSpec
from infra.spec._paths import path_problems, resolve_paths
from infra.spec._secrets import SecretOrigin, secret_source_problems
from infra.spec._types import SECTIONS
from infra.spec._yaml import (
    MAX_FILE_BYTES,
    FileRefusedError,
    FileTooLargeError,
    YamlLimitError,
    parse_yaml_limited,
    read_text_limited,
)


def validate_spec(
    data: Any,
    *,
    base_dir: Path,
    origin: SecretOrigin,
    root: Path | None = None,
    allow_outside_root: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DeploymentSpec:
    """Validate parsed spec data; relative paths resolve against `base_dir`.

    Keys must be the camelCase YAML keys (snake_case attribute names are refused). Every
    path must resolve inside the root, symlinks followed; `fromEnv` may name only variables
    the operator's policy allows (`JOCKEY_SECRET_ENV_ALLOW`); a kubeconfig must exist,
    parse and hold the context named. Nothing else on the machine is read.

    Args:
        data: the parsed spec: a mapping with the sections tenant, agent, lambda, kubernetes.
        base_dir: what relative paths are relative to.
        origin: where the data came from (it decides the secret sources allowed).
        root: the folder every path must resolve inside; by default `JOCKEY_SPEC_ROOT`
            when it is set, else `base_dir`.
        allow_outside_root: let paths outside the root through, each with an
            `OutsideRootWarning` (the operator's opt-out; never the default).
        environ: the operator's environment (`JOCKEY_SPEC_ROOT`, `JOCKEY_SECRET_ENV_ALLOW`,
            `KUBECONFIG`); `os.environ` by default.

    Returns:
        The validated spec, its paths absolute with symlinks resolved.

    Raises:
        SpecError: every problem found.
    """
    environ = os.environ if environ is None else environ
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
    problems = [*secret_source_problems(spec, origin), *env_source_problems(spec, environ)]
    if problems:
        raise SpecError(problems)
    resolved = resolve_paths(spec, base_dir)
    spec_root = choose_root(base_dir, root, environ)
    problems = confinement_problems(
        resolved, spec_root, allow_outside_root=allow_outside_root, environ=environ
    )
    if problems:
        raise SpecError(problems)
    kubeconfig = kubeconfig_problems(
        resolved.kubernetes.cluster,
        root=spec_root,
        environ=environ,
        allow_outside_root=allow_outside_root,
    )
    problems = [*path_problems(resolved), *kubeconfig]
    if problems:
        raise SpecError(problems)
    return resolved


def load_spec_file(
    path: Path,
    *,
    root: Path | None = None,
    allow_outside_root: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DeploymentSpec:
    """Read and validate a tenant spec file (YAML).

    Relative paths in it resolve against the file's folder, and must resolve inside the
    root: the folder the file is in, unless the operator sets one. Its secrets may come only
    from `fromEnv` (variables the operator allows) or `fromFile`. The file may hold at most
    1 MiB, one document, no anchors or aliases, and nest at most 32 levels.

    Args:
        path: the spec file.
        root: the folder every path in the spec must resolve inside; by default
            `JOCKEY_SPEC_ROOT` when it is set, else the spec file's folder.
        allow_outside_root: let paths outside the root through, each with an
            `OutsideRootWarning` (the operator's opt-out; never the default).
        environ: the operator's environment (`JOCKEY_SPEC_ROOT`, `JOCKEY_SECRET_ENV_ALLOW`,
            `KUBECONFIG`); `os.environ` by default.

    Returns:
        The validated spec.

    Raises:
        SpecError: the file is unreadable, too large, not YAML or over a YAML limit (the
            problem names the line), or invalid.
    """
    environ = os.environ if environ is None else environ
    try:
        text = read_text_limited(path)
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, refused, a NUL byte
        raise SpecError([_file_problem(path, error)]) from None
    try:
        data = parse_yaml_limited(text)
    except yaml.YAMLError as error:
        raise SpecError([_yaml_problem(error, text)]) from None
    except ValueError as error:
        problem = SpecProblem("(yaml)", f"a value cannot be read: {error}", None, _YAML_FIX)
        raise SpecError([problem]) from None
    folder = Path(os.path.abspath(path)).parent  # where the operator points, not a link's target
    return validate_spec(
        data,
        base_dir=path.resolve().parent,
        origin=SecretOrigin.SPEC_FILE,
        root=choose_root(folder, root, environ),
        allow_outside_root=allow_outside_root,
        environ=environ,
    )


_YAML_FIX = "fix the YAML"
_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _file_problem(path: Path, error: Exception) -> SpecProblem:
    """The problem of a spec file that cannot be read."""
    if isinstance(error, FileTooLargeError):
        return SpecProblem(
            "(file)",
            f"refused: {error}",
            str(path),
            f"a spec file holds at most {MAX_FILE_BYTES // 1024} KiB: one tenant per file",
        )
    if isinstance(error, FileRefusedError):
        return SpecProblem(
            "(file)", f"refused: {error}", str(path), "pass the spec file itself (a regular file)"
        )
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
    else:
        reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
    return SpecProblem("(file)", f"cannot be read ({reason})", str(path), "check the path")


def _yaml_problem(error: yaml.YAMLError, text: str) -> SpecProblem:
    """The problem of a YAML error: its line and column, and that line's text."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    detail = f"{context}, {problem}" if context else problem
    if mark is None:
        return SpecProblem("(yaml)", f"syntax error: {detail}", None, _YAML_FIX)
    lines = _YAML_LINE_BREAK.split(text)
    line = lines[mark.line] if mark.line < len(lines) else ""
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    if isinstance(error, YamlLimitError):
        return SpecProblem("(yaml)", f"refused at {where}: {detail}", line, error.fix)
    return SpecProblem(
        "(yaml)",
        f"syntax error at {where}: {detail}",
        line,
        "fix the YAML on that line (indentation, a missing ':', or an unclosed quote or bracket)",
    )


def spec_from_stack_config(
    config: Mapping[str, object],
    project_dir: Path,
    *,
    root: Path | None = None,
    allow_outside_root: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DeploymentSpec:
    """Validate a stack's `jockey:tenant|agent|lambda|kubernetes` config objects.

    Relative paths resolve against the project folder and must resolve inside it (or inside
    `root`); secrets may come only from `fromConfig` (a secure config key `jockey:<key>`).
    Problem paths start with `jockey:`, as the keys are written in `Pulumi.<stack>.yaml`.

    Args:
        config: the config objects by section name (without the `jockey:` prefix), as
            parsed JSON; other keys are ignored.
        project_dir: the Pulumi project's folder.
        root: the folder every path must resolve inside (the project folder by default;
            `JOCKEY_SPEC_ROOT` is for spec files and is not consulted).
        allow_outside_root: let paths outside the root through, each with an
            `OutsideRootWarning` (the operator's opt-out; never the default).
        environ: the operator's environment (its `KUBECONFIG`); `os.environ` by default.

    Returns:
        The validated spec.

    Raises:
        SpecError: the config is invalid.
    """
    data = {section: config[section] for section in SECTIONS if section in config}
    try:
        return validate_spec(
            data,
            base_dir=project_dir,
            origin=SecretOrigin.STACK_CONFIG,
            root=project_dir if root is None else root,
            allow_outside_root=allow_outside_root,
            environ=environ,
        )
    except SpecError as error:
        raise SpecError(
            replace(problem, path=f"jockey:{problem.path}") for problem in error.problems
        ) from None
