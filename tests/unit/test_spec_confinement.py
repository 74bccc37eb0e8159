"""Every spec path resolves inside its root: absolute paths, `..` and symlinks cannot lead out.

Outside paths are generated (any name, any depth of `..`, through any symlink), so the rule
holds for any path outside the root, not for a list of known files.
"""

from __future__ import annotations

import os
import string
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from infra.spec import (
    DeploymentSpec,
    OutsideRootWarning,
    SpecError,
    load_spec_file,
    resolve_secret_values,
    spec_from_stack_config,
)
from tests.unit.hostile_support import assert_well_formed, base_spec, kubeconfig, write_spec

CANARY = "outside-canary-5b1e"
"""The content of every file outside the root: it must never show in a problem."""


@dataclass(frozen=True)
class Layout:
    """A spec root with files and symlinks, beside a folder outside it."""

    base: Path
    root: Path
    outside: Path


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    base = tmp_path_factory.mktemp("confinement").resolve()
    root, outside = base / "specs", base / "outside"
    for folder in (root / "agent", root / "kube", root / "sub", outside / "agent"):
        folder.mkdir(parents=True)
    for context in (root / "agent", outside / "agent"):
        (context / "requirements.txt").write_text("")
    (root / "inside").write_text("inside-value\n")
    (outside / "secret").write_text(CANARY)
    write_spec(root / "kube" / "config", kubeconfig(["kind-kind"], current="kind-kind"))
    write_spec(outside / "kubeconfig", kubeconfig(["kind-kind"], current="kind-kind"))
    (root / "link-dir").symlink_to(outside, target_is_directory=True)
    (root / "link-file").symlink_to(outside / "secret")
    (root / "link-inside").symlink_to(root / "inside")
    (root / "sub" / "link-up").symlink_to(base, target_is_directory=True)
    return Layout(base, root, outside)


def _set_path(field: str, value: str) -> dict[str, Any]:
    data = base_spec()
    if field == "fromFile":
        data["agent"]["secretEnv"]["TOKEN"] = {"fromFile": value}
    elif field == "context":
        data["agent"]["image"] = {"build": {"context": value}}
    else:
        data["kubernetes"]["cluster"] = {field: value}
    return data


FIELDS = {
    "fromFile": "agent.secretEnv.TOKEN.fromFile",
    "context": "agent.image.build.context",
    "kubeconfig": "kubernetes.cluster.kubeconfig",
    "renderDir": "kubernetes.cluster.renderDir",
}
INSIDE = {
    "fromFile": ["inside", "sub/../inside", "link-inside", "./inside"],
    "context": ["agent", "sub/../agent", "./agent/"],
    "kubeconfig": ["kube/config", "sub/../kube/config", "kube/../kube/config"],
    "renderDir": ["out/acme", "sub/../out", "sub", "."],
}

names = st.text(string.ascii_letters + string.digits + "-_.", min_size=1, max_size=16).filter(
    lambda name: name not in (".", "..")
)


def outside_paths(layout: Layout) -> st.SearchStrategy[str]:
    """Paths, as a spec would write them, that lead outside `layout.root`."""
    return st.one_of(
        names.map(lambda name: str(layout.outside / name)),
        st.sampled_from([str(layout.outside / "secret"), str(layout.outside / "agent"), "/"]),
        names.map(lambda name: f"/{name}"),
        st.tuples(st.integers(1, 12), names).map(lambda t: "../" * t[0] + f"outside/{t[1]}"),
        st.tuples(st.integers(2, 6), names).map(lambda t: "sub/" + "../" * t[0] + t[1]),
        names.map(lambda name: f"link-dir/{name}"),
        st.sampled_from(["link-dir", "link-file", "link-dir/agent", "sub/link-up/outside"]),
        names.map(lambda name: f"sub/link-up/{name}"),
        names.map(lambda name: f"~/{name}"),
    )


def _resolved(layout: Layout, value: str) -> Path:
    return (layout.root / Path(value).expanduser()).resolve()


def _load(layout: Layout, data: dict[str, Any], **options: Any) -> DeploymentSpec:
    options.setdefault("environ", {})
    return load_spec_file(write_spec(layout.root / "tenant.yaml", data), **options)


SETTINGS = settings(
    max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("field", FIELDS)
def test_any_path_outside_the_root_is_refused(layout: Layout, field: str) -> None:
    @SETTINGS
    @given(value=outside_paths(layout))
    def check(value: str) -> None:
        resolved = _resolved(layout, value)
        assume(not resolved.is_relative_to(layout.root))

        with pytest.raises(SpecError) as caught:
            _load(layout, _set_path(field, value))

        (problem,) = caught.value.problems
        assert problem.path == FIELDS[field]
        assert problem.value == str(resolved)
        assert f"outside the spec's root {layout.root}" in problem.message
        assert "--root" in problem.fix
        assert CANARY not in str(caught.value)
        assert_well_formed(caught.value)

    check()


@pytest.mark.parametrize(
    ("field", "value"), [(field, value) for field, values in INSIDE.items() for value in values]
)
def test_paths_inside_the_root_are_accepted(layout: Layout, field: str, value: str) -> None:
    spec = _load(layout, _set_path(field, value))

    resolved = _resolved(layout, value)
    assert resolved.is_relative_to(layout.root)
    assert _spec_path(spec, field) == resolved


def test_an_absolute_path_inside_the_root_is_accepted(layout: Layout) -> None:
    spec = _load(layout, _set_path("fromFile", str(layout.root / "inside")))

    assert _spec_path(spec, "fromFile") == layout.root / "inside"


def _spec_path(spec: DeploymentSpec, field: str) -> Path | None:
    getters: dict[str, Callable[[DeploymentSpec], Path | None]] = {
        "fromFile": lambda s: s.agent.secret_env["TOKEN"].from_file,
        "context": lambda s: s.agent.image.build.context if s.agent.image.build else None,
        "kubeconfig": lambda s: s.kubernetes.cluster.kubeconfig,
        "renderDir": lambda s: s.kubernetes.cluster.render_dir,
    }
    return getters[field](spec)


def test_every_outside_path_is_named_at_once(layout: Layout) -> None:
    data = _set_path("context", "../outside/agent")
    data["agent"]["secretEnv"]["TOKEN"] = {"fromFile": "link-file"}
    data["kubernetes"]["cluster"] = {"kubeconfig": str(layout.outside / "kubeconfig")}

    with pytest.raises(SpecError) as caught:
        _load(layout, data)

    assert [p.path for p in caught.value.problems] == [
        "agent.image.build.context",
        "agent.secretEnv.TOKEN.fromFile",
        "kubernetes.cluster.kubeconfig",
    ]


# ---------------------------------------------------------------- the operator's root


def test_the_operators_root_widens_the_rule(layout: Layout) -> None:
    data = _set_path("context", "../outside/agent")

    by_parameter = _load(layout, data, root=layout.base)
    by_environment = _load(layout, data, environ={"JOCKEY_SPEC_ROOT": str(layout.base)})

    assert by_parameter == by_environment
    assert _spec_path(by_parameter, "context") == layout.outside / "agent"


def test_an_explicit_root_wins_over_the_environment(layout: Layout) -> None:
    data = _set_path("fromFile", "../outside/secret")

    with pytest.raises(SpecError):
        _load(layout, data, root=layout.root, environ={"JOCKEY_SPEC_ROOT": str(layout.base)})


def test_the_operators_root_can_also_narrow_it(layout: Layout) -> None:
    with pytest.raises(SpecError) as caught:
        _load(layout, _set_path("fromFile", "inside"), root=layout.root / "sub")

    assert caught.value.problems[0].path == "agent.secretEnv.TOKEN.fromFile"


def test_a_root_that_is_not_a_folder_is_a_problem(layout: Layout) -> None:
    with pytest.raises(SpecError) as caught:
        _load(layout, base_spec(), root=layout.base / "no-such-folder")

    (problem,) = caught.value.problems
    assert problem.path == "(root)"
    assert "JOCKEY_SPEC_ROOT" in problem.fix


def test_a_symlinked_spec_file_is_confined_to_the_folder_it_is_named_in(layout: Layout) -> None:
    real = write_spec(layout.outside / "real" / "tenant.yaml", _set_path("fromFile", "../secret"))
    link = layout.root / "sub" / "linked.yaml"
    link.unlink(missing_ok=True)
    link.symlink_to(real)

    with pytest.raises(SpecError) as caught:
        load_spec_file(link, environ={})

    assert caught.value.problems[0].value == str(layout.outside / "secret")


# ---------------------------------------------------------------- the opt-out


def test_allow_outside_root_lets_paths_through_loudly(layout: Layout) -> None:
    data = _set_path("fromFile", "link-file")

    with pytest.warns(OutsideRootWarning, match=r"agent\.secretEnv\.TOKEN\.fromFile"):
        spec = _load(layout, data, allow_outside_root=True)

    assert _spec_path(spec, "fromFile") == layout.outside / "secret"


def test_allow_outside_root_is_silent_when_nothing_is_outside(layout: Layout) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _load(layout, _set_path("fromFile", "inside"), allow_outside_root=True)


# ---------------------------------------------------------------- the operator's KUBECONFIG


def test_a_kubeconfig_the_operator_names_in_KUBECONFIG_is_allowed(layout: Layout) -> None:
    outside = layout.outside / "kubeconfig"
    listed = os.pathsep.join(["/nonexistent/config", str(layout.root / "link-dir" / "kubeconfig")])
    data = _set_path("kubeconfig", str(outside))

    spec = _load(layout, data, environ={"KUBECONFIG": listed})

    assert spec.kubernetes.cluster.kubeconfig == outside


def test_KUBECONFIG_allows_only_kubeconfigs(layout: Layout) -> None:
    listed = str(layout.outside / "secret")

    with pytest.raises(SpecError) as caught:
        _load(layout, _set_path("fromFile", listed), environ={"KUBECONFIG": listed})

    assert caught.value.problems[0].path == "agent.secretEnv.TOKEN.fromFile"


# ---------------------------------------------------------------- reading secrets later


def test_a_file_swapped_for_a_symlink_after_validation_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    root.mkdir()
    (tmp_path / "secret").write_text(CANARY)
    (root / "token").write_text("tenant-value")
    spec = load_spec_file(
        write_spec(root / "tenant.yaml", _set_path("fromFile", "token")), environ={}
    )
    (root / "token").unlink()
    (root / "token").symlink_to(tmp_path / "secret")

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(spec, {"ACME_OPENAI_API_KEY": "tenant-key"})

    (problem,) = caught.value.problems
    assert problem.path == "agent.secretEnv.TOKEN.fromFile"
    assert "no longer resolves" in problem.message
    assert CANARY not in str(caught.value)


def test_an_oversized_secret_file_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("x" * (1024 * 1024 + 1))
    spec = load_spec_file(
        write_spec(tmp_path / "tenant.yaml", _set_path("fromFile", "token")), environ={}
    )

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(spec, {"ACME_OPENAI_API_KEY": "tenant-key"})

    (problem,) = caught.value.problems
    assert "cap" in problem.message


# ---------------------------------------------------------------- stack config


def _stack_config(**cluster: Any) -> dict[str, Any]:
    data = base_spec()
    data["agent"]["secretEnv"] = {"OPENAI_API_KEY": {"fromConfig": "openaiApiKey"}}
    data["kubernetes"]["cluster"] = cluster
    return data


def test_stack_config_paths_are_confined_to_the_project_folder(layout: Layout) -> None:
    @SETTINGS
    @given(value=outside_paths(layout))
    def check(value: str) -> None:
        assume(not _resolved(layout, value).is_relative_to(layout.root))

        with pytest.raises(SpecError) as caught:
            spec_from_stack_config(_stack_config(renderDir=value), layout.root, environ={})

        (problem,) = caught.value.problems
        assert problem.path == "jockey:kubernetes.cluster.renderDir"
        assert problem.value == str(_resolved(layout, value))

    check()


def test_stack_config_ignores_JOCKEY_SPEC_ROOT_but_takes_a_root(layout: Layout) -> None:
    config = _stack_config(renderDir="../outside/out")

    with pytest.raises(SpecError):
        spec_from_stack_config(config, layout.root, environ={"JOCKEY_SPEC_ROOT": str(layout.base)})
    spec = spec_from_stack_config(config, layout.root, root=layout.base, environ={})

    assert spec.kubernetes.cluster.render_dir == layout.outside / "out"


# ---------------------------------------------------------------- unusable paths


@pytest.mark.parametrize("value", ["bad\x00path", "~no-such-user-8c1f/x"])
def test_paths_that_cannot_resolve_are_problems(layout: Layout, value: str) -> None:
    with pytest.raises(SpecError) as caught:
        _load(layout, _set_path("renderDir", value))

    (problem,) = caught.value.problems
    assert problem.path == "kubernetes.cluster.renderDir"
    assert "not a usable path" in problem.message


def test_a_symlink_loop_is_a_problem(layout: Layout) -> None:
    loop = layout.root / "loop"
    if not loop.is_symlink():
        loop.symlink_to(loop)

    with pytest.raises(SpecError) as caught:
        _load(layout, _set_path("fromFile", "loop/x"))

    assert caught.value.problems[0].path == "agent.secretEnv.TOKEN.fromFile"


@pytest.mark.parametrize("path", ["relative/token", "/abs/with\x00nul"])
def test_a_hand_built_spec_with_unresolved_paths_reads_no_file(path: str) -> None:
    spec = DeploymentSpec.model_validate(_set_path("fromFile", path))

    with pytest.raises(SpecError) as caught:
        resolve_secret_values(spec, {"ACME_OPENAI_API_KEY": "tenant-key"})

    (problem,) = caught.value.problems
    assert problem.path == "agent.secretEnv.TOKEN.fromFile"
    assert "load_spec_file" in problem.fix
