"""The `--no-rollback` switch, carried to the worker (caller side: no engine imports)."""

from __future__ import annotations

import dataclasses

from automation._request import OperationRequest
from automation._results import Operation

ROLLBACK_VARIABLE = "JOCKEY_ROLLBACK"
"""The worker's environment variable: `off` leaves a failed rollout as it is."""


def with_rollback(request: OperationRequest, rollback: bool) -> OperationRequest:
    """The request with the rollback switch set for its worker (`up` only)."""
    if request.operation is not Operation.UP:
        return request
    setting = (ROLLBACK_VARIABLE, "on" if rollback else "off")
    return dataclasses.replace(request, env_overrides=(*request.env_overrides, setting))


__all__ = ["ROLLBACK_VARIABLE", "with_rollback"]
