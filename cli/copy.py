"""``kyso copy``: an electronic copy (sao y, sao lục, trích sao) of an issued document."""

from __future__ import annotations

from pathlib import Path

import click

from kyso.cli.common import echo, echo_json, logged_in, token_options

__all__ = ["copy"]


@click.command()
@click.argument("document_id", type=int)
@click.option(
    "--form",
    type=click.Choice(["sao-y", "sao-luc", "trich-sao"]),
    required=True,
    help="Hình thức sao.",
)
@click.option("--pages", metavar="1-3,5", help="Trang trích sao (chỉ với trich-sao).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--number", metavar="SỐ/KH", help="Số, ký hiệu bản sao (vd. 01/SY), nếu đã có.")
@click.option(
    "--upload",
    is_flag=True,
    help="Lấy số trong sổ bản sao của máy chủ, ghi lên bản sao và gửi lên (văn bản liên quan).",
)
@click.option("--module", metavar="PATH", help="Đường dẫn module PKCS#11.")
@click.option("--token", "token_label", metavar="LABEL", help="Nhãn token.")
@click.option("--key", "key_label", metavar="LABEL", help="Nhãn khoá / chứng thư của cơ quan.")
@click.option("--pin-stdin", is_flag=True, help="Đọc PIN từ dòng đầu của stdin.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def copy(
    document_id: int,
    form: str,
    pages: str | None,
    output: Path,
    number: str | None,
    upload: bool,
    module: str | None,
    token_label: str | None,
    key_label: str | None,
    pin_stdin: bool,
    as_json: bool = False,
) -> None:
    """Văn thư làm bản sao điện tử của văn bản đã ban hành: ký số cơ quan ở góc trên bên
    phải trang đầu (hình thức sao, tên cơ quan, thời gian ký)."""
    from kyso.cli.presign import presign_issuance, same_certificate
    from kyso.core.docs.copy import make_copy
    from kyso.core.errors import DocumentError
    from kyso.core.service.office import load_session
    from kyso.core.service.store_service import StoreService

    if upload and number:
        raise DocumentError("Với --upload, số bản sao do máy chủ cấp: bỏ --number.")
    service = StoreService(load_session(), key_label=key_label, module=module)
    try:
        document, source = service.copy_source(document_id)
        organization = service.user.org_name or ""
        options = token_options(module, token_label, key_label)
        checked = presign_issuance(options)  # before the PIN
        with logged_in(options, pin_stdin) as session:
            key = session.signing_key(key_label)
            same_certificate(key, checked)
            if upload:
                done = service.copy(
                    document_id, output, form=form, organization=organization, pages=pages, key=key
                )
                _say_uploaded(document_id, done, as_json)
                return
            result = make_copy(
                Path(source),
                output,
                key,
                form=form,
                organization=organization,
                pages=pages,
                number=number,
                ltv=checked.plan,
            )
    finally:
        service.close()
    if as_json:
        echo_json(_copy_json(document_id, result))
        return
    echo(
        f"✓ {result.form.label} văn bản {document.so_ky_hieu} → {result.output} "
        f"({len(result.pages)} trang, ký lúc {result.signed_at})"
    )


def _copy_json(document_id: int, result) -> dict:  # result: kyso.core.docs.copy.CopyResult
    return {
        "document_id": document_id,
        "form": result.form.label,
        "output": str(result.output),
        "pages": [page + 1 for page in result.pages],
        "signed_at": result.signed_at,
    }


def _say_uploaded(document_id: int, done, as_json: bool) -> None:
    """Print a ``CopyUpload`` (:func:`kyso.core.copy_service.copy_and_upload`)."""
    if as_json:
        copied = _copy_json(document_id, done.result)
        echo_json({**copied, "so_ky_hieu": done.so_ky_hieu, "copy_id": done.document["id"]})
        return
    echo(
        f"✓ {done.result.form.label} số {done.so_ky_hieu} → {done.result.output} "
        f"({len(done.result.pages)} trang, ký lúc {done.result.signed_at}); "
        f"đã gửi lên máy chủ: văn bản {done.document['id']}, liên quan văn bản {document_id}"
    )
