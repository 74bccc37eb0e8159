"""The Lambda half: the function's state, its last update, the `live` alias, its logs.

The function and the alias are read with boto3, the log events from CloudWatch. AWS has no
watch API: these are plain reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from automation.live._model import LambdaStatus, LogLine, Phase

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient

LIVE_ALIAS = "live"
"""The alias the API invokes (infra.components.aws.ALIAS_NAME; a unit test keeps them equal:
importing it here would load the Pulumi AWS SDK into the caller's process)."""


def lambda_client() -> LambdaClient:
    """A boto3 Lambda client (region and credentials from the usual AWS settings)."""
    import boto3

    return boto3.client("lambda")


def logs_client() -> CloudWatchLogsClient:
    """A boto3 CloudWatch Logs client."""
    import boto3

    return boto3.client("logs")


def _not_found(error: Exception) -> bool:
    code: object = getattr(error, "response", {}).get("Error", {}).get("Code")
    return code == "ResourceNotFoundException"


def lambda_status(function: str, client: LambdaClient | None = None) -> LambdaStatus:
    """The function's phase, state, last update status and `live` alias version.

    Raises:
        botocore.exceptions.ClientError: AWS refused the read (other than "not found").
    """
    from botocore.exceptions import ClientError

    lam = client or lambda_client()
    try:
        configuration = lam.get_function_configuration(FunctionName=function)
    except ClientError as error:
        if _not_found(error):
            return LambdaStatus(phase=Phase.ABSENT, function=function)
        raise
    state = configuration.get("State")
    update = configuration.get("LastUpdateStatus")
    reason = configuration.get("StateReason") or configuration.get("LastUpdateStatusReason")
    try:
        live: str | None = lam.get_alias(FunctionName=function, Name=LIVE_ALIAS)["FunctionVersion"]
    except ClientError as error:
        if not _not_found(error):
            raise
        live = None
    phase = _lambda_phase(state, update, live)
    if phase is Phase.DEGRADED and not reason:
        reason = f"no `{LIVE_ALIAS}` alias: the endpoint has no version to invoke"
    return LambdaStatus(
        phase=phase,
        function=function,
        state=state,
        last_update_status=update,
        live_version=live,
        reason=reason if phase in (Phase.FAILED, Phase.DEGRADED) else None,
    )


def _lambda_phase(state: str | None, update: str | None, live: str | None) -> Phase:
    if state == "Failed" or update == "Failed":
        return Phase.FAILED
    if state == "Pending":
        return Phase.PENDING
    if update == "InProgress":
        return Phase.DEPLOYING
    if live is None:
        return Phase.DEGRADED
    return Phase.RUNNING


def log_group(function: str) -> str:
    """The function's CloudWatch log group (Lambda's own naming)."""
    return f"/aws/lambda/{function}"


def lambda_log_events(
    function: str,
    *,
    start_ms: int | None = None,
    client: CloudWatchLogsClient | None = None,
    seen: set[str] | None = None,
) -> Iterator[tuple[int, LogLine]]:
    """The function's log events since `start_ms` (oldest first), as (time ms, line).

    Events whose id is in `seen` are skipped and the ids of those returned are added, so a
    follow that polls again from the last timestamp reports each event once.
    """
    from botocore.exceptions import ClientError

    logs = client or logs_client()
    token: str | None = None
    while True:
        request: dict[str, object] = {"logGroupName": log_group(function)}
        if start_ms is not None:
            request["startTime"] = start_ms
        if token:
            request["nextToken"] = token
        try:
            page = logs.filter_log_events(**request)  # type: ignore[arg-type]
        except ClientError as error:
            if _not_found(error):
                return
            raise
        for event in page.get("events", []):
            event_id = event.get("eventId", "")
            if seen is not None:
                if event_id in seen:
                    continue
                seen.add(event_id)
            stamp = event.get("timestamp", 0)
            when = datetime.fromtimestamp(stamp / 1000, UTC).isoformat().replace("+00:00", "Z")
            text = (event.get("message") or "").rstrip("\n")
            yield stamp, LogLine(f"lambda/{event.get('logStreamName', '')}", text, when)
        token = page.get("nextToken")
        if not token:
            return


__all__ = ["LIVE_ALIAS", "lambda_log_events", "lambda_status", "log_group"]
