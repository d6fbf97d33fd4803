"""The offline vision core with its real models (no mocks) on images drawn with Pillow."""

from __future__ import annotations

import io
import math
import threading

import numpy as np
import pytest
from PIL import Image, ImageDraw

from housescan.agents.local import backends, evidence, images
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


@pytest.fixture(scope="module")
def models() -> VisionModels:
    return get_vision_models()


def _scene(seed: int = 0, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A made-up interior: floor, wall, window, a box of furniture."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = Image.new("RGB", size, (225, 215, 200))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(h * 0.7), w, h), fill=(140, 100, 60))
    draw.rectangle((int(w * 0.6), int(h * 0.15), int(w * 0.85), int(h * 0.5)), fill=(170, 200, 230))
    x0 = int(rng.integers(20, w // 3))
    draw.rectangle((x0, int(h * 0.45), x0 + w // 3, int(h * 0.8)), fill=(90, 90, 110))
    return img


def _jpeg(img: Image.Image, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **kwargs)
    return buf.getvalue()


def _check_findings(f: ImageFindings) -> None:
    assert set(f.room_scores) == set(ROOM_TYPES)
    assert math.isclose(sum(f.room_scores.values()), 1.0, abs_tol=1e-6)
    assert all(0.0 <= v <= 1.0 for v in f.room_scores.values())
    assert set(f.products) <= set(PRODUCTS)
    assert all(0.0 < v <= 1.0 for v in f.products.values())
    assert set(f.exterior_house_scores) == set(HOUSE_TYPES)
    assert math.isclose(sum(f.exterior_house_scores.values()), 1.0, abs_tol=1e-6)
    assert 0 < len(f.evidence) <= 10
    for label, p in f.evidence:
        assert isinstance(label, str) and label
        assert 0.0 <= p <= 1.0
    probs = [p for _, p in f.evidence]
    assert probs == sorted(probs, reverse=True)


def test_vocabularies_match_the_design() -> None:
    assert ROOM_TYPES == (
        "bedroom", "living_room", "kitchen", "bathroom", "dining_room", "office",
        "hallway", "laundry", "garage", "exterior", "other",
    )  # fmt: skip
    assert HOUSE_TYPES == ("apartment", "villa", "townhouse", "studio", "penthouse", "detached_house")
    required = ("sofa", "bed", "refrigerator", "oven", "microwave", "sink", "toilet", "bathtub", "shower", "tv")
    required += ("dining_table", "desk", "washing_machine", "dishwasher", "wardrobe", "bookcase")
    assert PRODUCTS[: len(required)] == required


def test_evidence_tables_use_only_known_imagenet_labels() -> None:
    assert evidence.check_tables(backends.imagenet_labels()) == {}
    assert set(evidence.ROOM_EVIDENCE) == set(ROOM_TYPES) - {"other"}
    assert set(evidence.HOUSE_EVIDENCE) <= set(HOUSE_TYPES)


def test_analyse_returns_well_formed_findings(models: VisionModels) -> None:
    _check_findings(models.analyse(_scene()))


def test_analyse_bytes_is_deterministic(models: VisionModels) -> None:
    data = _jpeg(_scene(1))
    a = models.analyse_bytes(data)
    b = models.analyse_bytes(data)
    _check_findings(a)
    assert a.room_scores == b.room_scores
    assert a.products == b.products
    assert a.evidence == b.evidence


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK", "I;16"])
def test_any_pixel_mode_is_accepted(models: VisionModels, mode: str) -> None:
    _check_findings(models.analyse(_scene(2, (300, 200)).convert(mode)))


def test_png_with_transparency_and_tiny_image(models: VisionModels) -> None:
    rgba = Image.new("RGBA", (50, 30), (0, 0, 0, 0))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    _check_findings(models.analyse_bytes(buf.getvalue()))
    _check_findings(models.analyse(Image.new("RGB", (1, 1), (10, 20, 30))))


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff\xe0" + b"garbage" * 20],
    ids=["empty", "text", "broken-png", "broken-jpeg"],
)
def test_corrupt_image_raises_value_error(models: VisionModels, data: bytes) -> None:
    with pytest.raises(ValueError, match="image"):
        models.analyse_bytes(data)


def test_truncated_jpeg_raises_value_error(models: VisionModels) -> None:
    data = _jpeg(_scene(3, (800, 600)))
    with pytest.raises(ValueError, match="image"):
        models.analyse_bytes(data[: len(data) // 3])


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    data = _jpeg(_scene(4, (640, 480)), exif=exif.tobytes())
    img = images.decode(data)
    assert img.size == (480, 640)


def test_big_jpeg_is_decoded_in_draft_mode() -> None:
    big = _scene(5, (4000, 3000))
    img = images.decode(_jpeg(big))
    assert img.mode == "RGB"
    assert min(img.size) == images.WORKING_SHORT_SIDE
    assert img.size[0] > img.size[1]


def test_views_cover_wide_and_tall_photos() -> None:
    for w, h in ((640, 480), (480, 640), (500, 500), (1920, 600)):
        views = images.standard_views(w, h)
        assert 7 <= len(views) <= 9
        for v in views:
            left, top, right, bottom = v.box
            assert 0.0 <= left < right <= 1.0 + 1e-9
            assert 0.0 <= top < bottom <= 1.0 + 1e-9
        batch = images.render(Image.new("RGB", (w, h)), views, 64)
        assert batch.shape == (len(views), 3, 64, 64)
        assert batch.dtype == np.float32


@pytest.mark.parametrize("colour", [(128, 128, 128), (255, 255, 255)])
def test_blank_photo_gives_other_or_low_confidence(models: VisionModels, colour: tuple[int, int, int]) -> None:
    f = models.analyse(Image.new("RGB", (640, 480), colour))
    verdict = classify_room([f])
    assert isinstance(verdict, RoomVerdict)
    assert verdict.room_types == ["other"] or verdict.confidence < 0.4
    assert not f.products


def test_classify_room_aggregates_photos(models: VisionModels) -> None:
    findings = [models.analyse(_scene(s)) for s in range(3)]
    verdict = classify_room(findings)
    assert verdict.room_types
    assert all(r in ROOM_TYPES for r in verdict.room_types)
    assert len(set(verdict.room_types)) == len(verdict.room_types)
    assert set(verdict.scores) == set(ROOM_TYPES)
    assert math.isclose(sum(verdict.scores.values()), 1.0, abs_tol=1e-6)
    assert 0.0 <= verdict.confidence <= 1.0
    assert verdict.confidence == pytest.approx(verdict.scores[verdict.room_types[0]], abs=1e-3) or (
        verdict.room_types == ["other"]
    )
    for name, conf in verdict.products.items():
        assert name in PRODUCTS
        assert conf == max(f.products.get(name, 0.0) for f in findings)


def test_classify_room_without_photos_is_other() -> None:
    verdict = classify_room([])
    assert verdict.room_types == ["other"]
    assert verdict.confidence == 0.0


def _verdict(room: str, products: dict[str, float] | None = None) -> RoomVerdict:
    scores = {r: (0.9 if r == room else 0.01) for r in ROOM_TYPES}
    return RoomVerdict([room], 0.9, scores, products or {})


def test_classify_house_from_rooms_only() -> None:
    types, conf = classify_house([_verdict("living_room"), _verdict("bathroom")], [])
    assert types[0] in ("studio", "apartment")
    assert set(types) <= set(HOUSE_TYPES) and len(types) < len(HOUSE_TYPES), "only plausible alternatives"
    assert 0.0 < conf <= 0.5

    rooms = ["bedroom", "bedroom", "bedroom", "bedroom", "bathroom", "bathroom", "kitchen", "living_room"]
    many = [_verdict(r) for r in rooms] + [_verdict("hallway", {"staircase": 0.8})]
    types, _ = classify_house(many, [])
    assert types[0] in ("detached_house", "townhouse", "villa")


def test_classify_house_from_exterior_photos(models: VisionModels) -> None:
    f = models.analyse(_scene(6))
    types, conf = classify_house([_verdict("kitchen")], [f])
    assert set(types) <= set(HOUSE_TYPES)
    assert types[0] == max(f.exterior_house_scores, key=lambda h: f.exterior_house_scores[h])
    assert 0.0 < conf <= 1.0


def test_get_vision_models_is_one_instance_across_threads(models: VisionModels) -> None:
    seen: list[VisionModels] = []
    threads = [threading.Thread(target=lambda: seen.append(get_vision_models())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(m is models for m in seen)


def test_concurrent_analyses_agree(models: VisionModels) -> None:
    data = _jpeg(_scene(7))
    expected = models.analyse_bytes(data).room_scores
    results: list[dict[str, float]] = []
    threads = [
        threading.Thread(target=lambda: results.append(models.analyse_bytes(data).room_scores)) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for r in results:
        assert r == pytest.approx(expected, abs=1e-5)


def test_torch_fallback_matches_onnx(models: VisionModels) -> None:
    clf = models.classifiers[0]
    reference = backends.torch_classifier(clf.spec)
    batch = images.render(_scene(8), images.standard_views(640, 480)[:2], clf.size)
    np.testing.assert_allclose(clf.logits(batch), reference.logits(batch), atol=1e-3)
