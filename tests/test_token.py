"""The token layer against a real SoftHSM2 token."""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures_token import SIGNER_CN, TEST_PIN

from kyso.core.errors import CertificateError, PinError, PinLockedError, TokenError
from kyso.core.token.discovery import candidate_modules, resolve_module
from kyso.core.token.errors import pin_error_from_flags, translate
from kyso.core.token.session import TokenOptions, open_token


def test_explicit_module_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(TokenError, match=r"không tồn tại: /nope/lib\.so"):
        resolve_module("/nope/lib.so")


def test_kyso_module_env_wins_over_known_modules(monkeypatch, softhsm):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    [only] = candidate_modules()
    assert (only.path, only.source) == (softhsm.module, "KYSO_MODULE")


def test_known_modules_include_softhsm_and_forwarding_only_with_socket(monkeypatch, softhsm):
    monkeypatch.delenv("P11_KIT_SERVER_ADDRESS", raising=False)
    paths = [c.path for c in candidate_modules()]
    assert softhsm.module in paths
    assert not any("p11-kit-client" in p for p in paths)
    monkeypatch.setenv("P11_KIT_SERVER_ADDRESS", "unix:path=/tmp/nothing")
    assert "p11-kit-client" in candidate_modules()[0].path


def test_module_that_is_not_a_library_fails_clearly(tmp_path):
    fake = tmp_path / "libfake.so"
    fake.write_text("not a library")
    with (
        pytest.raises(TokenError, match="Không nạp được module PKCS#11"),
        open_token(TokenOptions(module=str(fake)), pin=TEST_PIN),
    ):
        pass


def test_module_without_token_says_so(softhsm):
    import os

    opensc = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
    if not os.path.exists(opensc):
        pytest.skip("OpenSC not at the Debian x86_64 path")
    with (
        pytest.raises(TokenError, match="Chưa cắm token"),
        open_token(TokenOptions(module=opensc), pin=TEST_PIN),
    ):
        pass


def test_unknown_token_label_lists_what_is_present(softhsm):
    with (
        pytest.raises(TokenError, match="kyso-test"),
        open_token(TokenOptions(module=softhsm.module, token_label="VNPT-CA"), pin=TEST_PIN),
    ):
        pass


def test_wrong_pin_is_a_pin_error_without_the_pin(softhsm):
    wrong = "987654"
    with (
        pytest.raises(PinError) as info,
        open_token(TokenOptions(module=softhsm.module), pin=wrong),
    ):
        pass
    assert "Sai mã PIN" in info.value.message
    assert wrong not in str(info.value) and wrong not in repr(info.value.args)
    # SoftHSM raises USER_PIN_COUNT_LOW after a failure: the message says so.
    assert info.value.tries_left == "ít"
    # A correct PIN still works afterwards (SoftHSM never locks).
    with open_token(TokenOptions(module=softhsm.module), pin=TEST_PIN) as session:
        assert session.token_label == softhsm.label


def test_token_flags_become_tries_left_messages():
    from pkcs11 import TokenFlag

    assert isinstance(pin_error_from_flags(TokenFlag.USER_PIN_LOCKED), PinLockedError)
    final = pin_error_from_flags(TokenFlag.USER_PIN_FINAL_TRY | TokenFlag.USER_PIN_COUNT_LOW)
    assert final.tries_left == "1" and "1 lần thử" in final.message
    assert pin_error_from_flags(0).tries_left is None


def test_locked_pin_from_the_library_is_a_locked_error():
    from pkcs11.exceptions import DeviceRemoved, PinLocked

    assert isinstance(translate(PinLocked(), "đăng nhập"), PinLockedError)
    assert "rút ra" in translate(DeviceRemoved(), "ký").message


def test_certificates_are_listed_with_their_keys(token_session):
    certs = {c.label: c for c in token_session.certificates()}
    assert set(certs) == {"signer", "expired", "future", "nosign"}
    assert certs["signer"].common_name == SIGNER_CN
    assert certs["signer"].has_private_key and certs["signer"].can_sign
    assert not certs["nosign"].signing_usage


def test_the_only_usable_certificate_is_chosen_automatically(token_session):
    assert token_session.signing_key().certificate.label == "signer"


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("expired", "đã hết hạn"),
        ("future", "chưa có hiệu lực"),
        ("nosign", "không dùng để ký số"),
    ],
)
def test_unusable_certificates_are_refused(token_session, label, words):
    with pytest.raises(CertificateError, match=words):
        token_session.signing_key(label)


def test_unknown_key_label_names_the_ones_present(token_session):
    with pytest.raises(TokenError, match="signer"):
        token_session.signing_key("khong-co")


def test_auto_choice_is_ambiguous_when_two_can_sign(token_session):
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=60)  # 'future' is valid by then
    with pytest.raises(TokenError, match="nhiều chứng thư"):
        token_session.signing_key(now=later)
