"""Text fields refuse control characters: a trích yếu or a name is one line of text.

C0/C1 control characters (NUL, ESC, the OSC/CSI introducers…) are refused with a 400 and
one Vietnamese line; opinions and notes may keep newlines and tabs. Request models use
:data:`Line` and :data:`MultiLine`; form fields call :func:`check_line` /
:func:`check_multiline`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import HTTPException
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from kyso.core.textsafe import has_control

__all__ = [
    "CONTROL_ERROR",
    "CONTROL_MESSAGE",
    "Line",
    "MultiLine",
    "check_line",
    "check_multiline",
]

CONTROL_ERROR = "control_characters"
"""The pydantic error type; the app's validation handler turns it into a Vietnamese line."""

CONTROL_MESSAGE = "chứa ký tự điều khiển (chỉ ý kiến, ghi chú được xuống dòng)"


def _line(value: str) -> str:
    if has_control(value):
        raise PydanticCustomError(CONTROL_ERROR, "control characters")
    return value


def _multiline(value: str) -> str:
    if has_control(value, allow="\n\t\r"):
        raise PydanticCustomError(CONTROL_ERROR, "control characters")
    return value


Line = Annotated[str, AfterValidator(_line)]
"""One line of text: no control character at all."""

MultiLine = Annotated[str, AfterValidator(_multiline)]
"""An opinion or a note: newline and tab allowed, other control characters refused."""


def check_line(value: str, field: str) -> str:
    """``value`` unchanged, or 400 when it holds a control character."""
    if has_control(value):
        raise HTTPException(400, f"Dữ liệu không hợp lệ: {field} {CONTROL_MESSAGE}.")
    return value


def check_multiline(value: str, field: str) -> str:
    """Like :func:`check_line`, newline and tab allowed."""
    if has_control(value, allow="\n\t\r"):
        raise HTTPException(400, f"Dữ liệu không hợp lệ: {field} {CONTROL_MESSAGE}.")
    return value
