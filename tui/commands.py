"""The command palette: every key binding of the current screen and of the app, named
"area: Verb" ("document: Ký số", "sync: Đồng bộ"), plus commands a screen adds."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["KysoCommands", "binding_commands", "screen_bindings"]


def binding_commands(screen: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, help, callback) for every binding with an id on ``screen`` and the app."""
    found: list[tuple[str, str, Callable[[], Any]]] = []
    seen: set[str] = set()
    app = screen.app
    for node, binding in screen_bindings(screen):
        if not binding.id or binding.id in seen or binding.id == "app.palette":
            continue
        seen.add(binding.id)
        area = binding.id.split(".", 1)[0]
        name = f"{area}: {binding.description or binding.action}"
        key = app.get_key_display(binding)
        found.append((name, f"Phím {key}", partial(app.run_action, binding.action, node)))
    extra = getattr(screen, "command_items", None)
    if callable(extra):
        found.extend(extra())
    return found


def screen_bindings(screen: Any) -> list[tuple[Any, Binding]]:
    """(node, binding) pairs of the screen and the app: the active ones first (they
    carry the user's keymap), then the declared ones that a focused widget shadows."""
    pairs: list[tuple[Any, Binding]] = []
    ids: set[str] = set()
    for active in screen.active_bindings.values():
        if active.node in (screen, screen.app) and active.binding.id:
            pairs.append((active.node, active.binding))
            ids.add(active.binding.id)
    for node in (screen, screen.app):
        for binding in type(node).BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in ids:
                pairs.append((node, binding))
                ids.add(binding.id)
    return pairs


class KysoCommands(Provider):
    """Commands built from the current screen's bindings and state."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return binding_commands(self.screen)

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
