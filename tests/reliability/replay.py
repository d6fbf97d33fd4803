"""A Socket.IO recorder for a person who reconnects: a replay repeats the events just before the id sent, so
waiting for "the first `scan:progress`" may find an old one; this waits for the event that matches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.realtime_client import EventRecorder


class ReplayRecorder(EventRecorder):
    async def wait_until(self, match: Callable[[str, dict[str, Any]], bool], timeout: float = 120) -> dict[str, Any]:
        """The first recorded event for which `match(name, payload)` holds, once it has arrived."""

        async def seen() -> dict[str, Any]:
            while True:
                for event, payload in self.events:
                    if match(event, payload):
                        return payload
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(seen(), timeout)
