"""The capture screen checks each picked photo in the browser (issue 25 part 4), at phone size: a dark photo
is said to be too dark in the live region, Retake drops it; Keep keeps one, and the next nearly-same photo
of the room is said to add nothing new. Nothing blocks: the photos stay staged until the person picks."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import Server, new_page, no_sideways_scroll, sign_up, start_scan, unique_email

pytestmark = pytest.mark.e2e

TOO_DARK = "This photo is too dark to see much."
REPEATED = "This photo is almost the same as another photo of this room"


def _jpeg(brightness: int, quality: int = 90) -> bytes:
    image = Image.new("RGB", (800, 600), (brightness, brightness, brightness))
    draw = ImageDraw.Draw(image)
    for x in range(0, 800, 40):
        draw.rectangle((x, 0, x + 12, 600), fill=(brightness // 3, brightness // 3, brightness // 2))
    for y in range(0, 600, 30):
        draw.line((0, y, 800, y + y // 3), fill=(min(255, brightness * 2), 20, 20), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _pick(page: Any, name: str, data: bytes) -> None:
    page.get_by_test_id("file-input").set_input_files(files=[{"name": name, "mimeType": "image/jpeg", "buffer": data}])


def test_capture_says_what_is_wrong_with_a_photo_and_lets_the_person_retake_or_keep_it(
    browser: Any, server: Server
) -> None:
    context, page, _console = new_page(browser, server, mobile=True)
    try:
        sign_up(page, unique_email("quality"))
        start_scan(page, "4 Lamp Lane", ["Hall"])
        page.get_by_role("heading", level=1, name=re.compile("Hall")).wait_for()
        region = page.get_by_test_id("photo-quality")
        assert region.get_attribute("aria-live") == "polite"

        _pick(page, "night.jpg", _jpeg(10))
        region.get_by_text(TOO_DARK).wait_for()
        page.get_by_text("1 photo ready").wait_for()  # still staged while the person decides
        no_sideways_scroll(page)
        region.get_by_role("button", name="Retake night.jpg").tap()
        page.get_by_text("1 photo ready").wait_for(state="detached")
        assert region.inner_text() == ""

        _pick(page, "day.jpg", _jpeg(170))
        page.get_by_text("1 photo ready").wait_for()
        _pick(page, "day-again.jpg", _jpeg(170, quality=70))
        region.get_by_text(REPEATED).wait_for()
        region.get_by_role("button", name="Keep day-again.jpg").click()
        assert region.inner_text() == ""
        page.get_by_text("2 photos ready").wait_for()
    finally:
        context.close()
