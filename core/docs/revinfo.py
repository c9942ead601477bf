"""Revocation data a PDF carries (its DSS and the signers' embedded archives), and what
it says about a signer's certificate at signing time: ``good``, ``revoked`` or ``unknown``.

Nothing is fetched: a verdict must not depend on the network. The responses are also
handed to pyHanko's ValidationContext, which checks their signatures; this module only
reads which certificate they are about and what they say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["RevocationData", "read_revocation_data", "revocation_status"]


@dataclass(frozen=True)
class RevocationData:
    """OCSP responses and CRLs (asn1crypto objects) and extra certificates."""

    ocsps: tuple = ()
    crls: tuple = ()
    certs: tuple = ()

    def __add__(self, other: RevocationData) -> RevocationData:
        return RevocationData(
            self.ocsps + other.ocsps, self.crls + other.crls, self.certs + other.certs
        )


def read_revocation_data(reader) -> RevocationData:
    """The DSS's OCSP responses, CRLs and certificates (empty when there is no DSS)."""
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return RevocationData()
    except Exception:  # a damaged DSS is no revocation data
        return RevocationData()
    context = dss.as_validation_context({})
    return RevocationData(tuple(context.ocsps), tuple(context.crls), tuple(dss.load_certs()))


def embedded_revocation_data(signed_data) -> RevocationData:
    """The adbe-revocationInfoArchival attribute of a CMS signature, if present."""
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        signer_info = signed_data["signer_infos"][0]
        archive = find_unique_cms_attribute(
            signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except Exception:  # absent or malformed: nothing embedded
        return RevocationData()
    return RevocationData(_items(archive, "ocsp"), _items(archive, "crl"))


def _items(archive, key: str) -> tuple:
    try:
        return tuple(archive[key])
    except TypeError:  # the optional field is absent (asn1crypto Void)
        return ()


def _ocsp_answers(cert, ocsps):
    serial = cert.serial_number
    issuer_hash = cert.issuer.sha1
    for response in ocsps:
        try:
            if response["response_status"].native != "successful":
                continue
            basic = response.basic_ocsp_response["tbs_response_data"]
            for single in basic["responses"]:
                cert_id = single["cert_id"]
                if cert_id["serial_number"].native != serial:
                    continue
                if cert_id["hash_algorithm"]["algorithm"].native == "sha1" and (
                    cert_id["issuer_name_hash"].native != issuer_hash
                ):
                    continue
                yield single["cert_status"].name, single["cert_status"].native
        except Exception:  # a response we cannot read says nothing
            continue


def revocation_status(cert, data: RevocationData, at: dt.datetime | None) -> str:
    """``revoked`` if the data shows ``cert`` revoked at or before ``at``; ``good`` if
    an answer covers it and does not; otherwise ``unknown``."""
    if cert is None:
        return "unknown"
    verdict = "unknown"
    for name, value in _ocsp_answers(cert, data.ocsps):
        if name == "revoked":
            when = value.get("revocation_time") if isinstance(value, dict) else None
            if at is None or when is None or when <= at:
                return "revoked"
            verdict = "good"
        elif name == "good":
            verdict = "good"
    for crl in data.crls:
        try:
            tbs = crl["tbs_cert_list"]
            if tbs["issuer"] != cert.issuer:
                continue
            for entry in tbs["revoked_certificates"] or ():
                if entry["user_certificate"].native == cert.serial_number:
                    when = entry["revocation_date"].native
                    if at is None or when <= at:
                        return "revoked"
            verdict = "good"
        except Exception:  # an unreadable CRL says nothing
            continue
    return verdict
