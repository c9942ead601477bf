"""A local store with ``count`` documents for bench_tui, filled through the store's own API
(pages of 500, as a sync writes them), for an offline session of ``ldso``."""

from __future__ import annotations

import os
from pathlib import Path


def document(doc_id: int) -> dict:
    return {
        "id": doc_id,
        "version": 1,
        "trich_yeu": f"Kế hoạch số {doc_id} tham gia hưởng ứng Tết trồng cây đời đời nhớ ơn Bác Hồ",
        "loai": "Kế hoạch",
        "loai_ky_hieu": "KH",
        "don_vi_soan_thao": "Văn phòng Sở",
        "nguoi_soan": "chuyenvien",
        "holder": "ldso",
        "state": "cho_lanh_dao_so",
        "so": None,
        "ky_hieu": None,
        "so_ky_hieu": None,
        "ngay_ban_hanh": None,
        "marked": doc_id % 7 == 0,
        "related": [],
        "created_at": "2026-01-05T08:00:00+07:00",
        "updated_at": f"2026-01-05T09:{doc_id % 60:02d}:00+07:00",
        "attachments": [
            {
                "id": doc_id * 10,
                "name": "KH.pdf",
                "is_main": True,
                "versions": [
                    {
                        "n": 1,
                        "sha256": f"{doc_id:064x}",
                        "size": 100,
                        "uploaded_by": "chuyenvien",
                        "uploaded_at": "2026-01-05T08:00:00+07:00",
                        "signed": False,
                        "note": "",
                    }
                ],
            }
        ],
        "opinions": [],
        "flow": [
            {
                "from": "chuyenvien",
                "to": "ldso",
                "action": "trinh_lanh_dao_so",
                "note": "Kính trình",
                "at": "2026-01-05T08:30:00+07:00",
            }
        ],
    }


def fill_store(home: Path, count: int) -> None:
    import json

    os.environ["KYSO_HOME"] = str(home)
    from kyso.core.sync import Session

    session = Session("http://127.0.0.1:9", "ldso", "x")
    with session.store() as store:
        store.set_meta(
            "me",
            json.dumps(
                {
                    "username": "ldso",
                    "full_name": "Phạm Quốc Hùng",
                    "role": "lanh_dao_so",
                    "title": "Giám đốc",
                    "org": {"id": 1, "name": "Sở TT&TT", "ky_hieu": "STTTT"},
                },
                ensure_ascii=False,
            ),
        )
        for start in range(1, count + 1, 500):
            docs = [document(i) for i in range(start, min(start + 500, count + 1))]
            store.apply_page(docs, str(start + len(docs) - 1))
