"""Secret env values: which sources each input allows, and reading fromEnv/fromFile values.

Values never appear in a problem: only the variable's name, the source's name or path.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from infra.spec._errors import REDACTED, SpecError, SpecProblem
from infra.spec._models import DeploymentSpec, SecretSource


class SecretOrigin(StrEnum):
    """Where a spec came from, which decides the secret sources it may use."""

    SPEC_FILE = "a spec file"
    STACK_CONFIG = "a stack's config"


_ALLOWED = {
    SecretOrigin.SPEC_FILE: ("fromEnv", "fromFile"),
    SecretOrigin.STACK_CONFIG: ("fromConfig",),
}
_FIXES = {
    SecretOrigin.SPEC_FILE: "use fromEnv: <VARIABLE> or fromFile: <path>; fromConfig is for "
    "a stack's config",
    SecretOrigin.STACK_CONFIG: "use fromConfig: <key> and set it with `pulumi config set "
    "--secret jockey:<key>`; a stack reads no local files or variables",
}


def _source_kind(source: SecretSource) -> str:
    if source.from_env is not None:
        return "fromEnv"
    return "fromFile" if source.from_file is not None else "fromConfig"


def secret_source_problems(spec: DeploymentSpec, origin: SecretOrigin) -> list[SpecProblem]:
    """The secrets whose source `origin` does not allow.

    Args:
        spec: a validated spec.
        origin: where the spec came from.
    """
    problems = []
    for name, source in sorted(spec.agent.secret_env.items()):
        kind = _source_kind(source)
        if kind not in _ALLOWED[origin]:
            problems.append(
                SpecProblem(
                    f"agent.secretEnv.{name}.{kind}",
                    f"{kind} cannot be used in {origin.value}",
                    REDACTED,
                    _FIXES[origin],
                )
            )
    return problems


def resolve_secret_values(spec: DeploymentSpec, environ: Mapping[str, str]) -> dict[str, str]:
    """The values of the spec's `fromEnv` and `fromFile` secrets.

    `fromConfig` secrets are left out: the Pulumi program reads them from the stack's
    secure config. A file's value has its surrounding whitespace removed.

    Args:
        spec: a spec loaded with `load_spec_file` (fromFile paths are absolute).
        environ: the environment to read `fromEnv` variables from, usually `os.environ`.

    Returns:
        The value of each secret env variable, by name.

    Raises:
        SpecError: a source is missing, unreadable or empty (one problem each, no values).
    """
    values: dict[str, str] = {}
    problems: list[SpecProblem] = []
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.from_env is not None:
            value = environ.get(source.from_env)
            if value:
                values[name] = value
                continue
            problems.append(
                SpecProblem(
                    f"agent.secretEnv.{name}.fromEnv",
                    "environment variable is not set" if value is None else "is empty",
                    source.from_env,
                    f"export {source.from_env}=<value> before running",
                )
            )
        elif source.from_file is not None:
            path = str(source.from_file)
            where = f"agent.secretEnv.{name}.fromFile"
            try:
                content = source.from_file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as error:
                reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
                problems.append(
                    SpecProblem(
                        where,
                        f"cannot be read ({reason})",
                        path,
                        "point fromFile at a readable file holding the value",
                    )
                )
                continue
            if content:
                values[name] = content
            else:
                problems.append(
                    SpecProblem(where, "file is empty", path, "write the secret value into it")
                )
    if problems:
        raise SpecError(problems)
    return values
