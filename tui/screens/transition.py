"""Chuyển văn bản: only the actions my role may take now, a recipient, an opinion, and
"sign and send" as one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from kyso.core.service.model import ACTION_LABELS, ROLE_LABELS, Document, Person
from kyso.tui.format import plain, shorten
from kyso.tui.screens.base import KysoModal

__all__ = ["TransitionChoice", "TransitionScreen"]

_SIGNABLE = {"chuyen_van_thu", "trinh_lanh_dao_so", "trinh_lanh_dao_van_phong"}
"""Actions after which "ký rồi chuyển" makes sense."""


@dataclass(frozen=True)
class TransitionChoice:
    """What the user chose."""

    action: str
    to: str | None
    note: str
    sign_first: bool = False


def _recipient_role(action: str) -> str | None:
    from kyso.core import workflow

    for rule in workflow.RULES:
        if rule.action.value == action and rule.recipient_role is not None:
            return rule.recipient_role.value
    return None


def _named(action: str) -> bool:
    from kyso.core import workflow

    return any(
        r.action.value == action and r.recipient == workflow.Recipient.NAMED for r in workflow.RULES
    )


class TransitionScreen(KysoModal):
    """Dismisses with a :class:`TransitionChoice` or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Huỷ", id="transition.cancel"),
        Binding("ctrl+s", "send", "Chuyển", id="transition.send"),
    ]

    def __init__(
        self,
        doc: Document,
        actions: list[str],
        users: list[Person],
        preselect: str | None = None,
    ) -> None:
        super().__init__(id="transition")
        self.preselect = preselect
        self.doc = doc
        self.actions = actions
        self.users = users

    def compose(self) -> ComposeResult:
        # Compact widgets (no borders): the whole dialog, buttons included, fits 80×24.
        with VerticalScroll(classes="dialog", id="transition-box"):
            title = plain("Chuyển: ", shorten(self.doc.trich_yeu, 56))
            title.append("\nCtrl+S: chuyển · Esc: đóng", style="dim")
            yield Static(title, classes="dialog-title")
            yield Label("Nội dung xử lý", classes="transition-label")
            yield OptionList(
                *[Option(ACTION_LABELS.get(a, a), id=a) for a in self.actions],
                id="transition-actions",
                compact=True,
            )
            yield Label("Người nhận", classes="transition-label")
            yield Select[str](
                [],
                prompt="Tự động theo quy trình",
                id="transition-to",
                allow_blank=True,
                compact=True,
            )
            yield Label("Ý kiến xử lý", classes="transition-label")
            yield TextArea(id="transition-note", soft_wrap=True, compact=True)
            yield Checkbox("Ký số token trước khi chuyển", id="transition-sign", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Chuyển", variant="primary", id="transition-ok", compact=True)
                yield Button("Đóng", id="transition-cancel", compact=True)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        first = self.actions.index(self.preselect) if self.preselect in self.actions else 0
        options.highlighted = first
        options.focus()
        self._update_recipients(self.actions[first] if self.actions else "")

    @on(OptionList.OptionHighlighted)
    def _action_changed(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._update_recipients(event.option.id)

    def _update_recipients(self, action: str) -> None:
        role = _recipient_role(action)
        me = self.service.user.username
        people = [u for u in self.users if u.username != me]
        if role and not _named(action):
            people = [u for u in people if u.role == role] or people
        select = self.query_one("#transition-to", Select)
        select.set_options(
            [(f"{u.name} — {ROLE_LABELS.get(u.role, u.role)}", u.username) for u in people]
        )
        sign = self.query_one("#transition-sign", Checkbox)
        sign.disabled = action not in _SIGNABLE or self.service.user.role != "lanh_dao_so"

    def selected_action(self) -> str | None:
        """The highlighted action."""
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return options.get_option_at_index(options.highlighted).id

    @on(OptionList.OptionSelected)
    def _picked(self) -> None:
        self.query_one("#transition-note", TextArea).focus()

    @on(Button.Pressed, "#transition-ok")
    def action_send(self) -> None:
        """Chuyển with the chosen action, recipient and opinion."""
        action = self.selected_action()
        if action is None:
            return
        value = self.query_one("#transition-to", Select).value
        to = value if isinstance(value, str) else None
        if to is None and _named(action):
            self.notify("Chọn người nhận để luân chuyển", severity="warning")
            return
        sign = self.query_one("#transition-sign", Checkbox)
        self.dismiss(
            TransitionChoice(
                action,
                to,
                self.query_one("#transition-note", TextArea).text,
                sign_first=sign.value and not sign.disabled,
            )
        )

    @on(Button.Pressed, "#transition-cancel")
    def action_cancel(self) -> None:
        """Đóng without changing anything."""
        self.dismiss(None)
