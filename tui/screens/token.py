"""Token: modules found, slots, tokens, certificates, and why a module failed to load —
the "driver" page a user checks first."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static, Tree

from kyso.tui.screens.base import KysoScreen
from kyso.tui.widgets.key_bar import KeyBar

__all__ = ["TokenScreen"]


class Inventory(Message):
    """Module reports read by a worker."""

    def __init__(self, reports: list, error: str = "") -> None:
        super().__init__()
        self.reports = reports
        self.error = error


class TokenScreen(KysoScreen):
    """Read-only; `r` looks again (after plugging a token in)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Đóng", id="token.close"),
        Binding("r", "rescan", "Tìm lại", id="token.rescan"),
    ]

    def __init__(self) -> None:
        super().__init__(id="token")

    def compose(self) -> ComposeResult:
        yield Static("Token và chứng thư số", id="token-title")
        yield Tree("Module PKCS#11", id="token-tree")
        yield KeyBar(id="token-keys")

    def on_mount(self) -> None:
        self.query_one(Tree).focus()
        self.action_rescan()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="token-scan",
        description="Tìm token",
    )
    def action_rescan(self) -> None:
        """Tìm lại: list modules, slots, tokens and certificates (no PIN)."""
        from kyso.core.errors import KysoError
        from kyso.core.service.tokens import token_walk

        try:
            reports = token_walk(None, self.kyso.settings.token.module or None)
        except KysoError as exc:
            self.post_message(Inventory([], exc.message))
            return
        self.post_message(Inventory(reports))
        self.kyso.flows.refresh_token_status()

    @on(Inventory)
    def _show(self, message: Inventory) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        if message.error:
            tree.root.add_leaf(f"✘ {message.error}")
        if not message.reports and not message.error:
            tree.root.add_leaf(
                "Không tìm thấy module nào: cài driver của token hoặc chỉ đường dẫn "
                "trong Cài đặt / KYSO_MODULE"
            )
        for report in message.reports:
            node = tree.root.add(f"{report.name} — {report.path} [{report.source}]", expand=True)
            if report.error:
                node.add_leaf(f"✘ Không nạp được: {report.error}")
            if not report.slots and not report.error:
                node.add_leaf("Không có khe nào (token chưa cắm?)")
            for slot in report.slots:
                slot_node = node.add(f"Khe {slot.slot_id}: {slot.description}", expand=True)
                if slot.error:
                    slot_node.add_leaf(f"✘ {slot.error}")
                token = slot.token
                if token is None:
                    slot_node.add_leaf("(trống)")
                    continue
                pad = " · có bàn phím PIN" if token.pin_pad else ""
                tok = slot_node.add(
                    f"Token “{token.label}” — {token.manufacturer} {token.model} "
                    f"#{token.serial} · PIN: {token.pin_state}{pad}",
                    expand=True,
                )
                for cert in token.certificates:
                    sign = "ký được" if cert.can_sign else "không ký được"
                    tok.add_leaf(
                        f"{cert.label}: {cert.common_name} — {cert.title or ''} "
                        f"hiệu lực {cert.not_before:%d/%m/%Y}–{cert.not_after:%d/%m/%Y} · {sign}"
                    )
        tree.root.expand()

    def action_back(self) -> None:
        """Back."""
        self.dismiss(None)
