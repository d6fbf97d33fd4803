"""Share links: an owner publishes a read-only view of a scan's report to anyone holding the link.

A token is 256 random bits, handed out once; only its SHA-256 is stored, so the table cannot be turned
back into working links. Unknown, expired and revoked tokens all answer 404, and an address that keeps
trying tokens that do not work is throttled (429) before it can enumerate anything."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import defaultdict, deque
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.errors import Conflict, NotFound, TooManyRequests
from housescan.reports import service as reports_service
from housescan.reports.share_models import ShareLink
from housescan.reports.share_schemas import ShareCreate, ShareCreated, SharedReport, ShareList, ShareRead
from housescan.review import report as review_report
from housescan.scans.models import Scan, ScanStatus
from housescan.storage.base import ObjectStore

TOKEN_BYTES = 32
FAILED_LOOKUPS_PER_WINDOW = 20
FAILED_LOOKUP_WINDOW_SECONDS = 600.0


class ShareNotFound(NotFound):
    """The link is unknown, expired or revoked (or its report is no longer finished)."""

    message = "this link does not exist, has expired or was revoked"


class ShareLinkNotFound(NotFound):
    """No such share link of this scan."""

    message = "share link not found"


class NotShareable(Conflict):
    """Only a finished report can be shared."""


class TooManyFailedLinks(TooManyRequests):
    """This address keeps opening links that do not work; it waits `Retry-After` seconds."""


class FailureLimiter:
    """Failed look-ups per client address in a sliding window, in this process. Only failures count, so
    people opening links that work are never slowed down."""

    def __init__(self, *, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _prune(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if failures is not None and not failures:
            del self._failures[key]  # nothing kept for an address that stopped failing
            return None
        return failures

    def retry_after(self, key: str) -> int | None:
        now = time.monotonic()
        failures = self._prune(key, now)
        if failures is None or len(failures) < self.max_failures:
            return None
        return max(1, int(failures[0] + self.window - now) + 1)

    def refuse_if_throttled(self, key: str) -> None:
        wait = self.retry_after(key)
        if wait is not None:
            raise TooManyFailedLinks(f"too many links that do not work; try again in {wait} seconds", retry_after=wait)

    def record_failure(self, key: str) -> None:
        now = time.monotonic()
        self._prune(key, now)
        self._failures[key].append(now)


def new_limiter() -> FailureLimiter:
    return FailureLimiter(max_failures=FAILED_LOOKUPS_PER_WINDOW, window_seconds=FAILED_LOOKUP_WINDOW_SECONDS)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible_token(token: str) -> bool:
    """Whether a token is worth a look-up (tokens handed out are 43 characters)."""
    return 20 <= len(token) <= 100


def share_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/shared/{token}"


LinkState = Literal["active", "expired", "revoked"]


class NewLink(NamedTuple):
    token: str  # handed out once
    token_hash: str  # what is stored
    expires_at: datetime


def new_link(*, days: int, now: datetime) -> NewLink:
    """A fresh token for a read-only link valid `days` days from `now` (days as `ShareCreate` bounds them)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return NewLink(token=token, token_hash=hash_token(token), expires_at=now + timedelta(days=days))


def link_state(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> LinkState:
    if revoked_at is not None:
        return "revoked"
    return "expired" if expires_at <= now else "active"


def _state(share: ShareLink, now: datetime) -> LinkState:
    return link_state(expires_at=share.expires_at, revoked_at=share.revoked_at, now=now)


def _read(share: ShareLink, now: datetime) -> ShareRead:
    return ShareRead(
        id=share.id,
        scan_id=share.scan_id,
        created_at=share.created_at,
        expires_at=share.expires_at,
        revoked_at=share.revoked_at,
        state=_state(share, now),
    )


async def create_share(*, db_session: AsyncSession, scan: Scan, body: ShareCreate, base_url: str) -> ShareCreated:
    if scan.status is not ScanStatus.succeeded:
        raise NotShareable(f"only a finished report can be shared; this scan is {scan.status}")
    now = utcnow()
    link = new_link(days=body.expires_in_days, now=now)
    share = ShareLink(
        scan_id=scan.id, user_id=scan.user_id, token_hash=link.token_hash, created_at=now, expires_at=link.expires_at
    )
    db_session.add(share)
    await db_session.commit()
    return ShareCreated(
        id=share.id, token=link.token, url=share_url(base_url, link.token), expires_at=share.expires_at, created_at=now
    )


async def list_shares(*, db_session: AsyncSession, scan: Scan) -> ShareList:
    shares = await db_session.scalars(
        select(ShareLink)
        .where(ShareLink.scan_id == scan.id, ShareLink.user_id == scan.user_id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id)
    )
    now = utcnow()
    return ShareList(items=[_read(share, now) for share in shares])


async def revoke_share(*, db_session: AsyncSession, scan: Scan, share_id: uuid.UUID) -> None:
    share = await db_session.scalar(
        select(ShareLink).where(
            ShareLink.id == share_id, ShareLink.scan_id == scan.id, ShareLink.user_id == scan.user_id
        )
    )
    if share is None:
        raise ShareLinkNotFound()
    if share.revoked_at is None:
        share.revoked_at = utcnow()
    await db_session.commit()


async def _scan_of_token(
    *, db_session: AsyncSession, token: str, limiter: FailureLimiter, client: str
) -> tuple[Scan, ShareLink]:
    key = f"share:{client}"
    limiter.refuse_if_throttled(key)
    row = None
    if plausible_token(token):
        row = (
            await db_session.execute(
                select(ShareLink, Scan)
                .join(Scan, Scan.id == ShareLink.scan_id)
                .where(ShareLink.token_hash == hash_token(token))
            )
        ).first()
    if row is None or _state(row[0], utcnow()) != "active" or row[1].status is not ScanStatus.succeeded:
        limiter.record_failure(key)
        raise ShareNotFound()
    share, scan = row
    return scan, share


async def shared_report(
    *, db_session: AsyncSession, settings: Settings, token: str, limiter: FailureLimiter, client: str
) -> SharedReport:
    scan, share = await _scan_of_token(db_session=db_session, token=token, limiter=limiter, client=client)
    report, _context = await review_report.report_of_scan(
        db_session=db_session, settings=settings, scan=scan, audience="reader"
    )
    return SharedReport(
        report=report,
        expires_at=share.expires_at,
        pdf_url=f"/api/v1/shared/{token}/report.pdf",
    )


async def shared_report_pdf(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    token: str,
    limiter: FailureLimiter,
    client: str,
    tz: str | None = None,
) -> tuple[bytes, str]:
    """The report behind a link as a PDF, speaking to its reader, its times in `tz` (an IANA name; 422 when
    unknown, checked before the link is read so it is no failed attempt), else in UTC, named."""
    zone = reports_service.time_zone(tz) if tz else reports_service.UTC
    scan, _share = await _scan_of_token(db_session=db_session, token=token, limiter=limiter, client=client)
    try:
        return await reports_service.report_pdf_of_scan(
            db_session=db_session, store=store, settings=settings, scan=scan, owner=False, zone=zone
        )
    except reports_service.ReportNotReady:
        raise ShareNotFound() from None
