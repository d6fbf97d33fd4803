"""The base checklists every scan starts from. A user's custom items merge over these by id."""

from __future__ import annotations

from housescan.agents.contract import ChecklistItem, ChecklistItemType

_B = ChecklistItemType.boolean
_C = ChecklistItemType.categorical
_D = ChecklistItemType.conditional
_QUALITY = ["Poor", "Average", "Good", "Excellent", "N/A"]


def _item(
    id: str,
    title: str,
    type: ChecklistItemType,
    description: str,
    applies_to: tuple[str, ...] = (),
    product: str | None = None,
) -> ChecklistItem:
    return ChecklistItem(
        id=id,
        title=title,
        type=type,
        description=description,
        options=_QUALITY if type is not _B else None,
        applies_to=list(applies_to),
        product=product,
    )


HOUSE_ITEMS: tuple[ChecklistItem, ...] = (
    _item("overall_condition", "Overall condition", _C, "General state of repair across the photographed rooms."),
    _item(
        "natural_light",
        "Natural light",
        _C,
        "How much daylight the rooms get: windows, orientation, obstruction.",
    ),
    _item("signs_of_damp", "Signs of damp or mould", _B, "Stains, peeling paint or mould on walls and ceilings."),
    _item(
        "visible_cracks",
        "Visible structural cracks",
        _B,
        "Cracks in walls, ceilings or the facade wider than a hairline.",
    ),
    _item("has_kitchen", "Has a kitchen", _D, "A room with cooking facilities was photographed."),
    _item("has_bathroom", "Has a bathroom", _D, "A room with a toilet, shower or bath was photographed."),
    _item(
        "has_outdoor_space",
        "Has outdoor space",
        _D,
        "Garden, terrace or balcony.",
        ("villa", "detached_house", "townhouse", "penthouse"),
    ),
    _item(
        "has_garage",
        "Has a garage",
        _D,
        "A garage or covered parking.",
        ("villa", "detached_house", "townhouse"),
    ),
    _item(
        "facade_condition",
        "Facade condition",
        _C,
        "Render, brickwork, paint and gutters seen from outside.",
        ("villa", "detached_house", "townhouse"),
    ),
    _item(
        "roof_condition",
        "Roof condition",
        _C,
        "Missing tiles, sagging, moss, gutters.",
        ("villa", "detached_house", "townhouse"),
    ),
    _item(
        "common_areas_condition",
        "Common areas condition",
        _C,
        "Stairwell, lift and entrance of the building.",
        ("apartment", "penthouse", "studio"),
    ),
)

ROOM_ITEMS: tuple[ChecklistItem, ...] = (
    _item("walls_condition", "Walls condition", _C, "Paint, plaster, wallpaper: marks, cracks, peeling."),
    _item("floor_condition", "Floor condition", _C, "Scratches, stains, lifting boards or broken tiles."),
    _item("ceiling_condition", "Ceiling condition", _C, "Stains, cracks or sagging."),
    _item("windows_condition", "Windows condition", _C, "Frames, glazing, seals, condensation between panes."),
    _item("water_damage", "Water damage", _B, "Tide marks, stains or swelling from leaks."),
    _item("mould", "Mould", _B, "Black spots in corners, around windows or on silicone."),
    _item("cleanliness", "Cleanliness", _C, "How clean the room is kept."),
    _item(
        "ventilation",
        "Ventilation",
        _B,
        "An extractor or an opening window.",
        ("bathroom", "kitchen", "laundry"),
    ),
    _item("worktop_condition", "Worktop condition", _C, "Burns, chips, swelling around the sink.", ("kitchen",)),
    _item(
        "sealant_condition",
        "Sealant and grout",
        _C,
        "Silicone and grout around bath, shower and basin.",
        ("bathroom",),
    ),
    _item(
        "storage_space",
        "Storage space",
        _C,
        "Built-in wardrobes, cupboards, shelving.",
        ("bedroom", "hallway", "kitchen"),
    ),
)

PRODUCT_ITEMS: tuple[ChecklistItem, ...] = (
    _item("sofa", "Sofa", _D, "A sofa or couch.", ("living_room", "bedroom", "office", "other"), "sofa"),
    _item("bed", "Bed", _D, "A bed.", ("bedroom",), "bed"),
    _item("wardrobe", "Wardrobe", _D, "A wardrobe or built-in closet.", ("bedroom", "hallway"), "wardrobe"),
    _item("refrigerator", "Fridge", _D, "A refrigerator or fridge-freezer.", ("kitchen",), "refrigerator"),
    _item("oven", "Oven or hob", _D, "An oven, range or cooktop.", ("kitchen",), "oven"),
    _item("microwave", "Microwave", _D, "A microwave oven.", ("kitchen",), "microwave"),
    _item("dishwasher", "Dishwasher", _D, "A dishwasher.", ("kitchen",), "dishwasher"),
    _item("sink", "Sink", _D, "A kitchen sink or wash basin.", ("kitchen", "bathroom", "laundry"), "sink"),
    _item("toilet", "Toilet", _D, "A toilet.", ("bathroom",), "toilet"),
    _item("bathtub", "Bathtub", _D, "A bathtub.", ("bathroom",), "bathtub"),
    _item("shower", "Shower", _D, "A shower.", ("bathroom",), "shower"),
    _item(
        "washing_machine",
        "Washing machine",
        _D,
        "A washing machine or washer-dryer.",
        ("laundry", "bathroom", "kitchen"),
        "washing_machine",
    ),
    _item("tv", "Television", _D, "A television or screen.", ("living_room", "bedroom"), "tv"),
    _item(
        "dining_table",
        "Dining table",
        _D,
        "A dining table.",
        ("dining_room", "kitchen", "living_room"),
        "dining_table",
    ),
    _item("desk", "Desk", _D, "A desk or work table.", ("office", "bedroom"), "desk"),
    _item("bookcase", "Bookcase", _D, "A bookcase or shelving unit.", ("living_room", "office"), "bookcase"),
)
