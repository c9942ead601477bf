"""Organisation codes (mã định danh điện tử, QĐ 20/2020/QĐ-TTg as amended by QĐ
09/2025/QĐ-TTg) as data: ``config/org_codes.toml`` holds the code of each organisation
kyso is deployed in, keyed by the organisation's ký hiệu."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["OrgCode", "load_org_codes", "org_code"]


@dataclass(frozen=True)
class OrgCode:
    ky_hieu: str
    name: str
    code: str
    demo: bool = False
    """An illustrative value for the demo organisation, not an issued code."""


@lru_cache(maxsize=4)
def load_org_codes(path: Path | None = None) -> dict[str, OrgCode]:
    """The codes by ký hiệu, from ``path`` or the packaged ``config/org_codes.toml``."""
    if path is None:
        text = resources.files("kyso.config").joinpath("org_codes.toml").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return {
        ky_hieu: OrgCode(
            ky_hieu, str(entry.get("name", "")), str(entry["code"]), bool(entry.get("demo"))
        )
        for ky_hieu, entry in tomllib.loads(text).get("org", {}).items()
    }


def org_code(ky_hieu: str | None, path: Path | None = None) -> str | None:
    """The organisation's code, or None when the data has none for it."""
    entry = load_org_codes(path).get(ky_hieu or "")
    return entry.code if entry else None
