"""Engine property values made safe to show: secrets, assets and unknowns become markers.

The engine serialises values as Pulumi's state JSON does: a secret is an object carrying the
secret signature, with `ciphertext` (blinded to "[secret]" when secrets are hidden) or
`plaintext` (when the run showed secrets). Either way only the marker leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from infra.spec import REDACTED

SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
"""The key that marks a special value (secret, asset, archive, resource reference)."""
_SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_SIGNATURE = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIGNATURE = "0def7320c3a5731c473e5ecbe6d01bc7"
_RESOURCE_REFERENCE_SIGNATURE = "5cf8f73096256a8f31e491e813e4eb8e"
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

UNKNOWN = "[unknown]"
"""What a value the engine only knows after the update is shown as."""
MARKERS = frozenset({REDACTED, UNKNOWN})
"""Marker strings, shown without JSON quotes."""


def redact(value: Any) -> Any:
    """A JSON value with every secret replaced by `[secret]` and special values by markers.

    Anything carrying the signature key that is not a known asset, archive or resource
    reference counts as a secret: an unfamiliar shape is never shown.
    """
    if isinstance(value, Mapping):
        if SIGNATURE_KEY in value:
            return _special(value)
        return {str(key): redact(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    return value


def _special(value: Mapping[str, Any]) -> Any:
    signature = value.get(SIGNATURE_KEY)
    if signature in (_ASSET_SIGNATURE, _ARCHIVE_SIGNATURE):
        kind = "asset" if signature == _ASSET_SIGNATURE else "archive"
        where = value.get("path") or value.get("uri") or str(value.get("hash", ""))[:12]
        return f"[{kind} {where}]" if where else f"[{kind}]"
    if signature == _RESOURCE_REFERENCE_SIGNATURE:
        return f"[resource {value.get('urn', '')}]".replace(" ]", "]")
    return REDACTED


def display_value(value: Any, limit: int) -> str:
    """One line of text for a redacted value: JSON, markers bare, cut to `limit` characters."""
    if isinstance(value, str) and value in MARKERS:
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > limit:
        text = text[: max(limit - 1, 1)] + "…"
    return text
