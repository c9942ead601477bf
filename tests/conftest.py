"""Shared fixtures. Each area keeps its fixtures in a ``fixtures_*.py`` plugin module."""

import pytest

pytest_plugins = [
    "fixtures_p11kit",
    "fixtures_token",
    "fixtures_pdf",
    "fixtures_app",
    "fixtures_store",
    "fixtures_server",
    "fixtures_revocation",
    "fixtures_disk",
]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep the developer's own config, caches and sessions out of every test."""
    home = tmp_path_factory.mktemp("kyso-home")
    monkeypatch.setenv("KYSO_HOME", str(home))
    for var in ("KYSO_PIN", "KYSO_MODULE", "KYSO_SERVER", "KYSO_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    return home
