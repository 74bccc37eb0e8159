"""The pod-template config checksum: pods roll exactly when their configuration changes."""

from __future__ import annotations

import hashlib
import json

import pulumi

from infra.components.kubernetes import config_checksum
from tests.unit.mocks import SECRET_VALUE, install, is_secret_value
from tests.unit.mocks.kubernetes import EchoMocks, Rendered, make_spec, render


def test_checksum_changes_when_an_env_value_changes(dev_kubernetes: Rendered) -> None:
    before = dev_kubernetes.checksum
    after = render(make_spec(agent={"env": {"LOG_LEVEL": "debug"}})).checksum
    assert before != after


def test_checksum_changes_when_an_env_variable_is_added(dev_kubernetes: Rendered) -> None:
    before = dev_kubernetes.checksum
    after = render(make_spec(agent={"env": {"LOG_LEVEL": "info", "MODEL": "gpt"}})).checksum
    assert before != after


def test_checksum_changes_when_the_agent_port_changes(dev_kubernetes: Rendered) -> None:
    # PORT is part of the ConfigMap.
    assert dev_kubernetes.checksum != render(make_spec(agent={"port": 9000})).checksum


def test_checksum_changes_when_a_secret_value_changes() -> None:
    spec = make_spec()
    before = render(spec, secret_env={"OPENAI_API_KEY": "sk-one"}).checksum
    after = render(spec, secret_env={"OPENAI_API_KEY": "sk-two"}).checksum
    assert before != after


def test_checksum_is_stable_when_nothing_in_the_config_changes() -> None:
    base = render(make_spec()).checksum
    assert render(make_spec()).checksum == base
    unrelated = make_spec(
        agent={"version": "1.5.0"},
        kubernetes={"replicas": 1, "strategy": "Recreate", "service": {"port": 8081}},
    )
    assert render(unrelated).checksum == base
    other_image = f"registry.example.com/acme/other@sha256:{'f' * 64}"
    assert render(make_spec(), image=other_image).checksum == base


def test_checksum_does_not_depend_on_the_order_of_variables() -> None:
    spec_ab = make_spec(agent={"env": {"A_VAR": "1", "B_VAR": "2"}})
    spec_ba = make_spec(agent={"env": {"B_VAR": "2", "A_VAR": "1"}})
    secrets_ab = {"S_ONE": "x", "S_TWO": "y"}
    secrets_ba = {"S_TWO": "y", "S_ONE": "x"}
    assert render(spec_ab, secrets_ab).checksum == render(spec_ba, secrets_ba).checksum


def test_checksum_annotation_is_plain_and_reveals_no_secret(dev_kubernetes: Rendered) -> None:
    annotations = dev_kubernetes.one("kubernetes:apps/v1:Deployment").inputs["spec"]["template"][
        "metadata"
    ]["annotations"]
    checksum = annotations["jockey.dev/config-checksum"]
    assert isinstance(checksum, str)
    assert not is_secret_value(checksum)
    assert len(checksum) == 64
    assert SECRET_VALUE not in checksum


def test_checksum_is_not_a_bare_sha256_of_the_values() -> None:
    # A bare hash of a weak secret could be brute-forced from the public annotation.
    rendered = render(make_spec(), secret_env={"OPENAI_API_KEY": "hunter2"})
    bare = hashlib.sha256(
        json.dumps(
            {
                "config": {"LOG_LEVEL": "info", "PORT": "8080"},
                "secrets": {"OPENAI_API_KEY": "hunter2"},
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    assert rendered.checksum != bare


def test_checksum_is_salted_per_tenant_and_its_output_is_not_secret() -> None:
    install(EchoMocks())
    _salted_and_plain()


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def _salted_and_plain() -> pulumi.Output[None]:
    config = {"PORT": "8080"}
    secrets = {"KEY": pulumi.Output.secret("same-key")}
    one = config_checksum("acme-dev", config, secrets)
    other = config_checksum("globex-dev", config, secrets)
    again = config_checksum("acme-dev", config, secrets)

    async def check() -> None:
        assert not await one.is_secret()
        assert await one.future() != await other.future()
        assert await one.future() == await again.future()

    return pulumi.Output.from_input(check())
