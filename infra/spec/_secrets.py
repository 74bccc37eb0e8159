"""Read secret env values from their sources (never from the spec itself)."""

from __future__ import annotations

from collections.abc import Mapping

from infra.spec._errors import SpecError, SpecProblem
from infra.spec._models import DeploymentSpec


def resolve_secret_values(spec: DeploymentSpec, environ: Mapping[str, str]) -> dict[str, str]:
    """The values of `fromEnv` and `fromFile` secrets (fromConfig is read by the program).

    Raises:
        SpecError: a source is missing or empty; no value is ever included in the message.
    """
    values: dict[str, str] = {}
    problems: list[SpecProblem] = []
    for name, source in sorted(spec.agent.secret_env.items()):
        if source.from_env is not None:
            value = environ.get(source.from_env)
            if not value:
                problems.append(
                    SpecProblem(
                        f"agent.secretEnv.{name}.fromEnv",
                        "environment variable is not set" if value is None else "is empty",
                        source.from_env,
                        f"export {source.from_env} before running",
                    )
                )
            else:
                values[name] = value
        elif source.from_file is not None:
            try:
                content = source.from_file.read_text().strip()
            except OSError as error:
                problems.append(
                    SpecProblem(
                        f"agent.secretEnv.{name}.fromFile",
                        f"cannot be read ({error.strerror})",
                        str(source.from_file),
                        "point fromFile at a readable file holding the value",
                    )
                )
                continue
            if not content:
                problems.append(
                    SpecProblem(
                        f"agent.secretEnv.{name}.fromFile",
                        "file is empty",
                        str(source.from_file),
                        "write the secret value into the file",
                    )
                )
            else:
                values[name] = content
    if problems:
        raise SpecError(problems)
    return values
