"""What the routes of one of the user's scans share."""

from __future__ import annotations

from housescan.errors import NotAuthenticated
from housescan.scans.service import ScanNotFound

# What any route of one of the user's scans may answer: not signed in, or no such scan of theirs.
OWNED_SCAN_ERRORS = (NotAuthenticated, ScanNotFound)
