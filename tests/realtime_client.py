"""A real Socket.IO client that records the scan events it receives, in order."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

EVENTS = ("scan:uploaded", "scan:processing", "scan:progress", "scan:completed", "scan:failed")


class EventRecorder:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Event()
        self.dropped = asyncio.Event()  # the server ended the connection (or it was lost)
        for name in EVENTS:
            self.client.on(name, self._recorder(name), namespace="/scans")
        self.client.on("disconnect", self._dropped, namespace="/scans")

    async def _dropped(self, reason: Any = None) -> None:
        self.dropped.set()

    def _recorder(self, name: str) -> Any:
        async def record(payload: dict[str, Any]) -> None:
            self.events.append((name, payload))
            self._changed.set()

        return record

    async def connect(
        self, url: str, token: str, last_event_id: int | None = None, transport: str = "websocket"
    ) -> None:
        auth: dict[str, Any] = {"token": token}
        if last_event_id is not None:
            auth["lastEventId"] = last_event_id
        await self.client.connect(url, auth=auth, namespaces=["/scans"], transports=[transport], wait_timeout=10)

    async def disconnect(self) -> None:
        await self.client.disconnect()

    def names(self, scan_id: str | None = None) -> list[str]:
        return [name for name, payload in self.events if scan_id is None or payload.get("scanId") == scan_id]

    async def wait_for(self, name: str, scan_id: str | None, timeout: float = 120) -> dict[str, Any]:
        """The first `name` event of the scan (of any scan when `scan_id` is None), once it has arrived."""

        async def seen() -> dict[str, Any]:
            while True:
                for event, payload in self.events:
                    if event == name and scan_id in (None, payload.get("scanId")):
                        return payload
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(seen(), timeout)
