"""The demo's PKI: a demo CA and one certificate per demo user, kept in the data folder.

The seed makes it once (``<data>/demo-pki/``), trusts its CA and binds its certificates
(:func:`kyso.server.seed.seed_demo`); the seed's leader signatures are made with the
leader's demo key, and ``kyso demo`` puts the same keys on its SoftHSM token, so what the
demo app signs is accepted by the demo server. The clerk's key is the organisation's
certificate (the clerk holds the organisation's token: the issuance signs with it).

Throw-away material for a demonstration only: the private keys are plain files.
"""

from __future__ import annotations

import json
from pathlib import Path

from kyso.core.token.provision import Identity, IssuedIdentity, TestPki, make_pki
from kyso.server.demo_content import DEMO_ORG, DEMO_ORG_FULL_NAME, DEMO_USERS

__all__ = ["DEMO_CA_NAME", "DEMO_PKI_DIR", "demo_identities", "demo_pki", "org_label"]

DEMO_PKI_DIR = "demo-pki"
DEMO_CA_NAME = "kyso Demo CA"


def org_label() -> str:
    """Token label of the organisation's certificate (the clerk's key)."""
    return next(u.username for u in DEMO_USERS if u.role == "van_thu")


def demo_identities() -> list[Identity]:
    """The demo users' certificates (label = user name); the clerk's is the organisation's."""
    identities = []
    for i, user in enumerate(DEMO_USERS):
        is_org = user.username == org_label()
        identities.append(
            Identity(
                user.username,
                DEMO_ORG_FULL_NAME if is_org else user.full_name,
                organization=DEMO_ORG_FULL_NAME,
                title="" if is_org else user.title,
                key_id=bytes([i + 1]),
            )
        )
    return identities


def _save(pki: TestPki, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for issued in pki.issued:
        ident = issued.identity
        (folder / f"{ident.label}.key.der").write_bytes(issued.key_der)
        (folder / f"{ident.label}.cert.der").write_bytes(issued.cert_der)
        manifest.append(
            {
                "label": ident.label,
                "common_name": ident.common_name,
                "organization": ident.organization,
                "title": ident.title,
                "key_id": ident.key_id.hex(),
            }
        )
    (folder / "identities.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    pki.write_ca(folder / "ca.pem")  # written last: its presence means the folder is whole


def _load(folder: Path) -> TestPki:
    pki = TestPki(ca_key_pem=b"", ca_cert_pem=(folder / "ca.pem").read_bytes())
    for item in json.loads((folder / "identities.json").read_text("utf-8")):
        ident = Identity(
            item["label"],
            item["common_name"],
            organization=item["organization"],
            title=item["title"],
            key_id=bytes.fromhex(item["key_id"]),
        )
        pki.issued.append(
            IssuedIdentity(
                identity=ident,
                key_der=(folder / f"{ident.label}.key.der").read_bytes(),
                cert_der=(folder / f"{ident.label}.cert.der").read_bytes(),
            )
        )
    return pki


def demo_pki(data_dir: Path) -> TestPki:
    """The demo PKI of the server data folder ``data_dir``, made on first use (the CA's
    private key is not kept)."""
    folder = Path(data_dir) / DEMO_PKI_DIR
    if (folder / "ca.pem").exists():
        return _load(folder)
    pki = make_pki(demo_identities(), ca_name=DEMO_CA_NAME)
    _save(pki, folder)
    return _load(folder)


def org_binding_subject() -> str:
    """``org:<ký hiệu>`` of the demo organisation."""
    return f"org:{DEMO_ORG.ky_hieu}"
