"""Which environment variables a spec's `fromEnv` may read (names only, never values).

The machine that runs Jockey holds its own credentials in its environment; a tenant spec
(which may come from a pull request) must never copy them into a tenant's Secret. Some
names are never readable, whatever the operator allows; the operator may narrow the rest
with `JOCKEY_SECRET_ENV_ALLOW` (comma-separated glob patterns, `fnmatch` syntax).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from infra.spec._errors import SpecProblem
from infra.spec._models import DeploymentSpec

SECRET_ENV_ALLOW_VARIABLE = "JOCKEY_SECRET_ENV_ALLOW"
"""The operator's allow-list: comma-separated glob patterns of readable variable names."""

NEVER_READABLE: tuple[str, ...] = (
    # Jockey's and Pulumi's own (state passphrase, backend, access tokens).
    "JOCKEY_*",
    "PULUMI_*",
    "CELERY_*",
    # Cloud providers.
    "AWS_*",
    "AMAZON_*",
    "AZURE_*",
    "ARM_*",
    "GOOGLE_*",
    "GCP_*",
    "GCLOUD_*",
    "CLOUDSDK_*",
    "ALIBABA_CLOUD_*",
    "ALICLOUD_*",
    "DIGITALOCEAN_*",
    "OCI_*",
    "HCLOUD_TOKEN",
    "LINODE_TOKEN",
    "CLOUDFLARE_*",
    # CI systems.
    "CI",
    "CI_*",
    "GITHUB_*",
    "ACTIONS_*",
    "RUNNER_*",
    "GITLAB_*",
    "CIRCLE_*",
    "CIRCLECI_*",
    "BUILDKITE_*",
    "TRAVIS_*",
    "JENKINS_*",
    "BITBUCKET_*",
    "DRONE_*",
    "TEAMCITY_*",
    "CODEBUILD_*",
    "SYSTEM_*",
    "APPVEYOR_*",
    "SEMAPHORE_*",
    # Clusters, registries, source control and package tokens of the machine itself.
    "KUBECONFIG",
    "DOCKER_*",
    "REGISTRY_AUTH_*",
    "GIT_*",
    "GH_*",
    "SSH_*",
    "VAULT_*",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "TWINE_*",
    "PYPI_*",
    "UV_*",
    "PIP_*",
    "PGPASSWORD",
    "PGPASSFILE",
)
"""Names no spec may read, whatever the allow-list says (matched ignoring case)."""


@dataclass(frozen=True)
class EnvPolicy:
    """The operator's rule for `fromEnv` names.

    Attributes:
        allow: the allow-list's patterns; `None` when it is unset (every name not on
            `NEVER_READABLE` is allowed), empty when it is set but names nothing.
    """

    allow: tuple[str, ...] | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EnvPolicy:
        """The policy `JOCKEY_SECRET_ENV_ALLOW` sets in `environ`."""
        text = environ.get(SECRET_ENV_ALLOW_VARIABLE)
        if text is None:
            return cls()
        return cls(tuple(part.strip() for part in text.split(",") if part.strip()))

    def refusal(self, name: str) -> tuple[str, str] | None:
        """Why `name` may not be read, as `(message, fix)`; `None` when it may."""
        upper = name.upper()
        for pattern in NEVER_READABLE:
            if fnmatchcase(upper, pattern):
                return (
                    f"{name} is never readable by a spec (it matches {pattern}: Jockey's, "
                    "Pulumi's, a cloud provider's or the CI system's own variables)",
                    "put the tenant's secret in a variable of its own, such as "
                    "ACME_OPENAI_API_KEY, and name that",
                )
        if self.allow is not None and not any(fnmatchcase(name, p) for p in self.allow):
            return (
                f"{name} is not allowed by the operator's {SECRET_ENV_ALLOW_VARIABLE}",
                f"use a name {SECRET_ENV_ALLOW_VARIABLE} allows, or ask the operator to add a "
                "pattern that matches it (comma-separated globs, such as ACME_*)",
            )
        return None


def env_source_problems(spec: DeploymentSpec, environ: Mapping[str, str]) -> list[SpecProblem]:
    """The `fromEnv` secrets whose variable the operator's policy does not let a spec read.

    Args:
        spec: a validated spec.
        environ: the environment holding `JOCKEY_SECRET_ENV_ALLOW`, usually `os.environ`.

    Returns:
        One problem per refused name (the name only, never a value).
    """
    policy = EnvPolicy.from_environ(environ)
    named = [
        (f"agent.secretEnv.{name}.fromEnv", source.from_env)
        for name, source in sorted(spec.agent.secret_env.items())
    ]
    pull_secret = spec.agent.image.pull_secret
    if pull_secret is not None:
        named.append(("agent.image.pullSecret.fromEnv", pull_secret.from_env))
    problems = []
    for where, variable in named:
        refusal = policy.refusal(variable) if variable is not None else None
        if refusal is not None:
            message, fix = refusal
            problems.append(SpecProblem(where, message, variable, fix))
    return problems
