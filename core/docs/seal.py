"""A demo seal image: red rings, a star and the organisation's name, transparent PNG.

Real stations use the organisation's scanned seal; this one makes the demo and the
tests look like the real thing (Phụ lục I: red, real size, transparent background).
"""

from __future__ import annotations

import math
from io import BytesIO

__all__ = ["make_seal_png"]

RED = (200, 16, 46, 255)


def make_seal_png(organization: str, upper: str = "", *, pixels: int = 600) -> bytes:
    """Draw a round seal ``pixels`` wide with ``upper`` along the top arc and the
    organisation's name across the middle."""
    from PIL import Image, ImageDraw, ImageFont

    from kyso.core.docs.stamp import font_path

    image = Image.new("RGBA", (pixels, pixels), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = pixels / 2
    for radius, width in ((c - 4, 10), (c * 0.70, 5)):
        draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=RED, width=width)
    star = [
        (
            c + (c * 0.16 if i % 2 == 0 else c * 0.065) * math.sin(i * math.pi / 5),
            c * 0.62 - (c * 0.16 if i % 2 == 0 else c * 0.065) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=RED)
    font_file = font_path()
    words = organization.upper().split()
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if len(trial) > 14 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    size = int(pixels * 0.065)
    font = ImageFont.truetype(font_file, size)
    y = c - len(lines) * size * 0.6 + size * 0.4
    for text in lines:
        width = draw.textlength(text, font=font)
        draw.text((c - width / 2, y), text, font=font, fill=RED)
        y += size * 1.2
    if upper:
        arc_font = ImageFont.truetype(font_file, int(pixels * 0.055))
        radius = c * 0.84
        span = math.pi * 0.9
        for i, ch in enumerate(upper.upper()):
            angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(upper)
            glyph = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((size / 2, size / 3), ch, font=arc_font, fill=RED)
            glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
            x = c + radius * math.cos(angle) - size
            yy = c + radius * math.sin(angle) - size
            image.alpha_composite(glyph, (int(x), int(yy)))
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
