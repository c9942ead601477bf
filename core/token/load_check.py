"""Why a PKCS#11 module does not load, in words a user can act on.

From the dynamic loader's message and the module's ELF header: a missing library (and
the Debian package that has it), a 32-bit module in a 64-bit process, another
architecture, a file that is not a PKCS#11 module, a module whose ``C_Initialize``
refuses (usually its configuration).
"""

from __future__ import annotations

import os
import re
import struct
import sys

from kyso.core.token.diagnosis import Finding

__all__ = [
    "ELF_32",
    "ELF_64",
    "elf_identity",
    "explain_init_error",
    "explain_load_error",
    "load_problem",
]

# Libraries vendor modules link against, and the Debian 12 package that provides each.
_LIBRARY_PACKAGES: dict[str, str] = {
    "libpcsclite.so.1": "libpcsclite1 pcscd",
    "libssl.so.3": "libssl3",
    "libcrypto.so.3": "libssl3",
    "libusb-1.0.so.0": "libusb-1.0-0",
    "libltdl.so.7": "libltdl7",
    "libstdc++.so.6": "libstdc++6",
    "libz.so.1": "zlib1g",
    "libgtk-x11-2.0.so.0": "libgtk2.0-0",
    "libgdk-x11-2.0.so.0": "libgtk2.0-0",
    "libgtk-3.so.0": "libgtk-3-0",
    "libQt5Core.so.5": "libqt5core5a",
    "libQt5Gui.so.5": "libqt5gui5",
    "libQt5Widgets.so.5": "libqt5widgets5",
    "libX11.so.6": "libx11-6",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libp11-kit.so.0": "libp11-kit0",
}

_ELF_MACHINES = {
    3: "i386 (32-bit x86)",
    8: "mips",
    20: "powerpc",
    21: "ppc64",
    40: "armhf (32-bit ARM)",
    62: "amd64 (x86_64)",
    183: "arm64 (aarch64)",
    243: "riscv64",
}


ELF_32 = 1
ELF_64 = 2
"""The ELF class byte (``e_ident[EI_CLASS]``): 32-bit or 64-bit objects."""


def elf_identity(path: str) -> tuple[int, int] | None:
    """(ELF class, machine) of a file, or None when it is not an ELF file."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    order = "<" if head[5] == 1 else ">"
    (machine,) = struct.unpack(order + "H", head[18:20])
    return head[4], machine


def _machine_name(machine: int, elf_class: int) -> str:
    bits = "64-bit" if elf_class == 2 else "32-bit"
    return _ELF_MACHINES.get(machine, f"máy {machine}, {bits}")


def explain_load_error(path: str, error: str) -> Finding:
    """Why the module at ``path`` does not load, from the dynamic loader's words.

    ``error`` is the text python-pkcs11 got from ``dlopen``/``dlsym``.
    """
    mine = elf_identity(sys.executable) or elf_identity("/proc/self/exe")
    theirs = elf_identity(path)
    if not os.access(path, os.R_OK):
        return Finding(
            "error",
            f"Không đọc được module {path} (không có quyền đọc).",
            (f"sudo chmod a+r {path}",),
        )
    if theirs is None:
        return Finding(
            "error",
            f"{path} không phải thư viện dùng chung (không phải tệp ELF).",
            ("Chỉ --module tới tệp .so của driver token (không phải bộ cài hay script).",),
        )
    if mine is not None and theirs[0] == ELF_32 and mine[0] == ELF_64:
        return _thirty_two_bit(path, theirs, mine)
    if mine is not None and theirs != mine:
        return Finding(
            "error",
            f"Module {path} được biên dịch cho {_machine_name(theirs[1], theirs[0])}, "
            f"còn kyso chạy trên {_machine_name(mine[1], mine[0])}: sai kiến trúc.",
            (
                f"Tải driver bản {_machine_name(mine[1], mine[0])} từ nhà cung cấp token "
                "và cài vào máy này.",
            ),
        )
    missing = re.search(r"([^\s:]+): cannot open shared object file", error)
    if missing and os.path.basename(missing.group(1)) != os.path.basename(path):
        lib = missing.group(1)
        package = _LIBRARY_PACKAGES.get(lib)
        if lib in ("libssl.so.1.1", "libcrypto.so.1.1", "libssl.so.1.0.0", "libcrypto.so.1.0.0"):
            fix = (
                f"Module cần OpenSSL cũ ({lib}), Debian 12 không còn gói này: "
                "tải driver mới hơn của nhà cung cấp token.",
            )
        elif package:
            fix = (f"sudo apt install {package}",)
        else:
            fix = (
                f"sudo apt install apt-file && sudo apt-file update && apt-file search {lib}",
                "rồi cài gói tìm được: sudo apt install <gói>",
            )
        return Finding("error", f"Module {path} thiếu thư viện {lib}.", fix)
    symbol = re.search(r"undefined symbol: (\S+)", error)
    if symbol and symbol.group(1) == "C_GetFunctionList":
        return Finding(
            "error",
            f"{path} không phải module PKCS#11 (không có C_GetFunctionList).",
            ("Chỉ --module tới tệp module PKCS#11 của driver (thường có pkcs11 trong tên).",),
        )
    if symbol:
        return Finding(
            "error",
            f"Module {path} không khớp thư viện trên máy (thiếu hàm {symbol.group(1)}).",
            ("Cài bản driver của nhà cung cấp dành cho Debian 12 / Ubuntu 22.04 trở lên.",),
        )
    return Finding("error", f"Không nạp được module {path}: {error}", ())


def _short(identity: tuple[int, int]) -> str:
    """``i386``, ``amd64``… (the Debian architecture name alone)."""
    return _machine_name(identity[1], identity[0]).split(" (")[0]


def _thirty_two_bit(path: str, theirs: tuple[int, int], mine: tuple[int, int]) -> Finding:
    """A 32-bit module: the dynamic loader cannot put it in a 64-bit process at all."""
    return Finding(
        "error",
        f"Module {path}: module 32-bit ({_short(theirs)}), tiến trình 64-bit không nạp được.",
        (
            f"Cài bản 64-bit ({_short(mine)}) của driver từ nhà cung cấp token, "
            "rồi chạy lại: kyso token doctor",
            "hoặc đề nghị nơi cấp chứng thư số (CA) đổi sang token có driver 64-bit cho Linux.",
        ),
    )


def load_problem(path: str) -> tuple[str, str] | None:
    """Load the module as ``open_token`` would; ``(kind, words)`` when that fails.

    ``kind`` is ``dlopen`` (the file does not load: the loader's message) or
    ``initialize`` (it loads, but its ``C_Initialize`` refused: the PKCS#11 error name).
    """
    import pkcs11

    try:
        pkcs11.lib(path)
    except OSError as exc:
        return "dlopen", str(exc)
    except pkcs11.PKCS11Error as exc:
        text = str(exc)
        if text.startswith("OS exception while loading"):
            return "dlopen", text
        return "initialize", type(exc).__name__
    return None


def explain_init_error(path: str, error: str, env: dict[str, str]) -> Finding:
    """A module that loads but whose ``C_Initialize`` fails: usually its configuration."""
    if "softhsm" in path.lower():
        conf = env.get("SOFTHSM2_CONF") or "/etc/softhsm/softhsm2.conf"
        return Finding(
            "error",
            f"Module {path} không khởi tạo được ({error}): SoftHSM không đọc được cấu hình {conf}.",
            ("Đặt SOFTHSM2_CONF tới tệp cấu hình của token SoftHSM.",),
        )
    return Finding(
        "error",
        f"Module {path} nạp được nhưng không khởi tạo được ({error}).",
        (
            "Token dùng đầu đọc thẻ (PC/SC): sudo apt install pcscd && "
            "sudo systemctl restart pcscd",
            "Nếu vẫn lỗi: cài lại driver của nhà cung cấp token.",
        ),
    )
