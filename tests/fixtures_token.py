"""A real SoftHSM2 token, made fresh once per test session, with a test CA.

Objects on the token (all under PIN ``123456``):

=============  ====  ============================================================
label          id    certificate
=============  ====  ============================================================
signer         01    Nguyễn Văn Ký, Giám đốc — valid, signing key usage
expired        02    expired yesterday
future         03    valid only from next month
nosign         04    key encipherment only (no signing key usage)
=============  ====  ============================================================
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

from kyso.core.token.provision import (
    Identity,
    SoftToken,
    TestPki,
    find_softhsm_module,
    make_pki,
    make_softhsm_token,
)

TEST_PIN = "123456"
SIGNER_CN = "Nguyễn Văn Ký"


def _identities() -> list[Identity]:
    now = dt.datetime.now(dt.UTC)
    return [
        Identity("signer", SIGNER_CN, title="Giám đốc", key_id=b"\x01"),
        Identity(
            "expired",
            "Trần Thị Hết Hạn",
            key_id=b"\x02",
            valid_from=now - dt.timedelta(days=400),
            valid_until=now - dt.timedelta(days=1),
        ),
        Identity(
            "future",
            "Lê Văn Chưa Tới",
            key_id=b"\x03",
            valid_from=now + dt.timedelta(days=30),
            valid_until=now + dt.timedelta(days=400),
        ),
        Identity("nosign", "Phạm Không Ký", key_id=b"\x04", signing_key_usage=False),
    ]


@pytest.fixture(scope="session")
def pki() -> TestPki:
    """The session's CA and identities (RSA 2048)."""
    return make_pki(_identities())


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, pki) -> SoftToken:
    """The session's SoftHSM2 token; ``SOFTHSM2_CONF`` points at it for the whole run."""
    if find_softhsm_module() is None:
        pytest.fail("softhsm2 is not installed: run `make test` (it installs the apt packages)")
    token = make_softhsm_token(tmp_path_factory.mktemp("softhsm"), pki, pin=TEST_PIN)
    # The module reads SOFTHSM2_CONF once, when the process first initialises it, so it
    # is set process-wide (and inherited by every `kyso` subprocess a test starts).
    os.environ["SOFTHSM2_CONF"] = str(token.conf)
    return token


@pytest.fixture(scope="session")
def ca_pem(tmp_path_factory, pki):
    """The test CA certificate as a PEM file (for ``--trust``)."""
    return pki.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem")


@pytest.fixture
def token_session(softhsm):
    """A logged-in session on the session token, closed (logged out) after the test.

    Not shared across tests: PKCS#11 login state belongs to the whole process, so a
    session kept open would make every other login in the run fail with
    CKR_USER_ALREADY_LOGGED_IN."""
    from kyso.core.token.session import TokenOptions, open_token

    with open_token(TokenOptions(module=softhsm.module), pin=TEST_PIN) as session:
        yield session


@pytest.fixture
def signing_key(token_session):
    """The 'signer' key (Nguyễn Văn Ký) on the session token."""
    return token_session.signing_key("signer")


def kyso_env(softhsm, **extra: str) -> dict[str, str]:
    """Environment for a `kyso` subprocess that uses the session token."""
    env = {**os.environ, **softhsm.env, "KYSO_MODULE": softhsm.module}
    env.update(extra)
    return env
