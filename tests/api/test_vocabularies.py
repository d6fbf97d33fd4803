"""The vocabularies (house types, room types, severities, trades) are declared once and reach the OpenAPI as
named enums, so the web app's generated types carry them."""

from __future__ import annotations

from typing import Any

from housescan.agents.contract import HOUSE_TYPES, ROOM_TYPES
from housescan.review.models import Severity, Trade
from tests.conftest import LiveServer


def _ref(schema: dict[str, Any]) -> set[str]:
    """The named schemas a property refers to (directly, in a list, or nullable)."""
    refs = {schema["$ref"]} if "$ref" in schema else set()
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key, []):
            refs |= _ref(option)
    if "items" in schema:
        refs |= _ref(schema["items"])
    return {ref.rsplit("/", 1)[-1] for ref in refs}


async def test_the_vocabularies_are_named_enums_in_the_openapi(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert schemas["HouseType"]["enum"] == list(HOUSE_TYPES)
    assert schemas["RoomType"]["enum"] == list(ROOM_TYPES)
    assert schemas["Severity"]["enum"] == [s.value for s in Severity]
    assert schemas["Trade"]["enum"] == [t.value for t in Trade]
    assert _ref(schemas["ScanCreate"]["properties"]["house_type"]) == {"HouseType"}
    assert _ref(schemas["ScanDetail"]["properties"]["detected_house_types"]) == {"HouseType"}
    assert _ref(schemas["HouseRead"]["properties"]["house_type"]) == {"HouseType"}
    assert _ref(schemas["RoomRead"]["properties"]["detected_room_types"]) == {"RoomType"}
    assert _ref(schemas["FindingOut"]["properties"]["severity"]) == {"Severity"}
