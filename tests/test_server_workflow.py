"""The workflow table in kyso.core.workflow, shared by the server, the client and the UI."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kyso.core.workflow import (
    ACTION_LABELS,
    ROLE_LABELS,
    RULES,
    STATE_LABELS,
    Action,
    Recipient,
    Role,
    State,
    TransitionDenied,
    allowed_actions,
    check_transition,
    format_so_ky_hieu,
    may_edit,
    may_upload_signed,
)


def test_every_state_action_and_role_has_a_vietnamese_label():
    assert set(STATE_LABELS) == set(State)
    assert set(ACTION_LABELS) == set(Action)
    assert set(ROLE_LABELS) == set(Role)
    assert ACTION_LABELS[Action.TRINH_LANH_DAO_VAN_PHONG] == "Trình lãnh đạo Văn phòng"
    assert ACTION_LABELS[Action.TRINH_LANH_DAO_SO] == "Trình lãnh đạo Sở"
    assert ACTION_LABELS[Action.CHUYEN_VAN_THU] == "Chuyển Văn thư Sở"
    assert ACTION_LABELS[Action.CHUYEN_TRA_CHUYEN_VIEN] == "Chuyển trả Chuyên viên"
    assert ACTION_LABELS[Action.LUAN_CHUYEN] == "Luân chuyển"
    assert ACTION_LABELS[Action.KET_THUC] == "Kết thúc văn bản"
    assert STATE_LABELS[State.DU_THAO] == "Dự thảo"
    assert STATE_LABELS[State.CHO_LANH_DAO_SO] == "Chờ lãnh đạo Sở ký"


def test_the_table_is_consistent():
    for rule in RULES:
        assert rule.from_states, rule
        if rule.recipient == Recipient.ROLE:
            assert rule.recipient_role is not None, rule
        else:
            assert rule.recipient_role is None, rule
        assert State.KET_THUC not in rule.from_states
    keys = [(r.action, r.role, s) for r in RULES for s in r.from_states]
    assert len(keys) == len(set(keys)), "one rule per (action, role, state)"
    only_signed = [r for r in RULES if r.requires_signed_main]
    assert [(r.action, r.role) for r in only_signed] == [(Action.CHUYEN_VAN_THU, Role.LANH_DAO_SO)]


@pytest.mark.parametrize(
    ("role", "state", "expected"),
    [
        (
            "chuyen_vien",
            "du_thao",
            ["trinh_lanh_dao_van_phong", "trinh_lanh_dao_so", "luan_chuyen", "ket_thuc"],
        ),
        (
            "lanh_dao_van_phong",
            "cho_lanh_dao_van_phong",
            ["trinh_lanh_dao_so", "chuyen_tra_chuyen_vien", "luan_chuyen"],
        ),
        (
            "lanh_dao_so",
            "cho_lanh_dao_so",
            ["chuyen_van_thu", "chuyen_tra_chuyen_vien", "luan_chuyen"],
        ),
        ("van_thu", "cho_van_thu", ["chuyen_tra_chuyen_vien", "ban_hanh", "luan_chuyen"]),
        ("van_thu", "da_ban_hanh", ["luan_chuyen", "ket_thuc"]),
        ("chuyen_vien", "cho_lanh_dao_so", ["luan_chuyen"]),
        ("lanh_dao_so", "ket_thuc", []),
    ],
)
def test_allowed_actions(role, state, expected):
    assert allowed_actions(role, state, is_holder=True) == expected
    assert allowed_actions(role, state, is_holder=False) == []


def test_check_transition_says_why_not():
    rule = check_transition("lanh_dao_so", "cho_lanh_dao_so", "chuyen_van_thu", is_holder=True)
    assert (rule.to_state, rule.recipient_role) == (State.CHO_VAN_THU, Role.VAN_THU)
    with pytest.raises(TransitionDenied) as role:
        check_transition("chuyen_vien", "cho_lanh_dao_so", "chuyen_van_thu", is_holder=True)
    assert role.value.reason == "role"
    assert "Chuyên viên" in role.value.message
    with pytest.raises(TransitionDenied) as state:
        check_transition("lanh_dao_so", "du_thao", "chuyen_van_thu", is_holder=True)
    assert state.value.reason == "state"
    assert "Dự thảo" in state.value.message
    with pytest.raises(TransitionDenied) as holder:
        check_transition("lanh_dao_so", "cho_lanh_dao_so", "chuyen_van_thu", is_holder=False)
    assert holder.value.reason == "holder"
    with pytest.raises(ValueError):
        check_transition("lanh_dao_so", "cho_lanh_dao_so", "ky_ten", is_holder=True)


def test_returns_go_to_the_drafter_and_circulation_keeps_the_holder():
    back = check_transition("van_thu", "cho_van_thu", "chuyen_tra_chuyen_vien", is_holder=True)
    assert (back.to_state, back.recipient) == (State.TRA_LAI, Recipient.DRAFTER)
    info = check_transition("lanh_dao_so", "da_ban_hanh", "luan_chuyen", is_holder=True)
    assert (info.to_state, info.recipient) == (None, Recipient.NAMED)


def test_who_may_upload_what():
    assert may_upload_signed("lanh_dao_so", "cho_lanh_dao_so", is_holder=True)
    assert not may_upload_signed("lanh_dao_so", "cho_lanh_dao_so", is_holder=False)
    assert not may_upload_signed("lanh_dao_so", "du_thao", is_holder=True)
    assert not may_upload_signed("chuyen_vien", "du_thao", is_holder=True)
    assert not may_upload_signed("lanh_dao_van_phong", "cho_lanh_dao_van_phong", is_holder=True)
    assert may_upload_signed("van_thu", "cho_van_thu", is_holder=True)
    assert may_upload_signed("van_thu", "da_ban_hanh", is_holder=True)
    assert may_edit("chuyen_vien", "du_thao", is_holder=True)
    assert not may_edit("chuyen_vien", "du_thao", is_holder=False)
    assert not may_edit("van_thu", "da_ban_hanh", is_holder=True)
    assert not may_edit("chuyen_vien", "ket_thuc", is_holder=True)


def test_numbers_as_decree_30_writes_them():
    assert format_so_ky_hieu(5, "KH", "STTTT") == ("KH-STTTT", "05/KH-STTTT")
    assert format_so_ky_hieu(123, "CV", "STTTT") == ("STTTT-VP", "123/STTTT-VP")
    assert format_so_ky_hieu(None, "QĐ", "STTTT") == ("QĐ-STTTT", "/QĐ-STTTT")


def test_workflow_is_plain_python():
    code = (
        "import sys, kyso.core.workflow; "
        "bad = [m for m in ('textual', 'fastapi', 'starlette', 'pymupdf') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
