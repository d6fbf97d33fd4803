"""Fault injection around the real analysis: agents clients that fail on purpose."""

from __future__ import annotations

import asyncio

from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsClient, AgentsError, ProgressCallback
from housescan.agents.contract import ScanRequest, ScanResponse


class FlakyAgents:
    """Fails the first `failures` runs with `error`, then runs the real analysis."""

    def __init__(self, inner: AgentsClient | None, *, failures: int, error: Exception) -> None:
        self.inner = inner
        self.failures = failures
        self.error = error
        self.calls = 0

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        self.calls += 1
        if self.calls <= self.failures or self.inner is None:
            raise self.error
        return await self.inner.run(request, on_progress=on_progress, memo=memo)


def always_failing(message: str, *, retryable: bool) -> FlakyAgents:
    return FlakyAgents(None, failures=10**9, error=AgentsError(message, retryable=retryable))


class StuckAgents:
    """An analysis that never ends by itself: it says when it started (after reporting `progress`, if given),
    and when it was cancelled."""

    def __init__(self, progress: tuple[int, str] | None = None) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.progress = progress

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        if on_progress is not None and self.progress is not None:
            await on_progress(*self.progress)
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        raise AssertionError("unreachable")


class AgentsAfter:
    """The real analysis, answered only once `ready` is set (e.g. after the worker checked something)."""

    def __init__(self, inner: AgentsClient, ready: asyncio.Event) -> None:
        self.inner = inner
        self.ready = ready

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        response = await self.inner.run(request, on_progress=on_progress, memo=memo)
        await self.ready.wait()
        return response
