"""Scanning a folder of photos without a server: one sub-folder per room, or loose photos as one room."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from housescan.agents.contract import RoomInput, ScanRequest, ScanResponse
from housescan.agents.local.images import decode
from housescan.checklists.base import HOUSE_ITEMS, PRODUCT_ITEMS, ROOM_ITEMS
from housescan.scans.images import shape_problem

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}


NOT_A_PHOTO = "not a photo that can be decoded"


def _problem(path: Path) -> str | None:
    """Why the photo is left out (the upload's own rules: decodable, at least 32 pixels a side, at most 10:1)."""
    data = path.read_bytes()
    try:
        decode(data, min_short_side=32)
        with Image.open(io.BytesIO(data)) as opened:  # its own size: decoding scales it
            size = opened.size
    except (ValueError, OSError):
        return NOT_A_PHOTO
    return shape_problem(*size)


def _photos_in(folder: Path, unreadable: dict[Path, str]) -> list[Path]:
    named = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
    for photo in named:
        if (problem := _problem(photo)) is not None:
            unreadable[photo] = problem
    return [p for p in named if p not in unreadable]


def discover_rooms(root: Path, unreadable: dict[Path, str] | None = None) -> list[RoomInput]:
    """Each sub-folder with photos is a room named after it; photos lying in `root` itself form one more room
    named after `root`. A file named like a photo that cannot be used is left out, added to `unreadable` with
    the reason (the room's other photos are still analysed)."""
    unreadable = {} if unreadable is None else unreadable
    root = root.resolve()
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    rooms = [
        RoomInput(room_id=folder.name, label=folder.name, image_urls=[p.as_uri() for p in photos])
        for folder in sorted(p for p in root.iterdir() if p.is_dir())
        if (photos := _photos_in(folder, unreadable))
    ]
    loose = _photos_in(root, unreadable)
    if loose:
        rooms.append(RoomInput(room_id=root.name, label=root.name, image_urls=[p.as_uri() for p in loose]))
    if not rooms:
        raise ValueError(f"no photos ({', '.join(sorted(PHOTO_SUFFIXES))}) found in {root} or its sub-folders")
    return rooms


def folder_request(root: Path, unreadable: dict[Path, str] | None = None) -> ScanRequest:
    return ScanRequest(
        rooms=discover_rooms(root, unreadable),
        house_checklist=list(HOUSE_ITEMS),
        rooms_checklist=list(ROOM_ITEMS),
        products_checklist=list(PRODUCT_ITEMS),
    )


def report(response: ScanResponse, left_out: int = 0) -> Group:
    """The scan as tables and lines; `left_out`: rooms none of whose photos could be used (never analysed)."""
    result = response.result
    rooms = Table(title="Rooms", expand=True)
    for column in ("room", "type", "confidence", "products seen", "status"):
        rooms.add_column(column)
    for room in result.rooms:
        seen = [
            f"{item} ({answer.confidence:.0%})" if answer.confidence is not None else item
            for item, answer in room.products.conditionals.items()
            if answer.exists
        ]
        rooms.add_row(
            room.room_id,
            ", ".join(room.room_types) or "-",
            f"{room.room_type_confidence:.0%}" if room.room_type_confidence is not None else "-",
            ", ".join(seen) or "-",
            room.status if room.status == "succeeded" else f"failed: {room.error}",
        )
    house_type = ", ".join(result.house_types) or "unknown"
    confidence = f" ({result.house_type_confidence:.0%})" if result.house_type_confidence is not None else ""
    cost = response.cost_info
    tokens = cost.total_tokens_in + cost.total_tokens_out
    lines: list[RenderableType] = [
        Text(f"House type: {house_type}{confidence}", style="bold"),
        rooms,
        Text("Pros: " + ("; ".join(result.pros_cons.pros) or "-")),
        Text("Cons: " + ("; ".join(result.pros_cons.cons) or "-")),
        Text(result.summary),
        Text(
            f"{response.metadata.total_images} photos, {response.metadata.rooms_processed} rooms analysed, "
            f"{response.metadata.rooms_failed} failed"
            + (f", {left_out} left out (no usable photo)" if left_out else "")
            + f"; provider {cost.provider}, {tokens} tokens, "
            f"${cost.total_cost_usd:.4f}, {cost.compute_seconds:.1f}s compute",
            style="dim",
        ),
    ]
    return Group(*lines)
