"""`KubernetesAgent` with `kubernetes.access`: RoleBindings in the tenant namespace.

They bind the built-in view and edit ClusterRoles, never admin and never cluster-wide.
"""

from __future__ import annotations

from tests.unit.mocks.kubernetes import Rendered, make_spec, render

ACCESS = [
    {"kind": "User", "name": "alice@acme.example", "role": "edit"},
    {"kind": "Group", "name": "acme:support", "role": "view"},
    {"kind": "ServiceAccount", "name": "deployer", "role": "edit"},
    {"kind": "ServiceAccount", "name": "reader", "namespace": "ci", "role": "view"},
]


def test_no_access_means_no_role_binding(dev_kubernetes: Rendered) -> None:
    assert [r for r in dev_kubernetes.kubernetes() if "rbac" in r.type] == []


def test_one_role_binding_per_role_in_the_tenant_namespace() -> None:
    rendered = render(make_spec(kubernetes={"access": ACCESS}))
    edit, view = rendered.named("access-edit"), rendered.named("access-view")

    for binding, role in ((edit, "edit"), (view, "view")):
        assert binding.type == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
        assert binding.metadata["namespace"] == "acme-dev"
        assert binding.metadata["name"] == f"support-bot-{role}"
        assert binding.props["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": role,
        }
        assert binding.parent == rendered.component.urn
        assert rendered.named("namespace").urn in binding.dependencies

    assert edit.props["subjects"] == [
        {"kind": "User", "name": "alice@acme.example", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "ServiceAccount", "name": "deployer", "namespace": "acme-dev"},
    ]
    assert view.props["subjects"] == [
        {"kind": "Group", "name": "acme:support", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "ServiceAccount", "name": "reader", "namespace": "ci"},
    ]


def test_nothing_cluster_wide_and_nothing_but_view_or_edit_is_ever_bound() -> None:
    rendered = render(make_spec(kubernetes={"access": ACCESS}))
    rbac = [r for r in rendered.kubernetes() if "rbac" in r.type]
    assert {r.type.rsplit(":", 1)[-1] for r in rbac} == {"RoleBinding"}
    assert {r.props["roleRef"]["name"] for r in rbac} == {"view", "edit"}


def test_only_the_roles_granted_get_a_binding() -> None:
    rendered = render(make_spec(kubernetes={"access": ACCESS[1:2]}))
    assert [r.name.rsplit("-", 1)[-1] for r in rendered.kubernetes() if "rbac" in r.type] == [
        "view"
    ]
