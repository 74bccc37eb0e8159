"""The one place a tenant's stack name is made: `<tenant-id>-<environment>`."""

from __future__ import annotations


def stack_name(tenant_id: str, environment: str) -> str:
    """The stack (and namespace) name of a tenant in an environment."""
    return f"{tenant_id}-{environment}"


__all__ = ["stack_name"]
