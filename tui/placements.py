"""The signer's remembered signature position, per user and document type.

Kept in ``<data>/placements.json`` as ``{"user": {"Kế hoạch": {"page": 0, "box": [..]}}}``;
a missing or unreadable file simply means "no default yet".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["clear_defaults", "load_default", "placements_file", "remembered", "save_default"]


def placements_file() -> Path:
    """Where the defaults live."""
    from kyso.config.locations import data_dir

    return data_dir() / "placements.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(placements_file().read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remembered(username: str) -> dict[str, Any]:
    """``username``'s remembered positions: document type (``*``: any) → entry."""
    mine = _read().get(username)
    return mine if isinstance(mine, dict) else {}


def load_default(username: str, loai: str) -> Any:
    """The remembered :class:`Placement` for ``loai`` (or any type), or None."""
    from kyso.core.docs.placement import Placement

    mine = _read().get(username) or {}
    entry = mine.get(loai) or mine.get("*")
    try:
        return Placement(int(entry["page"]), tuple(float(v) for v in entry["box"]))
    except (TypeError, KeyError, ValueError):
        return None


def save_default(username: str, loai: str, placement: Any) -> None:
    """Remember ``placement`` for ``loai`` and as the fallback for other types."""
    from kyso.core.atomic import write_atomic

    data = _read()
    mine = data.setdefault(username, {})
    entry = {"page": placement.page, "box": list(placement.box)}
    mine[loai or "*"] = entry
    mine["*"] = entry
    path = placements_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))


def clear_defaults(username: str) -> int:
    """Forget every position remembered for ``username`` (other users' stay); returns
    how many were forgotten."""
    from kyso.core.atomic import write_atomic

    data = _read()
    mine = data.pop(username, None)
    if not mine:
        return 0
    path = placements_file()
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
    return len(mine) if isinstance(mine, dict) else 0
