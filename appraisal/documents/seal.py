"""A generated round red seal for a bureau (for the demo and until a real seal image is uploaded)."""

import base64
import io
import math
import subprocess
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

RED = (214, 30, 30, 235)


@lru_cache(maxsize=4)
def _font_path(pattern: str) -> tuple[str, int]:
    out = subprocess.run(
        ["fc-match", "-f", "%{file}|%{index}", pattern], capture_output=True, text=True, timeout=10
    ).stdout
    path, _, index = out.partition("|")
    return path, int(index or 0)


def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = _font_path("Noto Sans CJK SC:bold")
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError:
        return ImageFont.load_default(size)


def _star(draw, cx, cy, r):
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=RED)


@lru_cache(maxsize=64)
def seal_png(name: str, footer: str = "") -> bytes:
    """PNG bytes of a round seal: the name along the upper arc, a star, and an optional line below."""
    size = 400
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse([8, 8, size - 8, size - 8], outline=RED, width=12)
    _star(draw, c, c, 62)
    n = len(name)
    font_size = 54 if n <= 8 else max(32, int(54 * 8 / n))
    font = _font(font_size)
    span = min(250.0, 24.0 * n + 40)  # degrees of arc the text covers
    radius = c - 26 - font_size / 2
    for i, ch in enumerate(name):
        angle = -90 - span / 2 + (span * (i + 0.5) / n)
        rad = math.radians(angle)
        glyph = Image.new("RGBA", (font_size + 20, font_size + 20), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text(
            ((font_size + 20) / 2, (font_size + 20) / 2), ch, font=font, fill=RED, anchor="mm"
        )
        glyph = glyph.rotate(-(angle + 90), resample=Image.BICUBIC, expand=True)
        x = c + radius * math.cos(rad) - glyph.width / 2
        y = c + radius * math.sin(rad) - glyph.height / 2
        image.alpha_composite(glyph, (int(x), int(y)))
    if footer:
        small = _font(32)
        draw.text((c, c + 100), footer, font=small, fill=RED, anchor="mm")
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def seal_data_uri(name: str, footer: str = "") -> str:
    return "data:image/png;base64," + base64.b64encode(seal_png(name, footer)).decode()
