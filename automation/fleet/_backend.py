"""What the backend says about the fleet: its tenant stacks and their recorded fingerprints.

Reads go through the Pulumi CLI (`stack ls`, `stack tag ls`), so they work the same on every
backend (a local folder, S3, PostgreSQL, Pulumi Cloud): nothing here knows a backend's layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from automation._api import list_stacks
from automation._deploy_record import RECORD_TAG, DeployRecord
from automation._settings import load_settings
from automation._toolchain import find_toolchain
from infra.spec import Environment

TAG_READERS = 8
"""Tag reads run at once (each is one short CLI call, mostly waiting on the backend)."""
_TENANT_ID = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True)
class TenantStack:
    """A stack named like a tenant's: `<tenant>-<environment>`.

    Attributes:
        stack: the stack's name.
        tenant: the tenant id.
        environment: dev, staging or prod.
    """

    stack: str
    tenant: str
    environment: Environment


def parse_tenant_stack(name: str) -> TenantStack | None:
    """The tenant and environment a stack name stands for, or None when it is not a tenant's.

    Not a tenant's: the project's own `dev`/`prod` stacks, anything else in the backend.
    """
    tenant, _, environment = name.rpartition("-")
    if not tenant or len(tenant) > 63 or not _TENANT_ID.fullmatch(tenant):
        return None
    try:
        return TenantStack(name, tenant, Environment(environment))
    except ValueError:
        return None


def tenant_stacks() -> list[TenantStack]:
    """Every stack of Jockey's project in the backend that is named like a tenant's."""
    found = (parse_tenant_stack(summary.stack) for summary in list_stacks())
    return [stack for stack in found if stack is not None]


def read_fingerprints(stacks: Iterable[str]) -> Mapping[str, str | None]:
    """Each stack's recorded fingerprint (None when it has none or it cannot be read)."""
    import pulumi.automation as auto

    from automation._stack import open_workspace

    names = list(stacks)
    if not names:
        return {}
    settings = load_settings()
    workspace = open_workspace(settings, find_toolchain(), settings.home / "workspace", None)

    def read(name: str) -> str | None:
        try:
            return DeployRecord.decode(workspace.list_tags(name).get(RECORD_TAG)).fingerprint
        except auto.CommandError:
            return None

    with ThreadPoolExecutor(min(TAG_READERS, len(names)), "jockey-tags") as pool:
        return dict(zip(names, pool.map(read, names), strict=True))


__all__ = [
    "TAG_READERS",
    "TenantStack",
    "parse_tenant_stack",
    "read_fingerprints",
    "tenant_stacks",
]
