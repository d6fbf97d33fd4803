from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from housescan.review.models import Trade

CostFactor = Annotated[
    float, Field(ge=0.2, le=5, description="multiplies the guide's national figures for the account's region")
]


class CostPreferencesBody(BaseModel):
    """A field left out stays as it is."""

    currency: Annotated[str, Field(pattern="^[A-Z]{3}$", description="ISO 4217 code, e.g. GBP")] | None = None
    cost_factor: CostFactor | None = None


class CostPreferencesOut(BaseModel):
    currency: str | None
    cost_factor: float


class GuideSource(BaseModel):
    title: str
    url: str


class CostGuideRowOut(BaseModel):
    id: str = Field(description="what a finding's cost_source is set to when the person takes this suggestion")
    trade: Trade
    job: str
    low: float = Field(description="the guide's low figure times the account's cost factor")
    high: float
    currency: str
    in_account_currency: bool = Field(
        description="false: the row keeps the guide's currency (no exchange rate is applied)"
    )
    guide_low: float = Field(description="the figure as the source gives it")
    guide_high: float
    year: int = Field(description="the year the source's figures are from")
    source: GuideSource


class CostGuideOut(BaseModel):
    estimate: bool = Field(True, description="always true: these are typical ranges, not quotes")
    note: str
    cost_factor: float
    account_currency: str | None
    rows: list[CostGuideRowOut]
