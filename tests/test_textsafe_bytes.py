"""``safe_json_bytes`` (the bytes fast path of ``kyso inbox --json``) escapes exactly what
``safe_json_text`` escapes, for every character of the Basic Multilingual Plane and beyond."""

from __future__ import annotations

import json

from hostile_text import UNSAFE_CHARS

from kyso.core.textsafe import safe_json_bytes, safe_json_text


def test_same_result_as_the_text_version_for_every_character():
    for start in range(0x20, 0x30000, 0x800):
        chars = [chr(c) for c in range(start, start + 0x800) if not 0xD800 <= c < 0xE000]
        text = json.dumps({"t": "Kế hoạch " + "·".join(chars)}, ensure_ascii=False)
        assert safe_json_bytes(text.encode("utf-8")) == safe_json_text(text).encode("utf-8")


def test_hostile_characters_are_escaped_and_the_data_kept():
    text = json.dumps({"t": "a" + "".join(UNSAFE_CHARS) + "b"}, ensure_ascii=False)
    out = safe_json_bytes(text.encode("utf-8"))
    assert json.loads(out) == json.loads(text)
    for ch in UNSAFE_CHARS:
        if ord(ch) >= 0x7F:
            assert ch.encode("utf-8") not in out


def test_clean_text_is_returned_as_it_is():
    data = json.dumps([{"trich_yeu": "Kế hoạch – số 1…"}] * 100, ensure_ascii=False).encode()
    assert safe_json_bytes(data) is data
