"""Text from the server or a file, made safe to print on a terminal.

A trích yếu, an opinion or a signer's name is data written by someone else: printed raw,
an ESC or OSC sequence in it could clear the screen, retitle the window or write the
clipboard (OSC 52), and a bidi override could make "ký.fdp" read as "pdf.ký". Everything
kyso prints from such a source goes through :func:`safe_line` (or :func:`safe_json` for
``--json``): C0 controls become their visible "control picture" (ESC → ␛), C1 controls
and the invisible direction/format marks become U+FFFD, so no control byte leaves kyso.
"""

from __future__ import annotations

import json
import re
import unicodedata

__all__ = [
    "has_control",
    "safe_json",
    "safe_json_bytes",
    "safe_json_text",
    "safe_line",
    "safe_lines",
]

REPLACEMENT = "\ufffd"

# Direction overrides/isolates and marks, plus the invisible separators a terminal may
# honour. ZWJ/ZWNJ (U+200C/D) stay: emoji and some scripts need them and they move nothing.
_BIDI_AND_FORMAT = (
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
)
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_AND_FORMAT}]")
_UNSAFE_KEEP_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI_AND_FORMAT}]")


def _picture(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code == 0x09:
        return " "
    if code in (0x0A, 0x0D):
        return " "
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return REPLACEMENT


def safe_line(text: object) -> str:
    """``text`` as one printable line: no control, C1 or bidi-override character left."""
    return _UNSAFE.sub(_picture, "" if text is None else str(text))


def safe_lines(text: object) -> str:
    """Like :func:`safe_line` but newlines are kept (for an opinion printed as a block)."""
    value = ("" if text is None else str(text)).replace("\r\n", "\n")
    return _UNSAFE_KEEP_LINES.sub(_picture, value)


def has_control(text: str, *, allow: str = "") -> bool:
    """Whether ``text`` holds a C0/C1 control character (other than those in ``allow``)."""
    return any(unicodedata.category(ch) == "Cc" and ch not in allow for ch in text)


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI_AND_FORMAT}]")


def safe_json(data: object) -> str:
    """``data`` as JSON (UTF-8 text kept readable) with every control and bidi character
    written as a ``\\uXXXX`` escape, so the document is unchanged for a JSON reader but
    carries no control byte to a terminal. ``json`` already escapes C0 controls."""
    return safe_json_text(json.dumps(data, ensure_ascii=False))


def _utf8_patterns(ranges: str) -> dict[int, re.Pattern[bytes]]:
    """Bytes patterns matching the UTF-8 encoding of every character of ``ranges`` (the
    body of a character class: single characters and ``a-b`` ranges), one per first byte:
    a pattern with a literal first byte is searched for at C speed."""
    chars: list[str] = []
    i = 0
    while i < len(ranges):
        if i + 2 < len(ranges) and ranges[i + 1] == "-":
            chars.extend(map(chr, range(ord(ranges[i]), ord(ranges[i + 2]) + 1)))
            i += 3
        else:
            chars.append(ranges[i])
            i += 1
    ends: dict[bytes, list[int]] = {}
    for ch in chars:
        encoded = ch.encode("utf-8")
        ends.setdefault(encoded[:-1], []).append(encoded[-1])
    alternatives: dict[int, list[bytes]] = {}
    for prefix, last in ends.items():
        klass = b"[" + b"".join(b"\\x%02x" % b for b in sorted(last)) + b"]"
        if prefix:
            alternatives.setdefault(prefix[0], []).append(re.escape(prefix[1:]) + klass)
        else:
            for b in last:
                alternatives.setdefault(b, []).append(b"")
    return {
        lead: re.compile(re.escape(bytes([lead])) + b"(?:" + b"|".join(alts) + b")")
        for lead, alts in alternatives.items()
    }


_JSON_UNSAFE_UTF8 = _utf8_patterns("\x7f-\x9f" + _BIDI_AND_FORMAT)


def safe_json_bytes(data: bytes) -> bytes:
    """:func:`safe_json_text` for UTF-8 bytes (SQLite's JSON leaves C1 and bidi marks raw).

    Searched as bytes, so the usual document (none of these characters) is returned as it
    is instead of being decoded and encoded again (40 MB at 100,000 documents)."""
    for lead, pattern in _JSON_UNSAFE_UTF8.items():
        if lead in data and pattern.search(data):
            return safe_json_text(data.decode("utf-8")).encode("utf-8")
    return data


def safe_json_text(text: str) -> str:
    """A JSON document already serialised, with the escapes of :func:`safe_json` applied
    (inside JSON these characters can only occur in strings, where the escape is valid)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
