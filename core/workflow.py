"""The outgoing-document workflow (luồng văn bản đi), shared by server, client and UI.

One table says who may do what: each :class:`Rule` lets one role take one action from
some states, says which state the document moves to, and who receives it by default.
The server enforces it (403 for the wrong role or a non-holder, 409 for the wrong
state); the client and the app use :func:`allowed_actions` to offer only what will be
accepted.

The flow from the e-office signing guide::

    du_thao ──Trình lãnh đạo Văn phòng──▶ cho_lanh_dao_van_phong ──Trình lãnh đạo Sở──┐
       │                                                                                ▼
       └──────────────────Trình lãnh đạo Sở──────────────────────────▶ cho_lanh_dao_so
                                                     (the leader uploads a signed version)
    cho_lanh_dao_so ──Chuyển Văn thư Sở──▶ cho_van_thu ──Ban hành──▶ da_ban_hanh ──▶ ket_thuc
    any waiting state ──Chuyển trả Chuyên viên──▶ tra_lai (back to the drafter)

"Chuyển Văn thư Sở" needs the main attachment's latest version to be signed
(:data:`Rule.requires_signed_main`). "Luân chuyển" sends the document to someone for
information: state and holder stay as they are.

Plain Python only: no Textual, no FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from kyso.core.errors import WorkflowError

__all__ = [
    "ACTION_LABELS",
    "DOCUMENT_TYPES",
    "EDITABLE_STATES",
    "FINAL_STATES",
    "ROLE_LABELS",
    "RULES",
    "SIGNING_ROLES",
    "STATE_LABELS",
    "Action",
    "DocumentType",
    "Recipient",
    "Role",
    "Rule",
    "State",
    "TransitionDenied",
    "allowed_actions",
    "can_sign",
    "check_transition",
    "format_so_ky_hieu",
    "may_edit",
    "may_upload_signed",
    "sign_refusal",
]


class State(StrEnum):
    """Where an outgoing document is in its flow."""

    DU_THAO = "du_thao"
    CHO_LANH_DAO_VAN_PHONG = "cho_lanh_dao_van_phong"
    CHO_LANH_DAO_SO = "cho_lanh_dao_so"
    CHO_VAN_THU = "cho_van_thu"
    DA_BAN_HANH = "da_ban_hanh"
    TRA_LAI = "tra_lai"
    KET_THUC = "ket_thuc"


class Action(StrEnum):
    """A workflow transition a user can take on a document."""

    TRINH_LANH_DAO_VAN_PHONG = "trinh_lanh_dao_van_phong"
    TRINH_LANH_DAO_SO = "trinh_lanh_dao_so"
    CHUYEN_VAN_THU = "chuyen_van_thu"
    CHUYEN_TRA_CHUYEN_VIEN = "chuyen_tra_chuyen_vien"
    BAN_HANH = "ban_hanh"
    LUAN_CHUYEN = "luan_chuyen"
    KET_THUC = "ket_thuc"


class Role(StrEnum):
    """A user's role in the organization."""

    CHUYEN_VIEN = "chuyen_vien"
    LANH_DAO_VAN_PHONG = "lanh_dao_van_phong"
    LANH_DAO_SO = "lanh_dao_so"
    VAN_THU = "van_thu"


class Recipient(StrEnum):
    """Who receives the document after a transition when no one is named."""

    ROLE = "role"
    """The first user of :attr:`Rule.recipient_role` in the organization."""
    DRAFTER = "drafter"
    """The document's drafter (người soạn)."""
    KEEP = "keep"
    """Nobody new: the holder stays."""
    NAMED = "named"
    """Someone must be named (Luân chuyển); the holder stays."""


STATE_LABELS: dict[State, str] = {
    State.DU_THAO: "Dự thảo",
    State.CHO_LANH_DAO_VAN_PHONG: "Chờ lãnh đạo Văn phòng duyệt",
    State.CHO_LANH_DAO_SO: "Chờ lãnh đạo Sở ký",
    State.CHO_VAN_THU: "Chờ Văn thư phát hành",
    State.DA_BAN_HANH: "Đã ban hành",
    State.TRA_LAI: "Bị trả lại",
    State.KET_THUC: "Đã kết thúc",
}
"""Vietnamese label of each state, as the inbox shows it."""

ACTION_LABELS: dict[Action, str] = {
    Action.TRINH_LANH_DAO_VAN_PHONG: "Trình lãnh đạo Văn phòng",
    Action.TRINH_LANH_DAO_SO: "Trình lãnh đạo Sở",
    Action.CHUYEN_VAN_THU: "Chuyển Văn thư Sở",
    Action.CHUYEN_TRA_CHUYEN_VIEN: "Chuyển trả Chuyên viên",
    Action.BAN_HANH: "Cấp số và ban hành",
    Action.LUAN_CHUYEN: "Luân chuyển",
    Action.KET_THUC: "Kết thúc văn bản",
}
"""Vietnamese label of each action, as the e-office guide names it."""

ROLE_LABELS: dict[Role, str] = {
    Role.CHUYEN_VIEN: "Chuyên viên",
    Role.LANH_DAO_VAN_PHONG: "Lãnh đạo Văn phòng",
    Role.LANH_DAO_SO: "Lãnh đạo Sở",
    Role.VAN_THU: "Văn thư",
}
"""Vietnamese label of each role."""

FINAL_STATES: frozenset[State] = frozenset({State.KET_THUC})
"""States in which nothing more happens to a document."""

EDITABLE_STATES: frozenset[State] = frozenset(
    {
        State.DU_THAO,
        State.TRA_LAI,
        State.CHO_LANH_DAO_VAN_PHONG,
        State.CHO_LANH_DAO_SO,
        State.CHO_VAN_THU,
    }
)
"""States in which the holder may add attachments, upload unsigned versions and rename."""


@dataclass(frozen=True)
class Rule:
    """One allowed transition: ``role`` may take ``action`` from any of ``from_states``."""

    action: Action
    role: Role
    from_states: frozenset[State]
    to_state: State | None
    """The state after the action; ``None`` keeps the current state."""
    recipient: Recipient = Recipient.ROLE
    recipient_role: Role | None = None
    """With :attr:`Recipient.ROLE`: the role whose user receives the document."""
    requires_signed_main: bool = False
    """The main attachment's latest version must be signed (else 409)."""


def _states(*states: State) -> frozenset[State]:
    return frozenset(states)


_DRAFTING = _states(State.DU_THAO, State.TRA_LAI)
_NOT_FINAL = frozenset(State) - FINAL_STATES

RULES: tuple[Rule, ...] = (
    Rule(
        Action.TRINH_LANH_DAO_VAN_PHONG,
        Role.CHUYEN_VIEN,
        _DRAFTING,
        State.CHO_LANH_DAO_VAN_PHONG,
        recipient_role=Role.LANH_DAO_VAN_PHONG,
    ),
    Rule(
        Action.TRINH_LANH_DAO_SO,
        Role.CHUYEN_VIEN,
        _DRAFTING,
        State.CHO_LANH_DAO_SO,
        recipient_role=Role.LANH_DAO_SO,
    ),
    Rule(
        Action.TRINH_LANH_DAO_SO,
        Role.LANH_DAO_VAN_PHONG,
        _states(State.CHO_LANH_DAO_VAN_PHONG),
        State.CHO_LANH_DAO_SO,
        recipient_role=Role.LANH_DAO_SO,
    ),
    Rule(
        Action.CHUYEN_VAN_THU,
        Role.LANH_DAO_SO,
        _states(State.CHO_LANH_DAO_SO),
        State.CHO_VAN_THU,
        recipient_role=Role.VAN_THU,
        requires_signed_main=True,
    ),
    *(
        Rule(
            Action.CHUYEN_TRA_CHUYEN_VIEN,
            role,
            _states(state),
            State.TRA_LAI,
            recipient=Recipient.DRAFTER,
        )
        for role, state in (
            (Role.LANH_DAO_VAN_PHONG, State.CHO_LANH_DAO_VAN_PHONG),
            (Role.LANH_DAO_SO, State.CHO_LANH_DAO_SO),
            (Role.VAN_THU, State.CHO_VAN_THU),
        )
    ),
    Rule(
        Action.BAN_HANH,
        Role.VAN_THU,
        _states(State.CHO_VAN_THU),
        State.DA_BAN_HANH,
        recipient=Recipient.KEEP,
    ),
    *(Rule(Action.LUAN_CHUYEN, role, _NOT_FINAL, None, recipient=Recipient.NAMED) for role in Role),
    Rule(Action.KET_THUC, Role.CHUYEN_VIEN, _DRAFTING, State.KET_THUC, recipient=Recipient.KEEP),
    Rule(
        Action.KET_THUC,
        Role.VAN_THU,
        _states(State.DA_BAN_HANH),
        State.KET_THUC,
        recipient=Recipient.KEEP,
    ),
)
"""The whole allowed-transition table. Every action needs the actor to hold the document."""


class TransitionDenied(WorkflowError):
    """A transition refused by :func:`check_transition`.

    ``reason`` is ``"role"`` (this role never takes this action), ``"state"`` (not from
    this state: someone moved the document first) or ``"holder"`` (the document is with
    someone else). The server answers 403 for role/holder and 409 for state.
    """

    def __init__(self, message: str, *, reason: Literal["role", "state", "holder"]) -> None:
        super().__init__(message)
        self.reason = reason


def _rules_for(role: Role, action: Action) -> list[Rule]:
    return [r for r in RULES if r.role == role and r.action == action]


def allowed_actions(role: Role | str, state: State | str, *, is_holder: bool) -> list[Action]:
    """The actions ``role`` may take on a document in ``state``, in table order.

    Every action needs the user to hold the document, so a non-holder gets ``[]``.
    """
    if not is_holder:
        return []
    role, state = Role(role), State(state)
    seen: list[Action] = []
    for rule in RULES:
        if rule.role == role and state in rule.from_states and rule.action not in seen:
            seen.append(rule.action)
    return seen


def check_transition(
    role: Role | str, state: State | str, action: Action | str, *, is_holder: bool
) -> Rule:
    """The rule that allows the transition, or :class:`TransitionDenied` saying why not.

    The role is checked first, then the state, then that the user holds the document,
    so a stale client learns "someone moved it" (state) before "it is not yours".
    """
    role, state, action = Role(role), State(state), Action(action)
    rules = _rules_for(role, action)
    if not rules:
        raise TransitionDenied(
            f"{ROLE_LABELS[role]} không được thực hiện “{ACTION_LABELS[action]}”.",
            reason="role",
        )
    for rule in rules:
        if state in rule.from_states:
            break
    else:
        raise TransitionDenied(
            f"Không thể “{ACTION_LABELS[action]}” khi văn bản ở trạng thái "
            f"“{STATE_LABELS[state]}”.",
            reason="state",
        )
    if not is_holder:
        raise TransitionDenied("Văn bản không do bạn đang xử lý.", reason="holder")
    return rule


def may_edit(role: Role | str, state: State | str, *, is_holder: bool) -> bool:
    """Whether the user may add attachments, upload unsigned versions or rename files."""
    del role  # every role edits what it holds
    return is_holder and State(state) in EDITABLE_STATES


def may_upload_signed(role: Role | str, state: State | str, *, is_holder: bool) -> bool:
    """Whether the user may upload a signed version (the server verifies it).

    The leader signs while the document waits for him (``cho_lanh_dao_so``); the clerk
    adds the organization's signature before or after issuing it.
    """
    role, state = Role(role), State(state)
    if not is_holder:
        return False
    if role == Role.LANH_DAO_SO:
        return state == State.CHO_LANH_DAO_SO
    if role == Role.VAN_THU:
        return state in (State.CHO_VAN_THU, State.DA_BAN_HANH)
    return False


SIGNING_ROLES = frozenset({Role.LANH_DAO_SO, Role.VAN_THU})
"""The roles that ever upload a signed version (the others never sign with a token)."""


def sign_refusal(role: Role | str, state: State | str, *, is_holder: bool = True) -> str:
    """Why this user may not sign the document now, as the server would refuse the
    signed upload (empty when signing is allowed). Asked before any PIN, so nobody signs
    what the server will not take. An unknown role or state (no profile cached yet) is
    left to the server."""
    try:
        role, state = Role(role), State(state)
    except ValueError:
        return ""
    if role not in SIGNING_ROLES:
        return (
            f"{ROLE_LABELS[role]} không ký số văn bản: chỉ lãnh đạo Sở hoặc văn thư "
            "tải lên bản ký số."
        )
    if not is_holder:
        return "Văn bản không do bạn đang xử lý: chưa ký số được."
    if not may_upload_signed(role, state, is_holder=True):
        where = STATE_LABELS[state]
        return f"Văn bản đang ở trạng thái “{where}”: {ROLE_LABELS[role]} chưa ký số được."
    return ""


def can_sign(role: Role | str, state: State | str, *, is_holder: bool = True) -> bool:
    """Whether "Ký số" is offered to this role for a document in this state."""
    return not sign_refusal(role, state, is_holder=is_holder)


@dataclass(frozen=True)
class DocumentType:
    """A document type (hình thức) and its abbreviation (Decree 30, Phụ lục III)."""

    ky_hieu: str
    name: str


DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.ky_hieu: t
    for t in (
        DocumentType("KH", "Kế hoạch"),
        DocumentType("QĐ", "Quyết định"),
        DocumentType("CV", "Công văn"),
        DocumentType("BC", "Báo cáo"),
        DocumentType("TTr", "Tờ trình"),
        DocumentType("TB", "Thông báo"),
        DocumentType("GM", "Giấy mời"),
        DocumentType("CT", "Chỉ thị"),
        DocumentType("HD", "Hướng dẫn"),
        DocumentType("QC", "Quy chế"),
        DocumentType("CTr", "Chương trình"),
    )
}
"""Known types by abbreviation."""


def format_so_ky_hieu(
    so: int | None, loai_ky_hieu: str, org_ky_hieu: str, *, unit: str = "VP"
) -> tuple[str, str]:
    """``(ky_hieu, so_ky_hieu)`` as Decree 30 writes them.

    Numbers below 10 get a leading 0 (``05/KH-STTTT``); a công văn puts the organization
    first and the drafting unit after it (``123/STTTT-VP``). With ``so=None`` the
    number is left blank for the clerk (``/KH-STTTT``).
    """
    is_cong_van = loai_ky_hieu == "CV"
    ky_hieu = f"{org_ky_hieu}-{unit}" if is_cong_van else f"{loai_ky_hieu}-{org_ky_hieu}"
    number = "" if so is None else f"{so:02d}"
    return ky_hieu, f"{number}/{ky_hieu}"
