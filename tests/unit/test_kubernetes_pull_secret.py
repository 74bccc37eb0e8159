"""Registry credentials (`agent.image.pullSecret`), read like secretEnv.

Read with the same policy and confinement, shape-checked without being shown, and a
`kubernetes.io/dockerconfigjson` Secret the pods pull with, a Pulumi secret end to end.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.spec import SpecError, load_spec_file, resolve_pull_secret
from infra.spec._registry_auth import docker_config_problems, image_registry
from tests.unit.mocks import is_secret_value
from tests.unit.mocks.kubernetes import IMAGE, Rendered, make_spec, render

PASSWORD = "hunter2-registry-canary"
AUTH = base64.b64encode(f"robot:{PASSWORD}".encode()).decode()
CONFIG = json.dumps({"auths": {"registry.example.com": {"auth": AUTH}}})


def _spec_file(folder: Path, pull_secret: dict[str, Any], ref: str = IMAGE) -> Path:
    spec = {
        "tenant": {"id": "acme", "organization": "acme-corp", "environment": "dev"},
        "agent": {"name": "support-bot", "version": "1.4.2", "image": {"ref": ref}},
        "kubernetes": {"enabled": True, "cluster": {"renderDir": "out"}},
    }
    spec["agent"]["image"]["pullSecret"] = pull_secret  # type: ignore[index]
    path = folder / "acme.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def _problems(excinfo: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [str(problem) for problem in excinfo.value.problems]


# ---------------------------------------------------------------- reading


def test_read_from_an_allowed_variable(tmp_path: Path) -> None:
    spec = load_spec_file(_spec_file(tmp_path, {"fromEnv": "ACME_REGISTRY_AUTH"}), environ={})
    assert resolve_pull_secret(spec, {"ACME_REGISTRY_AUTH": f"  {CONFIG}\n"}) == CONFIG


def test_read_from_a_file_beside_the_spec(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text(CONFIG)
    spec = load_spec_file(_spec_file(tmp_path, {"fromFile": "registry.json"}), environ={})
    assert spec.agent.image.pull_secret is not None
    assert spec.agent.image.pull_secret.from_file == (tmp_path / "registry.json").resolve()
    assert resolve_pull_secret(spec, {}) == CONFIG


def test_no_pull_secret_reads_nothing() -> None:
    assert resolve_pull_secret(make_spec(), {"ACME_REGISTRY_AUTH": CONFIG}) is None


def test_a_missing_variable_is_one_problem_with_the_fix(tmp_path: Path) -> None:
    spec = load_spec_file(_spec_file(tmp_path, {"fromEnv": "ACME_REGISTRY_AUTH"}), environ={})
    with pytest.raises(SpecError) as caught:
        resolve_pull_secret(spec, {})
    (problem,) = caught.value.problems
    assert problem.path == "agent.image.pullSecret.fromEnv"
    assert problem.value == "ACME_REGISTRY_AUTH" and "not set" in problem.message
    assert "export ACME_REGISTRY_AUTH=" in problem.fix


def test_the_operator_policy_is_checked_again_when_reading(tmp_path: Path) -> None:
    spec = load_spec_file(_spec_file(tmp_path, {"fromEnv": "ACME_REGISTRY_AUTH"}), environ={})
    environ = {"ACME_REGISTRY_AUTH": CONFIG, "JOCKEY_SECRET_ENV_ALLOW": "OTHER_*"}
    with pytest.raises(SpecError) as caught:
        resolve_pull_secret(spec, environ)
    assert "JOCKEY_SECRET_ENV_ALLOW" in caught.value.problems[0].message


def test_the_policy_refuses_the_variable_at_validation(tmp_path: Path) -> None:
    path = _spec_file(tmp_path, {"fromEnv": "ACME_REGISTRY_AUTH"})
    with pytest.raises(SpecError) as caught:
        load_spec_file(path, environ={"JOCKEY_SECRET_ENV_ALLOW": "OTHER_*"})
    assert [p.path for p in caught.value.problems] == ["agent.image.pullSecret.fromEnv"]


def test_a_file_outside_the_spec_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(CONFIG)
    folder = tmp_path / "specs"
    folder.mkdir()
    with pytest.raises(SpecError) as caught:
        load_spec_file(_spec_file(folder, {"fromFile": "../outside.json"}), environ={})
    (problem,) = caught.value.problems
    assert problem.path == "agent.image.pullSecret.fromFile"
    assert "outside the spec's root" in problem.message


def test_a_file_swapped_for_a_symlink_after_validation_is_not_read(tmp_path: Path) -> None:
    target = tmp_path / "registry.json"
    target.write_text(CONFIG)
    spec = load_spec_file(_spec_file(tmp_path, {"fromFile": "registry.json"}), environ={})
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(CONFIG)
    target.unlink()
    target.symlink_to(elsewhere)
    with pytest.raises(SpecError) as caught:
        resolve_pull_secret(spec, {})
    assert "no longer resolves" in caught.value.problems[0].message


# ---------------------------------------------------------------- shape, never shown


BAD_CONFIGS = [
    ("not json", f"robot:{PASSWORD}", "is not JSON"),
    ("no auths", json.dumps({"credHelpers": {"registry.example.com": PASSWORD}}), "no auths"),
    ("empty auths", json.dumps({"auths": {}}), "no auths"),
    ("entry not a mapping", json.dumps({"auths": {"registry.example.com": PASSWORD}}), "mapping"),
    (
        "auth not base64",
        json.dumps({"auths": {"registry.example.com": {"auth": PASSWORD + "!"}}}),
        "not base64",
    ),
    (
        "auth without a colon",
        json.dumps(
            {
                "auths": {
                    "registry.example.com": {"auth": base64.b64encode(PASSWORD.encode()).decode()}
                }
            }
        ),
        "user:password",
    ),
    (
        "username without password",
        json.dumps({"auths": {"registry.example.com": {"username": PASSWORD}}}),
        "neither auth nor username and password",
    ),
    (
        "another registry",
        json.dumps({"auths": {"ghcr.io": {"auth": AUTH}}}),
        "not for registry.example.com",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS]
)
def test_a_bad_config_is_named_without_showing_it(tmp_path: Path, text: str, message: str) -> None:
    spec = load_spec_file(_spec_file(tmp_path, {"fromEnv": "ACME_REGISTRY_AUTH"}), environ={})
    with pytest.raises(SpecError) as caught:
        resolve_pull_secret(spec, {"ACME_REGISTRY_AUTH": text})
    shown = "\n".join(_problems(caught))
    assert message in shown
    assert PASSWORD not in shown and AUTH not in shown
    assert all(p.path == "agent.image.pullSecret.fromEnv" for p in caught.value.problems)
    assert all(p.value == "ACME_REGISTRY_AUTH" for p in caught.value.problems)


def test_username_and_password_entries_are_accepted() -> None:
    text = json.dumps(
        {"auths": {"https://registry.example.com/v1/": {"username": "u", "password": "p"}}}
    )
    assert docker_config_problems(text, "registry.example.com") == []


@pytest.mark.parametrize(
    ("ref", "registry"),
    [
        (IMAGE, "registry.example.com"),
        ("ghcr.io/acme/agent:1.0.0", "ghcr.io"),
        ("localhost:5000/agent:1.0.0", "localhost:5000"),
        ("docker.io/acme/agent:1.0.0", "docker.io"),
        ("index.docker.io/acme/agent:1.0.0", "docker.io"),
    ],
)
def test_the_image_registry_is_found_from_the_reference(ref: str, registry: str) -> None:
    assert image_registry(make_spec(agent={"image": {"ref": ref}})) == registry


def test_docker_hub_credentials_match_a_docker_hub_image() -> None:
    text = json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": AUTH}}})
    assert docker_config_problems(text, "docker.io") == []


# ---------------------------------------------------------------- the Secret and the pods


def test_the_credentials_become_a_dockerconfigjson_secret_the_pods_pull_with() -> None:
    rendered = render(make_spec(), pull_secret=CONFIG)
    registry = rendered.named("registry")

    assert registry.type == "kubernetes:core/v1:Secret"
    assert registry.props["type"] == "kubernetes.io/dockerconfigjson"
    assert registry.metadata["name"] == "support-bot-registry"
    assert registry.metadata["namespace"] == "acme-dev"
    assert registry.props["stringData"] == {".dockerconfigjson": CONFIG}
    assert rendered.pod_spec["imagePullSecrets"] == [{"name": "support-bot-registry"}]
    assert registry.urn in rendered.named("deployment").dependencies


def test_the_credentials_are_a_pulumi_secret_end_to_end() -> None:
    rendered = render(make_spec(), pull_secret=CONFIG)
    assert rendered.registry_string_data_is_secret is True
    assert is_secret_value(rendered.named("registry").inputs["stringData"])
    for resource in rendered.resources.values():
        if resource.name.endswith("-registry"):
            continue
        assert AUTH not in json.dumps(resource.props, default=str), resource.name


def test_without_credentials_there_is_no_registry_secret_and_no_pull_secret(
    dev_kubernetes: Rendered,
) -> None:
    assert f"{dev_kubernetes.component.name}-registry" not in dev_kubernetes.resources
    assert "imagePullSecrets" not in dev_kubernetes.pod_spec


def test_the_credentials_do_not_roll_the_pods(dev_kubernetes: Rendered) -> None:
    assert render(make_spec(), pull_secret=CONFIG).checksum == dev_kubernetes.checksum
