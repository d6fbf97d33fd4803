"""Agents faults through the whole service: an LLM endpoint (a local stand-in speaking the OpenAI protocol)
that times out, answers 500, or answers nonsense. Retries are bounded, a failure carries a reason a person
can read, spend never passes the scan's budget, agents that succeeded are not paid for twice, and every
token paid for, in failed attempts too, is in the spend ledger exactly once."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from housescan.agents.server import create_agents_app
from housescan.config import Settings
from housescan.costs.models import AgentSpend
from tests.agents.openai_standin import OpenAIStandIn, Reply
from tests.agents.test_agents_service import serving
from tests.agents.test_llm_provider import AGENT_OF_TOOL, PRICE_IN, PRICE_OUT, Scripted
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, photo, register, upload, wait_for_status

TOOL_OF_AGENT = {agent: tool for tool, agent in AGENT_OF_TOOL.items()}
counts: Counter[str] = Counter()


@pytest.fixture
async def standin() -> AsyncIterator[OpenAIStandIn]:
    server = OpenAIStandIn(default=Scripted())
    await server.start()
    yield server
    await server.stop()


async def _server(settings: Settings, standin: OpenAIStandIn, **overrides: Any) -> LiveServer:
    return await start_server(_llm_settings(settings, standin, **overrides))


def _llm_settings(settings: Settings, standin: OpenAIStandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "agents_provider": "llm",
        "llm_base_url": standin.url,
        "llm_model": "standin-vision",
        "llm_api_key": SecretStr("test-key"),
        "llm_timeout_seconds": 2.0,
        "llm_price_input_per_mtok": PRICE_IN,
        "llm_price_output_per_mtok": PRICE_OUT,
        "job_backoff_seconds": 0.05,
    }
    return settings.model_copy(update=values | overrides)


def _paid_tokens(standin: OpenAIStandIn) -> int:
    """Tokens the stand-in reported in answers that reached the provider (not HTTP errors, not time-outs)."""
    return sum(
        call.reply.prompt_tokens + call.reply.completion_tokens
        for call in standin.requests
        if call.reply is not None and call.reply.status == 200 and call.reply.delay < 2.0
    )


async def _ledger_tokens(server: LiveServer, scan_id: str) -> int:
    async with server.runtime.sessionmaker() as session:
        total = await session.scalar(
            select(func.coalesce(func.sum(AgentSpend.tokens_in + AgentSpend.tokens_out), 0)).where(
                AgentSpend.scan_id == uuid.UUID(scan_id)
            )
        )
    return int(total or 0)


async def _scan(server: LiveServer, rooms: int = 2) -> tuple[str, str, dict[str, Any]]:
    async with server.client() as client:
        token = await register(client)
        labels = ["Kitchen", "Bedroom"][:rooms]  # the labels the scripted stand-in knows how to answer for
        response = await client.post(
            "/api/v1/scans", json={"rooms": [{"label": label} for label in labels]}, headers=auth(token)
        )
        scan = response.json()
        files = [(f"{n}.jpg", photo((n * 70, 40, 90)), n) for n in range(rooms)]
        assert (await upload(client, token, scan["id"], files)).status_code == 200
        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
        detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"}, timeout=120)
    return token, scan["id"], detail


@pytest.mark.parametrize("remote", [False, True], ids=["in-process", "agents-service"])
async def test_a_retried_scan_does_not_pay_again_for_agents_that_succeeded(
    settings: Settings, standin: OpenAIStandIn, remote: bool
) -> None:
    # The house checklist fails twice (the call and its transport retry): the first attempt fails.
    standin.script(TOOL_OF_AGENT["house_checklist"], Reply(status=500), Reply(status=500))
    async with contextlib.AsyncExitStack() as stack:
        overrides: dict[str, Any] = {}
        if remote:  # HOUSESCAN_AGENTS_URL: the worker's memo travels to the agents service and back
            token = SecretStr("agents-token")
            agents_app = create_agents_app(_llm_settings(settings, standin, agents_token=token))
            overrides = {"agents_url": await stack.enter_async_context(serving(agents_app)), "agents_token": token}
        server = await _server(settings, standin, **overrides)
        try:
            _, scan_id, detail = await _scan(server, rooms=2)
            ledger = await _ledger_tokens(server, scan_id)
        finally:
            await server.stop()
    assert (detail["status"], detail["attempts"]) == ("succeeded", 2)
    assert ledger == _paid_tokens(standin) > 0, "every paid token once: the failed attempt's, none of the reuses"
    per_agent = Counter(AGENT_OF_TOOL[call.agent] for call in standin.requests)
    assert per_agent["room_type"] == 2 and per_agent["products"] == 2 and per_agent["house_type"] == 1, per_agent
    assert per_agent["house_checklist"] == 3  # two failures, then the second attempt
    runs = detail["agent_runs"]
    assert len(runs) == 9 and sum(run["cache_hit"] for run in runs) == 7
    assert sum(run["tokens_in"] for run in runs) > 0
    counts["faults injected"] += 2
    counts["agent calls saved by the memo"] += 7


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(status=500), "answered http 500"),
        (Reply(delay=5.0), "did not answer"),
        (Reply(raw="{this is not json"), "not usable"),
        (Reply(output={"room_types": ["ballroom"], "confidence": 0.9}), "not usable"),
    ],
    ids=["http-500", "timeout", "malformed", "schema-violating"],
)
async def test_failures_are_bounded_and_readable(
    settings: Settings, standin: OpenAIStandIn, reply: Reply, reason: str
) -> None:
    standin.default = lambda _request: reply
    server = await _server(settings, standin)
    try:
        _, scan_id, detail = await _scan(server, rooms=1)
        ledger = await _ledger_tokens(server, scan_id)
    finally:
        await server.stop()
    assert detail["status"] == "failed"
    assert ledger == _paid_tokens(standin), "a failed scan's paid calls count against the budget too"
    assert reason in detail["error"].lower(), detail["error"]
    assert "Traceback" not in detail["error"] and len(detail["error"]) < 1200
    assert 1 <= detail["attempts"] <= settings.job_max_attempts
    # Bounded: at most (1 + output retries) model calls per transport attempt, per job attempt.
    assert len(standin.requests) <= settings.job_max_attempts * 3 * 2
    counts["faults injected"] += len(standin.requests)


async def test_one_failing_room_is_reported_and_the_rest_succeed(settings: Settings, standin: OpenAIStandIn) -> None:
    scripted = Scripted()

    def one_room_fails(request: Any) -> Reply:
        if AGENT_OF_TOOL[request.agent] == "room_type" and "Bedroom" in request.text:
            return Reply(raw="not json")
        return scripted(request)

    standin.default = one_room_fails
    server = await _server(settings, standin)
    try:
        _, _, detail = await _scan(server, rooms=2)
    finally:
        await server.stop()
    assert detail["status"] == "succeeded"
    rooms = detail["summary"]["summary_json"]["result"]["rooms"]
    assert sorted(room["status"] for room in rooms) == ["failed", "succeeded"]
    assert "1 of 2 rooms could not be analysed" in detail["error"]


async def test_spend_never_passes_the_scan_budget(settings: Settings, standin: OpenAIStandIn) -> None:
    budget_tokens = 2500
    server = await _server(settings, standin, scan_budget_tokens=budget_tokens, scan_budget_usd=None)
    try:
        _, scan_id, detail = await _scan(server, rooms=2)
        ledger = await _ledger_tokens(server, scan_id)
    finally:
        await server.stop()
    assert detail["status"] == "failed" and "budget" in detail["error"], detail["error"]
    assert ledger == _paid_tokens(standin) > 0, "what the stopped scan spent is recorded"
    assert standin.reported_tokens() <= budget_tokens
    assert detail["attempts"] == 1, "a budget stop is final: no retry spends more"
    print(f"\nagents faults: {dict(counts)}; tokens spent {standin.reported_tokens()} of a {budget_tokens} budget")
