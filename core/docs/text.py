"""Page text for the preview, with the spaces a reader sees between words.

Many PDFs hold no space characters: each word is placed where it belongs (the seed
documents' TextWriter lines, TeX's TJ kerning, per-glyph runs). MuPDF's plain text
mode then glues words together ("Kếhoạch số35"). Here the characters are taken with
their positions, lines are rebuilt by baseline across text runs and blocks, and a
gap wider than a tenth of the font size starts a new word — poppler's rule
(``minWordBreakSpace``), so the words come out as ``pdftotext`` reads them. Words
keep roughly their columns, like ``pdftotext -layout``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["Word", "page_text", "page_words"]

WORD_BREAK = 0.1
"""A gap wider than this fraction of the font size separates two words."""


@dataclass(frozen=True)
class Word:
    """One word, in the shown page's coordinates (rotated as the reader sees it,
    top-left origin, y down, points)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float


@dataclass
class _Line:
    baseline: float
    size: float
    chars: list  # (x0, x1, char, size)


def _horizontal(direction) -> bool:
    return abs(direction[1]) < 1e-3 and direction[0] > 0


def page_words(page, *, normalize: bool = True) -> list[list[Word]]:
    """The words of a PyMuPDF page as lines (top to bottom), each left to right.

    With ``normalize``, word text is NFC (a document typed with decomposed accents
    reads the same as one with precomposed letters).
    """
    import pymupdf

    raw = page.get_text("rawdict", flags=pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_IMAGES)
    # MuPDF reports the unrotated page; the reader sees it turned by /Rotate. Plain
    # float arithmetic: PyMuPDF's Rect * Matrix costs more than the extraction.
    m = tuple(page.rotation_matrix) if page.rotation else None
    lines: list[_Line] = []
    for block in raw.get("blocks", []):
        for line in block.get("lines", []):
            dx, dy = line.get("dir", (1, 0))
            if m is not None:
                dx, dy = dx * m[0] + dy * m[2], dx * m[1] + dy * m[3]
            if not _horizontal((dx, dy)):
                continue  # vertical text is not part of the reading lines
            for span in line.get("spans", []):
                size = float(span.get("size") or 10.0)
                glyphs: list[list] = []
                for ch in span.get("chars", []):
                    if glyphs and unicodedata.combining(ch["c"]):
                        glyphs[-1][2] += ch["c"]  # an accent stays with its letter
                        continue
                    x0, y0, x1, y1 = ch["bbox"]
                    ox, oy = ch["origin"]
                    if m is not None:
                        xa, xb = x0 * m[0] + y0 * m[2] + m[4], x1 * m[0] + y1 * m[2] + m[4]
                        x0, x1 = min(xa, xb), max(xa, xb)
                        oy = ox * m[1] + oy * m[3] + m[5]
                    glyphs.append([x0, x1, ch["c"], size, oy])
                for x0, x1, text, _, baseline in glyphs:
                    _place(lines, baseline, size, (x0, x1, text, size))
    lines.sort(key=lambda ln: ln.baseline)
    return [words for line in lines if (words := _split(line, normalize))]


def _place(lines: list[_Line], baseline: float, size: float, char) -> None:
    # Same line: baselines closer than a third of the font size (sub/superscripts
    # and slightly uneven runs stay on their line, the next line never does).
    for line in reversed(lines[-8:]):
        if abs(line.baseline - baseline) <= 0.33 * max(line.size, size):
            line.chars.append(char)
            return
    for line in lines:
        if abs(line.baseline - baseline) <= 0.33 * max(line.size, size):
            line.chars.append(char)
            return
    lines.append(_Line(baseline, size, [char]))


def _split(line: _Line, normalize: bool) -> list[Word]:
    chars = sorted(line.chars, key=lambda c: c[0])
    words: list[Word] = []
    current: list = []
    top = line.baseline - line.size * 0.8
    bottom = line.baseline + line.size * 0.2

    def flush() -> None:
        if current:
            text = "".join(c[2] for c in current)
            if normalize:
                text = unicodedata.normalize("NFC", text)
            size = max(c[3] for c in current)
            words.append(Word(text, current[0][0], top, current[-1][1], bottom, size))
            current.clear()

    for char in chars:
        if char[2].isspace():
            flush()
            continue
        if current:
            gap = char[0] - current[-1][1]
            if gap > WORD_BREAK * max(char[3], current[-1][3]):
                flush()
        current.append(char)
    flush()
    return words


def page_text(page) -> str:
    """The page's text, one line per line of print, words keeping their columns
    (less the page's left margin)."""
    lines = page_words(page)
    widths = [(w.x1 - w.x0) / max(len(w.text), 1) for line in lines for w in line]
    column = sorted(widths)[len(widths) // 2] if widths else 5.0
    column = max(column, 1.0)
    out = []
    for line in lines:
        text, end = "", None
        for word in line:
            if end is not None and word.x0 - end < 2 * column:
                text += " " + word.text  # an ordinary word space: exactly one
            else:  # the line's start or a wide gap (columns): keep the column
                text += " " * max(round(word.x0 / column) - len(text), 1 if text else 0)
                text += word.text
            end = word.x1
        out.append(text.rstrip())
    # The page's own left margin is no use in a terminal: columns stay, margin goes.
    margin = min((len(t) - len(t.lstrip(" ")) for t in out if t.strip()), default=0)
    out = [t[margin:] for t in out]
    return "\n".join(out) + ("\n" if out else "")
