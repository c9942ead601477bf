"""``kyso trust``: the trust anchors (root and intermediate CA certificates) kept in the
config folder, named by their SHA-256 fingerprints."""

from __future__ import annotations

from pathlib import Path

import click

from kyso.cli.common import echo, echo_json


@click.group()
def trust() -> None:
    """Chứng thư gốc và trung gian tin cậy (dùng khi kiểm tra chữ ký)."""


def _show(info, verb: str = "") -> None:
    kind = "gốc" if info.root else "trung gian"
    echo(f"{verb}{info.subject}  ({kind})")
    click.echo(f"    SHA-256: {_grouped(info.fingerprint)}")
    click.echo(
        f"    Hiệu lực: {info.not_before:%d/%m/%Y} – {info.not_after:%d/%m/%Y}; "
        f"nơi cấp: {info.issuer}"
    )


def _grouped(fp: str) -> str:
    return ":".join(fp[i : i + 2] for i in range(0, len(fp), 2))


@trust.command("list")
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
def list_(as_json: bool) -> None:
    """Liệt kê chứng thư tin cậy đã cấu hình."""
    from kyso.core.docs.trust import list_anchors, trust_dir

    anchors = list_anchors()
    if as_json:
        echo_json([a.to_json() for a in anchors])
        return
    if not anchors:
        click.echo(f"Chưa có chứng thư tin cậy nào (thư mục {trust_dir()}).")
        return
    for info in anchors:
        _show(info)


@trust.command()
@click.argument("file", type=click.Path(path_type=Path))
def add(file: Path) -> None:
    """Thêm chứng thư (PEM/DER) vào danh sách tin cậy.

    So dấu vân tay SHA-256 in ra với giá trị nơi cấp công bố trước khi tin dùng."""
    from kyso.core.docs.trust import add_anchor

    for info in add_anchor(file):
        _show(info, "Đã thêm: ")
    click.echo("Hãy so dấu vân tay SHA-256 ở trên với giá trị do nơi cấp công bố.")


@trust.command()
@click.argument("fingerprint")
def remove(fingerprint: str) -> None:
    """Bỏ một chứng thư theo dấu vân tay SHA-256 (có thể viết tắt phần đầu)."""
    from kyso.core.docs.trust import remove_anchor

    for info in remove_anchor(fingerprint):
        _show(info, "Đã bỏ: ")
