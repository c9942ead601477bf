"""Finding token modules the Linux way (p11-kit module configs) and explaining the ones
that cannot load (a 32-bit vendor module), against a real SoftHSM2 library."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from checks import run_kyso as kyso
from fixtures_token import kyso_env

from kyso.core.token.discovery import candidate_modules, known_modules
from kyso.core.token.load_check import explain_load_error
from kyso.core.token.p11kit_registry import registered_modules


def _register(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / f"{name}.module"
    config.write_text(text)
    return config


def _vendor_copy(softhsm, tmp_path: Path) -> Path:
    """SoftHSM under a vendor-like name: a file no known-module path names."""
    library = tmp_path / "vendor" / "libkysotest-pkcs11.so"
    library.parent.mkdir()
    shutil.copy(os.path.realpath(softhsm.module), library)
    return library


def test_module_registered_in_the_user_p11kit_config_is_found(softhsm, tmp_path, monkeypatch):
    library = _vendor_copy(softhsm, tmp_path)
    xdg = tmp_path / "xdg"
    _register(xdg / "pkcs11" / "modules", "kysotest", f"# a vendor's token\nmodule: {library}\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    monkeypatch.delenv("KYSO_MODULE", raising=False)
    monkeypatch.delenv("P11_KIT_SERVER_ADDRESS", raising=False)

    found = {c.path: c for c in candidate_modules()}
    assert found[str(library)].source == "p11-kit"
    assert found[str(library)].name == "kysotest"
    # The system's own softhsm2.module names the file the known list has: listed once.
    real = [os.path.realpath(p) for p in found]
    assert len(real) == len(set(real))

    env = {**os.environ, **softhsm.env}
    result = kyso("token", "doctor", "--json", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    [check] = [m for m in json.loads(result.stdout)["modules"] if m["path"] == str(library)]
    assert (check["name"], check["source"], check["state"]) == ("kysotest", "p11-kit", "loaded")
    assert [t["label"] for t in check["tokens"]] == [softhsm.label]

    text = kyso("token", "doctor", env=env).stdout
    assert f"kysotest {library}: nạp được, từ đăng ký với p11-kit" in text


def test_p11kit_configs_merge_resolve_and_respect_enable_and_disable(tmp_path):
    system, admin, user = tmp_path / "share", tmp_path / "etc", tmp_path / "user"
    libdir = tmp_path / "lib" / "pkcs11"
    libdir.mkdir(parents=True)
    for name in ("liba.so", "libb.so", "libc.so", "libd.so", "libtrust.so", "libuser.so"):
        (libdir / name).write_bytes(b"\x7fELF")
    _register(system, "a", "module: liba.so\n")  # relative: from the p11-kit folder
    _register(system, "b", "module: libb.so\ndisable-in: p11-kit-proxy, kyso\n")
    _register(system, "c", "module: libc.so\nenable-in: firefox\n")
    _register(system, "d", "module: libd.so\nenable-in: firefox kyso\n")
    _register(system, "trust", "module: libtrust.so\ntrust-policy: yes\n")
    _register(system, "gone", "module: libgone.so\n")
    _register(admin, "a", "critical: yes\n")  # changes a setting, keeps the module
    _register(system, "u", "module: liba.so\n")
    _register(user, "u", f"module: {libdir / 'libuser.so'}\n")  # the user's wins

    found = registered_modules(dirs=[system, admin, user], relative_to=libdir)
    assert [(m.name, Path(m.path).name) for m in found] == [
        ("a", "liba.so"),
        ("d", "libd.so"),
        ("u", "libuser.so"),
    ]
    assert found[0].config == str(system / "a.module")
    assert found[2].config == str(user / "u.module")


def test_viettel_and_fpt_modules_are_known():
    paths = {p: m.name for m in known_modules() for p in m.paths}
    assert "/usr/lib/viettel-ca_v6.so" in paths
    assert "/usr/lib/fptca_v4.so" in paths


def _fake_elf32(path: Path) -> Path:
    """The start of a 32-bit little-endian i386 shared object (enough for the loader to
    refuse it and for the doctor to read its class)."""
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)  # ELFCLASS32, little endian, v1
    header = ident + (3).to_bytes(2, "little") + (3).to_bytes(2, "little")  # ET_DYN, EM_386
    path.write_bytes(header + bytes(64))
    return path


def test_a_32bit_module_is_explained(tmp_path):
    module = _fake_elf32(tmp_path / "fptca_v4.so")
    finding = explain_load_error(str(module), f"{module}: wrong ELF class: ELFCLASS32")
    assert finding.level == "error"
    assert (
        "module 32-bit" in finding.message and "tiến trình 64-bit không nạp được" in finding.message
    )
    assert "i386" in finding.message
    assert finding.fix[0].startswith("Cài bản 64-bit (")
    assert "của driver từ nhà cung cấp token" in finding.fix[0]


def test_doctor_explains_a_32bit_module_and_says_it_once(softhsm, tmp_path):
    module = _fake_elf32(tmp_path / "fptca_v4.so")
    result = kyso("token", "doctor", "--module", module, env=kyso_env(softhsm))
    assert result.returncode == 1
    assert "module 32-bit" in result.stdout
    assert "Cài bản 64-bit (" in result.stdout and "của driver" in result.stdout
    # The verdict once: on stderr, as every user error; not repeated on stdout.
    output = result.stdout + result.stderr
    assert output.count("Chưa ký được") == 1, output
    [line] = result.stderr.splitlines()
    assert line.startswith("kyso: Chưa ký được: Module") and "32-bit" in line
