"""A stack's deployment record: one stack tag that the fleet and the rollback both read.

The tag `jockey:fingerprint` holds, separated by a space:

1. the fingerprint of the tenant's last successful `up` (`v1:<salt>:<digest>`, see
   `automation.fleet._fingerprint`), or `-` while an `up` or `destroy` runs and after one
   failed: a failed or killed operation never leaves a fingerprint claiming the stack matches
   its spec;
2. for a cluster tenant, its last good configuration: the spec of that `up` (secret
   *references* only, a built image pinned to the digest that ran), as `v1:` +
   base64url(gzip(JSON)), kept through failed operations so any worker on any machine can roll
   the tenant back to it.

One tag, so an operation writes it once after its `up` (each `pulumi stack tag set` is a CLI
process, ~0.2 s); the backend stores a stack's tags as one document, so two writers at once
could also lose one's change. A record written by an older Jockey (a bare fingerprint) reads
as a fingerprint without a last good configuration. Nothing here imports the Pulumi SDK.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from infra.spec import DeploymentSpec

RECORD_TAG = "jockey:fingerprint"
"""The stack tag holding the record (named for its first part, which came first)."""
_NO_FINGERPRINT = "-"
_SPEC_FORMAT = "v1:"
_DIGEST_MARK = "@sha256:"


def encode_last_good(spec: DeploymentSpec, outputs: Mapping[str, Any]) -> str:
    """`spec` as a last good configuration, after a successful `up` with these outputs.

    A built image is pinned to the digest reference the `up` pushed (the `image` output), so
    a rollback redeploys what ran, not whatever the build context holds by then.
    """
    data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
    image = outputs.get("image")
    if spec.agent.image.build is not None and isinstance(image, str) and _DIGEST_MARK in image:
        data["agent"]["image"] = {"ref": image}
    packed = gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0)
    return _SPEC_FORMAT + base64.urlsafe_b64encode(packed).decode()


def decode_last_good(value: str) -> DeploymentSpec:
    """The spec a last good configuration holds.

    Raises:
        ValueError: it is not one this version can read.
    """
    if not value.startswith(_SPEC_FORMAT):
        raise ValueError(f"unknown format {value[:8]!r}")
    try:
        packed = base64.urlsafe_b64decode(value[len(_SPEC_FORMAT) :])
        return DeploymentSpec.model_validate(json.loads(gzip.decompress(packed)))
    except (binascii.Error, OSError, EOFError, ValidationError) as error:
        raise ValueError(str(error)) from error


@dataclass(frozen=True)
class DeployRecord:
    """What the tag says (see the module).

    Attributes:
        fingerprint: of the last successful `up`; None while an operation runs or after a
            failed one.
        last_good: the encoded last good configuration (`decode_last_good`), if any.
    """

    fingerprint: str | None = None
    last_good: str | None = None

    @classmethod
    def decode(cls, value: str | None) -> DeployRecord:
        """Read a tag value (None or empty: no record)."""
        parts = (value or "").split()
        fingerprint = parts[0] if parts and parts[0] != _NO_FINGERPRINT else None
        last_good = parts[1] if len(parts) > 1 else None
        return cls(fingerprint, last_good)

    def encode(self) -> str | None:
        """The tag value, or None when there is nothing to keep (remove the tag)."""
        if self.fingerprint is None and self.last_good is None:
            return None
        head = self.fingerprint or _NO_FINGERPRINT
        return head if self.last_good is None else f"{head} {self.last_good}"

    def pending(self) -> DeployRecord:
        """The record while an operation runs: the fingerprint gone, the last good kept."""
        return DeployRecord(None, self.last_good)


__all__ = ["RECORD_TAG", "DeployRecord", "decode_last_good", "encode_last_good"]
