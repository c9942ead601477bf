"""Ứng dụng: Chụp màn hình — an SVG of the screen in the user's pictures folder.

Textual saves to the downloads folder and reports only "Failed to save screenshot" when
that folder is missing; kyso makes the folder, writes atomically, and says where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kyso.core.errors import KysoError

__all__ = ["pictures_dir", "save_screenshot"]


def pictures_dir() -> Path:
    """Where screenshots go: ``$KYSO_HOME/pictures`` when set (tests, the demo, kiosk
    stations), else the user's pictures folder (``XDG_PICTURES_DIR``, ~/Pictures)."""
    from kyso.config.locations import home_override

    home = home_override()
    if home is not None:
        return home / "pictures"
    from platformdirs import user_pictures_path

    return user_pictures_path()


def save_screenshot(app: Any) -> Path | None:
    """Save the current screen as SVG, tell the user where; the path, or None."""
    from kyso.core.atomic import write_atomic
    from kyso.core.clock import vn_now

    folder = pictures_dir()
    path = folder / f"kyso-{vn_now():%Y%m%d-%H%M%S}.svg"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, app.export_screenshot().encode("utf-8"))
    except (OSError, KysoError) as exc:
        reason = exc.message if isinstance(exc, KysoError) else (exc.strerror or str(exc))
        app.notify(
            f"Không lưu được ảnh chụp màn hình vào {folder}: {reason}",
            title="Chụp màn hình",
            severity="error",
        )
        return None
    app.notify(f"Đã lưu ảnh chụp màn hình: {path}", title="Chụp màn hình", timeout=8)
    return path
