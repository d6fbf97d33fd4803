"""Every table of every domain, imported in one place so that Alembic and the tests see the whole metadata
(`db/` itself knows no domain)."""

from housescan.account.models import PasswordResetToken
from housescan.auth.models import RefreshToken, User
from housescan.checklists.models import Checklist
from housescan.comparison.models import RoomPair, Verdict
from housescan.costs.models import AgentSpend
from housescan.db.base import Base
from housescan.houses.models import House, Room
from housescan.notifications.models import NotificationOutbox, NotificationPreferences, PushSubscription
from housescan.realtime.models import ScanEvent
from housescan.repairs.models import CostPreferences, RepairList
from housescan.reports.share_models import ShareLink
from housescan.review.models import Finding, PersonAnswer
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan

__all__ = [
    "AgentRun",
    "AgentSpend",
    "Base",
    "Checklist",
    "CostPreferences",
    "Finding",
    "House",
    "HouseScanSummary",
    "Image",
    "NotificationOutbox",
    "NotificationPreferences",
    "PasswordResetToken",
    "PersonAnswer",
    "PushSubscription",
    "RefreshToken",
    "RepairList",
    "Room",
    "RoomPair",
    "Scan",
    "ScanEvent",
    "ShareLink",
    "User",
    "Verdict",
]
