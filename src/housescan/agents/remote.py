"""The worker's client for a standalone agents service (`HOUSESCAN_AGENTS_URL`)."""

from __future__ import annotations

import json
import logging

import httpx

from housescan import outbound_http
from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsError, AgentsUnavailable, ProgressCallback
from housescan.agents.contract import AgentExecution, RememberedAnswer, ScanRequest, ScanResponse
from housescan.agents.router import NDJSON

logger = logging.getLogger(__name__)


class RemoteAgentsClient:
    def __init__(self, base_url: str, *, token: str | None = None, timeout_seconds: float = 900.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._url = self._base_url + "/v1/scan/run"
        self._has_token = bool(token)
        self._headers = {"Accept": NDJSON} | ({"Authorization": f"Bearer {token}"} if token else {})
        self._timeout = httpx.Timeout(timeout_seconds, connect=10.0)

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        # The service is stateless: `memo` goes with the request, and comes back one paid call at a time.
        payload = request.model_dump(mode="json") | {
            "remembered": [entry.model_dump(mode="json") for entry in memo.remembered()] if memo is not None else []
        }
        try:
            async with (
                outbound_http.client(timeout=self._timeout) as client,
                client.stream(
                    "POST", self._url, content=json.dumps(payload), headers=self._headers | _JSON
                ) as response,
            ):
                if response.status_code in (401, 403):
                    raise self._refused(response.status_code)
                if response.status_code != 200:
                    body = (await response.aread()).decode(errors="replace")
                    raise _error_from(self._base_url, response.status_code, body)
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    message = json.loads(line)
                    if message["type"] == "progress" and on_progress is not None:
                        await on_progress(int(message["progress"]), str(message["stage"]))
                    elif message["type"] == "paid" and memo is not None:
                        remembered = message.get("remembered")
                        memo.absorb(
                            AgentExecution.model_validate(message["execution"]),
                            RememberedAnswer.model_validate(remembered) if remembered else None,
                        )
                    elif message["type"] == "result":
                        return ScanResponse.model_validate(message["response"])
                    elif message["type"] == "error":
                        raise AgentsError(str(message["detail"]), retryable=bool(message.get("retryable", True)))
        except httpx.HTTPError as exc:
            raise AgentsUnavailable(
                f"the agents service at {self._base_url} could not be reached ({type(exc).__name__})"
            ) from exc
        raise AgentsUnavailable(f"the agents service at {self._base_url} ended its answer without a result")

    def _refused(self, status_code: int) -> AgentsUnavailable:
        """A misconfiguration for the operator to mend, said loudly each time it is met. The scan is retried
        all the same: the token may be put right before its attempts run out."""
        if self._has_token:
            detail = (
                f"the agents service at {self._base_url} refused this worker's token (it answered {status_code}): "
                "HOUSESCAN_AGENTS_TOKEN differs from the service's"
            )
        else:
            detail = (
                f"the agents service at {self._base_url} answered {status_code} to this worker, which has no "
                "token: HOUSESCAN_AGENTS_TOKEN is unset here"
            )
        logger.error(detail)
        return AgentsUnavailable(detail)


_JSON = {"Content-Type": "application/json"}


def _error_from(base_url: str, status_code: int, body: str) -> AgentsError:
    try:
        detail = json.loads(body)["detail"]
    except (ValueError, KeyError, TypeError):
        detail = body[:500]
    if isinstance(detail, dict) and "retryable" in detail:  # the analysis itself failed (AnalysisFailed)
        return AgentsError(str(detail.get("detail")), retryable=bool(detail["retryable"]))
    if status_code >= 500:
        return AgentsUnavailable(f"the agents service at {base_url} answered {status_code}: {detail}")
    return AgentsError(f"the agents service answered {status_code}: {detail}", retryable=False)
