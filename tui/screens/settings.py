"""Thông tin cá nhân: signing method, signature image (with a preview), default
position, token module, theme — saved to the config file."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Label, Select, Static

from kyso.core.docs.stamp import check_signature_image, signature_image_path
from kyso.core.errors import KysoError
from kyso.tui.commands import theme_label
from kyso.tui.format import plain
from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar
from kyso.tui.widgets.page_preview import image_widget_class

__all__ = ["SettingsScreen"]


class SettingsScreen(KysoScreen):
    """Edits a few keys of the user's config; Ctrl+S saves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="settings.close"),
        Binding("ctrl+s", "save", "Lưu", id="settings.save"),
        Binding("ctrl+r", "clear_placements", "Xoá vị trí đã nhớ", id="settings.clear_placements"),
    ]

    def __init__(self) -> None:
        super().__init__(id="settings")

    def compose(self) -> ComposeResult:
        s = self.kyso.settings
        user = self.service.user
        yield Static("Thông tin cá nhân", id="settings-title")
        with VerticalScroll(id="settings-form"):
            yield Static(
                plain(user.full_name, " — ", user.title or user.role_label, " · ", user.org_name)
            )
            yield Label("Hình thức ký số")
            yield Select(
                [("Ký số token", "token"), ("Ký số từ xa", "remote")],
                value=s.signing.method,
                allow_blank=False,
                id="set-method",
            )
            yield Label("Ảnh ký số (PNG nền trong suốt)")
            yield Input(s.signing.image, placeholder="/đường/dẫn/chu-ky.png", id="set-image")
            yield Static("", id="set-image-note")
            image_class = image_widget_class(self.kyso.images)
            if image_class is not None:
                yield image_class(id="set-image-preview")
            yield Label("Vị trí mặc định")
            yield Static(self._placement_text(), id="set-placement")
            yield Label("Module PKCS#11 của token (trống = tự tìm)")
            yield Input(s.token.module, id="set-module")
            yield Label("Giao diện")
            themes = sorted(self.app.available_themes)
            yield Select(
                [(theme_label(t, self.app.available_themes[t].dark), t) for t in themes],
                value=self.app.theme,
                allow_blank=False,
                id="set-theme",
            )
        yield KeyBar(
            ("settings.save", "settings.clear_placements", "settings.close"), id="settings-keys"
        )

    def _placement_text(self) -> Text:
        try:
            mine = self.service.placements().all()
        except KysoError as exc:
            return plain(exc.message)
        if not mine:
            return plain("(chưa có — chọn khi ký lần đầu)")
        lines = [entry.describe() for entry in mine]
        lines.append("(Ctrl+R: xoá các vị trí đã nhớ; khi ký, Enter trên một văn bản: chỉnh)")
        return plain("\n".join(lines), lines=True)

    def action_clear_placements(self) -> None:
        """Xoá vị trí đã nhớ: after a confirmation, forget my remembered positions."""
        from kyso.tui.screens.confirm import ConfirmScreen

        try:
            mine = self.service.placements().all()
        except KysoError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        if not mine:
            self.notify("Chưa có vị trí nào được nhớ", title="Vị trí mặc định")
            return
        self.app.push_screen(
            ConfirmScreen(
                "Xoá vị trí chữ ký đã nhớ",
                f"Quên {len(mine)} vị trí chữ ký đã nhớ của bạn? Lần ký sau sẽ đặt theo "
                "chức danh hoặc góc mặc định.",
                yes="Xoá",
            ),
            self._clear_confirmed,
        )

    def _clear_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        try:
            count = self.service.placements().clear()
        except KysoError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.query_one("#set-placement", Static).update(self._placement_text())
        self.notify(f"Đã xoá {count} vị trí đã nhớ", title="Vị trí mặc định")

    def on_mount(self) -> None:
        self._preview(self.kyso.settings.signing.image)

    @on(Input.Changed, "#set-image")
    def _image_changed(self, event: Input.Changed) -> None:
        self._preview(event.value.strip())

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="settings-image",
        description="Xem ảnh ký số",
    )
    def _preview(self, path: str) -> None:
        problem = check_signature_image(path)
        self.app.call_from_thread(self._show_image, path, problem)

    def _show_image(self, path: str, problem: str) -> None:
        if path != self.query_one("#set-image", Input).value.strip():
            return  # an older check finishing late
        note = self.query_one("#set-image-note", Static)
        note.update(plain(problem, style="red") if problem else ("✔ ảnh hợp lệ" if path else ""))
        previews = self.query("#set-image-preview")
        if previews:
            try:
                previews.first().image = (
                    None
                    if (problem or not path)
                    else str(  # type: ignore[attr-defined]
                        signature_image_path(path)
                    )
                )
            except Exception as exc:
                note.update(plain("Không mở được ảnh: ", exc, style="red"))

    @on(Select.Changed, "#set-theme")
    def _theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.theme = event.value

    def action_save(self) -> None:
        """Lưu: write the changed keys to the config file."""
        from dataclasses import replace

        from kyso.config.settings import save_setting
        from kyso.core.errors import KysoError

        image = self.query_one("#set-image", Input).value.strip()
        problem = check_signature_image(image)
        if problem:
            self.notify(problem, title="Ảnh ký số", severity="error")
            return
        values = {
            ("signing", "method"): self.query_one("#set-method", Select).value,
            ("signing", "image"): image,
            ("token", "module"): self.query_one("#set-module", Input).value.strip(),
            ("ui", "theme"): self.query_one("#set-theme", Select).value,
        }
        settings = self.kyso.settings
        try:
            for (section, key), value in values.items():
                save_setting(section, key, value)
                settings = replace(
                    settings, **{section: replace(getattr(settings, section), **{key: value})}
                )
        except KysoError as exc:
            self.notify(exc.message, title=exc.title, severity="error")
            return
        self.kyso.settings = settings
        self.notify("Đã lưu cài đặt", title="Thông tin cá nhân")

    def action_back(self) -> None:
        """Đóng."""
        self.dismiss(None)
