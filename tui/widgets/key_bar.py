"""The footer line of keys, cut to the terminal's width: the screen's most useful keys
first, and ``?`` (every key) and ``q`` (Thoát) always at the right end.

Textual's Footer lays every key out in a row and scrolls when they do not fit, which at
80 columns hides ``?`` and ``q`` and leaves a scrollbar mark in the last column.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Static

__all__ = ["KeyBar", "fit_keys"]

ALWAYS = ("app.help", "app.quit")
"""Binding ids shown whatever the width, at the right end."""

_GAP = 2


def fit_keys(
    keys: Sequence[tuple[str, str]], always: Sequence[tuple[str, str]], width: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (key, description) pairs that fit in ``width`` cells: ``always`` as a whole,
    then as many of ``keys`` (in order) as fit in front of it, whole pairs only."""

    def size(pair: tuple[str, str]) -> int:
        return cell_len(pair[0]) + 1 + cell_len(pair[1])

    used = sum(size(p) for p in always) + _GAP * max(len(always) - 1, 0)
    shown: list[tuple[str, str]] = []
    for pair in keys:
        extra = size(pair) + _GAP
        if used + extra > width:
            break
        shown.append(pair)
        used += extra
    return shown, list(always)


class KeyBar(Static):
    """One line of key hints for the screen it is on; refreshed when its bindings change
    (focus moves, a key is rebound) and when the width changes."""

    DEFAULT_CSS = """
    KeyBar { height: 1; width: 1fr; background: $footer-background; padding: 0 1; }
    """

    def __init__(self, priority: Sequence[str] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.priority = tuple(priority)
        """Binding ids shown first, in this order; the screen's other keys follow."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: object) -> None:
        self.refresh()

    def _pairs(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        app = self.app
        found: dict[str, tuple[str, str]] = {}
        order: list[str] = []
        for active in self.screen.active_bindings.values():
            binding: Binding = active.binding
            if not binding.show or not active.enabled:
                continue
            ident = binding.id or binding.action
            if ident in found:
                continue
            found[ident] = (app.get_key_display(binding), binding.description)
            order.append(ident)
        always = [found[i] for i in ALWAYS if i in found]
        first = [i for i in self.priority if i in found and i not in ALWAYS]
        rest = [i for i in order if i not in first and i not in ALWAYS]
        return [found[i] for i in (*first, *rest)], always

    def render(self) -> Content:
        keys, always = self._pairs()
        width = max(self.content_region.width, 0)
        shown, right = fit_keys(keys, always, width)
        left = _line(shown)
        tail = _line(right)
        pad = width - left.cell_length - tail.cell_length
        return Content.assemble(left, " " * max(pad, 1 if shown and right else 0), tail)


def _line(pairs: Sequence[tuple[str, str]]) -> Content:
    parts: list[Content | str | tuple[str, str]] = []
    for index, (key, description) in enumerate(pairs):
        if index:
            parts.append(" " * _GAP)
        parts.append((key, "bold $footer-key-foreground"))
        parts.append((f" {description}", "$footer-description-foreground"))
    return Content.assemble(*parts)
