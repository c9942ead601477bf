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


@pytest.fixture(scope="session", autouse=True)
def _softhsm_configured_first(softhsm):
    """Make the session token before any test runs.

    SoftHSM reads ``SOFTHSM2_CONF`` once per process, when the module is first loaded. An
    app under test with no token of its own still looks the token up (its status line),
    and finds the installed SoftHSM through config/modules.toml: had that happened before
    the ``softhsm`` fixture set the variable, every later test in the process would see
    no token at all (test_tui_inbox then test_tui_sign_rules failed that way)."""
    return softhsm
