"""An e-mail survives an SMTP outage: with the real SMTP server (aiosmtpd) down, each attempt fails and is
rescheduled further out (the clock is driven by moving `next_attempt_at` into the past), a restarted
server keeps the schedule, and once the mail server is up the message arrives once. The message has a
Date, the findings by severity, a link to the settings and a one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.db.unit_of_work import discard_after_commit
from housescan.notifications import service as notifications_service
from housescan.notifications.models import NotificationOutbox, OutboxState
from housescan.review.models import Finding, Severity
from housescan.scans.models import Scan
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, register
from tests.notifications.support import MailCatcher, text_and_html
from tests.ops_support import admin_token


@pytest.fixture
def late_catcher() -> Any:
    catcher = MailCatcher()  # its port is chosen; nothing listens there until the test starts it
    yield catcher
    catcher.stop()


@pytest.fixture
def outage_settings(settings: Settings, late_catcher: MailCatcher) -> Settings:
    from pydantic import SecretStr

    return settings.model_copy(update={"smtp_url": SecretStr(late_catcher.url)})


async def _finished_scan(server: LiveServer, email: str, findings: dict[Severity, int]) -> tuple[str, uuid.UUID]:
    async with server.client() as client:
        token = await register(client, email)
        scan = await create_scan(client, token, rooms=1, address="3 Outage Lane")
    scan_id = uuid.UUID(scan["id"])
    async with server.runtime.sessionmaker() as session:
        owner = (await session.get_one(Scan, scan_id)).user_id
        for severity, count in findings.items():
            session.add_all(Finding(scan_id=scan_id, title=f"{severity} {n}", severity=severity) for n in range(count))
        await notifications_service.stage_outcome(
            db_session=session,
            sessionmaker=server.runtime.sessionmaker,
            settings=server.runtime.settings,
            scan_id=scan_id,
            user_id=owner,
            outcome="succeeded",
        )
        discard_after_commit(session)  # as a process that dies at its commit: the sweep sends the e-mail
        await session.commit()
    return token, scan_id


async def _send(server: LiveServer) -> int:
    return await notifications_service.send_pending(
        sessionmaker=server.runtime.sessionmaker, settings=server.runtime.settings
    )


async def _email_row(server: LiveServer, scan_id: uuid.UUID) -> NotificationOutbox:
    async with server.runtime.sessionmaker() as session:
        return await session.scalar(
            select(NotificationOutbox).where(
                NotificationOutbox.scan_id == scan_id, NotificationOutbox.channel == "email"
            )
        ) or pytest.fail("no e-mail row")


async def _make_due(server: LiveServer, scan_id: uuid.UUID, **values: Any) -> None:
    async with server.runtime.sessionmaker() as session:
        await session.execute(
            update(NotificationOutbox)
            .where(NotificationOutbox.scan_id == scan_id)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1), **values)
        )
        await session.commit()


async def _outbox_health(server: LiveServer) -> dict[str, Any]:
    async with server.client() as client:
        admin = await admin_token(server, client)
        response = await client.get("/api/v1/admin/analytics", headers=auth(admin))
    assert response.status_code == 200, response.text
    health: dict[str, Any] = response.json()["notifications"]
    return health


async def test_an_email_waits_out_an_smtp_outage_and_arrives_once(
    outage_settings: Settings, late_catcher: MailCatcher
) -> None:
    email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
    server = await start_server(outage_settings)
    try:
        token, scan_id = await _finished_scan(
            server, email, {Severity.safety: 2, Severity.major: 1, Severity.maintenance: 3}
        )
        delays = []
        for attempt in (1, 2, 3):
            before = utcnow()
            assert await _send(server) == 1
            row = await _email_row(server, scan_id)
            assert (row.state, row.attempts) == (OutboxState.pending, attempt)
            assert row.error is not None and "SMTPConnectError" in row.error, row.error
            assert row.next_attempt_at is not None
            delays.append(row.next_attempt_at - before)
            assert await _send(server) == 0, "not due yet: nothing is tried before next_attempt_at"
            if attempt < 3:
                await _make_due(server, scan_id)
        assert [round(delay.total_seconds() / 60) for delay in delays] == [1, 5, 15]
        health = await _outbox_health(server)
        assert health["waiting_email"] == 1 and health["retrying"] >= 1 and health["given_up"] == 0
        assert health["next_attempt_at"] is not None and "SMTPConnectError" in health["last_error"]
    finally:
        await server.stop()

    # A restart keeps the schedule: the new process finds the row waiting and sends it once it is due.
    late_catcher.start()
    server = await start_server(outage_settings)
    try:
        assert await _send(server) == 0
        await _make_due(server, scan_id)
        assert await _send(server) == 1
        [message] = await late_catcher.wait_for(email)
        await _make_due(server, scan_id)
        assert await _send(server) == 0
        row = await _email_row(server, scan_id)
        assert (row.state, row.attempts) == (OutboxState.sent, 4)
        assert len(late_catcher.to(email)) == 1

        sent_at = parsedate_to_datetime(message["Date"])
        assert abs((sent_at - utcnow()).total_seconds()) < 120
        text, html = text_and_html(message)
        assert "Findings: 2 safety, 1 major, 3 maintenance." in text and "2 safety, 1 major, 3 maintenance" in html
        assert "https://housescan.test/settings" in text and 'href="https://housescan.test/settings"' in html
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<https://housescan.test/api/v1/notifications/unsubscribe?token=")
        link = urlsplit(unsubscribe.strip("<>"))

        async with server.client() as client:
            forged = await client.post(
                f"{link.path}?{link.query[:-2]}xx", content="List-Unsubscribe=One-Click", headers=_FORM
            )
            assert forged.status_code == 422 and "unsubscribe token" in forged.text
            assert (await client.get(f"{link.path}?{link.query}")).status_code == 200  # a page; changes nothing
            prefs = (await client.get("/api/v1/me/notifications", headers=auth(token))).json()
            assert prefs["email_on_complete"] is True
            clicked = await client.post(
                f"{link.path}?{link.query}", content="List-Unsubscribe=One-Click", headers=_FORM
            )
            assert clicked.status_code == 200, clicked.text
            prefs = (await client.get("/api/v1/me/notifications", headers=auth(token))).json()
        assert prefs["email_on_complete"] is False and prefs["push_on_complete"] is True
    finally:
        await server.stop()


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def test_an_email_not_sent_within_the_retry_period_is_given_up_and_shown(outage_settings: Settings) -> None:
    server = await start_server(outage_settings)
    try:
        _, scan_id = await _finished_scan(server, f"gone-{uuid.uuid4().hex[:8]}@example.com", {})
        await _make_due(server, scan_id, created_at=utcnow() - timedelta(hours=47, minutes=30), attempts=40)
        assert await _send(server) == 1
        row = await _email_row(server, scan_id)
        assert row.state is OutboxState.failed and row.next_attempt_at is None and row.error
        health = await _outbox_health(server)
        assert health["given_up_email"] == 1 and health["waiting_email"] == 0
    finally:
        await server.stop()


def test_the_retry_delays_grow_to_hourly() -> None:
    minutes = [notifications_service.retry_delay(attempt) / timedelta(minutes=1) for attempt in range(1, 9)]
    assert minutes == [1, 5, 15, 30, 60, 60, 60, 60]


def test_an_email_without_findings_says_that_is_no_clean_bill_of_health() -> None:
    line = notifications_service.findings_line(dict.fromkeys(Severity, 0))
    assert "not a clean bill of health" in line
