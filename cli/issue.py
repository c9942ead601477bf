"""``kyso issue`` (the clerk's issuance) and ``kyso export`` (edXML package).

``kyso issue`` runs the service's issuance (:meth:`kyso.core.service.api.Service.issue`),
``kyso export`` the edXML package of :mod:`kyso.core.edxml`;
errors are :class:`kyso.core.errors.KysoError` subclasses, printed as one line by
``kyso``'s ``main``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from kyso.cli.common import checked_pin, echo, echo_json, token_options

__all__ = ["export", "issue"]

_STEPS = {
    "download": "Tải văn bản",
    "allocate": "Lấy số",
    "sign": "Ký phát hành",
    "upload": "Gửi máy chủ",
    "sync": "Đồng bộ",
}


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"ngày phải có dạng YYYY-MM-DD: {value!r}") from None


@click.command()
@click.argument("document_id", type=int)
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Ngày ban hành (mặc định hôm nay).")
@click.option(
    "--only-number",
    is_flag=True,
    help="Chỉ điền số KH, ngày tháng năm (không ký số cơ quan, không cần token).",
)
@click.option("--seal", type=click.Path(path_type=Path), help="Ảnh con dấu PNG (nền trong suốt).")
@click.option("--module", metavar="PATH", help="Đường dẫn module PKCS#11.")
@click.option("--token", "token_label", metavar="LABEL", help="Nhãn token.")
@click.option("--key", "key_label", metavar="LABEL", help="Nhãn khoá / chứng thư của cơ quan.")
@click.option("--note", default="", help="Ghi chú vào sổ đăng ký và luồng văn bản.")
@click.option("--pin-stdin", is_flag=True, help="Đọc PIN từ dòng đầu của stdin.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (ngày theo ISO).")
def issue(
    document_id: int,
    date_text: str | None,
    only_number: bool,
    seal: Path | None,
    module: str | None,
    token_label: str | None,
    key_label: str | None,
    note: str,
    pin_stdin: bool,
    as_json: bool = False,
) -> None:
    """Văn thư phát hành văn bản: lấy số từ sổ đăng ký, điền số và ngày, ký số cơ quan
    kèm con dấu, ký các phụ lục, gửi máy chủ (cần kết nối mạng)."""
    from kyso.config.settings import load_settings
    from kyso.core.issue_service import check_clerk
    from kyso.core.service.model import IssueOrder
    from kyso.core.service.office import load_session
    from kyso.core.service.store_service import StoreService

    day = _parse_date(date_text)

    def progress(step: str, message: str) -> None:
        echo(f"… {_STEPS.get(step, step)}: {message}", err=True)

    service = StoreService(load_session(), key_label=key_label, module=module, retries=3)
    try:
        check_clerk(service.store)  # before the seal, the certificate and the PIN
        if only_number:
            order = IssueOrder(document_id, date=day, only_number=True, note=note)
            result = service.issue(order, on_step=progress)
        else:
            configured = None if seal is not None else load_settings().signing.seal or None
            seal_png, seal_source = service.seal_image(str(seal) if seal else configured or "")
            if seal is not None:
                seal_source = f"con dấu từ tệp {seal}"
            echo(f"Con dấu: {seal_source}.", err=as_json)
            from kyso.cli.presign import presign_issuance

            options = token_options(module, token_label, key_label)
            # Before the PIN, and so before a number is taken from the book.
            checked = presign_issuance(options)
            order = IssueOrder(
                document_id,
                date=day,
                seal_png=seal_png,
                note=note,
                token_options=options,
                presigned=checked,
            )
            pin = checked_pin(options, pin_stdin)  # a typo is asked again before a number
            result = service.issue(order, pin=pin, on_step=progress)
    finally:
        service.close()
    if as_json:
        echo_json(
            {
                "document_id": document_id,
                "so_ky_hieu": result.so_ky_hieu,
                "date": result.date.isoformat(),
                "signed": result.signed,
                "reused_number": result.reused_number,
                "main": str(result.main),
                "appendices": [str(path) for path in result.appendices],
                "notice": result.notice,
                "warning": result.warning,
            }
        )
        return
    when = result.date.strftime("%d/%m/%Y")
    how = "đã ký số cơ quan" if result.signed else "chỉ điền số, ngày"
    echo(f"✓ Văn bản {document_id} đã ban hành: Số {result.so_ky_hieu}, ngày {when} ({how}).")
    if result.reused_number:
        echo("  (dùng lại số đã giữ cho văn bản này từ lần trước)")
    echo(f"  Tệp chính: {result.main}")
    for path in result.appendices:
        echo(f"  Phụ lục:   {path}")
    if result.notice:
        echo(result.notice, err=True)
    if result.warning:
        echo(result.warning, err=True)


@click.command()
@click.argument("document_id", type=int)
@click.option(
    "--edxml",
    "out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Tệp XML ra (gói edXML theo QCVN 102:2016).",
)
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def export(document_id: int, out: Path, as_json: bool = False) -> None:
    """Xuất văn bản đã ban hành thành gói edXML (tệp đính kèm mã hoá base64)."""
    from kyso.core.edxml import export_edxml
    from kyso.core.service.office import client as office_client

    with office_client(retries=1) as client:
        # Files not downloaded yet are fetched when the server answers.
        path = export_edxml(client.store, document_id, out, fetch=client.fetch_attachment)
    if as_json:
        echo_json({"document_id": document_id, "edxml": str(path)})
        return
    echo(f"✓ Đã xuất văn bản {document_id} ra {path}")
