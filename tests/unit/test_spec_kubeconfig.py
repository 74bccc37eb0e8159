"""What validation checks offline about a spec's kubeconfig, without echoing the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.spec import SpecError, load_spec_file
from tests.unit.hostile_support import assert_well_formed, base_spec, kubeconfig, write_spec

CANARY = "kubeconfig-canary"
"""Written into every kubeconfig: what is inside the file must never show in a problem."""


def _load(tmp_path: Path, **cluster: Any) -> Any:
    data = base_spec()
    data["kubernetes"]["cluster"] = cluster
    return load_spec_file(write_spec(tmp_path / "tenant.yaml", data), environ={})


def _problem(tmp_path: Path, **cluster: Any) -> Any:
    with pytest.raises(SpecError) as caught:
        _load(tmp_path, **cluster)
    assert CANARY not in str(caught.value)
    assert_well_formed(caught.value)
    (problem,) = caught.value.problems
    return problem


def _write_kubeconfig(tmp_path: Path, data: Any) -> str:
    write_spec(tmp_path / "kubeconfig", data)
    return "kubeconfig"


def test_a_kubeconfig_with_the_context_is_accepted(tmp_path: Path) -> None:
    name = _write_kubeconfig(tmp_path, kubeconfig(["a", f"b-{CANARY}"], current="a"))

    spec = _load(tmp_path, kubeconfig=name, context=f"b-{CANARY}")

    assert spec.kubernetes.cluster.kubeconfig == tmp_path / "kubeconfig"


def test_without_a_context_its_current_context_is_used(tmp_path: Path) -> None:
    name = _write_kubeconfig(tmp_path, kubeconfig(["a", "b"], current="b"))

    assert _load(tmp_path, kubeconfig=name).kubernetes.cluster.context is None


def test_a_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    problem = _problem(tmp_path, kubeconfig="missing/config")

    assert problem.path == "kubernetes.cluster.kubeconfig"
    assert problem.message == "file does not exist"
    assert problem.value == str(tmp_path / "missing" / "config")


def test_a_context_not_in_the_file_is_named_without_listing_the_file(tmp_path: Path) -> None:
    name = _write_kubeconfig(tmp_path, kubeconfig([f"prod-{CANARY}"], current=f"prod-{CANARY}"))

    problem = _problem(tmp_path, kubeconfig=name, context="staging")

    assert problem.path == "kubernetes.cluster.context"
    assert problem.value == "staging"
    assert "kubectl config get-contexts" in problem.fix


@pytest.mark.parametrize("current", [None, "", "gone"])
def test_no_usable_current_context_needs_a_context(tmp_path: Path, current: str | None) -> None:
    name = _write_kubeconfig(tmp_path, kubeconfig([CANARY], current=current))

    problem = _problem(tmp_path, kubeconfig=name)

    assert problem.path == "kubernetes.cluster.kubeconfig"
    assert "kubernetes.cluster.context" in problem.fix


@pytest.mark.parametrize(
    "content",
    [
        f"clusters: [{CANARY}\n",  # not YAML
        f"- {CANARY}\n",  # not a mapping
        f"apiVersion: v1\nkind: {CANARY}\n",  # no clusters or contexts
        f"clusters: {CANARY}\ncontexts: []\n",  # clusters not a list
        f"a: &x {CANARY}\nb: *x\n",  # an alias
        "\xff\xfe not utf-8",
    ],
)
def test_a_file_that_is_not_a_kubeconfig_is_named(tmp_path: Path, content: str) -> None:
    (tmp_path / "kubeconfig").write_bytes(content.encode("utf-8", "surrogateescape"))

    problem = _problem(tmp_path, kubeconfig="kubeconfig", context="any")

    assert problem.path == "kubernetes.cluster.kubeconfig"
    assert problem.value == str(tmp_path / "kubeconfig")


def test_a_folder_is_not_a_kubeconfig(tmp_path: Path) -> None:
    (tmp_path / "kube").mkdir()

    problem = _problem(tmp_path, kubeconfig="kube")

    assert "cannot be read" in problem.message


def test_a_spec_without_a_kubeconfig_reads_no_file(tmp_path: Path) -> None:
    spec = _load(tmp_path, context="whatever-the-operator-has")

    assert spec.kubernetes.cluster.kubeconfig is None
