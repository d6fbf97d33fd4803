"""The seam between the worker and the analysis: in-process by default, a remote agents service when
`HOUSESCAN_AGENTS_URL` is set."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from housescan.agents.contract import ScanRequest, ScanResponse

if TYPE_CHECKING:
    from housescan.agents.budget import AgentMemo

ProgressCallback = Callable[[int, str], Awaitable[None]]


class AgentsError(Exception):
    """The analysis could not produce a result; `retryable` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class AgentsClient(Protocol):
    async def run(
        self,
        request: ScanRequest,
        *,
        on_progress: ProgressCallback | None = None,
        memo: AgentMemo | None = None,
    ) -> ScanResponse:
        """Analyse a scan. `memo`: answers of agents that succeeded in an earlier attempt of this scan."""
        ...
