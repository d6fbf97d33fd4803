from __future__ import annotations

from pydantic import BaseModel

from housescan.agents.contract import ChecklistItem
from housescan.checklists.models import Scope


class CustomItemCreate(BaseModel):
    scope: Scope
    item: ChecklistItem


class CustomItemRead(BaseModel):
    scope: Scope
    item: ChecklistItem


class MergedChecklists(BaseModel):
    house: list[ChecklistItem]
    room: list[ChecklistItem]
    product: list[ChecklistItem]
