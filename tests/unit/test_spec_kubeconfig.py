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


# A kubeconfig that comes with a spec is untrusted: no commands, no files outside the root.


def _load_with(spec_dir: Path, environ: dict[str, str] | None = None, **options: Any) -> Any:
    data = base_spec()
    data["kubernetes"]["cluster"] = {"kubeconfig": "kubeconfig", "context": "a"}
    path = write_spec(spec_dir / "tenant.yaml", data)
    return load_spec_file(path, environ=environ or {}, **options)


def _hostile(spec_dir: Path, *, user: dict[str, Any] | None = None, cluster: Any = None) -> Path:
    """A kubeconfig in `spec_dir` whose second entries carry `user` / `cluster` fields."""
    data = kubeconfig(["a", "b"], current="a")
    if user is not None:
        data["users"][1]["user"] = user
    if cluster is not None:
        data["clusters"][1]["cluster"].update(cluster)
    write_spec(spec_dir / "kubeconfig", data)
    return spec_dir / "kubeconfig"


COMMANDS = [
    pytest.param(
        {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": CANARY}},
        "users[1].user.exec",
        id="exec",
    ),
    pytest.param(
        {"auth-provider": {"name": "gcp", "config": {"cmd-path": CANARY}}},
        "users[1].user.auth-provider",
        id="auth-provider",
    ),
]


@pytest.mark.parametrize(("user", "entry"), COMMANDS)
def test_a_kubeconfig_that_runs_a_command_is_refused(
    tmp_path: Path, user: dict[str, Any], entry: str
) -> None:
    _hostile(tmp_path, user=user)

    with pytest.raises(SpecError) as caught:
        _load_with(tmp_path)

    assert CANARY not in str(caught.value)
    assert_well_formed(caught.value)
    (problem,) = caught.value.problems
    assert problem.path == "kubernetes.cluster.kubeconfig"
    assert entry in problem.message and "runs a command" in problem.message
    assert problem.value == str(tmp_path / "kubeconfig")
    assert "KUBECONFIG" in problem.fix and "EKS" in problem.fix


def _outside_forms(tmp_path: Path, spec_dir: Path) -> list[str]:
    """Ways a kubeconfig can name a file outside the spec's folder: absolute, `..`, a link."""
    secret = tmp_path / "elsewhere" / f"key-{CANARY}.pem"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(CANARY)
    (spec_dir / "link.pem").symlink_to(secret)
    return [str(secret), f"../elsewhere/{secret.name}", "link.pem"]


FILE_FIELDS = [
    ("cluster", "certificate-authority", "clusters[1].cluster.certificate-authority"),
    ("user", "client-certificate", "users[1].user.client-certificate"),
    ("user", "client-key", "users[1].user.client-key"),
    ("user", "tokenFile", "users[1].user.tokenFile"),
]


@pytest.mark.parametrize(("section", "key", "entry"), FILE_FIELDS)
def test_a_kubeconfig_naming_a_file_outside_the_root_is_refused(
    tmp_path: Path, section: str, key: str, entry: str
) -> None:
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    for outside in _outside_forms(tmp_path, spec_dir):
        if section == "user":
            _hostile(spec_dir, user={key: outside})
        else:
            _hostile(spec_dir, cluster={key: outside})

        with pytest.raises(SpecError) as caught:
            _load_with(spec_dir)

        assert CANARY not in str(caught.value), outside
        assert_well_formed(caught.value)
        (problem,) = caught.value.problems
        assert entry in problem.message and "outside the spec's root" in problem.message
        assert str(spec_dir) in problem.message
        assert "KUBECONFIG" in problem.fix


def test_files_inside_the_root_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    for name in ("ca.pem", "client.pem", "client.key", "token"):
        (tmp_path / "certs" / name).write_text("x")
    _hostile(
        tmp_path,
        user={
            "client-certificate": "certs/client.pem",
            "client-key": str(tmp_path / "certs" / "client.key"),
            "tokenFile": "./certs/token",
        },
        cluster={"certificate-authority": "certs/ca.pem"},
    )

    assert _load_with(tmp_path).kubernetes.cluster.context == "a"


@pytest.mark.parametrize(("user", "entry"), COMMANDS)
def test_the_operators_own_kubeconfig_is_trusted(
    tmp_path: Path, user: dict[str, Any], entry: str
) -> None:
    """EKS users: the kubeconfig listed in the operator's KUBECONFIG may run its login."""
    operator = tmp_path / "operator"
    operator.mkdir()
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    user = {**user, "client-key": str(tmp_path / "elsewhere.key")}
    config = _hostile(operator, user=user)
    (spec_dir / "kubeconfig").symlink_to(config)
    environ = {"KUBECONFIG": f"{tmp_path / 'other'}:{config}"}

    spec = _load_with(spec_dir, environ=environ)

    assert spec.kubernetes.cluster.kubeconfig == config


@pytest.mark.parametrize(("user", "entry"), COMMANDS)
def test_allow_outside_root_lets_it_through_loudly(
    tmp_path: Path, user: dict[str, Any], entry: str
) -> None:
    from infra.spec import OutsideRootWarning

    _hostile(tmp_path, user={**user, "tokenFile": str(tmp_path.parent / "token")})

    with pytest.warns(OutsideRootWarning) as caught:
        _load_with(tmp_path, allow_outside_root=True)

    messages = [str(warning.message) for warning in caught]
    assert any(entry in message for message in messages)
    assert any("users[1].user.tokenFile" in message for message in messages)
    assert all(CANARY not in message for message in messages)


def test_every_untrusted_entry_is_named(tmp_path: Path) -> None:
    data = kubeconfig(["a", "b", "c"], current="a")
    data["users"][0]["user"] = {"exec": {"command": "x"}, "client-key": "/k"}
    data["users"][2]["user"] = {"auth-provider": {"name": "oidc"}}
    write_spec(tmp_path / "kubeconfig", data)

    with pytest.raises(SpecError) as caught:
        _load_with(tmp_path)

    messages = [problem.message for problem in caught.value.problems]
    assert len(messages) == 3
    assert any("users[0].user.exec" in message for message in messages)
    assert any("users[2].user.auth-provider" in message for message in messages)
    assert any("users[0].user.client-key" in message for message in messages)
