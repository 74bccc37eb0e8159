"""Fixtures the unit tests share: the base tenant of each target rendered once per session.

The renders are read-only: every view of a registration (`props`, `pod_spec`, ...) is a
fresh copy, and a test that needs another spec renders its own. The mocks are imported
lazily, so a run of the spec or CLI tests alone never loads the Pulumi SDK for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.unit.mocks import aws, kubernetes


@pytest.fixture(scope="session")
def dev_kubernetes() -> kubernetes.Rendered:
    """`KubernetesAgent` for the base dev spec of `tests.unit.mocks.kubernetes`."""
    from tests.unit.mocks import kubernetes

    return kubernetes.render(kubernetes.make_spec())


@pytest.fixture(scope="session")
def dev_lambda() -> aws.Rendered:
    """`LambdaAgent` for the base dev spec of `tests.unit.mocks.aws`."""
    from tests.unit.mocks import aws

    return aws.render_agent(aws.make_spec())
