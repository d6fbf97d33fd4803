"""Operators' views: failed scans (with their reasons and attempts), retrying one, and the analytics of a
period (success rate, outcomes, processing times, failures by reason, spend per day)."""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Float, Select, cast, extract, func, select, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.admin.schemas import (
    AdminAnalytics,
    AgentProcessing,
    DayScans,
    DaySpend,
    FailedScan,
    FailedScanPage,
    FailureReason,
    OutboxHealth,
    OutcomeCounts,
    ProcessingSeconds,
)
from housescan.auth.models import User
from housescan.costs.models import AgentSpend
from housescan.houses.models import House
from housescan.jobs.base import JobQueue
from housescan.notifications.models import Channel, NotificationOutbox, OutboxState
from housescan.pagination import offset_page
from housescan.scans import service as scans_service
from housescan.scans.models import AgentRun, Scan, ScanStatus
from housescan.scans.service import ScanNotFound, ScanStateConflict


async def failed_scans(*, db_session: AsyncSession, limit: int, offset: int) -> FailedScanPage:
    """Failed scans of every user, the most recent failure first."""
    rows, total = await offset_page(
        db_session,
        select(Scan, User.email, House.address)
        .join(User, User.id == Scan.user_id)
        .join(House, House.id == Scan.house_id)
        .where(Scan.status == ScanStatus.failed)
        .order_by(Scan.finished_at.desc(), Scan.id),
        limit=limit,
        offset=offset,
    )
    return FailedScanPage(
        items=[
            FailedScan(
                id=scan.id,
                user_id=scan.user_id,
                user_email=email,
                house_id=scan.house_id,
                address=address,
                error=scan.error,
                attempts=scan.attempts,
                created_at=scan.created_at,
                started_at=scan.started_at,
                finished_at=scan.finished_at,
            )
            for scan, email, address in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


async def retry_failed_scan(
    *, db_session: AsyncSession, queue: JobQueue, scan_id: uuid.UUID
) -> tuple[Scan, str | None]:
    """Queue any user's failed scan again, through the scans service; the user's monthly budget is not checked
    (an operator decides). Returns the scan and the error it had."""
    scan = await db_session.scalar(select(Scan).where(Scan.id == scan_id))
    if scan is None:
        raise ScanNotFound()
    if scan.status is not ScanStatus.failed:
        raise ScanStateConflict(f"only a failed scan can be retried; this one is {scan.status}")
    previous_error = scan.error
    scan = await scans_service.queue_for_processing(db_session=db_session, queue=queue, scan=scan)
    return scan, previous_error


# ---- analytics -----------------------------------------------------------------------------------------

ANALYTICS_MAX_DAYS = 365
ANALYTICS_DEFAULT_DAYS = 30
MAX_FAILURE_GROUPS = 20
PERCENTILES = (0.5, 0.95)


def percentile_cont(ordered: Sequence[float], fraction: float) -> float | None:
    """PostgreSQL's `percentile_cont` over values sorted ascending: linear interpolation between the two
    nearest ranks. None for no values."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


_ELISIONS = (
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<id>"),
    (re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"), "<url>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<address>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b"), "<id>"),  # hashes, ids without dashes
    (re.compile(r"[\w.-]+\.(?:jpe?g|png|webp|heic|heif|gif|tiff?|bmp)\b", re.IGNORECASE), "<file>"),
    (re.compile(r"'[^'\n]*'|\"[^\"\n]*\""), "'…'"),  # quoted names: files, hosts, values
    (re.compile(r"\b\d+(?:\.\d+)?\b"), "N"),
    (re.compile(r"\s+"), " "),
)
_MAX_REASON_CHARS = 200


def failure_group(message: str | None) -> str:
    """The reason a failure's message gives, with what differs from one failure of that kind to the next
    (ids, URLs, addresses, quoted names, numbers) elided, so that failures of one kind count together."""
    text = (message or "").strip()
    for pattern, replacement in _ELISIONS:
        text = pattern.sub(replacement, text)
    text = text.strip()
    if not text:
        return "no reason recorded"
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 1] + "…"


def analytics_period(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last `days` UTC days, today included: from the start of the first one to now."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days - 1), now


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as the database computes it."""
    if dialect == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite keeps UTC timestamps as ISO text


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class _Timing:
    count: int
    flagged: int
    p50: float | None
    p95: float | None


async def _timings(
    db_session: AsyncSession,
    *,
    key: Any,
    started: Any,
    finished: Any,
    flagged: ColumnElement[bool],
    query: Select[Any],
) -> dict[Any, _Timing]:
    """For each `key` over the rows of `query` (which selects from, joins and filters the tables of these
    columns): how many rows, how many of them are `flagged`, and the p50 and p95 of finished - started in
    seconds.

    PostgreSQL computes them in one pass (`percentile_cont` over an array of fractions: one sort per group);
    elsewhere (SQLite, the embedded database) the period's durations are read and interpolated the same way
    here."""
    if db_session.get_bind().dialect.name == "postgresql":
        duration = cast(extract("epoch", finished) - extract("epoch", started), Float)
        percentiles = func.percentile_cont(postgresql.array(PERCENTILES)).within_group(duration)
        rows = await db_session.execute(
            query.with_only_columns(
                key, func.count(), func.count().filter(flagged), type_coerce(percentiles, ARRAY(Float))
            ).group_by(key)
        )
        return {
            group: _Timing(int(count), int(flagged_count), *(_seconds(value) for value in values))
            for group, count, flagged_count, values in rows
        }
    durations: dict[Any, list[float]] = defaultdict(list)
    flags: Counter[Any] = Counter()
    for group, start, end, flag in await db_session.execute(query.with_only_columns(key, started, finished, flagged)):
        durations[group].append((end - start).total_seconds())
        flags[group] += bool(flag)
    result: dict[Any, _Timing] = {}
    for group, values in durations.items():
        values.sort()
        p50, p95 = (_seconds(percentile_cont(values, fraction)) for fraction in PERCENTILES)
        result[group] = _Timing(len(values), flags[group], p50, p95)
    return result


def _every_day(since: datetime, until: datetime) -> list[date]:
    first, last = since.date(), until.date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _failure_groups(rows: Iterable[tuple[str | None, int, datetime | None]], *, since: datetime) -> list[FailureReason]:
    """Distinct messages (with their count and latest time) merged into groups of one kind of failure."""
    groups: dict[str, FailureReason] = {}
    for message, count, latest in rows:
        last_seen = latest or since
        reason = failure_group(message)
        group = groups.get(reason)
        if group is None:
            groups[reason] = FailureReason(reason=reason, count=count, example=message or "", last_seen=last_seen)
            continue
        group.count += count
        if last_seen > group.last_seen:
            group.example, group.last_seen = message or "", last_seen
    ordered = sorted(groups.values(), key=lambda group: (-group.count, -group.last_seen.timestamp(), group.reason))
    return ordered[:MAX_FAILURE_GROUPS]


async def outbox_health(db_session: AsyncSession) -> OutboxHealth:
    """What the notification outbox holds now: waiting (and retrying) and given-up messages."""
    outbox = NotificationOutbox.__table__.c
    waiting = outbox.state.in_((OutboxState.pending, OutboxState.sending))
    given_up = outbox.state == OutboxState.failed
    email = outbox.channel == Channel.email
    row = (
        await db_session.execute(
            select(
                func.count().filter(waiting).label("waiting"),
                func.count().filter(waiting, outbox.attempts > 0).label("retrying"),
                func.count().filter(given_up).label("given_up"),
                func.count().filter(waiting, email).label("waiting_email"),
                func.count().filter(given_up, email).label("given_up_email"),
                func.min(outbox.created_at).filter(waiting).label("oldest_waiting_since"),
                func.min(outbox.next_attempt_at).filter(waiting).label("next_attempt_at"),
            ).where(waiting | given_up)
        )
    ).one()
    last_error = await db_session.scalar(
        select(outbox.error)
        .where(outbox.error.is_not(None), waiting | given_up)
        .order_by(outbox.created_at.desc())
        .limit(1)
    )
    return OutboxHealth(
        waiting=row.waiting,
        retrying=row.retrying,
        given_up=row.given_up,
        waiting_email=row.waiting_email,
        given_up_email=row.given_up_email,
        oldest_waiting_since=row.oldest_waiting_since,
        next_attempt_at=row.next_attempt_at,
        last_error=last_error,
    )


async def analytics(*, db_session: AsyncSession, days: int, now: datetime | None = None) -> AdminAnalytics:
    """The operators' figures for the last `days` UTC days: scans created in the period by outcome, the
    success rate of those that ended, processing times (of succeeded scans, and of every agent run that was
    not an answer reused from an earlier attempt) as p50/p95, failures grouped by reason, and the money
    the spend ledger recorded per day."""
    since, until = analytics_period(days, now)
    dialect = db_session.get_bind().dialect.name
    in_period = (Scan.created_at >= since, Scan.created_at <= until)

    counts: dict[ScanStatus, int] = defaultdict(int)
    per_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    created_day = _day(Scan.created_at, dialect)
    for status, day, count in await db_session.execute(
        select(Scan.status, created_day, func.count()).where(*in_period).group_by(Scan.status, created_day)
    ):
        counts[status] += count
        bucket = status.value if status in (ScanStatus.succeeded, ScanStatus.failed) else "other"
        per_day[_as_date(day)][bucket] += count
    ended = counts[ScanStatus.succeeded] + counts[ScanStatus.failed]

    # Succeeded scans, timed; those with rooms that could not be analysed are flagged (partial successes).
    scans_timed = await _timings(
        db_session,
        key=Scan.status,
        started=Scan.started_at,
        finished=Scan.finished_at,
        flagged=Scan.error.is_not(None),
        query=select(Scan.id).where(
            *in_period, Scan.status == ScanStatus.succeeded, Scan.started_at.is_not(None), Scan.finished_at.is_not(None)
        ),
    )
    scans = scans_timed.get(ScanStatus.succeeded, _Timing(0, 0, None, None))
    # The agent runs of the period's scans, timed; failed runs flagged. Reused answers (cache hits) took no time.
    runs_timed = await _timings(
        db_session,
        key=AgentRun.agent_name,
        started=AgentRun.started_at,
        finished=AgentRun.finished_at,
        flagged=AgentRun.status != "succeeded",
        query=select(AgentRun.id)
        .join(Scan, Scan.id == AgentRun.scan_id)
        .where(*in_period, AgentRun.cache_hit.is_(False)),
    )

    failures = await db_session.execute(
        select(Scan.error, func.count(), func.max(Scan.finished_at))
        .where(*in_period, Scan.status == ScanStatus.failed)
        .group_by(Scan.error)
    )

    spend = AgentSpend.__table__.c
    spend_day = _day(spend.started_at, dialect)
    spent: dict[date, DaySpend] = {}
    for day, calls, cost, tokens_in, tokens_out in await db_session.execute(
        select(
            spend_day,
            func.count(),
            func.coalesce(func.sum(spend.cost_usd), 0),
            func.coalesce(func.sum(spend.tokens_in), 0),
            func.coalesce(func.sum(spend.tokens_out), 0),
        )
        .where(spend.started_at >= since, spend.started_at <= until)
        .group_by(spend_day)
    ):
        spent[_as_date(day)] = DaySpend(
            date=_as_date(day),
            cost_usd=round(float(cost), 6),
            calls=int(calls),
            tokens_in=int(tokens_in),
            tokens_out=int(tokens_out),
        )

    period = _every_day(since, until)
    spend_per_day = [
        spent.get(day, DaySpend(date=day, cost_usd=0.0, calls=0, tokens_in=0, tokens_out=0)) for day in period
    ]
    return AdminAnalytics(
        days=days,
        since=since,
        until=until,
        success_rate=round(counts[ScanStatus.succeeded] / ended, 4) if ended else None,
        outcomes=OutcomeCounts(
            total=sum(counts.values()),
            succeeded=counts[ScanStatus.succeeded],
            partial=scans.flagged,
            failed=counts[ScanStatus.failed],
            running=counts[ScanStatus.running],
            queued=counts[ScanStatus.queued],
            draft=counts[ScanStatus.draft],
        ),
        processing_seconds=ProcessingSeconds(
            count=scans.count,
            p50=scans.p50,
            p95=scans.p95,
            by_agent=[
                AgentProcessing(agent_name=name, runs=run.count, failed=run.flagged, p50=run.p50, p95=run.p95)
                for name, run in sorted(runs_timed.items())
            ],
        ),
        failures_by_reason=_failure_groups(failures.all(), since=since),
        scans_per_day=[
            DayScans(
                date=day,
                succeeded=per_day[day]["succeeded"],
                failed=per_day[day]["failed"],
                other=per_day[day]["other"],
            )
            for day in period
        ],
        spend_per_day=spend_per_day,
        total_cost_usd=round(sum(day.cost_usd for day in spend_per_day), 6),
        notifications=await outbox_health(db_session),
    )
