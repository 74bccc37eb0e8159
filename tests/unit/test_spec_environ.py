"""Which variables `fromEnv` may read: never the machine's own credentials, only what is allowed.

Names are generated (any credential-like prefix, any suffix, any case), so the rule holds for
any such variable, not for a list of known names.
"""

from __future__ import annotations

import string
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infra.spec import (
    NEVER_READABLE,
    EnvPolicy,
    SpecError,
    load_spec_file,
    resolve_secret_values,
    validate_spec,
)
from infra.spec._secrets import SecretOrigin
from tests.unit.hostile_support import assert_well_formed, base_spec, write_spec

VALUE = "machine-credential-3e9a"
"""The value every refused variable holds: it must never be read or shown."""
SETTINGS = settings(
    max_examples=100, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

suffixes = st.text(string.ascii_uppercase + string.digits + "_", max_size=24)


def _random_case(name: str, flips: list[bool]) -> str:
    padded = flips + [False] * (len(name) - len(flips))
    return "".join(c.lower() if flip else c for c, flip in zip(name, padded, strict=True))


@st.composite
def never_readable_names(draw: st.DrawFn) -> str:
    """A name matching a never-readable pattern: its prefix, any suffix, any letter case."""
    pattern = draw(st.sampled_from(NEVER_READABLE))
    name = pattern.replace("*", draw(suffixes), 1).replace("*", draw(suffixes))
    flips = draw(st.lists(st.booleans(), max_size=len(name)))
    name = _random_case(name, flips)
    assume(name[:1].isalpha() or name[:1] == "_")
    return name


tenant_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,30}", fullmatch=True).filter(
    lambda name: not any(fnmatchcase(name.upper(), p) for p in NEVER_READABLE)
)


def _spec_reading(name: str) -> dict[str, Any]:
    data = base_spec()
    data["agent"]["secretEnv"] = {"STOLEN": {"fromEnv": name}}
    return data


def _validate(data: dict[str, Any], environ: dict[str, str]) -> Any:
    return validate_spec(data, base_dir=Path("."), origin=SecretOrigin.SPEC_FILE, environ=environ)


def test_well_known_credentials_are_never_readable() -> None:
    policy = EnvPolicy(allow=("*",))
    for name in (
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GITHUB_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_ACCESS_TOKEN",
        "JOCKEY_SECRET_ENV_ALLOW",
        "KUBECONFIG",
        "CI_JOB_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "ARM_CLIENT_SECRET",
        "AZURE_CLIENT_SECRET",
        "VAULT_TOKEN",
        "NPM_TOKEN",
        "DOCKER_AUTH_CONFIG",
        "SSH_AUTH_SOCK",
        "GH_TOKEN",
    ):
        assert policy.refusal(name) is not None, name


@SETTINGS
@given(name=never_readable_names(), allow=st.sampled_from(["*", "", None, "*_*,A*"]))
def test_a_never_readable_name_is_refused_whatever_the_allow_list(
    name: str, allow: str | None
) -> None:
    environ = {name: VALUE} if allow is None else {name: VALUE, "JOCKEY_SECRET_ENV_ALLOW": allow}

    with pytest.raises(SpecError) as caught:
        _validate(_spec_reading(name), environ)

    (problem,) = caught.value.problems
    assert problem.path == "agent.secretEnv.STOLEN.fromEnv"
    assert problem.value == name
    assert "never readable" in problem.message
    assert VALUE not in str(caught.value)
    assert_well_formed(caught.value)


@SETTINGS
@given(name=never_readable_names())
def test_reading_refuses_a_never_readable_name_even_in_a_spec_built_by_hand(name: str) -> None:
    spec = _validate(_spec_reading("ACME_KEY"), {})
    source = spec.agent.secret_env["STOLEN"].model_copy(update={"from_env": name})
    forged = spec.model_copy(
        update={"agent": spec.agent.model_copy(update={"secret_env": {"STOLEN": source}})}
    )

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(forged, {name: VALUE, "JOCKEY_SECRET_ENV_ALLOW": "*"})

    (problem,) = caught.value.problems
    assert problem.path == "agent.secretEnv.STOLEN.fromEnv"
    assert VALUE not in str(caught.value)


@SETTINGS
@given(name=tenant_names)
def test_without_an_allow_list_a_tenant_name_is_readable(name: str) -> None:
    spec = _validate(_spec_reading(name), {})

    assert resolve_secret_values(spec, {name: "tenant-value"}) == {"STOLEN": "tenant-value"}


@SETTINGS
@given(name=tenant_names, prefix=st.from_regex(r"[A-Z]{1,4}", fullmatch=True))
def test_an_allow_list_admits_only_what_it_matches(name: str, prefix: str) -> None:
    environ = {"JOCKEY_SECRET_ENV_ALLOW": f" {prefix}* , OTHER_NAME", name: "tenant-value"}

    if name.startswith(prefix) or name == "OTHER_NAME":
        spec = _validate(_spec_reading(name), environ)
        assert resolve_secret_values(spec, environ) == {"STOLEN": "tenant-value"}
    else:
        with pytest.raises(SpecError) as caught:
            _validate(_spec_reading(name), environ)
        (problem,) = caught.value.problems
        assert "JOCKEY_SECRET_ENV_ALLOW" in problem.message
        assert problem.value == name


@pytest.mark.parametrize("allow", ["", " , "])
def test_an_empty_allow_list_admits_nothing(allow: str) -> None:
    assert EnvPolicy.from_environ({"JOCKEY_SECRET_ENV_ALLOW": allow}).allow == ()
    with pytest.raises(SpecError):
        _validate(_spec_reading("ACME_OPENAI_API_KEY"), {"JOCKEY_SECRET_ENV_ALLOW": allow})


@pytest.mark.parametrize("name", ["ACME_API_KEY", "ACME_TOKEN", "OPENAI_API_KEY", "DB_PASSWORD"])
def test_tenant_secrets_named_like_credentials_stay_readable(name: str) -> None:
    assert EnvPolicy().refusal(name) is None


def test_the_allow_list_is_read_from_the_operators_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_file = write_spec(tmp_path / "tenant.yaml", _spec_reading("ACME_KEY"))
    monkeypatch.setenv("JOCKEY_SECRET_ENV_ALLOW", "BETA_*")

    with pytest.raises(SpecError) as caught:
        load_spec_file(spec_file)

    assert caught.value.problems[0].path == "agent.secretEnv.STOLEN.fromEnv"
    monkeypatch.setenv("JOCKEY_SECRET_ENV_ALLOW", "ACME_*")
    assert load_spec_file(spec_file).agent.secret_env["STOLEN"].from_env == "ACME_KEY"


def test_every_refused_name_is_reported_at_once() -> None:
    data = base_spec()
    data["agent"]["secretEnv"] = {
        "A": {"fromEnv": "AWS_SECRET_ACCESS_KEY"},
        "B": {"fromEnv": "ACME_KEY"},
        "C": {"fromEnv": "GITHUB_TOKEN"},
    }

    with pytest.raises(SpecError) as caught:
        _validate(data, {})

    assert [p.path for p in caught.value.problems] == [
        "agent.secretEnv.A.fromEnv",
        "agent.secretEnv.C.fromEnv",
    ]
