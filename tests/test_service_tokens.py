"""kyso.core.service.tokens against the real SoftHSM token: options, the walk, the status
(a view of the doctor's findings with the PIN state), the PIN check, a locked token.

SoftHSM does not count wrong PINs in its flags, so the PIN states other than ``ok`` come
from a small double of the token flags: the real flags with the state's bit added.
"""

from __future__ import annotations

import pytest
from fixtures_token import SIGNER_CN, TEST_PIN

from kyso.config.settings import Settings, TokenSettings
from kyso.core.errors import PinError, PinLockedError
from kyso.core.service import tokens


@pytest.fixture
def flagged(monkeypatch):
    """``flagged("USER_PIN_COUNT_LOW")``: the token reports that PIN flag from now on."""
    from pkcs11 import TokenFlag

    from kyso.core.token import inventory

    real = inventory.pin_state

    def set_flag(name: str) -> None:
        bit = int(getattr(TokenFlag, name))
        monkeypatch.setattr(inventory, "pin_state", lambda flags: real(int(flags) | bit))

    return set_flag


def test_options_take_the_flags_over_the_settings():
    settings = Settings(token=TokenSettings(module="/cfg.so", label="cfg-token"))
    options = tokens.build_token_options(settings, key="signer")
    assert options.module is None and options.configured_module == "/cfg.so"
    assert options.token_label == "cfg-token" and options.key_label == "signer"
    chosen = tokens.build_token_options(settings, module="/flag.so", token="flag-token")
    assert chosen.module == "/flag.so" and chosen.token_label == "flag-token"
    assert chosen.key_label is None


def test_the_walk_lists_the_token_and_its_certificates(softhsm):
    [report] = [r for r in tokens.token_walk(softhsm.module) if r.slots]
    [slot] = report.slots
    assert slot.token.label == softhsm.label
    assert {c.label for c in slot.token.certificates} >= {"signer", "expired", "nosign"}


def test_status_names_the_signer_and_an_ok_pin(softhsm, monkeypatch):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    status = tokens.token_status(key_label="signer")
    assert status.present and status.ready
    assert status.holder == SIGNER_CN and status.label == softhsm.label
    assert status.pin_state == "ok" and not status.pin_warning and not status.tries_left
    assert status.warnings == ()


def test_status_carries_the_doctors_pin_warning(softhsm, monkeypatch, flagged):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    flagged("USER_PIN_COUNT_LOW")
    status = tokens.token_status(key_label="signer")
    assert status.ready and status.pin_state == "count_low"
    assert status.tries_left == "ít" and "còn ít lần thử" in status.pin_warning
    assert any("nhập sai PIN nhiều lần" in w for w in status.warnings), status.warnings
    assert "còn ít lần thử PIN" in status.text


def test_a_locked_token_is_present_but_not_ready(softhsm, monkeypatch, flagged):
    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    flagged("USER_PIN_LOCKED")
    status = tokens.token_status(key_label="signer")
    assert status.present and status.locked and not status.ready
    assert "bị khoá" in status.message and "SO PIN" in status.message
    assert "PIN đã khoá" in status.text
    with pytest.raises(PinLockedError):
        tokens.refuse_locked(tokens.TokenOptions(module=softhsm.module))


def test_no_module_says_which_path(tmp_path, monkeypatch):
    missing = tmp_path / "khong-co.so"
    monkeypatch.setenv("KYSO_MODULE", str(missing))
    status = tokens.token_status()
    assert not status.present and str(missing) in status.message


def test_a_wrong_pin_is_refused_then_the_right_one_passes(softhsm):
    options = tokens.TokenOptions(module=softhsm.module, key_label="signer")
    with pytest.raises(PinError) as wrong:
        tokens.check_pin(options, "000000")
    assert "Sai mã PIN" in wrong.value.message and "000000" not in wrong.value.message
    tokens.check_pin(options, TEST_PIN)
    tokens.refuse_locked(options)  # not locked: nothing raised
    with tokens.open_session(options, TEST_PIN) as session:
        assert session.signing_key("signer").certificate.common_name == SIGNER_CN


def test_kyso_sign_on_a_locked_token_says_so_before_asking(
    softhsm, monkeypatch, flagged, pdf_path, tmp_path
):
    from click.testing import CliRunner

    from kyso.cli.main import cli

    monkeypatch.setenv("KYSO_MODULE", softhsm.module)
    flagged("USER_PIN_LOCKED")
    out = tmp_path / "ky.pdf"
    result = CliRunner().invoke(cli, ["sign", str(pdf_path), "-o", str(out)], input=TEST_PIN)
    assert isinstance(result.exception, PinLockedError), result.output
    assert "bị khoá" in result.exception.message
    assert "PIN của token" not in result.output  # no prompt was shown
    assert not out.exists()
