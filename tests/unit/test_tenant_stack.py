"""A stack this machine knows is taken as existing: no `stack select` process before the engine."""

from __future__ import annotations

import pulumi.automation as auto
import pytest
from pulumi.automation._stack import StackInitMode

from automation._stack import TenantStack


@pytest.fixture
def workspace(monkeypatch: pytest.MonkeyPatch) -> auto.LocalWorkspace:
    """A workspace whose CLI calls are recorded instead of run."""
    calls: list[str] = []
    monkeypatch.setattr(auto.LocalWorkspace, "select_stack", lambda _, name: calls.append(name))
    monkeypatch.setattr(auto.LocalWorkspace, "create_stack", lambda _, name: calls.append(name))
    space = object.__new__(auto.LocalWorkspace)
    space.calls = calls  # type: ignore[attr-defined]
    return space


def test_an_assumed_stack_is_what_the_sdk_builds_without_selecting_it(
    workspace: auto.LocalWorkspace,
) -> None:
    reference = auto.Stack("acme-dev", workspace, StackInitMode.CREATE_OR_SELECT)
    assert workspace.calls == ["acme-dev"]  # type: ignore[attr-defined]
    assumed = TenantStack("acme-dev", workspace, StackInitMode.CREATE_OR_SELECT, assumed=True)
    assert workspace.calls == ["acme-dev"], "no `stack select`"  # type: ignore[attr-defined]
    ours = {"assumed", "_readback"}
    assert set(vars(assumed)) - ours == set(vars(reference)), "every attribute the SDK sets"
    assert vars(reference) == {k: v for k, v in vars(assumed).items() if k not in ours}


def test_a_vanished_assumed_stack_is_created_once(workspace: auto.LocalWorkspace) -> None:
    stack = TenantStack("acme-dev", workspace, StackInitMode.CREATE_OR_SELECT, assumed=True)
    stack.create_in_backend()
    assert workspace.calls == ["acme-dev"] and not stack.assumed  # type: ignore[attr-defined]
