"""The command palette, in Vietnamese: every key binding of the current screen and of the
app, named "Khu vực: Việc" ("Hộp văn bản: Ký số", "Ứng dụng: Thoát"), the commands a
screen adds, and the app-wide ones (giao diện, chụp màn hình, phóng to).

Search ignores diacritics the way the inbox filter does: "ky so" finds "Ký số".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.app import SystemCommand
from textual.binding import Binding
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.widgets.option_list import Option

__all__ = [
    "APP_AREA",
    "KysoCommands",
    "KysoPalette",
    "KysoSystemCommands",
    "ThemeCommands",
    "binding_commands",
    "command_name",
    "screen_area",
    "screen_bindings",
    "system_commands",
    "theme_label",
]

APP_AREA = "Ứng dụng"
"""The area of the app-wide keys and commands."""

SCREEN_AREAS: dict[str, str] = {
    "inbox": "Hộp văn bản",
    "document": "Văn bản",
    "preview": "Xem trước",
    "placement": "Vị trí chữ ký",
    "batch": "Ký hàng loạt",
    "transition": "Chuyển văn bản",
    "pin": "Mã PIN",
    "opinion": "Ý kiến",
    "confirm": "Xác nhận",
    "save": "Lưu tệp",
    "token": "Token",
    "settings": "Cài đặt",
    "audit": "Nhật ký",
    "conflicts": "Xung đột",
    "issuance": "Phát hành",
    "registry": "Sổ đăng ký",
    "help": "Phím tắt",
    "welcome": "Máy trạm",
}
"""A screen's id → the area its commands are listed under."""

NO_MATCHES = "Không có lệnh phù hợp"


def screen_area(screen: Any) -> str:
    """What the palette calls ``screen`` ("Hộp văn bản", "Văn bản"…)."""
    return SCREEN_AREAS.get(screen.id or "", getattr(screen, "AREA", None) or "Màn hình này")


def command_name(screen: Any, node: Any, binding: Binding) -> str:
    """ "Khu vực: Việc" for a binding of ``screen`` or of the app (``node``)."""
    area = APP_AREA if node is screen.app else screen_area(screen)
    return f"{area}: {binding.description or binding.action}"


def binding_commands(screen: Any) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, help, callback) for every binding with an id on ``screen`` and the app."""
    found: list[tuple[str, str, Callable[[], Any]]] = []
    seen: set[str] = set()
    app = screen.app
    for node, binding in screen_bindings(screen):
        if not binding.id or binding.id in seen or binding.id == "app.palette":
            continue
        seen.add(binding.id)
        key = app.get_key_display(binding)
        found.append(
            (
                command_name(screen, node, binding),
                f"Phím {key}",
                partial(app.run_action, binding.action, node),
            )
        )
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


# -- app-wide commands -------------------------------------------------------------------


def system_commands(app: Any, screen: Any) -> Iterable[SystemCommand]:
    """The app-wide commands Textual offers in English, in Vietnamese. Thoát and Phím tắt
    are app keys (``app.quit``, ``app.help``), listed with the other keys."""
    yield SystemCommand(
        f"{APP_AREA}: Đổi giao diện", "Chọn bảng màu của ứng dụng", app.action_change_theme
    )
    yield SystemCommand(
        f"{APP_AREA}: Chụp màn hình",
        "Lưu ảnh SVG của màn hình vào thư mục Ảnh",
        # After the palette has closed, so it is not in the picture.
        lambda: app.set_timer(0.1, app.action_screenshot),
    )
    if screen.maximized is not None:
        yield SystemCommand(
            f"{APP_AREA}: Thu nhỏ", "Trả ô đang phóng to về cỡ cũ", screen.action_minimize
        )
    elif screen.focused is not None and screen.focused.allow_maximize:
        yield SystemCommand(
            f"{APP_AREA}: Phóng to", "Phóng to ô đang chọn ra cả màn hình", screen.action_maximize
        )


_THEME_NAMES = {
    "textual-dark": "Tối (mặc định)",
    "textual-light": "Sáng",
    "ansi-dark": "Tối, màu của terminal",
    "ansi-light": "Sáng, màu của terminal",
}


def theme_label(name: str, dark: bool) -> str:
    """A theme as kyso lists it: "Tối (mặc định)", "Nord (tối)", "Solarized Light (sáng)"."""
    if name in _THEME_NAMES:
        return _THEME_NAMES[name]
    title = name.replace("-", " ").title()
    return f"{title} ({'tối' if dark else 'sáng'})"


# -- search without diacritics -----------------------------------------------------------


def _fold_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded as the inbox filter folds it, and for each folded character the
    index of the character it came from (to highlight the original)."""
    from kyso.tui.inbox_rows import fold

    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    return "".join(folded), origin


class FoldMatcher(Matcher):
    """Textual's fuzzy matcher over text without diacritics: "dong bo" → "Đồng bộ"."""

    def __init__(self, query: str, *, match_style: Any = None) -> None:
        folded, _ = _fold_map(query)
        super().__init__(folded, match_style=match_style)

    def match(self, candidate: str) -> float:
        """Strength of the match from 0 to 1."""
        return self.fuzzy_search.match(self.query, _fold_map(candidate)[0])[0]

    def highlight(self, candidate: str) -> Content:
        """``candidate`` as written (no markup parsed), the matched letters styled."""
        folded, origin = _fold_map(candidate)
        score, offsets = self.fuzzy_search.match(self.query, folded)
        content = Content(candidate)
        if not score:
            return content
        for offset in {origin[o] for o in offsets}:
            if not candidate[offset].isspace():
                content = content.stylize(self.match_style, offset, offset + 1)
        return content


class _FoldingProvider(Provider):
    """A provider over (name, help, callback) triples, searched without diacritics."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text or None)

    async def search(self, query: str) -> Hits:
        matcher = FoldMatcher(query, match_style=self.match_style)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text or None)


class KysoCommands(_FoldingProvider):
    """Commands built from the current screen's bindings and state."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return binding_commands(self.screen)


class KysoSystemCommands(_FoldingProvider):
    """The app's :meth:`~textual.app.App.get_system_commands`, searched without
    diacritics (Textual's own provider would not find "Đổi giao diện" from "doi")."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        commands = self.app.get_system_commands(self.screen)
        return sorted(
            ((c.title, c.help, c.callback) for c in commands if c.discover), key=lambda c: c[0]
        )


class ThemeCommands(_FoldingProvider):
    """The themes, by their Vietnamese labels."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app = self.app

        def choose(name: str) -> None:
            app.theme = name

        themes = sorted(app.available_themes.values(), key=lambda t: t.name)
        return [
            (theme_label(t.name, t.dark), f"giao diện {t.name}", partial(choose, t.name))
            for t in themes
        ]


class KysoPalette(CommandPalette):
    """Textual's command palette with Vietnamese words."""

    def __init__(self, providers: Any = None, *, placeholder: str = "Tìm lệnh…", **kwargs: Any):
        super().__init__(providers, placeholder=placeholder, **kwargs)

    # Textual writes "No matches found" from inside this method and offers no hook for
    # the words; this is its Textual 8 body with the Vietnamese text.
    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(NO_MATCHES, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
