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


# What the person reads (the scan's `error`, its `scan:failed` event, the e-mail) when the agents service
# could not be used: the operator's detail stays in the logs.
ANALYSIS_UNAVAILABLE_RETRYING = "The analysis service is unavailable; we will try again shortly."
ANALYSIS_UNAVAILABLE = "The analysis service is unavailable; please try again later."


class AgentsUnavailable(AgentsError):
    """The agents service could not be used: it refused this worker's token, could not be reached, or failed
    (5xx). The operator's problem, not the scan's: always worth another attempt. The message is the
    operator's detail; the person reads `ANALYSIS_UNAVAILABLE(_RETRYING)`."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, retryable=True)


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
