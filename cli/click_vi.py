"""click's own error words in Vietnamese: "Error: …", "Try 'kyso … --help' for help.",
"No such option", "Missing argument", "… is not a valid integer"…

click writes them through ``gettext`` (``from gettext import gettext as _`` and
``ngettext`` in each of its modules) with no Vietnamese catalogue; :func:`install` gives
those modules a catalogue lookup instead, before any command is built (the names of
``click.Path`` types are translated when the option is declared). A message not in the
catalogue stays as click wrote it.
"""

from __future__ import annotations

import importlib

__all__ = ["CATALOGUE", "PLURALS", "install", "translate", "translate_plural"]

CATALOGUE: dict[str, str] = {
    "Show this message and exit.": "Hiện trợ giúp này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Chạy '{command} {option}' để xem trợ giúp.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tuỳ chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "Thiếu lệnh.",
    "No such option {name!r}.": "Không có tuỳ chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "unknown error": "lỗi không rõ",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "Invalid start character for option ({option})": "Tuỳ chọn bắt đầu sai ký tự ({option})",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} cần {nargs} giá trị.",
    "Option {name!r} does not take a value.": "Tuỳ chọn {name!r} không nhận giá trị.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải giá trị đúng/sai hợp lệ. Dùng một trong: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "file": "Tệp",
    "directory": "Thư mục",
    "path": "Đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} không ghi được.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "Aborted!": "Đã huỷ.",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: giá trị nhập không hợp lệ",
    "Press any key to continue...": "Nhấn phím bất kỳ để tiếp tục…",
}
"""click's message → Vietnamese, with the same ``{fields}``."""

PLURALS: dict[str, str] = {
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "Option {name!r} requires an argument.": "Tuỳ chọn {name!r} cần một giá trị.",
    "{value!r} is not {choice}.": "{value!r} không phải {choice}.",
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "{value!r} does not match the format {format}.": "{value!r} không đúng định dạng {format}.",
    "{len_type} values are required, but {len_value} was given.": (
        "Cần {len_type} giá trị nhưng chỉ có {len_value}."
    ),
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
}
"""click's singular message → Vietnamese (Vietnamese has one form; the plural message is
looked up through :data:`_PLURAL_OF`)."""

_PLURAL_OF: dict[str, str] = {
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "Option {name!r} requires {nargs} arguments.": "Tuỳ chọn {name!r} cần {nargs} giá trị.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc {choices}.",
    "Got unexpected extra arguments ({args})": "Thừa tham số ({args})",
    "{value!r} does not match the formats {formats}.": (
        "{value!r} không đúng các định dạng {formats}."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "Cần {len_type} giá trị nhưng có {len_value}."
    ),
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
}

_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
)


def translate(message: str) -> str:
    """click's ``gettext``: the Vietnamese of ``message``, else ``message``."""
    return CATALOGUE.get(message, message)


def translate_plural(singular: str, plural: str, count: int) -> str:
    """click's ``ngettext``."""
    if count == 1:
        return PLURALS.get(singular, singular)
    return _PLURAL_OF.get(plural, plural)


def install() -> None:
    """Give click's modules the Vietnamese catalogue (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural  # type: ignore[attr-defined]
