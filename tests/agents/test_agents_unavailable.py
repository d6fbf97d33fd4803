"""An agents service the worker cannot use (it refuses the worker's token, cannot be reached, or fails) is the
operator's problem: the scan is retried with the usual backoff, and when its attempts run out the person reads
a plain sentence, in the app and in the e-mail, while the operator's detail is logged."""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from tests.agents.test_agents_service import serving
from tests.conftest import LiveServer, free_port, start_server
from tests.helpers import auth, register, wait_for_status
from tests.ops_support import admin_token, uploaded_scan

from housescan.agents.client import ANALYSIS_UNAVAILABLE, AgentsError, AgentsUnavailable
from housescan.agents.contract import RoomInput, ScanRequest
from housescan.agents.remote import RemoteAgentsClient, _error_from
from housescan.agents.server import create_agents_app
from housescan.config import Settings
from housescan.notifications.models import Channel, NotificationOutbox, OutboxState, Outcome
from housescan.notifications.service import outcome_mail

INTERNAL_WORDS = ("401", "403", "token", "agents service", "HOUSESCAN_")


async def _email_settled(server: LiveServer, scan_id: str) -> None:
    """Wait for the scan's outcome e-mail to leave the outbox (logged, as no SMTP server is set)."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        async with server.runtime.sessionmaker() as session:
            state = await session.scalar(
                select(NotificationOutbox.state).where(
                    NotificationOutbox.scan_id == uuid.UUID(scan_id), NotificationOutbox.channel == Channel.email
                )
            )
        if state in (OutboxState.logged, OutboxState.sent):
            return
        assert asyncio.get_running_loop().time() < deadline, f"the e-mail is still {state}"
        await asyncio.sleep(0.05)


async def test_a_refused_token_retries_the_scan_and_tells_the_person_plainly(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    agents_settings = settings.model_copy(update={"agents_token": SecretStr("agents-tok-right")})
    async with serving(create_agents_app(agents_settings)) as agents_url:
        server = await start_server(
            settings.model_copy(update={"agents_url": agents_url, "agents_token": SecretStr("wrong-token")})
        )
        try:
            async with server.client() as client:
                admin = await admin_token(server, client)
                token = await register(client)
                scan = await uploaded_scan(client, token, {"Kitchen": [(10, 200, 30)]})
                assert (
                    await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
                ).status_code == 202
                detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
                failed = (await client.get("/api/v1/admin/scans/failed", headers=auth(admin))).json()["items"]
                await _email_settled(server, scan["id"])
        finally:
            await server.stop()

    # Retried with the normal backoff, not failed for good on its first attempt.
    assert (detail["status"], detail["attempts"]) == ("failed", settings.job_max_attempts)
    assert settings.job_max_attempts > 1
    # The person reads a plain sentence; so does the operator's list, beside the attempts made.
    assert detail["error"] == ANALYSIS_UNAVAILABLE
    assert [(item["id"], item["error"], item["attempts"]) for item in failed] == [
        (scan["id"], ANALYSIS_UNAVAILABLE, settings.job_max_attempts)
    ]
    # The operator's detail is logged loudly, once per refused attempt.
    refused = [
        record.getMessage()
        for record in caplog.records
        if record.name == "housescan.agents.remote" and record.levelno == logging.ERROR
    ]
    assert len(refused) == settings.job_max_attempts, refused
    assert all(agents_url in line and "HOUSESCAN_AGENTS_TOKEN differs" in line for line in refused)
    # The e-mail (logged with no SMTP server) carries the plain sentence and nothing internal.
    (logged,) = [record.getMessage() for record in caplog.records if "e-mail not sent" in record.getMessage()]
    mail = logged.partition("\n")[2]  # the text, after the line saying why it was logged
    assert ANALYSIS_UNAVAILABLE in mail
    assert not [word for word in INTERNAL_WORDS if word in mail], mail


async def test_an_unreachable_or_failing_agents_service_is_unavailable_not_the_scans_fault() -> None:
    request = ScanRequest(rooms=[RoomInput(room_id="r", label="Kitchen", image_urls=["file:///nowhere.jpg"])])
    nobody = RemoteAgentsClient(f"http://127.0.0.1:{free_port()}", token="any")
    with pytest.raises(AgentsUnavailable, match="could not be reached"):
        await nobody.run(request)
    # A proxy's 502 page, a crashed service's 500: worth another attempt, and the operator's to mend.
    assert isinstance(_error_from("http://agents", 502, "<html>Bad Gateway</html>"), AgentsUnavailable)
    assert isinstance(_error_from("http://agents", 500, '{"detail": "boom", "code": "internal"}'), AgentsUnavailable)
    # The analysis failing on its own (the service's AnalysisFailed) keeps its own word on retrying.
    analysis = _error_from("http://agents", 422, '{"detail": {"detail": "image is too large", "retryable": false}}')
    assert type(analysis) is AgentsError and not analysis.retryable


def test_a_failure_email_names_only_a_plain_reason(settings: Settings) -> None:
    def failure_mail(error: str) -> str:
        mail = outcome_mail(
            settings,
            to="a@example.com",
            scan_id=uuid.uuid4(),
            outcome=Outcome.failed,
            address="3 Cedar Lane",
            error=error,
        )
        return mail.text + (mail.html or "")

    internal = failure_mail("the agents service answered 401: a valid agents token is required")
    assert "401" not in internal and "token" not in internal
    assert "The analysis of 3 Cedar Lane failed." in internal
    assert ANALYSIS_UNAVAILABLE in failure_mail(ANALYSIS_UNAVAILABLE)
