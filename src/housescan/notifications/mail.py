"""E-mail over SMTP (aiosmtplib): plain text with an HTML alternative. With no SMTP server configured,
nothing is sent and the message is logged, so a local `make run` works without a mail server."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

import aiosmtplib

from housescan.config import Settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20.0
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url(settings: Settings) -> str:
    """Base of the links put in e-mails and shares (no trailing slash)."""
    return (settings.public_url or DEFAULT_PUBLIC_URL).rstrip("/")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str
    message_id_key: str | None = None  # stable Message-ID (the outbox row) so a resend is recognisable
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))  # when it is handed to the server (each attempt)
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "housescan.local"
    message["Message-ID"] = f"<{mail.message_id_key}@{domain}>" if mail.message_id_key else make_msgid(domain=domain)
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def paragraphs_html(
    title: str, paragraphs: list[str], link: str, link_label: str, footer: tuple[str, str] | None = None
) -> str:
    """A small, self-contained HTML body: escaped text, one button-like link, and an optional footer
    link (text, URL) such as the notification settings."""
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return (
        '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5; color: #1f2933">'
        f'<h1 style="font-size: 20px">{html.escape(title)}</h1>{body}'
        f'<p><a href="{html.escape(link, quote=True)}" style="display: inline-block; padding: 10px 16px; '
        'background: #1f6feb; color: #fff; text-decoration: none; border-radius: 6px">'
        f"{html.escape(link_label)}</a></p>"
        f'<p style="font-size: 12px; color: #667">{html.escape(link)}</p>'
        + (
            f'<p style="font-size: 12px; color: #667"><a href="{html.escape(footer[1], quote=True)}">'
            f"{html.escape(footer[0])}</a></p>"
            if footer
            else ""
        )
        + "</body></html>"
    )


async def send_mail(
    settings: Settings, mail: Mail, *, on_accepted: Callable[[], Awaitable[None]] | None = None
) -> bool:
    """Send one message; False when no SMTP server is configured (the message is logged instead). SMTP
    errors propagate, for the caller to retry. `on_accepted` runs the moment the server has accepted the
    message, before the connection is closed: a caller that records the send there leaves the shortest
    window in which a crash makes it send the message again."""
    if settings.smtp_url is None:
        # The text, so that whoever runs it without mail can follow its link (a reset link's token is masked
        # by the logs); not the person's address.
        logger.info("e-mail not sent (HOUSESCAN_SMTP_URL unset): %s\n%s", mail.subject, mail.text)
        return False
    url = urlsplit(settings.smtp_url.get_secret_value())
    if url.scheme not in ("smtp", "smtps"):
        raise ValueError(f"HOUSESCAN_SMTP_URL must start with smtp:// or smtps://, not {url.scheme}://")
    client = aiosmtplib.SMTP(
        hostname=url.hostname or "localhost",
        port=url.port or (465 if url.scheme == "smtps" else 25),
        username=unquote(url.username) if url.username else None,
        password=unquote(url.password) if url.password else None,
        use_tls=url.scheme == "smtps",
        start_tls=None,  # upgrade with STARTTLS when the server offers it
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    async with client:
        await client.send_message(build_message(settings, mail))
        if on_accepted is not None:
            await on_accepted()
    return True


_background: set[asyncio.Task[None]] = set()


# A password reset's link lasts an hour: a mail server down for a few minutes should not lose it.
RESEND_DELAYS_SECONDS = (10.0, 60.0, 300.0)


def send_mail_soon(
    settings: Settings, mail: Mail, *, resend_delays: Sequence[float] = RESEND_DELAYS_SECONDS
) -> asyncio.Task[None]:
    """Send in the background, so a request answers in the same time whether or not it sends mail (no
    account enumeration by timing); a failed attempt is tried again after each of `resend_delays`, and a
    message that never went is logged."""

    async def run() -> None:
        for attempt, delay in enumerate([*resend_delays, None], start=1):
            try:
                await send_mail(settings, mail)
                return
            except Exception as error:
                if delay is None:
                    logger.exception(
                        "e-mail to %s (%s) could not be sent in %d attempts", mail.to, mail.subject, attempt
                    )
                    return
                logger.warning(
                    "e-mail to %s (%s) not sent (attempt %d: %s); trying again in %g s",
                    mail.to, mail.subject, attempt, type(error).__name__, delay,
                )  # fmt: skip
                await asyncio.sleep(delay)

    task = asyncio.get_running_loop().create_task(run(), name="send-mail")
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task
