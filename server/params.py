"""Types the routers share: the signed-in user, path parameters, error responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from kyso.core.workflow import Role
from kyso.server.auth import CurrentUser, current_user
from kyso.server.schemas import Error

__all__ = ["BOOK_READERS", "AttId", "DocId", "Me", "Year", "error_responses"]

BOOK_READERS = (Role.VAN_THU, Role.LANH_DAO_SO, Role.LANH_DAO_VAN_PHONG)
"""Who may read the organisation's books (registry and copies): clerk and leaders."""

Me = Annotated[CurrentUser, Depends(current_user)]
DocId = Annotated[int, Path(ge=1, le=2**53, description="Mã văn bản.", examples=[1])]
AttId = Annotated[int, Path(ge=1, le=2**53, description="Mã tệp đính kèm.", examples=[1])]
Year = Annotated[int, Path(ge=2000, le=2100, description="Năm của sổ.", examples=[2026])]


def error_responses(*codes: int) -> dict[int, dict]:
    """OpenAPI ``responses`` for these status codes, all with the one error body."""
    return {code: {"model": Error} for code in codes}
