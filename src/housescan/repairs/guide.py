"""The cost guide the project ships: typical jobs per trade, each range copied from the public page named in
its source (national UK figures in the year the page gives). Rows are added only with such a source."""

from __future__ import annotations

from dataclasses import dataclass

from housescan.review.models import Trade


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class GuideRow:
    id: str
    trade: Trade
    job: str
    low: float
    high: float
    currency: str
    year: int
    source: Source


_MYJOBQUOTE_CONSUMER_UNIT = Source(
    "MyJobQuote: Consumer Unit Replacement Cost", "https://www.myjobquote.co.uk/costs/replace-a-fuse-box"
)
_HOUSEY_DPC = Source(
    "Housey: Damp-Proof Course Installation and Remediation Costs",
    "https://www.housey.co.uk/knowledge-base/damp-proof-course-installation-remediation-costs",
)
_TRADESMENCOSTS_REPOINTING = Source(
    "Tradesmen Costs: Brick Repointing Cost: 2023 Price Comparison UK",
    "https://tradesmencosts.co.uk/repointing-brickwork/",
)
_INDEPENDENT_UPVC = Source(
    "The Independent: uPVC window prices 2024", "https://independent.co.uk/advisor/windows/upvc-windows-price"
)
_IANBGAS_FEES = Source("Ian B Gas (St Albans gas engineer): fees", "https://ianbgas.co.uk/fees.html")

GUIDE: tuple[GuideRow, ...] = (
    GuideRow(
        "electrician.consumer_unit",
        Trade.electrician,
        "Replace a consumer unit (fuse box), with testing and certificate",
        350,
        750,
        "GBP",
        2025,
        _MYJOBQUOTE_CONSUMER_UNIT,
    ),
    GuideRow(
        "damp_specialist.dpc_injection_wall",
        Trade.damp_specialist,
        "Treat rising damp: chemical damp-proof course injection, one wall (no replastering)",
        300,
        700,
        "GBP",
        2026,
        _HOUSEY_DPC,
    ),
    GuideRow(
        "damp_specialist.rising_damp_two_rooms",
        Trade.damp_specialist,
        "Treat rising damp in two rooms: injection and replastering",
        1500,
        3500,
        "GBP",
        2026,
        _HOUSEY_DPC,
    ),
    GuideRow(
        "builder.repoint_elevation",
        Trade.builder,
        "Repoint brickwork: one elevation of a house",
        1000,
        1500,
        "GBP",
        2023,
        _TRADESMENCOSTS_REPOINTING,
    ),
    GuideRow(
        "builder.repoint_semi_detached",
        Trade.builder,
        "Repoint brickwork: a whole semi-detached house",
        2500,
        3000,
        "GBP",
        2023,
        _TRADESMENCOSTS_REPOINTING,
    ),
    GuideRow(
        "glazier.upvc_sash_window",
        Trade.glazier,
        "Replace a window: one uPVC sash window",
        700,
        1100,
        "GBP",
        2024,
        _INDEPENDENT_UPVC,
    ),
    GuideRow(
        "heating.boiler_service",
        Trade.heating,
        "Service a gas boiler (one engineer's fixed fees)",
        65,
        100,
        "GBP",
        2017,
        _IANBGAS_FEES,
    ),
)

GUIDE_BY_ID = {row.id: row for row in GUIDE}
