"""Secret env values: which sources each input allows, and reading fromEnv/fromFile values.

Values never appear in a problem: only the variable's name, the source's name or path.
Reading re-checks what validation checked (the operator's `fromEnv` policy, the file's
resolved path), since the environment and the file system may have changed in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

from infra.spec._environ import EnvPolicy
from infra.spec._errors import REDACTED, SpecError, SpecProblem
from infra.spec._models import DeploymentSpec, SecretSource
from infra.spec._yaml import FileRefusedError, read_text_limited


class SecretOrigin(StrEnum):
    """Where a spec came from, which decides the secret sources it may use."""

    SPEC_FILE = "a spec file"
    STACK_CONFIG = "a stack's config"


# Secrets Manager and SSM references hold no value (the agent reads it in AWS): any origin.
_ALLOWED = {
    SecretOrigin.SPEC_FILE: ("fromEnv", "fromFile", "fromSecretsManager", "fromSsm"),
    SecretOrigin.STACK_CONFIG: ("fromConfig", "fromSecretsManager", "fromSsm"),
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
    if source.from_secrets_manager is not None:
        return "fromSecretsManager"
    if source.from_ssm is not None:
        return "fromSsm"
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
    pull_secret = spec.agent.image.pull_secret
    if pull_secret is not None and origin is SecretOrigin.STACK_CONFIG:
        kind = "fromEnv" if pull_secret.from_env is not None else "fromFile"
        problems.append(
            SpecProblem(
                f"agent.image.pullSecret.{kind}",
                f"{kind} cannot be used in {origin.value}: a stack reads no local files or "
                "variables",
                REDACTED,
                "deploy this tenant from a spec file (`jockey up tenant.yaml`) to use "
                "registry credentials",
            )
        )
    return problems


def resolve_secret_values(spec: DeploymentSpec, environ: Mapping[str, str]) -> dict[str, str]:
    """The values of the spec's `fromEnv` and `fromFile` secrets.

    `fromConfig` secrets are left out: the Pulumi program reads them from the stack's
    secure config; so are `fromSecretsManager` and `fromSsm` (the agent reads them in AWS).
    A file's value has its surrounding whitespace removed. A variable the
    operator's policy refuses (see `JOCKEY_SECRET_ENV_ALLOW`) is not read, and neither is a
    file whose path no longer resolves to itself (a symlink put in since validation) or
    that is over 1 MiB.

    Args:
        spec: a spec loaded with `load_spec_file` (fromFile paths are absolute).
        environ: the environment to read `fromEnv` variables (and the operator's
            `JOCKEY_SECRET_ENV_ALLOW`) from, usually `os.environ`.

    Returns:
        The value of each secret env variable, by name.

    Raises:
        SpecError: a source is refused, missing, unreadable or empty (one problem each, no
            values).
    """
    policy = EnvPolicy.from_environ(environ)
    values: dict[str, str] = {}
    problems: list[SpecProblem] = []
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.from_env is not None:
            where = f"agent.secretEnv.{name}.fromEnv"
            refusal = policy.refusal(source.from_env)
            if refusal is not None:
                message, fix = refusal
                problems.append(SpecProblem(where, message, source.from_env, fix))
                continue
            value = environ.get(source.from_env)
            if value:
                values[name] = value
                continue
            problems.append(
                SpecProblem(
                    where,
                    "environment variable is not set" if value is None else "is empty",
                    source.from_env,
                    f"export {source.from_env}=<value> before running",
                )
            )
        elif source.from_file is not None:
            where = f"agent.secretEnv.{name}.fromFile"
            content, problem = read_secret_file(where, source.from_file)
            if problem is not None:
                problems.append(problem)
            elif content:
                values[name] = content
            else:
                problems.append(
                    SpecProblem(
                        where,
                        "file is empty",
                        str(source.from_file),
                        "write the secret value into it",
                    )
                )
    if problems:
        raise SpecError(problems)
    return values


def read_secret_file(where: str, path: Path) -> tuple[str, SpecProblem | None]:
    """A `fromFile` secret's stripped text, or the problem that stops it being read."""
    try:
        moved = path.resolve() != path
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        moved = True
    if moved:
        return "", SpecProblem(
            where,
            "no longer resolves to the path validated (or was never resolved)",
            str(path),
            "load the spec with load_spec_file, and do not replace its files with symlinks",
        )
    try:
        return read_text_limited(path).strip(), None
    except (OSError, UnicodeDecodeError, FileRefusedError) as error:
        if isinstance(error, OSError):
            reason = error.strerror or type(error).__name__
        else:
            reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
        return "", SpecProblem(
            where,
            f"cannot be read ({reason})",
            str(path),
            "point fromFile at a readable file holding the value",
        )
