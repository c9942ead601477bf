"""Hostile strings a colleague (or a file) can put where kyso shows text (issue 14)."""

from __future__ import annotations

import unicodedata

HOSTILE = {
    "markup-close": "Kế hoạch [/b] thử markup",
    "markup-click": "[@click=app.quit]Bấm vào đây[/] để ký",
    "markup-style": "[bold red on white]Đã ký hợp lệ[/] [link=https://x.invalid]x[/link]",
    "ansi-clear": "Kế hoạch \x1b[2J\x1b[H\x1b[31mĐã ký hợp lệ\x1b[0m",
    "osc-title-clipboard": "Công văn \x1b]0;pwned\x07 \x1b]52;c;ZWNobyBoaQ==\x07 gửi",
    "c1-csi": "Báo cáo \x9b2J\x9d0;x\x9c tháng",
    "bidi": "Quyết định \u202egnợh pợh\u202c \u2066iso\u2069 ký.\u202efdp",
    "zero-width": "Tờ\u200b trình\u200d\u200c\ufeff số\u2060 1",
    "long": "Trích yếu rất dài " + "ký số " * 1660,
    "nfd": unicodedata.normalize("NFD", "Kế hoạch tổ chức Hội nghị tổng kết năm"),
    "nul-bel": "Thông\x00báo\x07\x08\x7f",
}
"""name → string; every one must pass through every screen and command unharmed."""

CONTROL_BYTES = set(range(0x00, 0x20)) - {0x0A} | {0x7F}
"""Bytes that must never leave kyso on stdout/stderr (newline is the only one allowed)."""

UNSAFE_CHARS = {chr(c) for c in range(0x80, 0xA0)} | set(
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
"""C1 controls and invisible direction marks that must not reach a terminal raw."""
