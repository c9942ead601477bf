"""Where kyso keeps data, config and caches.

``KYSO_HOME`` puts everything under one folder (tests, the demo, kiosk stations);
otherwise the platform's usual folders are used.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "config_file", "data_dir", "home_override"]


def home_override() -> Path | None:
    """The folder named by ``KYSO_HOME``, if set."""
    value = os.environ.get("KYSO_HOME")
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def data_dir() -> Path:
    """Stores, blobs and session files."""
    home = home_override()
    if home is not None:
        return _ensure(home / "data")
    from platformdirs import user_data_path

    return _ensure(user_data_path("kyso"))


def cache_dir() -> Path:
    """Rendered thumbnails and other things that may be thrown away."""
    home = home_override()
    if home is not None:
        return _ensure(home / "cache")
    from platformdirs import user_cache_path

    return _ensure(user_cache_path("kyso"))


def config_file() -> Path:
    """The user's config file (it may not exist)."""
    home = home_override()
    if home is not None:
        return home / "config.toml"
    from platformdirs import user_config_path

    return user_config_path("kyso") / "config.toml"
