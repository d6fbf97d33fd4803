"""Fault injection around the real analysis: agents clients that fail on purpose."""

from __future__ import annotations

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
