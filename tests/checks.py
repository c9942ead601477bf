"""Independent checks of signed PDFs with poppler and qpdf (not pyHanko)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def pdfsig(path: Path) -> str:
    """poppler's report; asserts every signature is valid."""
    result = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    out = result.stdout
    count = out.count("Signature #")
    assert count > 0, out + result.stderr
    assert out.count("Signature Validation: Signature is Valid.") == count, out
    return out


def qpdf_check(path: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def page_text(path: Path, page: int) -> str:
    """Text poppler extracts from one page (1-based), annotation appearances included."""
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


KYSO = [sys.executable, "-m", "kyso.cli"]
"""The ``kyso`` command as a user runs it, from this interpreter's environment."""


def run_kyso(*args, env: dict[str, str], input: str | None = None, timeout: float = 120):
    """Run ``kyso ARGS…`` in a subprocess and capture its output (text)."""
    return subprocess.run(
        [*KYSO, *map(str, args)],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
