"""``kyso server --trust/--bind``: trust anchors and bindings kept in the server's data."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from kyso.core.errors import KysoError
from kyso.core.token.provision import Identity, make_pki


@pytest.fixture
def files(tmp_path, pki):
    ca = pki.write_ca(tmp_path / "ca.pem")
    signer = next(i for i in pki.issued if i.identity.label == "signer")
    cert = tmp_path / "signer.der"
    cert.write_bytes(signer.cert_der)
    stranger = make_pki([Identity("x", "Người Lạ")], ca_name="CA lạ")
    other = tmp_path / "stranger.der"
    other.write_bytes(stranger.issued[0].cert_der)
    return ca, cert, other, signer.cert_der


def test_trust_and_bind_are_kept_in_the_database(tmp_path, files):
    from kyso.server.app import create_app
    from kyso.server.trust import anchors, binding, fingerprint

    ca, cert, _other, der = files
    folder = tmp_path / "data"
    app = create_app(
        folder,
        seed_demo=True,
        trust_files=[ca],
        bindings=["ldso=" + str(cert), f"org:STTTT={cert}"],
    )
    app.state.db.close()
    again = create_app(folder)  # a restart without the options keeps them
    with again.state.db.connect() as conn:
        assert len(anchors(conn)) == 2  # the demo CA and ours
        assert binding(conn, "user:ldso") == der and binding(conn, "org:STTTT") == der
        row = conn.execute("SELECT cert_der FROM users WHERE username = 'ldso'").fetchone()
        assert bytes(row[0]) == der
        fp = conn.execute("SELECT fingerprint FROM cert_bindings WHERE subject = 'org:STTTT'")
        assert fp.fetchone()[0] == fingerprint(der)
    again.state.db.close()


@pytest.mark.parametrize(
    ("bind", "message"),
    [
        ("ldso={other}", "không chuỗi về chứng thư gốc"),
        ("khongco={cert}", "không có người dùng"),
        ("org:XYZ={cert}", "không có cơ quan"),
        ("ldso", "TÊN=TỆP"),
        ("ldso={ca}.missing", "không đọc được"),
    ],
)
def test_a_bad_binding_stops_the_server_with_the_reason(
    tmp_path, files, bind, message, _seeded_template
):
    from kyso.server.app import create_app

    ca, cert, other, _der = files
    spec = bind.format(ca=ca, cert=cert, other=other)
    folder = shutil.copytree(_seeded_template, tmp_path / "data")
    with pytest.raises(KysoError, match=message):
        create_app(folder, trust_files=[ca], bindings=[spec])


def test_the_server_command_documents_the_options():
    result = subprocess.run(
        [sys.executable, "-m", "kyso.cli", "server", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "--trust" in result.stdout and "--bind" in result.stdout
