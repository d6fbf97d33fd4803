"""The payloads of a scan's realtime events (docs/ARCHITECTURE.md §4), declared once; every emitter builds these."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from housescan.realtime.schemas import EventPayload


class ScanUploaded(EventPayload):
    name: ClassVar[str] = "scan:uploaded"
    rooms_count: int
    images_count: int
    message: str


class ScanProcessing(EventPayload):
    name: ClassVar[str] = "scan:processing"
    message: str


class ScanProgress(EventPayload):
    name: ClassVar[str] = "scan:progress"
    progress: int
    stage: str
    #: The analysis stopped with the server (an orderly shutdown) and the scan waits in the queue again; the
    #: next `scan:processing` says it started again. `stage` says so in words.
    paused: bool = False


class ScanCompleted(EventPayload):
    name: ClassVar[str] = "scan:completed"
    message: str
    result: dict[str, Any]


class ScanFailed(EventPayload):
    name: ClassVar[str] = "scan:failed"
    error: str


class ScanUpdated(EventPayload):
    """A person changed the report (an answer, a room, a finding): the owner's other tabs reload it."""

    name: ClassVar[str] = "scan:updated"
    what: Literal["room", "answer", "finding", "photos", "report"] = "report"
