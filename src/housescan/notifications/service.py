"""Notifications of a scan's outcome (e-mail and web push), preferences and push subscriptions.

Once, after the commit: `stage_outcome` writes one outbox row per channel in the transaction that
finishes the scan (beside its `scan:completed`/`scan:failed` event), so the notification exists exactly
when the outcome does; a channel with nowhere to go is settled there and then. That commit runs
`send_staged` (db/unit_of_work.py), which sends the rest, and the workers' sweep (`send_pending`) sends
rows whose process died first. Each row is claimed by one conditional UPDATE (pending -> sending),
committed before anything is sent, so two processes never send the same row; a claim whose process died
mid-send is taken over after `CLAIM_LEASE_SECONDS`. No transport takes a message exactly once from a process
that can die between the server's acceptance and the outbox's record of it: such a resend is the same
message (Message-ID; the push's tag and Topic), which mail programs and devices show once.

A row that could not be sent waits like a mail transfer agent's queue: `next_attempt_at` 1, 5, 15 and 30
minutes, then every hour after each failed attempt, until `notification_retry_hours` after it was
written; then it is given up (`failed`). The wait is in the table, so a restart keeps it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, cast

import httpx
from sqlalchemy import Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.client import ANALYSIS_UNAVAILABLE
from housescan.auth.models import User
from housescan.clock import local_time
from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.db.engine import SessionMaker
from housescan.db.unit_of_work import after_commit
from housescan.errors import NotFound, Unprocessable
from housescan.houses.models import House
from housescan.notifications import push
from housescan.notifications.mail import Mail, paragraphs_html, public_url, send_mail
from housescan.notifications.models import (
    Channel,
    NotificationOutbox,
    NotificationPreferences,
    OutboxState,
    Outcome,
    PushSubscription,
)
from housescan.notifications.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    PushSubscriptionCreate,
    PushSubscriptionRead,
    VapidPublicKey,
)
from housescan.review.models import Finding, Severity
from housescan.scans.models import Scan

logger = logging.getLogger(__name__)

CLAIM_LEASE_SECONDS = 120.0
RETRY_DELAYS_SECONDS = (60, 300, 900, 1800, 3600)  # after the 1st, 2nd, ... failed attempt; then hourly
_OUTBOX = cast("Table", NotificationOutbox.__table__)
_STAGE = insert(_OUTBOX)


class SubscriptionRejected(Unprocessable):
    """The push subscription's endpoint or keys are not acceptable (e.g. a private address)."""


class SubscriptionNotFound(NotFound):
    """No such push subscription of this user."""

    message = "no such push subscription"


class InvalidUnsubscribeToken(Unprocessable):
    """The one-click unsubscribe token is not valid."""

    message = "the unsubscribe token is not valid"


# ---------------------------------------------------------------------------------------------- preferences


# No row: both channels on. Without an SMTP server the e-mail is logged instead of sent; without a subscribed
# device there is no push (`email_available`, `push_subscriptions` say so).
EMAIL_ON_BY_DEFAULT, PUSH_ON_BY_DEFAULT = True, True


async def _preferences(*, db_session: AsyncSession, user_id: uuid.UUID) -> tuple[bool, bool]:
    row = await db_session.get(NotificationPreferences, user_id)
    if row is None:
        return EMAIL_ON_BY_DEFAULT, PUSH_ON_BY_DEFAULT
    return row.email_on_complete, row.push_on_complete


async def _read(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> PreferencesRead:
    email, push_on = await _preferences(db_session=db_session, user_id=user_id)
    devices = await db_session.scalar(
        select(func.count()).select_from(PushSubscription).where(PushSubscription.user_id == user_id)
    )
    return PreferencesRead(
        email_on_complete=email,
        push_on_complete=push_on,
        email_available=settings.smtp_url is not None,
        push_public_key=push.vapid_keys(settings).public_key,
        push_subscriptions=devices or 0,
    )


async def get_preferences(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> PreferencesRead:
    return await _read(db_session=db_session, settings=settings, user_id=user_id)


async def update_preferences(
    *, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, body: PreferencesUpdate
) -> PreferencesRead:
    email, push_on = await _preferences(db_session=db_session, user_id=user_id)
    row = await db_session.get(NotificationPreferences, user_id)
    if row is None:
        row = NotificationPreferences(user_id=user_id, email_on_complete=email, push_on_complete=push_on)
        db_session.add(row)
    if body.email_on_complete is not None:
        row.email_on_complete = body.email_on_complete
    if body.push_on_complete is not None:
        row.push_on_complete = body.push_on_complete
    row.updated_at = utcnow()
    await db_session.commit()
    return await _read(db_session=db_session, settings=settings, user_id=user_id)


def push_public_key(*, settings: Settings) -> VapidPublicKey:
    return VapidPublicKey(public_key=push.vapid_keys(settings).public_key)


# ---------------------------------------------------------------------------------------------- subscriptions


async def add_push_subscription(
    *, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, body: PushSubscriptionCreate
) -> PushSubscriptionRead:
    """Store a browser's subscription; the same endpoint again (a refreshed subscription, or another person
    signing in on that browser) replaces the earlier row."""
    try:
        await push.check_endpoint(settings, body.endpoint)
        push.check_keys(body.keys.p256dh, body.keys.auth)
    except push.InvalidSubscription as exc:
        raise SubscriptionRejected(str(exc)) from None
    await db_session.execute(delete(PushSubscription).where(PushSubscription.endpoint == body.endpoint))
    row = PushSubscription(user_id=user_id, endpoint=body.endpoint, p256dh=body.keys.p256dh, auth=body.keys.auth)
    db_session.add(row)
    await db_session.commit()
    return PushSubscriptionRead.model_validate(row)


async def remove_push_subscription(*, db_session: AsyncSession, user_id: uuid.UUID, endpoint: str) -> None:
    result = await db_session.execute(
        delete(PushSubscription).where(PushSubscription.user_id == user_id, PushSubscription.endpoint == endpoint)
    )
    await db_session.commit()
    if not getattr(result, "rowcount", 0):
        raise SubscriptionNotFound()


# ---------------------------------------------------------------------------------------------- outbox


@dataclass(frozen=True)
class StagedNotices:
    """What the transaction that finished a scan leaves for `send_staged`, which its commit runs."""

    scan_id: uuid.UUID
    to_send: bool  # a row waits for `send_pending`: something is to leave the machine
    to_log: list[Mail]  # e-mails with no SMTP server to take them


async def stage_outcome(
    *,
    db_session: AsyncSession,
    sessionmaker: SessionMaker,
    settings: Settings,
    scan_id: uuid.UUID,
    user_id: uuid.UUID,
    outcome: Literal["succeeded", "failed"],
) -> StagedNotices:
    """Write the outcome's notifications (one row per channel) in the caller's transaction, the one that
    finishes the scan, so they exist exactly when the outcome does. A channel with nowhere to go (turned
    off, no device, no SMTP server: the e-mail is logged) is settled right here, which spares every scan
    a transaction after the commit; the others are sent by `send_staged`, which the commit runs (with
    `sessionmaker`, for the sessions of its own the sending takes)."""
    now = utcnow()
    context = await _context(db_session, scan_id=scan_id, user_id=user_id)
    rows: list[dict[str, Any]] = []
    to_log: list[Mail] = []
    for channel in (Channel.email, Channel.push):
        row_id = uuid.uuid4()
        state = _state_without_sending(settings, channel, context)
        if state is OutboxState.logged and context is not None:
            to_log.append(_outcome_mail(settings, row_id, scan_id, Outcome(outcome), context))
        rows.append(
            {
                "id": row_id,
                "created_at": now,
                "user_id": user_id,
                "scan_id": scan_id,
                "channel": channel,
                "outcome": Outcome(outcome),
                "state": state or OutboxState.pending,
                "attempts": 0,
                "sent_at": now if state is OutboxState.logged else None,
            }
        )
    connection = await db_session.connection()
    await connection.execute(_STAGE, rows)
    notices = StagedNotices(
        scan_id=scan_id, to_send=any(row["state"] is OutboxState.pending for row in rows), to_log=to_log
    )
    after_commit(db_session, partial(send_staged, notices, sessionmaker=sessionmaker, settings=settings))
    return notices


async def send_staged(notices: StagedNotices, *, sessionmaker: SessionMaker, settings: Settings) -> None:
    """After the commit that staged them: log the e-mails no server takes, and send what has somewhere to
    go. A process that dies before this leaves its rows to the workers' sweep (the logged e-mails' lines
    are lost)."""
    for mail in notices.to_log:
        await send_mail(settings, mail)
    if notices.to_send:
        await send_pending(sessionmaker=sessionmaker, settings=settings, scan_id=notices.scan_id)


@dataclass(frozen=True)
class _Context:
    """What a scan's messages say and whom they reach."""

    user_id: uuid.UUID
    email: str
    address: str | None
    error: str | None
    email_on: bool
    push_on: bool
    has_device: bool
    scanned_at: datetime | None = None
    time_zone: str | None = None
    findings: dict[Severity, int] | None = None  # the scan's findings per severity


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    user_id: uuid.UUID
    scan_id: uuid.UUID
    channel: Channel
    outcome: Outcome
    attempts: int
    created_at: datetime
    context: _Context | None  # None: the scan or the account is gone


@dataclass(frozen=True)
class _Settled:
    row_id: uuid.UUID
    state: OutboxState
    error: str | None = None
    next_attempt_at: datetime | None = None


def _claimable(now: Any) -> Any:
    stale_claim = and_(
        _OUTBOX.c.state == OutboxState.sending,
        _OUTBOX.c.claimed_at < now - timedelta(seconds=CLAIM_LEASE_SECONDS),
    )
    due = and_(
        _OUTBOX.c.state == OutboxState.pending,
        or_(_OUTBOX.c.next_attempt_at.is_(None), _OUTBOX.c.next_attempt_at <= now),
    )
    return or_(due, stale_claim)


def retry_delay(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`-th failed attempt."""
    return timedelta(seconds=RETRY_DELAYS_SECONDS[min(attempts, len(RETRY_DELAYS_SECONDS)) - 1])


def _after_failure(settings: Settings, row: _Claimed, error: str, now: datetime) -> _Settled:
    """Pending again with its next attempt's time, or given up once the retry period is over."""
    next_attempt_at = now + retry_delay(row.attempts)
    if next_attempt_at > row.created_at + timedelta(hours=settings.notification_retry_hours):
        return _Settled(row.id, OutboxState.failed, error)
    return _Settled(row.id, OutboxState.pending, error, next_attempt_at)


def _state_without_sending(settings: Settings, channel: Channel, context: _Context | None) -> OutboxState | None:
    """How a row ends when nothing is to leave the machine for it; None when it has something to send."""
    if context is None:
        return OutboxState.skipped  # the scan or the account is gone
    if channel is Channel.email:
        if not context.email_on:
            return OutboxState.skipped
        return OutboxState.logged if settings.smtp_url is None else None
    return None if context.push_on and context.has_device else OutboxState.skipped


async def _claim(
    sessionmaker: SessionMaker,
    settings: Settings,
    *,
    scan_id: uuid.UUID | None,
    older_than_seconds: float,
    limit: int,
) -> tuple[list[_Claimed], list[Mail], int]:
    """pending (or a claim whose process died) -> sending, committed before anything is sent: only one
    process gets a row. The same transaction reads what the messages say and settles the rows that send
    nothing (skipped; an e-mail logged for want of an SMTP server): every scan's outcome passes here, and
    on SQLite each transaction waits its turn for the one writer.

    Returns the rows to send, the e-mails to log and how many rows were claimed."""
    now = utcnow()
    wanted = select(_OUTBOX.c.id).where(_claimable(now)).order_by(_OUTBOX.c.created_at).limit(limit)
    if scan_id is not None:
        wanted = wanted.where(_OUTBOX.c.scan_id == scan_id)
    if older_than_seconds > 0:
        wanted = wanted.where(_OUTBOX.c.created_at < now - timedelta(seconds=older_than_seconds))
    async with sessionmaker() as db_session:
        rows = (
            await db_session.execute(
                update(_OUTBOX)
                # The condition again: a row another process claimed after the subquery read it is skipped.
                .where(_OUTBOX.c.id.in_(wanted.scalar_subquery()), _claimable(now))
                .values(state=OutboxState.sending, claimed_at=now, attempts=_OUTBOX.c.attempts + 1)
                .returning(
                    _OUTBOX.c.id,
                    _OUTBOX.c.user_id,
                    _OUTBOX.c.scan_id,
                    _OUTBOX.c.channel,
                    _OUTBOX.c.outcome,
                    _OUTBOX.c.attempts,
                    _OUTBOX.c.created_at,
                )
            )
        ).all()
        contexts: dict[uuid.UUID, _Context | None] = {}
        for row in rows:
            if row.scan_id not in contexts:
                contexts[row.scan_id] = await _context(db_session, scan_id=row.scan_id, user_id=row.user_id)
        claimed = [
            _Claimed(
                row.id,
                row.user_id,
                row.scan_id,
                Channel(row.channel),
                Outcome(row.outcome),
                row.attempts,
                row.created_at,
                contexts[row.scan_id],
            )
            for row in rows
        ]
        decided = [(row, _state_without_sending(settings, row.channel, row.context)) for row in claimed]
        await _record(db_session, [_Settled(row.id, state) for row, state in decided if state is not None])
        await db_session.commit()
    to_send = [row for row, state in decided if state is None]
    to_log = [
        _outcome_mail(settings, row.id, row.scan_id, row.outcome, row.context)
        for row, state in decided
        if state is OutboxState.logged and row.context is not None
    ]
    return to_send, to_log, len(decided)


async def _context(db_session: AsyncSession, *, scan_id: uuid.UUID, user_id: uuid.UUID) -> _Context | None:
    """One query: it runs inside the transaction that finishes every scan."""
    has_device = select(PushSubscription.id).where(PushSubscription.user_id == User.id).exists()
    findings = [
        select(func.count())
        .where(Finding.scan_id == Scan.id, Finding.severity == severity)
        .scalar_subquery()
        .label(f"findings_{severity}")
        for severity in Severity
    ]
    row = (
        await db_session.execute(
            select(
                User.email,
                User.time_zone,
                House.address,
                Scan.error,
                Scan.first_analysed_at,
                NotificationPreferences.email_on_complete,
                NotificationPreferences.push_on_complete,
                has_device.label("has_device"),
                *findings,
            )
            .join(Scan, Scan.user_id == User.id)
            .join(House, House.id == Scan.house_id)
            .outerjoin(NotificationPreferences, NotificationPreferences.user_id == User.id)
            .where(Scan.id == scan_id, User.id == user_id)
        )
    ).first()
    if row is None:
        return None
    return _Context(
        user_id=user_id,
        email=row.email,
        address=row.address,
        error=row.error,
        email_on=EMAIL_ON_BY_DEFAULT if row.email_on_complete is None else row.email_on_complete,
        push_on=PUSH_ON_BY_DEFAULT if row.push_on_complete is None else row.push_on_complete,
        has_device=bool(row.has_device),
        scanned_at=row.first_analysed_at,
        time_zone=row.time_zone,
        findings={severity: int(getattr(row, f"findings_{severity}") or 0) for severity in Severity},
    )


async def _record(db_session: AsyncSession, settled: list[_Settled]) -> None:
    for row in settled:
        await db_session.execute(
            update(_OUTBOX)
            .where(_OUTBOX.c.id == row.row_id)
            .values(
                state=row.state,
                error=row.error,
                next_attempt_at=row.next_attempt_at,
                sent_at=utcnow() if row.state in (OutboxState.sent, OutboxState.logged) else None,
                claimed_at=None if row.state is OutboxState.pending else _OUTBOX.c.claimed_at,
            )
        )


async def _finish(sessionmaker: SessionMaker, settled: list[_Settled]) -> None:
    """Record how rows ended, in one transaction; never raises (a row left `sending` is taken over by a
    later sweep once its claim's lease is over)."""
    if not settled:
        return
    try:
        async with sessionmaker() as db_session:
            await _record(db_session, settled)
            await db_session.commit()
    except Exception:
        logger.exception("notifications: outbox rows %s could not be recorded", [row.row_id for row in settled])


async def send_pending(
    *,
    sessionmaker: SessionMaker,
    settings: Settings,
    scan_id: uuid.UUID | None = None,
    older_than_seconds: float = 0.0,
    limit: int = 50,
) -> int:
    """Send the outbox rows not sent yet: a scan's (right after the commit that staged them), or every row
    older than `older_than_seconds` (the sweep: their process died first). Returns how many this call
    handled. Never raises: a failed send waits for its next attempt (`retry_delay`), for at most
    `notification_retry_hours`.

    A message that left this process is recorded the moment it was taken (`_deliver`); a failed one is
    recorded with the others at the end, in one transaction."""
    try:
        to_send, to_log, claimed = await _claim(
            sessionmaker, settings, scan_id=scan_id, older_than_seconds=older_than_seconds, limit=limit
        )
    except Exception:
        logger.exception("notifications: the outbox could not be read")
        return 0
    for mail in to_log:
        await send_mail(settings, mail)  # no SMTP server: the e-mail is logged
    failed: list[_Settled] = []
    for row in to_send:
        try:
            await _deliver(sessionmaker, settings, row)
        except Exception as exc:
            settled = _after_failure(settings, row, f"{type(exc).__name__}: {exc}"[:2000], utcnow())
            logger.warning(
                "notifications: %s for scan %s not sent (attempt %d%s): %s",
                row.channel,
                row.scan_id,
                row.attempts,
                f"; next attempt at {settled.next_attempt_at:%Y-%m-%d %H:%M:%S}Z"
                if settled.next_attempt_at
                else ", giving up",
                exc,
            )
            failed.append(settled)
    await _finish(sessionmaker, failed)
    return claimed


# A scan's `error` may be a worker's or a model service's own words, which an e-mail does not carry: it names
# only these plain reasons (the scan's page shows the rest).
MAILED_REASONS = frozenset({ANALYSIS_UNAVAILABLE})


def outcome_title(outcome: Outcome, address: str | None) -> str:
    place = address or "your home"
    return f"Report ready: {place}" if outcome is Outcome.succeeded else f"Scan failed: {place}"


def findings_line(findings: dict[Severity, int]) -> str:
    """ "2 safety, 1 major, 3 maintenance": the severities with findings, the most serious first."""
    counted = [
        f"{count} {'notes' if severity is Severity.note and count > 1 else severity}"
        for severity, count in findings.items()
        if count
    ]
    if not counted:
        return "No findings are recorded yet; that is not a clean bill of health."
    return "Findings: " + ", ".join(counted) + "."


def outcome_mail(
    settings: Settings,
    *,
    to: str,
    scan_id: uuid.UUID,
    outcome: Outcome,
    address: str | None,
    error: str | None,
    key: str | None = None,
    scanned_at: datetime | None = None,
    time_zone: str | None = None,
    findings: dict[Severity, int] | None = None,
    user_id: uuid.UUID | None = None,
) -> Mail:
    """The e-mail of a scan's outcome; with `user_id` it carries a one-click unsubscribe (RFC 8058)."""
    base = public_url(settings)
    link = f"{base}/scans/{scan_id}"
    settings_link = f"{base}/settings"
    place = address or "your home"
    title = outcome_title(outcome, address)
    if outcome is Outcome.succeeded:
        lines = [
            f"The inspection report for {place} is ready"
            + (f" (scanned {local_time(scanned_at, time_zone)})." if scanned_at else "."),
            *([findings_line(findings)] if findings is not None else []),
            "Open it to read the findings room by room.",
        ]
        label = "Open the report"
    else:
        lines = [
            f"The analysis of {place} failed." + (f" {error}" if error in MAILED_REASONS else ""),
            "Open the scan to see what happened and process it again.",
        ]
        label = "Open the scan"
    footer = "Choose which notifications you get"
    text = "\n\n".join([*lines, f"{label}: {link}", f"{footer}: {settings_link}", "HouseScan"]) + "\n"
    headers: dict[str, str] = {}
    if user_id is not None:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url(settings, user_id)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Mail(
        to=to,
        subject=title,
        text=text,
        html=paragraphs_html(title, lines, link, label, footer=(footer, settings_link)),
        message_id_key=key,
        headers=headers,
    )


# ---------------------------------------------------------------------------------------------- unsubscribe


def _unsubscribe_signature(settings: Settings, user_id: uuid.UUID) -> str:
    key = hashlib.sha256(b"housescan-unsubscribe:" + settings.resolved_jwt_secret.encode()).digest()
    return push.b64url_encode(hmac.new(key, f"email:{user_id}".encode(), hashlib.sha256).digest())


def unsubscribe_token(settings: Settings, user_id: uuid.UUID) -> str:
    """A signed token that turns one person's e-mails off, with no login (it does nothing else)."""
    return f"{user_id.hex}.{_unsubscribe_signature(settings, user_id)}"


def unsubscribe_url(settings: Settings, user_id: uuid.UUID) -> str:
    return f"{public_url(settings)}/api/v1/notifications/unsubscribe?token={unsubscribe_token(settings, user_id)}"


def user_of_unsubscribe_token(settings: Settings, token: str) -> uuid.UUID | None:
    user_part, _, signature = token.partition(".")
    try:
        user_id = uuid.UUID(hex=user_part)
    except ValueError:
        return None
    return user_id if hmac.compare_digest(signature, _unsubscribe_signature(settings, user_id)) else None


async def unsubscribe(*, db_session: AsyncSession, settings: Settings, token: str) -> None:
    """One-click unsubscribe (RFC 8058): the token's owner gets no more scan e-mails."""
    user_id = user_of_unsubscribe_token(settings, token)
    if user_id is None or await db_session.get(User, user_id) is None:
        raise InvalidUnsubscribeToken()
    await update_preferences(
        db_session=db_session, settings=settings, user_id=user_id, body=PreferencesUpdate(email_on_complete=False)
    )


async def _push_to_devices(
    settings: Settings, subscriptions: list[PushSubscription], message: dict[str, Any], topic: str
) -> tuple[int, list[uuid.UUID], list[str]]:
    """POST the message to each device; returns how many took it, the subscriptions gone, the errors."""
    delivered, gone, errors = 0, [], []
    async with push.client(settings) as client:
        for subscription in subscriptions:
            try:
                status = await push.send_push(
                    client,
                    settings,
                    endpoint=subscription.endpoint,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    message=message,
                    topic=topic,
                )
            except (httpx.HTTPError, ValueError, TimeoutError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if status in push.GONE:
                gone.append(subscription.id)
            elif 200 <= status < 300:
                delivered += 1
            else:
                errors.append(f"push service answered {status}")
    return delivered, gone, errors


def _outcome_mail(
    settings: Settings, row_id: uuid.UUID, scan_id: uuid.UUID, outcome: Outcome, context: _Context
) -> Mail:
    return outcome_mail(
        settings,
        to=context.email,
        scan_id=scan_id,
        outcome=outcome,
        address=context.address,
        error=context.error,
        key=f"outcome-{row_id}",
        scanned_at=context.scanned_at,
        time_zone=context.time_zone,
        findings=context.findings,
        user_id=context.user_id,
    )


async def _deliver(sessionmaker: SessionMaker, settings: Settings, claimed: _Claimed) -> None:
    """Send one outbox row that has somewhere to go, and record it sent the moment it was taken (an e-mail
    as soon as the SMTP server accepts it, before the session is closed). Raises when nothing took it."""
    context = claimed.context
    assert context is not None

    async def record_sent() -> None:
        await _finish(sessionmaker, [_Settled(claimed.id, OutboxState.sent)])

    if claimed.channel is Channel.email:
        await send_mail(
            settings,
            _outcome_mail(settings, claimed.id, claimed.scan_id, claimed.outcome, context),
            on_accepted=record_sent,
        )
        return
    message = {
        "title": outcome_title(claimed.outcome, context.address),
        "body": "Tap to open the report." if claimed.outcome is Outcome.succeeded else "Tap to see what happened.",
        "url": f"/scans/{claimed.scan_id}",
        "scanId": str(claimed.scan_id),
        "outcome": str(claimed.outcome),
        "tag": f"scan-{claimed.scan_id}",  # the device shows one notification per scan, a resend included
        "notificationId": str(claimed.id),
    }
    async with sessionmaker() as db_session:
        devices = list(
            await db_session.scalars(select(PushSubscription).where(PushSubscription.user_id == claimed.user_id))
        )
    delivered, gone, errors = await _push_to_devices(settings, devices, message, claimed.scan_id.hex)
    if gone:
        async with sessionmaker() as db_session:
            await db_session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
            await db_session.commit()
        logger.info("notifications: dropped %d expired push subscriptions", len(gone))
    if delivered or not errors:
        # Devices that failed are not retried once one got it: a retry would notify the others twice.
        if errors:
            logger.warning("notifications: push to some devices failed: %s", "; ".join(errors))
        await _finish(sessionmaker, [_Settled(claimed.id, OutboxState.sent if delivered else OutboxState.skipped)])
        return
    raise RuntimeError("; ".join(errors))
