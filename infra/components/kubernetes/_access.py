"""Tenant access: RoleBindings in the tenant namespace to the cluster's built-in roles.

Only the aggregated `view` and `edit` ClusterRoles are ever bound, and only by RoleBindings
(namespaced): a grant never reaches another namespace, never `admin` (which may change RBAC
in the namespace) and never a ClusterRoleBinding.
"""

from __future__ import annotations

import pulumi_kubernetes as k8s

from infra.spec import AccessRole, DeploymentSpec, SubjectKind

rbac = k8s.rbac.v1

RBAC_GROUP = "rbac.authorization.k8s.io"


def role_ref(role: AccessRole) -> rbac.RoleRefArgs:
    """The built-in ClusterRole `view` or `edit`."""
    return rbac.RoleRefArgs(api_group=RBAC_GROUP, kind="ClusterRole", name=role.value)


def subjects(spec: DeploymentSpec, role: AccessRole) -> list[rbac.SubjectArgs]:
    """The spec's subjects granted `role`, in the spec's order."""
    found = []
    for grant in spec.kubernetes.access:
        if grant.role is not role:
            continue
        if grant.kind is SubjectKind.SERVICE_ACCOUNT:
            found.append(
                rbac.SubjectArgs(
                    kind=grant.kind.value,
                    name=grant.name,
                    namespace=grant.namespace or spec.namespace,
                )
            )
        else:
            found.append(
                rbac.SubjectArgs(kind=grant.kind.value, name=grant.name, api_group=RBAC_GROUP)
            )
    return found
