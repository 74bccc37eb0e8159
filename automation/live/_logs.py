"""`logs`: every pod of the agent (and its Lambda function), one iterator of lines.

Each pod's log is its own stream; with `follow`, a pod informer starts a stream for every
pod that appears (a rollout during a follow keeps streaming) and a stream that breaks resumes
after the last line it delivered. Lambda's CloudWatch log group is read page by page and,
when following, polled (CloudWatch Logs has no watch API that mocks and every region share).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable
from datetime import datetime

import httpx2
from lightkube import ApiError, AsyncClient
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Pod

from automation.live._cluster import ClusterError, open_client, server_of, unreachable
from automation.live._feed import Feed
from automation.live._informer import Informer
from automation.live._kube_read import deployment_name
from automation.live._model import LogLine
from infra.spec import DeploymentSpec

LAMBDA_POLL_SECONDS = 2.0
_RETRY_SECONDS = 1.0


def _split_timestamp(raw: str) -> tuple[str | None, str]:
    """`<RFC3339Nano> <text>` (the API's `timestamps=true` form) into its two parts."""
    stamp, _, text = raw.rstrip("\n").partition(" ")
    if stamp[:4].isdigit() and "T" in stamp:
        return stamp, text
    return None, raw.rstrip("\n")


def _parse(stamp: str | None) -> float | None:
    if stamp is None:
        return None
    try:
        # Nanoseconds do not fit `fromisoformat` before 3.12: keep microseconds.
        head, _, rest = stamp.rstrip("Z").partition(".")
        fraction = "".join(ch for ch in rest if ch.isdigit())[:6]
        return datetime.fromisoformat(f"{head}.{fraction or '0'}+00:00").timestamp()
    except ValueError:
        return None


class _PodLogs:
    def __init__(
        self,
        feed: Feed[LogLine],
        client: AsyncClient,
        spec: DeploymentSpec,
        *,
        follow: bool,
        since_seconds: int | None,
        tail: int | None,
    ) -> None:
        self._feed = feed
        self._client = client
        self._spec = spec
        self._follow = follow
        self._since = since_seconds
        self._tail = tail
        self._streaming: dict[str, asyncio.Task[None]] = {}
        self._pods: Informer[Pod] | None = None

    async def selector(self) -> dict[str, str]:
        deployment = await self._client.get(
            Deployment, deployment_name(self._spec), namespace=self._spec.namespace
        )
        spec = deployment.spec
        return dict(spec.selector.matchLabels or {}) if spec and spec.selector else {}

    def _mine(self, pod: Pod, selector: dict[str, str]) -> bool:
        labels = (pod.metadata.labels if pod.metadata else None) or {}
        return all(labels.get(key) == value for key, value in selector.items())

    async def read_all(self, selector: dict[str, str]) -> None:
        """Every pod's log up to now, merged in time order."""
        pods = [
            pod
            async for pod in self._client.list(Pod, namespace=self._spec.namespace)
            if self._mine(pod, selector) and pod.metadata and pod.metadata.name
        ]
        lines: list[tuple[float, int, LogLine]] = []
        for index, pod in enumerate(pods):
            assert pod.metadata is not None and pod.metadata.name is not None
            try:
                async for raw in self._stream(pod.metadata.name, self._since, follow=False):
                    stamp, text = _split_timestamp(raw)
                    line = LogLine(f"pod/{pod.metadata.name}", text, stamp)
                    lines.append((_parse(stamp) or 0.0, index, line))
            except ApiError as error:
                if error.status.code != 400:  # 400: the container has not started yet
                    raise
        for _, _, line in sorted(lines, key=lambda item: (item[0], item[1])):
            self._feed.put(line)

    def _stream(self, pod: str, since: int | None, *, follow: bool) -> AsyncIterable[str]:
        return self._client.log(
            pod,
            namespace=self._spec.namespace,
            follow=follow,
            since=since,
            tail_lines=self._tail,
            timestamps=True,
            newlines=False,
        )

    async def follow(self, selector: dict[str, str]) -> None:
        """Stream every pod's new lines; start a stream for each pod that appears."""
        changed = asyncio.Event()
        pods: Informer[Pod] = Informer(self._client, Pod, self._spec.namespace, changed.set)
        self._pods = pods
        self._feed.spawn(pods.run())
        while True:
            await changed.wait()
            changed.clear()
            for name, pod in list(pods.objects.items()):
                if name not in self._streaming and self._mine(pod, selector):
                    self._streaming[name] = self._feed.spawn(self._follow_pod(name))

    async def _follow_pod(self, name: str) -> None:
        last_seen: float | None = None
        since = self._since
        first = True
        while self._pods is not None and name in self._pods.objects:
            try:
                stream = self._client.log(
                    name,
                    namespace=self._spec.namespace,
                    follow=True,
                    since=since,
                    tail_lines=self._tail if first else None,
                    timestamps=True,
                    newlines=False,
                )
                async for raw in stream:
                    stamp, text = _split_timestamp(raw)
                    when = _parse(stamp)
                    if last_seen is not None and when is not None and when <= last_seen:
                        continue  # already delivered before the stream broke
                    last_seen = when if when is not None else last_seen
                    self._feed.put(LogLine(f"pod/{name}", text, stamp))
                first = False
            except ApiError as error:
                if error.status.code == 404:
                    return
                if error.status.code != 400:  # 400: container not started yet: wait
                    raise
            except httpx2.TransportError:
                pass  # the stream broke: resume after the last line delivered
            await asyncio.sleep(_RETRY_SECONDS)
            if last_seen is not None:
                since = max(1, int(time.time() - last_seen) + 1)


async def _lambda_logs(
    feed: Feed[LogLine],
    function: str,
    *,
    follow: bool,
    since_seconds: int | None,
    tail: int | None,
) -> None:
    from automation.live._aws import lambda_log_events

    loop = asyncio.get_running_loop()
    start = None if since_seconds is None else int((time.time() - since_seconds) * 1000)
    seen: set[str] = set()

    def page(start_ms: int | None) -> list[tuple[int, LogLine]]:
        return list(lambda_log_events(function, start_ms=start_ms, seen=seen))

    events = await loop.run_in_executor(None, page, start)
    for _, line in events[-tail:] if tail is not None else events:
        feed.put(line)
    if not follow:
        return
    newest = max((stamp for stamp, _ in events), default=int(time.time() * 1000))
    while True:
        await asyncio.sleep(LAMBDA_POLL_SECONDS)
        for stamp, line in await loop.run_in_executor(None, page, newest):
            newest = max(newest, stamp)
            feed.put(line)


def logs(
    spec: DeploymentSpec,
    *,
    follow: bool = False,
    since_seconds: int | None = None,
    tail: int | None = None,
    timeout_seconds: float | None = None,
    function: str | None = None,
) -> Feed[LogLine]:
    """The agent's log lines: every pod's (prefixed by its name), and its Lambda function's.

    Args:
        spec: the tenant's spec.
        follow: keep streaming new lines (and new pods') until closed or the timeout.
        since_seconds: only lines of the last this many seconds.
        tail: only the last this many lines of each pod (of the function, for Lambda).
        timeout_seconds: stop after this long.
        function: the Lambda function's name (default: the stack's `functionName` output).

    Raises:
        ClusterError: the cluster cannot be reached, or the tenant has no Deployment there.
    """
    deadline = None if timeout_seconds is None else time.time() + timeout_seconds
    feed: Feed[LogLine] = Feed(deadline)
    try:
        feed.run(_start(feed, spec, follow, since_seconds, tail, function))
    except BaseException:
        feed.close()
        raise
    return feed


async def _start(
    feed: Feed[LogLine],
    spec: DeploymentSpec,
    follow: bool,
    since_seconds: int | None,
    tail: int | None,
    function: str | None,
) -> None:
    """Open the streams; without `follow`, read everything now and end the feed."""
    name = (function or _function_of(spec)) if spec.lambda_.enabled else None
    if name is not None:
        lambda_logs = _lambda_logs(
            feed, name, follow=follow, since_seconds=since_seconds, tail=tail
        )
        if follow:
            feed.spawn(lambda_logs)
        else:
            await lambda_logs
    if spec.kubernetes.enabled and spec.kubernetes.cluster.render_dir is None:
        client = open_client(spec)
        feed.on_close(client.close)
        pods = _PodLogs(feed, client, spec, follow=follow, since_seconds=since_seconds, tail=tail)
        try:
            selector = await pods.selector()
            if not follow:
                await pods.read_all(selector)
        except ApiError as error:
            raise ClusterError(
                f"cannot read the logs of {deployment_name(spec)} in namespace "
                f"{spec.namespace}: {error.status.message}",
                tenant=spec.tenant.id,
                stack=spec.stack_name,
                fix="deploy the tenant first (`jockey up`), or check the spec's cluster",
            ) from error
        except httpx2.HTTPError as error:
            raise unreachable(spec, server_of(spec), error) from error
        if follow:
            feed.spawn(pods.follow(selector))
    if not follow:
        feed.finish()


def _function_of(spec: DeploymentSpec) -> str | None:
    from automation.live._status import function_name, read_stack

    return function_name(spec, read_stack(spec))


__all__ = ["logs"]
