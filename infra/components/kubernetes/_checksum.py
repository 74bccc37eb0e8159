"""The pod-template checksum that rolls the agent's pods when their configuration changes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pulumi

CHECKSUM_ANNOTATION = "jockey.dev/config-checksum"
DIGEST_ITERATIONS = 200_000


def config_checksum(
    salt: str, config: Mapping[str, str], secrets: Mapping[str, pulumi.Input[str]]
) -> pulumi.Output[str]:
    """A digest of the ConfigMap data and the secret values: it changes iff one of them does.

    Args:
        salt: a per-tenant salt (the namespace), so equal values give unrelated digests.
        config: the ConfigMap's data.
        secrets: the Secret's values.

    Returns:
        The hex digest, as a plain (not secret) output.
    """
    names = sorted(secrets)
    values = pulumi.Output.all(*(secrets[name] for name in names))

    def digest(resolved: list[Any]) -> str:
        payload = json.dumps(
            {"config": dict(config), "secrets": dict(zip(names, resolved, strict=True))},
            sort_keys=True,
        )
        key = hashlib.pbkdf2_hmac(
            "sha256", payload.encode(), f"jockey:{salt}".encode(), DIGEST_ITERATIONS
        )
        return key.hex()

    # The annotation sits on the Deployment in plain text for anyone who may read Deployments
    # or the rendered manifests: Pulumi's secret marking cannot follow it into the cluster, and
    # keeping it secret here would only blank the checksum's change in previews. So the digest
    # itself is made safe to show: PBKDF2 makes guessing a weak secret from it slow, and the
    # per-tenant salt keeps two tenants with the same API key from getting the same digest.
    return pulumi.Output.unsecret(values.apply(digest))
