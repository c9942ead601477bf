"""``kyso server``: run the reference e-office server with uvicorn."""

from __future__ import annotations

from pathlib import Path

import click

from kyso.cli.ports import check_port

__all__ = ["server"]


@click.command("server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", default=8470, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục dữ liệu máy chủ (mặc định: <KYSO_HOME>/server).",
)
@click.option(
    "--seed-demo",
    is_flag=True,
    help="Tạo cơ quan, người dùng, văn bản mẫu; tin cậy CA demo và gắn chứng thư demo.",
)
@click.option(
    "--trust",
    "trust_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="FILE",
    help="Chứng thư gốc/trung gian tin cậy (PEM/DER; lặp lại được). Lưu vào dữ liệu máy chủ.",
)
@click.option(
    "--bind",
    "bindings",
    multiple=True,
    metavar="NAME=CERT",
    help="Gắn chứng thư với người dùng (ldso=cert.pem) hoặc cơ quan (org:STTTT=cert.pem).",
)
def server(
    host: str,
    port: int,
    data_dir: Path | None,
    seed_demo: bool,
    trust_files: tuple[Path, ...],
    bindings: tuple[str, ...],
) -> None:
    """Chạy máy chủ e-office tham chiếu (API /api/v1, lược đồ /openapi.json).

    Bản ký số chỉ được nhận khi chứng thư chuỗi về chứng thư gốc tin cậy (--trust) và là
    chứng thư đã gắn với người tải lên (--bind, hoặc PUT /me/certificate).
    """
    import uvicorn

    from kyso.server.app import create_app
    from kyso.server.settings import ServerSettings

    check_port(host, port, title="Máy chủ")

    if data_dir is None:
        from kyso.config.locations import data_dir as kyso_data_dir

        data_dir = kyso_data_dir() / "server"
    app = create_app(
        data_dir,
        seed_demo=seed_demo,
        trust_files=trust_files,
        bindings=bindings,
        settings=ServerSettings.from_env(),
    )
    click.echo(f"kyso server: http://{host}:{port}/api/v1 (dữ liệu: {data_dir})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
