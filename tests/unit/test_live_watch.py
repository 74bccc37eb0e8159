"""Watch machinery without a cluster.

Informers over a scripted API (list, watch, a dropped connection, 410 Gone), and the feed
that turns async streams into a plain iterator.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.resources.core_v1 import Pod

from automation.live._feed import Feed
from automation.live._informer import Informer

NS = "acme-dev"


def pod(name: str, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NS, "resourceVersion": version},
    }


def line(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}).encode() + b"\n"


class Stream(httpx2.AsyncByteStream):
    """Watch lines, then: break the connection, end cleanly, or hang (a live watch)."""

    def __init__(self, lines: list[bytes], then: str) -> None:
        self._lines = lines
        self._then = then

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for item in self._lines:
            yield item
        if self._then == "drop":
            raise httpx2.ReadError("connection reset by peer")
        if self._then == "hang":
            await asyncio.sleep(3600)


class ScriptedApi:
    """Answers the list with one pod, and each watch with the next scripted stream."""

    def __init__(self, watches: list[Stream | int]) -> None:
        self.watches = watches
        self.watch_versions: list[str | None] = []
        self.lists = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.params.get("watch") == "true":
            self.watch_versions.append(request.url.params.get("resourceVersion"))
            answer = self.watches.pop(0) if self.watches else Stream([], "hang")
            if isinstance(answer, int):
                raise httpx2.ConnectError("connection refused")
            return httpx2.Response(200, stream=answer)
        self.lists += 1
        body = {
            "apiVersion": "v1",
            "kind": "PodList",
            "metadata": {"resourceVersion": str(10 * self.lists)},
            "items": [pod("a", "5")] if self.lists == 1 else [pod("b", "21")],
        }
        return httpx2.Response(200, json=body)


def client(api: ScriptedApi) -> AsyncClient:
    config = KubeConfig.from_dict(
        {
            "clusters": [{"name": "test", "cluster": {"server": "http://k8s.test"}}],
            "users": [{"name": "test", "user": {"token": "t"}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            "current-context": "test",
        }
    )
    return AsyncClient(config=config, transport=httpx2.MockTransport(api))


async def run_until(informer: Informer[Pod], done: Any, timeout: float = 10) -> None:
    task = asyncio.create_task(informer.run())
    try:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_a_dropped_watch_resumes_from_the_last_version_seen() -> None:
    api = ScriptedApi(
        [
            Stream([line("MODIFIED", pod("a", "11")), line("ADDED", pod("c", "12"))], "drop"),
            1,  # the server is away for one attempt
            Stream([line("DELETED", pod("a", "13"))], "hang"),
        ]
    )
    changes: list[set[str]] = []

    async def scenario() -> Informer[Pod]:
        kube = client(api)
        informer: Informer[Pod] = Informer(
            kube, Pod, NS, lambda: changes.append(set(informer.objects))
        )
        await run_until(informer, lambda: "a" not in informer.objects and "c" in informer.objects)
        await kube.close()
        return informer

    informer = asyncio.run(scenario())
    assert api.lists == 1, "a resumed watch does not list again"
    assert api.watch_versions == ["10", "12", "12"]
    assert set(informer.objects) == {"c"} and informer.resource_version == "13"
    assert informer.reconnects == 2
    assert changes[0] == {"a"} and changes[-1] == {"c"}


def test_a_version_the_server_no_longer_holds_lists_again() -> None:
    gone = {
        "kind": "Status",
        "apiVersion": "v1",
        "code": 410,
        "reason": "Expired",
        "message": "too old resource version",
        "status": "Failure",
        "metadata": {},
    }
    api = ScriptedApi([Stream([line("ERROR", gone)], "hang")])

    async def scenario() -> Informer[Pod]:
        kube = client(api)
        informer: Informer[Pod] = Informer(kube, Pod, NS, lambda: None)
        await run_until(informer, lambda: "b" in informer.objects)
        await kube.close()
        return informer

    informer = asyncio.run(scenario())
    assert api.lists == 2 and informer.relists == 1
    assert set(informer.objects) == {"b"}, "the fresh list replaces what was known"
    assert api.watch_versions == ["10", "20"]


def test_a_server_that_stays_away_ends_the_informer() -> None:
    api = ScriptedApi([1, 1, 1, 1, 1, 1, 1, 1])

    async def scenario() -> None:
        kube = client(api)
        informer: Informer[Pod] = Informer(kube, Pod, NS, lambda: None, give_up_after=0.3)
        try:
            await asyncio.wait_for(informer.run(), 10)
        finally:
            await kube.close()

    with pytest.raises(httpx2.ConnectError):
        asyncio.run(scenario())


def test_a_feed_yields_items_then_stops_at_its_deadline_leaving_no_thread() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    feed: Feed[int] = Feed(deadline=time.time() + 0.5)

    async def produce() -> None:
        loop = asyncio.get_running_loop()
        for number in range(3):
            # a blocking call in the executor, as boto3 reads are made
            feed.put(await loop.run_in_executor(None, int, number))
        await asyncio.sleep(3600)

    async def start() -> None:
        feed.spawn(produce())

    feed.run(start())
    started = time.monotonic()
    assert list(feed) == [0, 1, 2]
    assert time.monotonic() - started < 3
    assert {thread.ident for thread in threading.enumerate()} == before


def test_closing_a_feed_early_cancels_its_tasks_and_runs_cleanups() -> None:
    cleaned: list[str] = []
    cancelled: list[bool] = []
    feed: Feed[str] = Feed()

    async def produce() -> None:
        try:
            while True:
                feed.put("tick")
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def cleanup() -> None:
        cleaned.append("client closed")

    async def start() -> None:
        feed.spawn(produce())
        feed.on_close(cleanup)

    feed.run(start())
    with feed:
        assert next(feed) == "tick"
    assert cancelled == [True] and cleaned == ["client closed"]
    assert list(feed) == []


def test_a_producers_error_reaches_the_consumer() -> None:
    feed: Feed[int] = Feed()

    async def broken() -> None:
        raise RuntimeError("the cluster went away")

    async def start() -> None:
        feed.spawn(broken())

    feed.run(start())
    with pytest.raises(RuntimeError, match="went away"):
        next(feed)
