"""The wheel holds every package of the source tree.

pyproject.toml lists the packages by hand (the source folders map onto ``kyso.*``), so a new
sub-package that is not listed is missing from what users install while the editable dev
install still finds it. This test reads the list and the folders and compares them.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def _packages_on_disk(package_dirs: dict[str, str]) -> set[str]:
    found = set()
    for name, folder in package_dirs.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            relative = init.parent.relative_to(base)
            found.add(".".join([name, *relative.parts]))
    return found


def test_every_source_package_is_in_the_wheel() -> None:
    setuptools = _setuptools()
    listed = setuptools["packages"]
    on_disk = _packages_on_disk(setuptools["package-dir"])
    assert sorted(set(listed)) == sorted(listed), "a package is listed twice"
    assert on_disk - set(listed) == set(), "packages missing from pyproject.toml"
    assert set(listed) - on_disk == set(), "listed packages with no folder"


def test_no_module_lives_outside_a_package() -> None:
    """A .py file in a folder without __init__.py would be left out of the wheel too."""
    setuptools = _setuptools()
    stray = []
    for folder in setuptools["package-dir"].values():
        for module in (ROOT / folder).rglob("*.py"):
            if "__pycache__" in module.parts:
                continue
            if not (module.parent / "__init__.py").exists():
                stray.append(str(module.relative_to(ROOT)))
    assert stray == []
