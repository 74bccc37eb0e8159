"""List, then watch, one kind of object in one namespace, and keep the objects by name.

The Kubernetes watch API, not polling: one `list` gives the objects and the resourceVersion
to watch from; the watch then streams each change. A dropped connection resumes from the last
resourceVersion seen (no object is reported twice, none is missed); a version the server no
longer holds (410 Gone) lists again. The informer gives up only when the server stays away
for `give_up_after` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import httpx2
from lightkube import ApiError, AsyncClient, NotReadyError
from lightkube.core.resource import NamespacedResource
from lightkube.models.meta_v1 import ObjectMeta

T = TypeVar("T", bound=NamespacedResource)

_FIRST_BACKOFF_SECONDS = 0.2
_MAX_BACKOFF_SECONDS = 5.0


class Informer(Generic[T]):
    """The objects of one kind in one namespace, kept current from a watch.

    Args:
        client: the cluster's client.
        kind: the resource class (Deployment, Pod, ...).
        namespace: the namespace.
        on_change: called (in the event loop) after every change, the first list included.
        give_up_after: seconds of failed reconnects before `run` raises.
    """

    def __init__(
        self,
        client: AsyncClient,
        kind: type[T],
        namespace: str,
        on_change: Callable[[], None],
        give_up_after: float = 60.0,
    ) -> None:
        self._client = client
        self.kind = kind
        self.namespace = namespace
        self._on_change = on_change
        self._give_up_after = give_up_after
        self.objects: dict[str, T] = {}
        self.resource_version: str | None = None
        self.synced = asyncio.Event()
        self.reconnects = 0
        self.relists = 0

    async def list_once(self) -> None:
        """Replace the objects with a fresh list and remember its resourceVersion."""
        listing = self._client.list(self.kind, namespace=self.namespace)
        objects: dict[str, T] = {}
        async for item in listing:
            meta = _meta(item)
            if meta is not None and meta.name:
                objects[meta.name] = item
        self.objects = objects
        try:
            self.resource_version = listing.resourceVersion
        except NotReadyError:  # no chunk came back: watch from "now" (the server lists first)
            self.resource_version = None
        self.synced.set()
        self._on_change()

    def _apply(self, event_type: str, item: T) -> None:
        meta = _meta(item)
        if meta is None or not meta.name:
            return
        if meta.resourceVersion:
            self.resource_version = meta.resourceVersion
        if event_type == "DELETED":
            self.objects.pop(meta.name, None)
        elif event_type in ("ADDED", "MODIFIED"):
            self.objects[meta.name] = item
        else:
            return
        self._on_change()

    async def run(self) -> None:
        """List (if not yet), then watch until cancelled; resume after a dropped connection.

        Raises:
            httpx2.HTTPError: the server stayed away (or refused) for `give_up_after` seconds.
        """
        failing_since: float | None = None
        backoff = _FIRST_BACKOFF_SECONDS
        while True:
            try:
                if self.resource_version is None:
                    self.relists += 1 if self.synced.is_set() else 0
                    await self.list_once()
                stream = self._client.watch(
                    self.kind, namespace=self.namespace, resource_version=self.resource_version
                )
                async for event_type, item in stream:
                    failing_since, backoff = None, _FIRST_BACKOFF_SECONDS
                    self._apply(event_type, item)
            except ApiError as error:
                if error.status.code == 410:  # our version is gone: list again
                    self.resource_version = None
                    continue
                failing_since = failing_since or time.monotonic()
                if error.status.code in (401, 403, 404) or self._gave_up(failing_since):
                    raise
            except (httpx2.TransportError, httpx2.RemoteProtocolError):
                failing_since = failing_since or time.monotonic()
                if self._gave_up(failing_since):
                    raise
            self.reconnects += 1
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    def _gave_up(self, failing_since: float) -> bool:
        return time.monotonic() - failing_since >= self._give_up_after


def _meta(item: NamespacedResource) -> ObjectMeta | None:
    meta = getattr(item, "metadata", None)
    return meta if isinstance(meta, ObjectMeta) else None


__all__ = ["Informer"]
