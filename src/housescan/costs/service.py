"""Model spend, from the `agent_spend` ledger: per-user totals over a period, and the per-user monthly budget.

Every paid agent call is recorded when its attempt ends, succeeded or failed (`record_spend`), at the time
it ran, and still counts once its scan is deleted: failing scans, retries and deleted scans neither give a
user back budget nor hide spend from the operators. A scan may spend at most
`scan_budget_usd` (the pipeline stops there), so a scan is accepted for processing only when this month's
spend, plus that cap for every scan of the user already queued or running, plus that cap for this one,
stays within `user_monthly_budget_usd`: no model call is made for a scan that could exceed it. With the
offline models a scan costs nothing, so only spend already made can use the budget up.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import AgentExecution
from housescan.auth.models import User
from housescan.config import Settings
from housescan.costs.models import AgentSpend
from housescan.costs.schemas import BudgetStatus, CostReport, UserCost
from housescan.errors import PaymentRequired, Unprocessable
from housescan.scans.models import Scan, ScanStatus


class MonthlyBudgetExceeded(PaymentRequired):
    """Processing could take the user over their monthly budget; nothing was queued."""

    def __init__(self, message: str, status: BudgetStatus) -> None:
        super().__init__(message)
        self.status = status


def month_start(now: datetime | None = None) -> datetime:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime | None = None) -> datetime:
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


_SPEND = cast("Table", AgentSpend.__table__)


async def record_spend(
    *, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID, executions: Sequence[AgentExecution]
) -> None:
    """Add the paid calls among an attempt's agent executions to the ledger, in the caller's transaction.
    Answers reused from an earlier attempt (cache hits) were paid, and recorded, by that attempt."""
    rows = [
        {
            "user_id": user_id,
            "scan_id": scan_id,
            "model": execution.model[:200],
            "requests": execution.requests,
            "tokens_in": execution.tokens_in,
            "tokens_out": execution.tokens_out,
            "cost_usd": execution.cost_usd,
            "started_at": execution.started_at,
        }
        for execution in executions
        if not execution.cache_hit
        and (execution.requests or execution.tokens_in or execution.tokens_out or execution.cost_usd)
    ]
    if rows:
        connection = await db_session.connection()
        await connection.execute(insert(_SPEND), rows)


async def spent_usd(
    *, db_session: AsyncSession, user_id: uuid.UUID, since: datetime, until: datetime | None = None
) -> float:
    query = select(func.coalesce(func.sum(_SPEND.c.cost_usd), 0)).where(
        _SPEND.c.user_id == user_id, _SPEND.c.started_at >= since
    )
    if until is not None:
        query = query.where(_SPEND.c.started_at < until)
    return float(await db_session.scalar(query) or 0)


def analysis_may_cost_money(settings: Settings) -> bool:
    """The offline providers (`local`, `null`) never spend; an LLM provider or a separate agents service
    (whose provider is configured there) may, up to `scan_budget_usd` per scan."""
    return settings.agents_url is not None or settings.agents_provider == "llm"


async def budget_status(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> BudgetStatus:
    start = month_start()
    in_flight = await db_session.scalar(
        select(func.count())
        .select_from(Scan)
        .where(Scan.user_id == user_id, Scan.status.in_((ScanStatus.queued, ScanStatus.running)))
    )
    per_scan = (settings.scan_budget_usd or 0.0) if analysis_may_cost_money(settings) else 0.0
    return BudgetStatus(
        monthly_budget_usd=settings.user_monthly_budget_usd,
        month_start=start,
        spent_usd=round(await spent_usd(db_session=db_session, user_id=user_id, since=start), 6),
        reserved_usd=round((in_flight or 0) * per_scan, 6),
        scan_budget_usd=per_scan,
    )


async def ensure_within_monthly_budget(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID) -> None:
    """Raise MonthlyBudgetExceeded when one more scan could take the user over this month's budget."""
    if settings.user_monthly_budget_usd is None:
        return
    status = await budget_status(db_session=db_session, settings=settings, user_id=user_id)
    limit = settings.user_monthly_budget_usd
    if status.spent_usd + status.reserved_usd + status.scan_budget_usd <= limit + 1e-9:
        return
    parts = [f"spent ${status.spent_usd:.2f} this month"]
    if status.reserved_usd:
        parts.append(f"${status.reserved_usd:.2f} is reserved by scans queued or running")
    if status.scan_budget_usd:
        parts.append(f"a scan may cost up to ${status.scan_budget_usd:.2f}")
    raise MonthlyBudgetExceeded(
        f"monthly budget of ${limit:.2f} would be exceeded: "
        + ", ".join(parts)
        + f". The budget renews on {next_month_start():%Y-%m-%d} (UTC); no analysis was started.",
        status,
    )


class InvalidPeriod(Unprocessable):
    message = "`until` must be after `since`"


def _utc(moment: datetime) -> datetime:
    """A moment without a zone is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


async def costs_by_user(
    *, db_session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> CostReport:
    """Spend per user from `since` (default: this month's start, UTC) to `until` (default: now)."""
    since = _utc(since) if since else month_start()
    until = _utc(until) if until else datetime.now(UTC)
    if until <= since:
        raise InvalidPeriod()
    spend = _SPEND.c
    rows = await db_session.execute(
        select(
            User.id,
            User.email,
            func.count(func.distinct(spend.scan_id)),
            func.count(),
            func.coalesce(func.sum(spend.requests), 0),
            func.coalesce(func.sum(spend.tokens_in), 0),
            func.coalesce(func.sum(spend.tokens_out), 0),
            func.coalesce(func.sum(spend.cost_usd), 0),
        )
        .join(User, User.id == spend.user_id)
        .where(spend.started_at >= since, spend.started_at < until)
        .group_by(User.id, User.email)
    )
    users = [
        UserCost(
            user_id=user_id,
            email=email,
            scans=int(scans),
            agent_runs=int(runs),
            requests=int(requests),
            tokens_in=int(tokens_in),
            tokens_out=int(tokens_out),
            cost_usd=round(float(cost), 6),
        )
        for user_id, email, scans, runs, requests, tokens_in, tokens_out, cost in rows
    ]
    users.sort(key=lambda user: (-user.cost_usd, user.email))
    return CostReport(
        since=since,
        until=until,
        users=users,
        total_cost_usd=round(sum(user.cost_usd for user in users), 6),
        total_tokens=sum(user.tokens_in + user.tokens_out for user in users),
    )
