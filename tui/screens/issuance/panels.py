"""The text panels of the issuance screen: the title, the number/seal panel and the
step-by-step progress. Numbers, titles, notices and errors come from the server or the
file, so they are laid in as literal text, never markup."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from kyso.core.service.model import Document
from kyso.tui.format import plain, shorten

__all__ = ["STEPS", "info_text", "number_text", "progress_text", "title_text"]

STEPS: dict[str, str] = {
    "download": "Tải văn bản",
    "allocate": "Lấy số",
    "sign": "Ký phát hành",
    "upload": "Gửi máy chủ",
    "sync": "Đồng bộ",
}
"""Issuance steps (as :func:`kyso.core.issue_service.issue` reports them) → labels."""


def title_text(doc: Document | None, doc_id: int) -> Text:
    """``Phát hành — Kế hoạch: <trích yếu>`` (the id when the document was not read)."""
    title = (doc.trich_yeu if doc else "") or f"#{doc_id}"
    return plain("Phát hành — ", doc.loai if doc else "", ": ", shorten(title, 90))


def number_text(info: Any, result: Any) -> str:
    """The số/ký hiệu that will be used (held, else the preview), or ``…``."""
    if result is not None:
        return result.so_ky_hieu
    if info is None:
        return "…"
    if info.pending is not None:
        return info.pending.so_ky_hieu
    return info.preview or "…"


def info_text(
    *,
    info: Any,
    result: Any,
    problems: dict[str, str],
    only_number: bool,
    has_seal: bool,
    seal_source: str,
) -> Text:
    """The number that was or will be used, the cancelled numbers, the seal and what
    could not be read."""
    lines: list[Text] = []
    if result is not None:
        lines.append(
            Text.assemble(
                "Số/ký hiệu: ",
                plain(result.so_ky_hieu, style="b"),
                " (đã cấp, đã phát hành)",
            )
        )
    elif info is None:
        lines.append(plain("Số/ký hiệu: không lấy được (", problems.get("number"), ")"))
    elif info.pending is not None:
        lines.append(
            Text.assemble(
                "Số/ký hiệu: ",
                plain(info.pending.so_ky_hieu, style="b"),
                " (đã giữ cho văn bản này, sẽ dùng lại)",
            )
        )
    elif info.preview:
        lines.append(
            Text.assemble(
                "Số/ký hiệu sẽ lấy: ",
                plain(info.preview, style="b"),
                " (số tiếp theo trong sổ; cấp khi Áp dụng)",
            )
        )
    else:
        lines.append(Text("Số/ký hiệu: văn bản không chờ phát hành"))
    cancelled = [e.so_ky_hieu for e in (info.history if info else ()) if e.status == "cancelled"]
    if cancelled:
        lines[-1].append_text(plain(" · số đã huỷ: ", ", ".join(cancelled)))
    if only_number:
        lines.append(Text("Con dấu: không ký số cơ quan (chỉ điền số KH, ngày tháng năm)"))
    elif has_seal:
        lines.append(plain("Con dấu: ", seal_source))
    else:
        seal = problems.get("seal", "chưa có ảnh con dấu")
        lines.append(plain("Con dấu: ", seal, style="red"))
    if "doc" in problems:
        lines.append(plain(problems["doc"], style="red"))
    return Text("\n").join(lines)


def progress_text(
    *,
    done: dict[str, str],
    result: Any,
    error: str,
    note: str,
    running: bool,
    current: str,
    only_number: bool,
) -> Text:
    """Each step with its mark, then the result, the error or what the keys do."""
    marks = {"done": "✔", "running": "▶", "failed": "✘"}
    steps = " · ".join(
        f"{marks.get(done.get(step, ''), '○')} {label}" for step, label in STEPS.items()
    )
    tail = Text()
    if result is not None:
        r = result
        how = "đã ký số cơ quan và đóng dấu" if r.signed else "chỉ điền số, ngày"
        tail.append_text(
            plain(
                f"✔ Đã phát hành: Số {r.so_ky_hieu}, ngày {r.date.strftime('%d/%m/%Y')} ({how})",
                style="b green",
            )
        )
        if r.reused_number:
            tail.append(" · dùng lại số đã giữ")
        if note:
            tail.append_text(plain("\n", note, lines=True))
        if r.notice:
            tail.append_text(plain("\n", r.notice, lines=True, style="yellow"))
        if r.warning:
            tail.append_text(plain("\n", r.warning, lines=True, style="yellow"))
        tail.append("\nEsc: về hộp văn bản")
    elif error:
        tail.append_text(plain("✘ ", error, style="b red"))
        if note:
            tail.append_text(plain("\n", note, lines=True))
    elif running:
        tail.append_text(plain(current))
    else:
        mode = "không cần PIN" if only_number else "hỏi PIN token"
        tail.append(f"Enter: Áp dụng ({mode}) · d: sửa ngày · o: chỉ điền số, ngày")
    return Text.assemble(steps, "\n", tail)
