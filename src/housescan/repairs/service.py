from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from housescan.auth.models import User
from housescan.db.base import utcnow
from housescan.repairs.guide import GUIDE, GuideRow
from housescan.repairs.models import DEFAULT_COST_FACTOR, CostPreferences
from housescan.repairs.schemas import (
    CostGuideOut,
    CostGuideRowOut,
    CostPreferencesBody,
    CostPreferencesOut,
    GuideSource,
)
from housescan.review.models import Trade

GUIDE_NOTE = (
    "An estimate: typical UK ranges taken from the public cost guide named in each row, in that row's year, "
    "times your regional factor. Not a quote; a tradesperson's price for this home can differ."
)


async def cost_factor_of(db_session: AsyncSession, user: User) -> float:
    stored = await db_session.get(CostPreferences, user.id)
    return stored.cost_factor if stored else DEFAULT_COST_FACTOR


async def preferences_of(db_session: AsyncSession, user: User) -> CostPreferencesOut:
    return CostPreferencesOut(currency=user.currency, cost_factor=await cost_factor_of(db_session, user))


async def update_preferences(*, db_session: AsyncSession, user: User, body: CostPreferencesBody) -> CostPreferencesOut:
    """Both fields are written in one transaction; a field left out stays as it is."""
    stored_user = await db_session.get_one(User, user.id)
    if "currency" in body.model_fields_set:
        stored_user.currency = body.currency
    if body.cost_factor is not None:
        stored = await db_session.get(CostPreferences, user.id)
        if stored is None:
            db_session.add(CostPreferences(user_id=user.id, cost_factor=body.cost_factor))
        else:
            stored.cost_factor = body.cost_factor
            stored.updated_at = utcnow()
    await db_session.commit()
    return await preferences_of(db_session, stored_user)


def _matches(row: GuideRow, trade: Trade | None, words: list[str]) -> bool:
    if trade is not None and row.trade != trade:
        return False
    job = row.job.lower()
    return all(word in job for word in words)


def _scaled(row: GuideRow, factor: float, account_currency: str | None) -> CostGuideRowOut:
    return CostGuideRowOut(
        id=row.id,
        trade=row.trade,
        job=row.job,
        low=round(row.low * factor),
        high=round(row.high * factor),
        currency=row.currency,
        in_account_currency=row.currency == account_currency,
        guide_low=row.low,
        guide_high=row.high,
        year=row.year,
        source=GuideSource(title=row.source.title, url=row.source.url),
    )


async def cost_guide(*, db_session: AsyncSession, user: User, trade: Trade | None, query: str | None) -> CostGuideOut:
    factor = await cost_factor_of(db_session, user)
    words = (query or "").lower().split()
    rows = [_scaled(row, factor, user.currency) for row in GUIDE if _matches(row, trade, words)]
    return CostGuideOut(estimate=True, note=GUIDE_NOTE, cost_factor=factor, account_currency=user.currency, rows=rows)
