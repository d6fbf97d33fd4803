"""Photo quality flags (scans/quality.py), and the browser's copy (web/src/lib/photoQuality.ts) agreeing with
them on the same pixels."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from housescan.scans import quality

WEB = Path(__file__).resolve().parents[2] / "web"


def scene(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """A room-like picture with edges: walls, a window, furniture blocks, some texture."""
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (width, height), (190, 180, 165))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, int(height * 0.7), width, height), fill=(120, 90, 60))
    for _ in range(12):
        x, y = int(rng.integers(0, width - 60)), int(rng.integers(0, height - 60))
        colour = tuple(int(c) for c in rng.integers(30, 230, 3))
        draw.rectangle((x, y, x + int(rng.integers(20, 160)), y + int(rng.integers(20, 120))), fill=colour)
    noise = rng.integers(-12, 12, (height, width, 3))
    return Image.fromarray(np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def jpeg(img: Image.Image, q: int = 92) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=q)
    return buf.getvalue()


def flags(img: Image.Image) -> list[str]:
    return list(quality.flags_of(quality.measure_photo(jpeg(img))))


def test_a_sharp_well_lit_photo_has_no_flag() -> None:
    assert flags(scene()) == []


def test_blur_darkness_light_and_size_are_each_flagged() -> None:
    photo = scene()
    assert flags(photo.filter(ImageFilter.GaussianBlur(6))) == ["blurred"]
    assert flags(ImageEnhance.Brightness(photo).enhance(0.15)) == ["too_dark"]
    assert "overexposed" in flags(ImageEnhance.Brightness(photo).enhance(3.5))
    assert flags(photo.resize((160, 120))) == ["too_small"]


def test_the_photo_size_is_the_upright_one() -> None:
    img = scene(600, 400)
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    m = quality.measure_photo(buf.getvalue())
    assert (m.width, m.height) == (400, 600)


def test_a_near_duplicate_is_known_and_another_photo_is_not() -> None:
    photo = scene(seed=1)
    w, h = photo.size
    again = quality.measure_photo(jpeg(photo.crop((16, 12, w - 16, h - 12)), 60)).dhash
    first = quality.measure_photo(jpeg(photo)).dhash
    other = quality.measure_photo(jpeg(scene(seed=2))).dhash
    assert quality.is_near_duplicate(again, [first])
    assert not quality.is_near_duplicate(other, [first])


def test_not_an_image_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cannot decode image"):
        quality.measure_photo(b"not a photo")


def test_the_browser_check_has_the_server_thresholds() -> None:
    source = (WEB / "src" / "lib" / "photoQuality.ts").read_text(encoding="utf-8")
    found = {name: float(value) for name, value in re.findall(r"export const ([A-Z_]+) = ([0-9.]+);", source)}
    for name in (
        "QUALITY_SIDE",
        "BLUR_MAX_SHARPNESS",
        "DARK_MAX_BRIGHTNESS",
        "OVEREXPOSED_MIN_CLIPPED",
        "SMALL_MIN_SHORT_SIDE",
        "DUPLICATE_MAX_DISTANCE",
    ):
        assert found[name] == getattr(quality, name), name
    for flag, sentence in quality.SENTENCES.items():
        assert f"{flag}: {json.dumps(sentence)}" in source


@pytest.mark.skipif(shutil.which("npx") is None or not (WEB / "node_modules").is_dir(), reason="needs web/node_modules")
def test_the_browser_check_agrees_with_the_server_check(tmp_path: Path) -> None:
    base = scene(400, 300, seed=3)
    cases = {
        "sharp": (base, (4032, 3024)),
        "blurred": (base.filter(ImageFilter.GaussianBlur(5)), (4032, 3024)),
        "dark": (ImageEnhance.Brightness(base).enhance(0.2), (4000, 3000)),
        "bright": (ImageEnhance.Brightness(base).enhance(3.0), (4000, 3000)),
        "small": (base.resize((180, 135)), (180, 135)),
        "large": (scene(1100, 800, seed=4), (1100, 800)),
        "portrait": (scene(256, 341, seed=5), (3024, 4032)),
    }
    server = {}
    for name, (img, own) in cases.items():
        rgba = np.asarray(img.convert("RGBA"), dtype=np.uint8)
        (tmp_path / f"{name}.rgba").write_bytes(rgba.tobytes())
        (tmp_path / f"{name}.json").write_text(json.dumps({"width": img.width, "height": img.height, "own": own}))
        m = quality.measure_pixels(rgba, width=own[0], height=own[1])
        server[f"{name}.json"] = (m, quality.flags_of(m))
    env = {**os.environ, "HOUSESCAN_QUALITY_FIXTURES": str(tmp_path)}
    subprocess.run(
        ["npx", "vitest", "run", "src/lib/photoQuality.test.ts"],
        cwd=WEB,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    browser = json.loads((tmp_path / "_browser.json").read_text())
    assert set(browser) == set(server)
    seen_flags = set()
    for name, (m, found) in server.items():
        b = browser[name]
        assert b["flags"] == found, name
        assert b["dhash"] == m.dhash, name
        assert (b["width"], b["height"]) == (m.width, m.height)
        assert b["brightness"] == pytest.approx(m.brightness, rel=1e-12)
        assert b["clipped"] == pytest.approx(m.clipped, rel=1e-12)
        assert b["sharpness"] == pytest.approx(m.sharpness, rel=1e-9)
        seen_flags.update(found)
    assert seen_flags == {"blurred", "too_dark", "overexposed", "too_small"}
