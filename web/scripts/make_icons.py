"""Draw the app icons (PNG) with Pillow: `python scripts/make_icons.py` from web/. The SVG is hand-written."""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (15, 95, 92, 255)
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "public" / "icons"


def draw(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # draw large, then downsample for smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle((0, 0, s, s), fill=BRAND)
        inset = s * 0.2  # keep the mark inside the maskable safe zone
    else:
        d.rounded_rectangle((0, 0, s - 1, s - 1), radius=int(s * 0.22), fill=BRAND)
        inset = s * 0.16
    u = (s - 2 * inset) / 36.0  # the mark is laid out on a 36-unit grid

    def p(x: float, y: float) -> tuple[float, float]:
        return (inset + x * u, inset + y * u)

    # house
    d.polygon([p(0, 15), p(18, 0), p(36, 15), p(36, 34), p(0, 34)], fill=WHITE)
    # magnifier
    cx, cy, r = p(18, 20)[0], p(18, 20)[1], 7 * u
    w = max(2, int(3.6 * u))
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=BRAND, width=w)
    d.line([p(23, 25), p(28.5, 30.5)], fill=BRAND, width=w)
    return img.resize((size, size), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    draw(180, maskable=True).convert("RGB").save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
