"""``kyso demo serve``: only the demo server, over a kept demo folder, for the CLI.

The folder is the one ``kyso demo --keep DIR`` uses (``server/`` and ``softhsm/``, copied
from the demo cache on first use), so a newcomer can ``kyso login`` against the demo
server and sign with the demo token from the ordinary CLI.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

__all__ = ["demo_serve"]


@click.command("serve")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Thư mục demo giữ lại (mặc định: kyso-demo trong thư mục dữ liệu).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ lắng nghe.")
@click.option("--port", default=8470, show_default=True, type=click.IntRange(1, 65535))
def demo_serve(folder: Path | None, host: str, port: int) -> None:
    """Chỉ chạy máy chủ demo (Ctrl+C để dừng) để thử `kyso login`, `kyso sign`, `kyso sync`."""
    import uvicorn

    from kyso.cli.app import DEMO_PIN, ROLES, prepare_demo_folder
    from kyso.cli.ports import check_port
    from kyso.config.locations import data_dir
    from kyso.core.service.demo_token import find_softhsm_module
    from kyso.server.app import create_app
    from kyso.server.demo_content import DEMO_PASSWORD

    folder = (folder or data_dir() / "kyso-demo").expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    check_port(host, port, title="Máy chủ")
    prepare_demo_folder(folder, say=lambda t: click.echo(t, err=True))
    app = create_app(folder / "server", seed_demo=True)
    url = f"http://{host}:{port}"
    conf = folder / "softhsm" / "softhsm2.conf"
    lines = [
        f"kyso demo serve: {url} (dữ liệu: {folder / 'server'}); Ctrl+C để dừng",
        f"  kyso login --server {url} --user ldso   # mật khẩu {DEMO_PASSWORD}",
        f"  # người dùng: {', '.join(ROLES.values())}",
    ]
    module = find_softhsm_module()
    if conf.is_file() and module:
        lines += [
            f"  export SOFTHSM2_CONF={shlex.quote(str(conf))}",
            f"  export KYSO_MODULE={shlex.quote(module)}",
            f"  # PIN {DEMO_PIN}; CA: {folder / 'softhsm' / 'demo-ca.pem'}",
        ]
    click.echo("\n".join(lines), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
