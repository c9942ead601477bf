"""The visible signature: the signer's image plus Vietnamese text, as a pyHanko style.

Text is set in Noto Sans, shipped on PyPI by ``pymupdf-fonts``, embedded as a subset, so
diacritics render the same on every machine and every viewer. The layout follows the
practice of Decree 30's Phụ lục I: the handwritten image (PNG with transparency) on the
left, the signer, organisation and signing time on the right.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kyso.core.errors import DocumentError

__all__ = [
    "VN_TZ",
    "StampText",
    "check_signature_image",
    "font_path",
    "format_signing_time",
    "load_signature_image",
    "make_stamp_style",
    "missing_glyphs",
    "signature_image_path",
]

VN_TZ = dt.timezone(dt.timedelta(hours=7), "+07:00")
"""Viet Nam has one time zone and no daylight saving time."""

# pyHanko overwrites "ts" with its own UTC-ish format, so the time has its own key.
STAMP_TEMPLATE = "Ký bởi: %(signer)s\nCơ quan: %(org)s\nThời gian ký: %(signed_at)s"


@dataclass(frozen=True)
class StampText:
    """The values written into the stamp."""

    signer: str
    organization: str
    time: str

    def params(self) -> dict[str, str]:
        return {"signer": self.signer, "org": self.organization, "signed_at": self.time}

    def render(self) -> str:
        return STAMP_TEMPLATE % self.params()


def format_signing_time(moment: dt.datetime | None = None) -> str:
    """``dd/mm/yyyy HH:MM:SS +07:00``, the way Vietnamese signatures show time."""
    moment = (moment or dt.datetime.now(dt.UTC)).astimezone(VN_TZ)
    return moment.strftime("%d/%m/%Y %H:%M:%S") + " +07:00"


def _quiet_font_subsetter() -> None:
    # fontTools warns on stderr about tables it drops while subsetting (e.g. TTFA);
    # that is expected and says nothing to a user.
    import logging

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


# Latin, Vietnamese and the punctuation of a signature block. The stamp font is cut down
# to these once: pyHanko subsets the font again for every signature, and subsetting
# the full Noto Sans (thousands of glyphs, big layout tables) costs ~0.3 s a file.
_STAMP_UNICODES = [
    *range(0x20, 0x7F),  # ASCII
    *range(0xA0, 0x180),  # Latin-1 and Latin Extended-A (Đ đ)
    *range(0x1A0, 0x1B1),  # Ơ ơ Ư ư
    *range(0x300, 0x324),  # combining accents, for decomposed input
    *range(0x1EA0, 0x1EFA),  # Latin Extended Additional: the Vietnamese letters
    *range(0x2010, 0x2027),  # dashes, quotes, ellipsis
    0x20AB,  # ₫
]
_FONT_NAME = "NotoSans-kyso-vi-2.ttf"


@lru_cache(maxsize=1)
def font_path() -> str:
    """Path of the stamp font: Noto Sans (pymupdf-fonts) cut down to Vietnamese,
    written once into the cache folder."""
    import pymupdf_fonts

    return _cached_subset(_FONT_NAME, lambda: bytes(pymupdf_fonts.myfont("notos")))


def subset_font_file(source: Path) -> str:
    """A Vietnamese cut of a TTF on disk (e.g. Liberation Serif), cached by name."""
    return _cached_subset(f"{source.stem}-kyso-vi-2.ttf", source.read_bytes)


def _cached_subset(name: str, load) -> str:
    from kyso.config.locations import cache_dir
    from kyso.core.atomic import write_atomic

    _quiet_font_subsetter()
    target = cache_dir() / "fonts" / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, _vietnamese_subset(load()))
    return str(target)


def _vietnamese_subset(font_bytes: bytes) -> bytes:
    from io import BytesIO

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(font_bytes))
    options = subset.Options(layout_features=[], name_IDs=["*"], notdef_outline=True)
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "TTFA"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=_STAMP_UNICODES)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        # pyHanko writes the font's advance widths into /W unscaled, and /W is in
        # 1/1000 em: a 2048-unit font (Liberation, most TrueType) would be drawn with
        # doubled spacing. Scaling the cut to 1000 units makes both agree.
        from fontTools.ttLib.scaleUpem import scale_upem

        scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def _font_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font_path(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` the stamp font cannot draw (pre-flight check)."""
    cmap = _font_cmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}


def signature_image_path(path: str | Path) -> Path:
    """The signature image file as the settings name it (``~/chu-ky.png``): the one
    place the pre-flight check and the signer expand it, so both open the same file."""
    return Path(path).expanduser()


def check_signature_image(path: str | Path) -> str:
    """Empty when ``path`` is a usable PNG (or empty), else why not (in Vietnamese).
    Cheap (reads 8 bytes): for a settings form and the check before the PIN."""
    if not str(path):
        return ""
    file = signature_image_path(path)
    if not file.is_file():
        return f"Không tìm thấy tệp {file}"
    with file.open("rb") as fh:
        head = fh.read(8)
    if head != b"\x89PNG\r\n\x1a\n":
        return f"{file.name} không phải ảnh PNG (cần PNG nền trong suốt)"
    return ""


def load_signature_image(path: str | Path):
    """Open the signature image; anything but a readable PNG is refused clearly."""
    from PIL import Image, UnidentifiedImageError

    path = signature_image_path(path)
    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise DocumentError(f"Không tìm thấy ảnh chữ ký: {path}") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise DocumentError(f"Ảnh chữ ký không phải tệp PNG hợp lệ: {path}") from None
    if image.format != "PNG":
        raise DocumentError(f"Ảnh chữ ký phải là PNG (nền trong suốt), không phải {image.format}")
    return image


def make_stamp_style(box_width: float, image=None, *, font_size: int = 10):
    """A pyHanko ``TextStampStyle`` for a box ``box_width`` points wide.

    With an image, the image takes the left 45 % and the text the rest; without one,
    the text fills the box. Text shrinks to fit; nothing is clipped.
    """
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    text_style = TextBoxStyle(
        font=GlyphAccumulatorFactory(font_path(), font_size=font_size),
        font_size=font_size,  # the size drawn: pyHanko syncs the engine to the style's
        leading=font_size + 2,
    )
    split = box_width * 0.45 if image is not None else 0.0
    text_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins(left=split + 3, right=3, top=3, bottom=3),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )
    kwargs = {}
    if image is not None:
        from pyhanko.pdf_utils.images import PdfImage

        kwargs = {
            "background": PdfImage(image),
            "background_opacity": 1.0,
            "background_layout": layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID,
                y_align=layout.AxisAlignment.ALIGN_MID,
                margins=layout.Margins(left=2, right=box_width - split + 2, top=2, bottom=2),
                inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
            ),
        }
    return TextStampStyle(
        stamp_text=STAMP_TEMPLATE,
        text_box_style=text_style,
        inner_content_layout=text_layout,
        border_width=0,
        **kwargs,
    )
