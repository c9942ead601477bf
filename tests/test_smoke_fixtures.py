import subprocess


def test_softhsm_token_lists_the_signer(softhsm):
    out = subprocess.run(
        ["pkcs11-tool", "--module", softhsm.module, "--list-objects", "--type", "cert"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "label:      signer" in out
    assert "label:      nosign" in out
