"""Every table of every domain, imported in one place so that Alembic and the tests see the whole metadata
(`db/` itself knows no domain)."""

from housescan.auth.models import User
from housescan.checklists.models import Checklist
from housescan.costs.models import AgentSpend
from housescan.db.base import Base
from housescan.houses.models import House, Room
from housescan.realtime.models import ScanEvent
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan

__all__ = [
    "AgentRun",
    "AgentSpend",
    "Base",
    "Checklist",
    "House",
    "HouseScanSummary",
    "Image",
    "Room",
    "Scan",
    "ScanEvent",
    "User",
]
