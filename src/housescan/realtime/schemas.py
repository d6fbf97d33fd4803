"""The base of every realtime event payload. Domains declare their events as subclasses (see
`scans/events.py`); the publisher stores and emits them without knowing which domain they belong to."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class EventPayload(BaseModel):
    """One event's payload: snake_case in Python, camelCase on the wire (`scanId`); the publisher adds
    `eventId`, the client's replay cursor."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    name: ClassVar[str]
    scan_id: uuid.UUID

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
