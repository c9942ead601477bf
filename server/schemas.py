"""Pydantic models of the API's bodies, for validation and the OpenAPI schema.

Routes build their responses as plain dicts (``kyso.server.db.load_documents``) and
return them directly; these models describe them in ``/openapi.json``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kyso.core.workflow import Action, Role, State
from kyso.server.text_rules import Line, MultiLine

__all__ = [
    "Attachment",
    "ChangesPage",
    "Document",
    "Error",
    "FlowEntry",
    "LoginRequest",
    "LoginResponse",
    "MarkRequest",
    "OpinionRequest",
    "RenameRequest",
    "TransitionRequest",
    "User",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Error(BaseModel):
    detail: str = Field(description="Một dòng, tiếng Việt.")


class Org(BaseModel):
    id: int
    name: str
    ky_hieu: str


class User(BaseModel):
    username: str
    full_name: str
    role: Role
    title: str
    org: Org


class LoginRequest(_Strict):
    username: Line = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    kiosk: bool = Field(default=False, description="Máy trạm dùng chung: phiên ngắn hơn.")


class LoginResponse(BaseModel):
    token: str
    user: User


class Version(BaseModel):
    n: int
    sha256: str
    size: int
    uploaded_by: str
    uploaded_at: str
    signed: bool
    note: str


class Attachment(BaseModel):
    id: int
    name: str
    is_main: bool
    versions: list[Version]


class Opinion(BaseModel):
    id: int
    author: str
    text: str
    at: str


class FlowEntry(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    action: Action
    note: str
    at: str


class Document(BaseModel):
    id: int
    version: int
    trich_yeu: str
    loai: str
    loai_ky_hieu: str
    don_vi_soan_thao: str
    nguoi_soan: str
    holder: str
    state: State
    so: int | None
    ky_hieu: str | None
    so_ky_hieu: str | None
    ngay_ban_hanh: str | None
    marked: bool
    related: list[int]
    created_at: str
    updated_at: str
    attachments: list[Attachment]
    opinions: list[Opinion]
    flow: list[FlowEntry]


class Change(BaseModel):
    seq: int
    document: Document


class ChangesPage(BaseModel):
    changes: list[Change]
    cursor: str
    has_more: bool


class TransitionRequest(_Strict):
    action: Action
    to: Line | None = Field(default=None, max_length=100)
    note: MultiLine = Field(default="", max_length=10000)
    so: int | None = Field(default=None, ge=1, le=999999, description="Chỉ cho ban_hanh.")


class OpinionRequest(_Strict):
    text: MultiLine = Field(min_length=1, max_length=10000)


class MarkRequest(_Strict):
    marked: bool = True


class RenameRequest(_Strict):
    name: Line = Field(min_length=1, max_length=255)
