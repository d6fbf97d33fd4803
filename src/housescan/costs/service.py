"""Model spend, from agents_runs: per-user totals over a period, and the per-user monthly budget.

A scan's spend is counted at the time its agents ran (`agents_runs.started_at`), and still counts once the
scan is deleted (its runs' spend is moved to `deleted_scan_spend`). A scan may spend at most
`scan_budget_usd` (the pipeline stops there), so a scan is accepted for processing only when this month's
spend, plus that cap for every scan of the user already queued or running, plus that cap for this one,
stays within `user_monthly_budget_usd`: no model call is made for a scan that could exceed it. With the
offline models a scan costs nothing, so only spend already made can use the budget up.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Subquery, func, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.auth.models import User
from housescan.config import Settings
from housescan.costs.models import DeletedScanSpend
from housescan.costs.schemas import BudgetStatus, CostReport, UserCost
from housescan.scans.models import AgentRun, Scan, ScanStatus


class MonthlyBudgetExceeded(Exception):
    def __init__(self, message: str, status: BudgetStatus) -> None:
        super().__init__(message)
        self.status = status


def month_start(now: datetime | None = None) -> datetime:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime | None = None) -> datetime:
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _agent_spend() -> Subquery:
    """Every agent run's spend with its user: the runs of existing scans, then those of deleted ones."""
    existing = select(
        Scan.user_id,
        AgentRun.scan_id,
        AgentRun.requests,
        AgentRun.tokens_in,
        AgentRun.tokens_out,
        AgentRun.cost_usd,
        AgentRun.started_at,
    ).join(Scan, Scan.id == AgentRun.scan_id)
    deleted = select(
        DeletedScanSpend.user_id,
        DeletedScanSpend.scan_id,
        DeletedScanSpend.requests,
        DeletedScanSpend.tokens_in,
        DeletedScanSpend.tokens_out,
        DeletedScanSpend.cost_usd,
        DeletedScanSpend.started_at,
    )
    return union_all(existing, deleted).subquery("agent_spend")


async def keep_spend_of_deleted_scan(*, db_session: AsyncSession, scan_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Copy a scan's agent spend aside, in the transaction that deletes the scan (and its runs)."""
    columns = ("requests", "tokens_in", "tokens_out", "cost_usd", "started_at", "model")
    await db_session.execute(
        insert(DeletedScanSpend).from_select(
            ["user_id", "scan_id", *columns],
            select(
                literal(user_id, DeletedScanSpend.user_id.type),
                AgentRun.scan_id,
                *(getattr(AgentRun, column) for column in columns),
            ).where(AgentRun.scan_id == scan_id),
        )
    )


async def spent_usd(
    *, db_session: AsyncSession, user_id: uuid.UUID, since: datetime, until: datetime | None = None
) -> float:
    spend = _agent_spend()
    query = select(func.coalesce(func.sum(spend.c.cost_usd), 0)).where(
        spend.c.user_id == user_id, spend.c.started_at >= since
    )
    if until is not None:
        query = query.where(spend.c.started_at < until)
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


async def costs_by_user(*, db_session: AsyncSession, since: datetime, until: datetime) -> CostReport:
    spend = _agent_spend()
    rows = await db_session.execute(
        select(
            User.id,
            User.email,
            func.count(func.distinct(spend.c.scan_id)),
            func.count(),
            func.coalesce(func.sum(spend.c.requests), 0),
            func.coalesce(func.sum(spend.c.tokens_in), 0),
            func.coalesce(func.sum(spend.c.tokens_out), 0),
            func.coalesce(func.sum(spend.c.cost_usd), 0),
        )
        .join(User, User.id == spend.c.user_id)
        .where(spend.c.started_at >= since, spend.c.started_at < until)
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
