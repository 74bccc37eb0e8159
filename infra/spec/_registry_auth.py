"""Registry credentials (`agent.image.pullSecret`): read and shape-checked, never shown.

The value is read the way `secretEnv` values are (the operator's `fromEnv` policy, a
`fromFile` path that must still resolve to itself), and the Docker config JSON's shape is
checked: every problem names the variable or the file and what is wrong with the JSON's
shape, never a key's value.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from infra.spec._environ import EnvPolicy
from infra.spec._errors import SpecError, SpecProblem
from infra.spec._models import DeploymentSpec
from infra.spec._secrets import read_secret_file

_FIELD = "agent.image.pullSecret"
_SHAPE = (
    'write a Docker config JSON: {"auths": {"<registry>": {"auth": "<base64 of '
    'user:password>"}}} (or username and password), as `docker login` leaves in '
    "~/.docker/config.json"
)
DOCKER_HUB = "docker.io"
_DOCKER_HUB_ALIASES = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)


def resolve_pull_secret(spec: DeploymentSpec, environ: Mapping[str, str]) -> str | None:
    """The Docker config JSON `agent.image.pullSecret` names, checked; None without one.

    Args:
        spec: a spec loaded with `load_spec_file` (a `fromFile` path is absolute).
        environ: the environment to read a `fromEnv` variable (and the operator's
            `JOCKEY_SECRET_ENV_ALLOW`) from, usually `os.environ`.

    Returns:
        The JSON text, as read (surrounding whitespace removed).

    Raises:
        SpecError: the source is refused, missing, unreadable or empty, or the JSON is not a
            Docker config with credentials for the image's registry (no values shown).
    """
    source = spec.agent.image.pull_secret
    if source is None:
        return None
    if source.from_env is not None:
        where, shown = f"{_FIELD}.fromEnv", source.from_env
        refusal = EnvPolicy.from_environ(environ).refusal(source.from_env)
        if refusal is not None:
            raise SpecError([SpecProblem(where, refusal[0], shown, refusal[1])])
        text = environ.get(source.from_env)
        if not text:
            message = "environment variable is not set" if text is None else "is empty"
            fix = f'export {source.from_env}="$(cat ~/.docker/config.json)" before running'
            raise SpecError([SpecProblem(where, message, shown, fix)])
        text = text.strip()
    else:
        assert source.from_file is not None  # the model holds exactly one source
        where, shown = f"{_FIELD}.fromFile", str(source.from_file)
        text, problem = read_secret_file(where, source.from_file)
        if problem is not None:
            raise SpecError([problem])
        if not text:
            raise SpecError([SpecProblem(where, "file is empty", shown, _SHAPE)])
    problems = docker_config_problems(text, image_registry(spec))
    if problems:
        raise SpecError(SpecProblem(where, message, shown, fix) for message, fix in problems)
    return text


def image_registry(spec: DeploymentSpec) -> str | None:
    """The registry host of `agent.image.ref` (docker.io for Docker Hub); None for a build."""
    ref = spec.agent.image.ref
    if ref is None:
        return None
    first, slash, _ = ref.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return _registry_host(first)
    return DOCKER_HUB


def _registry_host(key: str) -> str:
    """A config key as a host: no scheme or path; Docker Hub's aliases as docker.io."""
    host = key.split("://", 1)[-1].split("/", 1)[0].lower()
    return DOCKER_HUB if host in _DOCKER_HUB_ALIASES else host


def docker_config_problems(text: str, registry: str | None) -> list[tuple[str, str]]:
    """What is wrong with a Docker config JSON's shape, as (message, fix) pairs.

    Only structure, registry hosts and entry names appear in a message, never a value.

    Args:
        text: the JSON text.
        registry: the registry the image is pulled from (None: not checked).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:  # its message has a position, no content
        return [(f"is not JSON (line {error.lineno}, column {error.colno})", _SHAPE)]
    auths = data.get("auths") if isinstance(data, dict) else None
    if not isinstance(auths, dict) or not auths:
        return [("is not a Docker config: it has no auths mapping of registries", _SHAPE)]
    problems = []
    for key, entry in auths.items():
        message = _entry_problem(entry)
        if message is not None:
            problems.append((f"auths entry for {_registry_host(key)}: {message}", _SHAPE))
    hosts = {_registry_host(key) for key in auths}
    if registry is not None and registry not in hosts:
        problems.append(
            (
                f"has credentials for {', '.join(sorted(hosts))} but not for {registry}, the "
                "registry of agent.image.ref",
                f"log in to {registry} (`docker login {registry}`) and use that config",
            )
        )
    return problems


def _entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "is not a mapping"
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "auth is not base64"
        return None if ":" in decoded else "auth does not decode to user:password"
    if all(isinstance(entry.get(key), str) and entry.get(key) for key in ("username", "password")):
        return None
    return "has neither auth nor username and password"
