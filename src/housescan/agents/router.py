"""The standalone agents service: `POST /v1/scan/run` runs the pipeline on a request whose photos are
fetched by URL (allowed hosts only); `GET /v1/scan/health`.

With `Accept: application/x-ndjson` the answer streams progress lines (`{"type": "progress", ...}`), one
line per paid model call (`{"type": "paid", "execution": ..., "remembered": ...}`: the worker's spend ledger
and the memo its retry sends back as `remembered`), and ends with `{"type": "result", "response": ...}` or
`{"type": "error", ...}`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse

from housescan import __version__
from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsClient, AgentsError
from housescan.agents.contract import PIPELINE_VERSION, AgentExecution, RememberedAnswer, ScanResponse, ScanRun
from housescan.auth.security import bearer_matches
from housescan.config import Settings
from housescan.errors import NotAuthenticated, Unprocessable, responses

router = APIRouter(prefix="/v1/scan", tags=["agents"])
NDJSON = "application/x-ndjson"


def _client(request: Request) -> AgentsClient:
    client: AgentsClient = request.app.state.agents
    return client


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def require_token(
    settings: Annotated[Settings, Depends(_settings)], authorization: Annotated[str | None, Header()] = None
) -> None:
    if not bearer_matches(authorization, settings.agents_token):
        raise AgentsTokenRequired()


class AgentsTokenRequired(NotAuthenticated):
    """The agents service needs its bearer token (HOUSESCAN_AGENTS_TOKEN)."""

    message = "a valid agents token is required"


class AnalysisFailed(Unprocessable):
    """The analysis could not be done; `detail.retryable` says whether to try again."""


def _error_body(exc: AgentsError) -> dict[str, Any]:
    return {"detail": str(exc), "retryable": exc.retryable}


@router.post(
    "/run",
    dependencies=[Depends(require_token)],
    responses=responses(AgentsTokenRequired, AnalysisFailed),
)
async def run_scan(
    body: ScanRun,
    agents: Annotated[AgentsClient, Depends(_client)],
    accept: Annotated[str | None, Header()] = None,
) -> ScanResponse:
    memo = AgentMemo()
    for remembered in body.remembered:
        memo.remember(remembered)
    if accept is None or NDJSON not in accept:
        try:
            return await agents.run(body, memo=memo)
        except AgentsError as exc:
            raise AnalysisFailed(_error_body(exc)) from None

    lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    async def on_progress(progress: int, stage: str) -> None:
        await lines.put({"type": "progress", "progress": progress, "stage": stage})

    def on_paid(execution: AgentExecution, remembered: RememberedAnswer | None) -> None:
        # Each paid call goes to the worker as it is made: its ledger and its retry's memo are there.
        line = {"type": "paid", "execution": execution.model_dump(mode="json")}
        lines.put_nowait(line | ({"remembered": remembered.model_dump(mode="json")} if remembered else {}))

    memo.listener = on_paid

    async def produce() -> None:
        try:
            response = await agents.run(body, on_progress=on_progress, memo=memo)
            await lines.put({"type": "result", "response": response.model_dump(mode="json")})
        except AgentsError as exc:
            await lines.put({"type": "error", **_error_body(exc)})
        except Exception as exc:
            await lines.put({"type": "error", "detail": f"{type(exc).__name__}: {exc}", "retryable": True})
        finally:
            await lines.put(None)

    async def stream() -> AsyncIterator[bytes]:
        task = asyncio.create_task(produce())
        try:
            while (line := await lines.get()) is not None:
                yield (json.dumps(line) + "\n").encode()
        finally:
            task.cancel()

    return StreamingResponse(stream(), media_type=NDJSON)  # type: ignore[return-value]


@router.get("/health")
async def health(settings: Annotated[Settings, Depends(_settings)]) -> JSONResponse:
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "pipeline_version": PIPELINE_VERSION,
            "provider": settings.agents_provider,
        }
    )
