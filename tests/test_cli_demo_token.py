"""`kyso demo token`: a persistent demo token a newcomer points the CLI at."""

from __future__ import annotations

import json
import os
import shlex

from checks import pdfsig, qpdf_check, run_kyso
from fixtures_pdf import make_pdf


def _exports(text: str) -> dict[str, str]:
    """The ``export NAME=VALUE`` lines the command prints for ``eval``."""
    env = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = shlex.split(value)[0]
    return env


def test_demo_token_then_sign_and_verify(tmp_path):
    folder = tmp_path / "token"
    made = run_kyso("demo", "token", "--dir", folder, env=os.environ.copy())
    assert made.returncode == 0, made.stderr
    exports = _exports(made.stdout)
    assert exports["SOFTHSM2_CONF"] == str(folder / "softhsm2.conf")
    assert "PIN 123456" in made.stdout

    # Made once: a second call reuses the token (same config, same CA) and says the same.
    again = run_kyso("demo", "token", "--dir", folder, "--json", env=os.environ.copy())
    assert again.returncode == 0, again.stderr
    info = json.loads(again.stdout)
    assert info["softhsm2_conf"] == exports["SOFTHSM2_CONF"]
    assert info["module"] == exports["KYSO_MODULE"]
    ca = folder / "demo-ca.pem"
    assert info["ca"] == str(ca)
    ca_bytes = ca.read_bytes()

    env = {**os.environ, **exports, "KYSO_PIN": "123456"}
    source = make_pdf(tmp_path / "in.pdf")
    out = tmp_path / "out.pdf"
    signed = run_kyso("sign", source, "-o", out, "--key", "ldso", env=env)
    assert signed.returncode == 0, signed.stderr
    verified = run_kyso("verify", out, "--trust", ca, env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Phạm Quốc Hùng" in verified.stdout
    assert ca.read_bytes() == ca_bytes
    pdfsig(out)
    qpdf_check(out)
