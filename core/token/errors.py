"""Turn python-pkcs11's exceptions into kyso's errors, with the token's own words.

The PIN is never part of any message: these functions only ever see exceptions and
token flags.
"""

from __future__ import annotations

from kyso.core.errors import KysoError, PinError, PinLockedError, TokenError, TokenRemovedError

__all__ = ["is_removal", "pin_error_from_flags", "translate"]

_REMOVAL = (
    "DeviceRemoved",
    "TokenNotPresent",
    "TokenNotRecognised",
    "SessionClosed",
    "SessionHandleInvalid",
    "DeviceError",
    "CryptokiNotInitialised",
)

# Handles that worked a moment ago and are now unknown: the token's storage vanished
# (a SoftHSM token directory deleted, a token reset) — for the batch, the token is gone.
_LOST_IN_SESSION = ("ObjectHandleInvalid", "KeyHandleInvalid")


def is_removal(exc: BaseException, *, in_session: bool = False) -> bool:
    """True when the exception means the token or the link to it went away.

    ``in_session``: raised while using a key found in this (working) session, where an
    unknown object or key handle also means the token's contents are gone."""
    name = type(exc).__name__
    return name in _REMOVAL or (in_session and name in _LOST_IN_SESSION)


def pin_error_from_flags(flags: int | None) -> PinError:
    """A wrong-PIN error that tells what the token reported about the tries left."""
    from pkcs11 import TokenFlag

    if flags is not None and flags & TokenFlag.USER_PIN_LOCKED:
        return PinLockedError(
            "Mã PIN đã bị khoá. Liên hệ nơi cấp token để mở khoá.", tries_left="0"
        )
    if flags is not None and flags & TokenFlag.USER_PIN_FINAL_TRY:
        return PinError(
            "Sai mã PIN. Chỉ còn 1 lần thử: nhập sai lần nữa token sẽ bị khoá.",
            tries_left="1",
        )
    if flags is not None and flags & TokenFlag.USER_PIN_COUNT_LOW:
        return PinError("Sai mã PIN. Token báo số lần thử còn lại đã thấp.", tries_left="ít")
    return PinError("Sai mã PIN.")


def translate(exc: BaseException, doing: str, *, in_session: bool = False) -> KysoError:
    """A :class:`KysoError` for a python-pkcs11 exception raised while ``doing`` something
    (``in_session``: with a key of a session that was working, see :func:`is_removal`)."""
    name = type(exc).__name__
    if is_removal(exc, in_session=in_session):
        return TokenRemovedError(f"Token đã bị rút ra hoặc mất kết nối khi {doing}.")
    if name == "PinLocked":
        return PinLockedError(
            "Mã PIN đã bị khoá. Liên hệ nơi cấp token để mở khoá.", tries_left="0"
        )
    if name in ("PinLenRange", "PinInvalid"):
        return PinError("Mã PIN không đúng định dạng (độ dài hoặc ký tự).")
    if name == "PinExpired":
        return PinError("Mã PIN đã hết hạn; đổi PIN bằng công cụ của nhà cung cấp token.")
    if name == "UserAlreadyLoggedIn":
        return TokenError(
            "Token đang được một phiên ký khác của kyso dùng; kết thúc phiên đó rồi thử lại."
        )
    if name == "FunctionCancelled":
        return PinError("Đã huỷ nhập PIN trên thiết bị.")
    detail = str(exc).strip()
    suffix = f": {detail}" if detail and len(detail) < 200 else ""
    return TokenError(f"Lỗi token khi {doing} ({name}{suffix})")
