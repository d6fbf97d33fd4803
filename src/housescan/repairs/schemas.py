from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from housescan.account.currencies import CurrencyCode
from housescan.reports.share_schemas import MAX_SHARE_DAYS
from housescan.review.models import Trade
from housescan.review.schemas import FindingOut, ReportImage

CostFactor = Annotated[
    float, Field(ge=0.2, le=5, description="multiplies the guide's national figures for the account's region")
]


class CostPreferencesBody(BaseModel):
    """A field left out stays as it is."""

    currency: CurrencyCode | None = None
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


Ask = Literal["repair", "credit", "replace"]


class RepairItemIn(BaseModel):
    finding_id: uuid.UUID
    ask: Ask
    amount: Annotated[float, Field(ge=0, description="in the account's currency; required for a credit")] | None = None

    @model_validator(mode="after")
    def _credit_has_amount(self) -> RepairItemIn:
        if self.ask == "credit" and self.amount is None:
            raise ValueError("a credit needs an amount")
        return self


RepairItems = Annotated[list[RepairItemIn], Field(min_length=1, max_length=200)]
RepairNote = Annotated[str, Field(max_length=4000)] | None
SHOW_ESTIMATES = (
    "whether the reader (web page, CSV, PDF) sees the person's own cost estimates beside the asks; "
    "a new list leaves them out unless asked"
)


class RepairListCreate(BaseModel):
    items: RepairItems
    note: RepairNote = None
    show_estimates: bool = Field(default=False, description=SHOW_ESTIMATES)
    expires_in_days: int = Field(default=30, ge=1, le=MAX_SHARE_DAYS, description="how long the list's link works")


class RepairListPatch(BaseModel):
    """A field left out stays as it is."""

    items: RepairItems | None = None
    note: RepairNote = None
    show_estimates: bool | None = Field(default=None, description=SHOW_ESTIMATES)


class RepairItemOut(BaseModel):
    finding_id: uuid.UUID
    ask: Ask
    amount: float | None
    finding: FindingOut | None = Field(description="null when the finding was deleted after the list was made")
    photos: list[ReportImage]


class RepairTotal(BaseModel):
    asked: float = Field(description="the sum of the amounts asked for")
    cost_low: float = Field(description="the sum of the listed findings' cost ranges (those that have one)")
    cost_high: float
    currency: str
    findings_with_costs: int = Field(
        description="listed findings with a cost range: with none, cost_low and cost_high are 0 for want of a figure"
    )


class RepairShare(BaseModel):
    token: str | None = Field(None, description="only in the answer that made the link: only its hash is stored")
    url: str | None = Field(None, description="the list as JSON, read without sign-in (only with the token)")
    page_url: str | None = Field(
        None, description="the list's web page, the link to send a reader (only with the token)"
    )
    csv_url: str | None = None
    pdf_url: str | None = Field(None, description="the list's PDF, with each finding's photos and marks")
    expires_at: datetime
    state: Literal["active", "expired", "revoked"]
    opened: bool = Field(description="a reader opened the link: a change now makes a new version")


class RepairVersionOut(BaseModel):
    version: int
    created_at: datetime
    updated_at: datetime = Field(description="when the version was last saved")
    opened: bool = Field(description="a reader opened its link")
    state: Literal["active", "expired", "revoked"]


class RepairListOut(BaseModel):
    id: uuid.UUID
    version: int
    scan_id: uuid.UUID
    address: str | None
    note: str | None
    items: list[RepairItemOut]
    total: RepairTotal
    share: RepairShare
    created_at: datetime
    updated_at: datetime = Field(description="when this version was last saved (a reader may not have opened it)")
    show_estimates: bool = Field(False, description=SHOW_ESTIMATES)
    newer_version: bool = Field(
        False, description="a later version of the list exists (its link is the owner's to send, so not given here)"
    )
    versions: list[RepairVersionOut] = Field(
        default_factory=list, description="the owner's view only: every version of the list, oldest first"
    )


class RepairListPage(BaseModel):
    items: list[RepairListOut]
