"""A message sent in the background (a password reset's link) survives a mail server that is down for a
while: the failed attempt is tried again, and the message arrives once the server is up."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from housescan.config import Settings
from housescan.notifications.mail import Mail, send_mail_soon
from tests.notifications.support import MailCatcher

MAIL = Mail(to="locked-out@example.com", subject="Reset your HouseScan password", text="the link\n", html="<p>x</p>")


class _Logged(logging.Handler):
    """Set once the mail logger says `words`."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words
        self.seen = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.loop.call_soon_threadsafe(self.seen.set)


async def test_a_message_the_mail_server_was_down_for_goes_when_it_is_back(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    catcher = MailCatcher()  # its port is chosen; nothing listens there yet
    caplog.set_level(logging.WARNING, logger="housescan.notifications.mail")
    first_failure = _Logged("not sent (attempt 1")
    logging.getLogger("housescan.notifications.mail").addHandler(first_failure)
    try:
        sending = send_mail_soon(
            settings.model_copy(update={"smtp_url": SecretStr(catcher.url)}), MAIL, resend_delays=[0.05] * 400
        )
        await asyncio.wait_for(first_failure.seen.wait(), timeout=60)
        assert not catcher.messages
        catcher.start()
        [message] = await catcher.wait_for(MAIL.to)
        await asyncio.wait_for(sending, timeout=60)
        assert message["Subject"] == MAIL.subject
        assert not any("could not be sent" in record.getMessage() for record in caplog.records)
    finally:
        logging.getLogger("housescan.notifications.mail").removeHandler(first_failure)
        catcher.stop()


async def test_a_message_that_never_went_is_logged_once_after_its_last_attempt(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    catcher = MailCatcher()  # never started
    caplog.set_level(logging.WARNING, logger="housescan.notifications.mail")
    sending = send_mail_soon(
        settings.model_copy(update={"smtp_url": SecretStr(catcher.url)}), MAIL, resend_delays=[0.01, 0.01]
    )
    await asyncio.wait_for(sending, timeout=60)
    failures = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert failures == [f"e-mail to {MAIL.to} ({MAIL.subject}) could not be sent in 3 attempts"]
    assert sum("trying again" in record.getMessage() for record in caplog.records) == 2
