"""The terminal app over a fixed set of Vietnamese documents (no server, no store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures_pdf import make_pdf
from static_service import StaticService

from kyso.config.settings import Settings, UiSettings
from kyso.core.service.model import SyncStatus, TokenStatus, UserInfo
from kyso.tui.app import KysoApp

LEADER = UserInfo(
    "ldso", "Nguyễn Văn Ký", "lanh_dao_so", "Giám đốc", "Sở Thông tin và Truyền thông"
)

PEOPLE = [
    {"username": "chuyenvien", "full_name": "Trần Thị Soạn", "role": "chuyen_vien"},
    {"username": "ldvanphong", "full_name": "Lê Văn Phòng", "role": "lanh_dao_van_phong"},
    {"username": "ldso", "full_name": "Nguyễn Văn Ký", "role": "lanh_dao_so"},
    {"username": "vanthu", "full_name": "Phạm Thị Thư", "role": "van_thu"},
]

_TITLES = [
    (
        "Kế hoạch",
        "KH",
        "Kế hoạch tham gia hưởng ứng “Tết trồng cây đời đời nhớ ơn Bác Hồ” "
        "và chăm sóc cây cảnh cơ quan năm 2022",
    ),
    ("Công văn", "CV", "Về việc đôn đốc triển khai chữ ký số trong cơ quan nhà nước"),
    ("Quyết định", "QĐ", "Quyết định thành lập Tổ công tác chuyển đổi số của Sở"),
    ("Báo cáo", "BC", "Báo cáo kết quả thực hiện nhiệm vụ quý III năm 2022"),
    ("Thông báo", "TB", "Thông báo lịch trực Tết Nguyên đán Quý Mão"),
    ("Tờ trình", "TTr", "Tờ trình phê duyệt dự toán kinh phí ứng dụng CNTT"),
]


def sample_documents() -> list[dict]:
    """Six documents; four wait for ldso, one was signed by ldso, one is with văn thư."""
    docs = []
    for i, (loai, kh, trich_yeu) in enumerate(_TITLES, start=1):
        holder = "ldso" if i <= 4 else "vanthu"
        state = "cho_lanh_dao_so" if i <= 4 else "cho_van_thu"
        versions = [
            {
                "n": 1,
                "sha256": "",
                "size": 20480 + i,
                "uploaded_by": "chuyenvien",
                "uploaded_at": f"2022-05-0{i}T08:30:00+07:00",
                "signed": False,
                "note": "",
            }
        ]
        if i == 5:
            versions.append(
                {
                    "n": 2,
                    "sha256": "",
                    "size": 30000,
                    "uploaded_by": "ldso",
                    "uploaded_at": "2022-05-07T09:00:00+07:00",
                    "signed": True,
                    "note": "Ký số token",
                }
            )
        docs.append(
            {
                "id": i,
                "version": 1,
                "trich_yeu": trich_yeu,
                "loai": loai,
                "loai_ky_hieu": kh,
                "don_vi_soan_thao": "Văn phòng Sở",
                "nguoi_soan": "chuyenvien",
                "holder": holder,
                "state": state,
                "so": None,
                "ky_hieu": None,
                "so_ky_hieu": f"0{i}/{kh}-STTTT" if i == 5 else None,
                "ngay_ban_hanh": None,
                "marked": i == 2,
                "related": [1] if i == 3 else [],
                "created_at": f"2022-05-0{i}T08:00:00+07:00",
                "updated_at": f"2022-05-0{i}T10:00:00+07:00",
                "attachments": [
                    {
                        "id": 100 + i,
                        "name": f"{kh} số {i} năm 2022.pdf",
                        "is_main": True,
                        "versions": versions,
                    }
                ],
                "opinions": [
                    {
                        "id": i,
                        "author": "ldvanphong",
                        "text": "Đề nghị lãnh đạo Sở xem xét, ký ban hành.",
                        "at": f"2022-05-0{i}T09:15:00+07:00",
                    }
                ],
                "flow": [
                    {
                        "from": "chuyenvien",
                        "to": "ldvanphong",
                        "action": "trinh_lanh_dao_van_phong",
                        "note": "Kính trình",
                        "at": f"2022-05-0{i}T08:45:00+07:00",
                    },
                    {
                        "from": "ldvanphong",
                        "to": holder,
                        "action": "trinh_lanh_dao_so",
                        "note": "",
                        "at": f"2022-05-0{i}T09:20:00+07:00",
                    },
                ],
            }
        )
    return docs


def make_service(folder: Path) -> StaticService:
    """A service whose attachments are real PDFs in ``folder``."""
    docs = sample_documents()
    files = {}
    for doc in docs:
        att = doc["attachments"][0]
        files[(doc["id"], att["id"])] = make_pdf(
            folder / f"doc-{doc['id']}.pdf", pages=2, title=doc["loai"]
        )
    return StaticService(
        user=LEADER,
        docs=docs,
        files=files,
        people=[dict(person) for person in PEOPLE],  # tests may change theirs
        status=SyncStatus(state="offline", queued=2),
        token=TokenStatus(True, "kyso-demo", "Nguyễn Văn Ký", "31/12/2027"),
    )


def make_app(folder: Path, images: str = "off") -> KysoApp:
    """The app over :func:`make_service`, with images off unless asked."""
    settings = Settings(ui=UiSettings(images=images, theme="textual-dark"))
    return KysoApp(make_service(folder), settings=settings, images=images)


@pytest.fixture
def static_app(tmp_path) -> KysoApp:
    """The app over six sample documents, images off."""
    return make_app(tmp_path)
