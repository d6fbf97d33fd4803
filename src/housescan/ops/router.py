"""`GET /metrics`: the Prometheus exposition of this process."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from housescan.auth.security import bearer_matches
from housescan.dependencies import RuntimeDep
from housescan.errors import NotAuthenticated
from housescan.ops import metrics
from housescan.ops.middleware import ObservabilityMiddleware

logger = logging.getLogger(__name__)

router = APIRouter(tags=["ops"])
# The queue's figures are read within this time (the bound /readyz gives each dependency), else left out: an
# unreachable Redis would hold the scrape past Prometheus's timeout and take every other figure with it.
QUEUE_HEALTH_SECONDS = 3.0


class MetricsTokenRequired(NotAuthenticated):
    message = "/metrics needs `Authorization: Bearer <token>` with the token set in HOUSESCAN_METRICS_TOKEN"


@router.get("/metrics", include_in_schema=False, response_class=Response)
async def prometheus_metrics(runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    if not bearer_matches(authorization, runtime.settings.metrics_token):
        raise MetricsTokenRequired()
    try:
        metrics.queue_observed(await asyncio.wait_for(runtime.queue.health(), QUEUE_HEALTH_SECONDS))
    except Exception:  # a queue that cannot answer must not take the other figures down with it
        logger.warning("queue health unavailable for /metrics", exc_info=True)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


def instrument_app(api: FastAPI) -> None:
    """Request metrics, a log context and one log line per request, and the `/metrics` route."""
    api.add_middleware(ObservabilityMiddleware)
    api.include_router(router)
