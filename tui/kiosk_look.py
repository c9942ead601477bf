"""How the kiosk station looks: its high-contrast theme and the bare Linux console."""

from __future__ import annotations

import os

from textual.theme import Theme

__all__ = ["HIGH_CONTRAST", "console_is_bare"]

HIGH_CONTRAST = Theme(
    name="kyso-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFFFF",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#0000AA",
    success="#00FF00",
    warning="#FFFF00",
    error="#FF5555",
    dark=True,
    variables={
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 50%",
        "footer-key-foreground": "#FFFF00",
    },
)
"""Yellow on black, white text: readable across a room and on a 16-colour console."""


def console_is_bare(env: dict[str, str] | None = None) -> bool:
    """True on the Linux virtual console (``TERM=linux``): 16 colours, no images."""
    return (env if env is not None else os.environ).get("TERM", "") == "linux"
