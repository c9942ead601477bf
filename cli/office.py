"""E-office commands: login, logout, sync, inbox, show, transition, mark, opinion.

They read the local cache only (``inbox``, ``show``) or write an action to the cache and
its outbox, then try to push it at once; when the server cannot be reached the action
stays queued for the next ``kyso sync``. Heavy imports (httpx, sqlite-utils) happen
inside the commands.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import click

from kyso.cli.common import echo

__all__ = ["inbox", "login", "logout", "mark", "opinion", "show", "sync", "transition"]


def _echo_json(data: object) -> None:
    from kyso.core.textsafe import safe_json

    sys.stdout.write(safe_json(data))
    sys.stdout.write("\n")


def _state_label(state: str) -> str:
    from kyso.core.workflow import STATE_LABELS, State

    try:
        return STATE_LABELS[State(state)]
    except ValueError:
        return state


def _action_label(action: str) -> str:
    from kyso.core.workflow import ACTION_LABELS, Action

    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return action


_KINDS = {"transition": "chuyển", "opinion": "ý kiến", "mark": "đánh dấu", "upload": "tải bản ký"}


def _after_action(store, message: str, result: dict | None = None) -> None:
    """Push what was just queued (``store``: a kyso.core.store.Store) and say how it went;
    with ``result`` (``--json``) print it with ``"sync"``: ``sent`` or ``queued``."""
    from kyso.core.errors import KysoError, SyncError
    from kyso.core.service.office import push_after_action

    try:
        note = push_after_action(store)
    except KysoError as exc:  # e.g. a full disk while noting the sync: the action is saved
        raise SyncError(
            f"{message} Thao tác đã được lưu và đang chờ gửi (đừng làm lại); "
            f"chưa gửi được: {exc.message}"
        ) from None
    if note is not None and not note.queued:
        raise SyncError(note.message)
    if result is not None:
        _echo_json(
            {**result, "sync": "sent" if note is None else "queued", "note": note and note.message}
        )
    elif note is None:
        echo(f"{message} Đã đồng bộ.")
    else:
        echo(f"{message} Đã xếp hàng, sẽ đồng bộ sau.")
    if note is not None:
        echo(note.message, err=True)


@contextlib.contextmanager
def _not_queued_on_error() -> Iterator[None]:
    """A store or file error before the action was saved says so: nothing is queued, so
    doing it again is safe (the push after it turns its own errors into SyncError)."""
    from kyso.core.errors import OutputError, StoreError

    try:
        yield
    except (StoreError, OutputError) as exc:
        raise type(exc)(
            f"{exc.message} Thao tác không nằm trong hàng đợi gửi; hãy làm lại khi đã khắc phục.",
            title=exc.title,
        ) from None


@click.command()
@click.option("--server", envvar="KYSO_SERVER", help="Địa chỉ máy chủ (hoặc KYSO_SERVER).")
@click.option("--user", "username", required=True, help="Tên đăng nhập.")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def login(server: str | None, username: str, as_json: bool = False) -> None:
    """Đăng nhập máy chủ e-office (mật khẩu từ KYSO_PASSWORD hoặc hỏi ẩn)."""
    from kyso.core.errors import SyncError
    from kyso.core.service.office import login as do_login

    if not server:
        from kyso.config.settings import load_settings

        server = load_settings().server.url
    if not server:
        raise SyncError("Thiếu địa chỉ máy chủ: dùng --server URL hoặc biến KYSO_SERVER.")
    password = os.environ.get("KYSO_PASSWORD")
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, err=True)
    session = do_login(server, username, password)
    if as_json:
        _echo_json({"server": session.server, "username": session.username})
        return
    echo(f"Đã đăng nhập {session.server} với tài khoản {session.username}.")
    echo("Chạy `kyso sync` để tải văn bản về.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def logout(as_json: bool = False) -> None:
    """Đăng xuất: thu hồi mã phiên trên máy chủ và xoá phiên trên máy này.

    Khi không kết nối được, phiên trên máy vẫn bị xoá và mã phiên được thu hồi ở lần
    đăng nhập hoặc đồng bộ sau."""
    from kyso.core.service.office import logout as end_session

    result = end_session()
    if as_json:
        _echo_json(
            {
                "was_logged_in": result.was_logged_in,
                "revoked": result.revoked,
                "message": result.message,
            }
        )
        return
    echo(result.message, err=not result.revoked and result.was_logged_in)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="In JSON (thời điểm theo ISO 8601).")
def sync(as_json: bool = False) -> None:
    """Gửi các thao tác đang chờ rồi tải thay đổi từ máy chủ."""
    from kyso.core.service.office import sync as do_sync

    report = do_sync()
    if as_json:
        from kyso.cli.conflicts import conflict_json

        _echo_json(
            {
                "pushed": report.pushed,
                "pulled": report.pulled,
                "conflicts": [conflict_json(c) for c in report.conflicts],
                "rejected": [conflict_json(c) for c in report.rejected],
                "outbox": report.outbox,
            }
        )
        return
    echo(f"Đã gửi {report.pushed} thao tác, nhận {report.pulled} văn bản.")
    for c in report.conflicts:
        echo(
            f"Xung đột: văn bản {c.document_id} đã được người khác thay đổi; "
            f"thao tác “{_KINDS.get(c.kind, c.kind)}” không được áp dụng ({c.message}).",
            err=True,
        )
    for c in report.rejected:
        echo(
            f"Bị từ chối: văn bản {c.document_id}, thao tác “{_KINDS.get(c.kind, c.kind)}” "
            f"({c.status}): {c.message}",
            err=True,
        )
    if report.outbox:
        echo(f"Còn {report.outbox} thao tác chờ gửi.", err=True)


@click.command()
@click.option("--all", "scope", flag_value="all", help="Mọi văn bản trong bộ nhớ đệm.")
@click.option("--signed-by-me", "scope", flag_value="signed_by_me", help="Văn bản tôi đã ký số.")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def inbox(scope: str | None, as_json: bool) -> None:
    """Văn bản chờ tôi xử lý (từ bộ nhớ đệm; `kyso sync` để cập nhật)."""
    if as_json:  # also answered without click: kyso.cli.main, kyso.cli.inbox_json
        from kyso.cli.inbox_json import print_inbox_json

        print_inbox_json(scope or "inbox")
        return
    from kyso.core.service.office import open_store

    with open_store() as store:
        from kyso.core.dates import datetime_vn
        from kyso.core.service.office import people

        rows = store.inbox(scope or "inbox")  # type: ignore[arg-type]
        names = people(store)
    if not rows:
        echo("Không có văn bản nào.")
        return
    for row in rows:
        star = "★" if row.marked else " "
        wait = " ⇡" if row.pending else ""
        number = row.so_ky_hieu or "—"
        summary = row.trich_yeu if len(row.trich_yeu) <= 60 else row.trich_yeu[:59] + "…"
        sender = names.get(row.sender, row.sender) if row.sender else "—"
        received = datetime_vn(row.received_at) or "—"
        echo(
            f"{row.id:>6} {star} {number:<16} {_state_label(row.state):<30} "
            f"{sender:<22} {received:<16} {summary}{wait}"
        )


@click.command()
@click.argument("document_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def show(document_id: int, as_json: bool) -> None:
    """Chi tiết một văn bản: tệp đính kèm, ý kiến, luồng xử lý."""
    from kyso.core.dates import date_vn, datetime_vn
    from kyso.core.service.office import open_store, people

    with open_store() as store:
        d = store.document(document_id)
        names = people(store)
    if as_json:
        _echo_json(d.as_dict())
        return

    def name(user: str | None) -> str:
        return names.get(user, user) if user else "—"

    echo(f"Văn bản {d.id} (phiên bản {d.version}; giờ Việt Nam, +07:00)")
    echo(f"  Trích yếu:        {d.trich_yeu}")
    echo(f"  Loại:             {d.loai}")
    echo(f"  Số/ký hiệu:       {d.so_ky_hieu or '—'}")
    echo(f"  Ngày ban hành:    {date_vn(d.ngay_ban_hanh) or '—'}")
    echo(f"  Đơn vị soạn thảo: {d.don_vi_soan_thao}")
    echo(f"  Người soạn:       {name(d.nguoi_soan)}")
    echo(f"  Trạng thái:       {_state_label(d.state)}")
    echo(f"  Đang xử lý:       {name(d.holder)}")
    echo(f"  Đánh dấu:         {'có' if d.marked else 'không'}")
    if d.pending:
        echo(f"  Chờ đồng bộ:      {d.pending} thao tác")
    echo("Tệp đính kèm:")
    for a in d.attachments:
        main = " (chính)" if a.is_main else ""
        echo(f"  [{a.id}] {a.name}{main}")
        for v in a.versions:
            signed = "đã ký" if v.signed else "chưa ký"
            wait = " (chờ gửi)" if v.pending else ""
            echo(
                f"      v{v.n} {datetime_vn(v.uploaded_at)} {name(v.uploaded_by)} "
                f"{signed} {v.size} B{wait}"
            )
    if d.opinions:
        echo("Ý kiến xử lý:")
        for o in d.opinions:
            wait = " (chờ gửi)" if o.pending else ""
            echo(f"  {datetime_vn(o.at)} {name(o.author)}: {o.text}{wait}")
    if d.flow:
        echo("Luồng văn bản:")
        for f in d.flow:
            wait = " (chờ gửi)" if f.pending else ""
            note = f" — {f.note}" if f.note else ""
            echo(
                f"  {datetime_vn(f.at)} {name(f.from_user)} → {name(f.to_user)}: "
                f"{_action_label(f.action)}{note}{wait}"
            )


@click.command()
@click.argument("document_id", type=int)
@click.argument("action")
@click.option("--to", "to", default=None, help="Người nhận (tên đăng nhập).")
@click.option("--note", default="", help="Ghi chú / ý kiến kèm theo.")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def transition(
    document_id: int, action: str, to: str | None, note: str, as_json: bool = False
) -> None:
    """Chuyển văn bản: ACTION là trinh_lanh_dao_van_phong, trinh_lanh_dao_so,
    chuyen_van_thu, chuyen_tra_chuyen_vien, ban_hanh, luan_chuyen hoặc ket_thuc."""
    from kyso.core.service.office import open_store

    with _not_queued_on_error(), open_store() as store:
        store.transition(document_id, action, to=to, note=note)
        result = {"document_id": document_id, "action": action, "to": to, "note": note}
        _after_action(
            store, f"Văn bản {document_id}: {_action_label(action)}.", result if as_json else None
        )


@click.command()
@click.argument("document_id", type=int)
@click.option("--on/--off", "value", default=None, help="Đặt hoặc bỏ dấu (mặc định: đảo).")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def mark(document_id: int, value: bool | None, as_json: bool = False) -> None:
    """Đánh dấu / bỏ đánh dấu văn bản."""
    from kyso.core.service.office import open_store

    with _not_queued_on_error(), open_store() as store:
        if value is None:
            item = store.toggle_mark(document_id)
        else:
            item = store.set_mark(document_id, value)
        marked = bool(item.payload["marked"])
        what = "Đã đánh dấu" if marked else "Đã bỏ đánh dấu"
        result = {"document_id": document_id, "marked": marked}
        _after_action(store, f"{what} văn bản {document_id}.", result if as_json else None)


@click.command()
@click.argument("document_id", type=int)
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def opinion(document_id: int, text: str, as_json: bool = False) -> None:
    """Thêm ý kiến xử lý cho văn bản."""
    from kyso.core.service.office import open_store

    with _not_queued_on_error(), open_store() as store:
        store.add_opinion(document_id, text)
        result = {"document_id": document_id, "opinion": text}
        _after_action(
            store, f"Đã thêm ý kiến cho văn bản {document_id}.", result if as_json else None
        )
