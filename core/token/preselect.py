"""The certificate a signing would use, read from the token without logging in, so it
can be checked before the PIN is asked."""

from __future__ import annotations

import datetime as dt

from kyso.core.errors import CertificateError, TokenError
from kyso.core.token.certificates import CertificateInfo, check_can_sign
from kyso.core.token.errors import translate
from kyso.core.token.inventory import read_certificates
from kyso.core.token.session import TokenOptions, locate_token

__all__ = ["token_certificate"]


def _is_ca(info: CertificateInfo) -> bool:
    from asn1crypto import x509

    return bool(x509.Certificate.load(info.der).ca)


def token_certificate(
    options: TokenOptions, *, now: dt.datetime | None = None
) -> tuple[CertificateInfo, list[bytes]]:
    """The signing certificate chosen as :meth:`TokenSession.signing_key` will choose
    it, and the CA certificates stored on the token (DER). No PIN is asked.

    A certificate named by label/id is returned as is (the pre-sign check says what is
    wrong with it); otherwise the only one that can sign now, else the only one there.
    """
    _candidate, token = locate_token(options)
    try:
        with token.open() as session:
            certs = read_certificates(session)
    except Exception as exc:
        if type(exc).__module__.startswith("pkcs11"):
            raise translate(exc, "đọc chứng thư trên token") from None
        raise
    chain = [c.der for c in certs if _is_ca(c)]
    own = [c for c in certs if not _is_ca(c)]
    if options.key_label or options.key_id:
        chosen = [
            c
            for c in own
            if (not options.key_label or c.label == options.key_label)
            and (not options.key_id or c.key_id == options.key_id)
        ]
        if not chosen:
            labels = ", ".join(sorted(c.label for c in own)) or "không có"
            wanted = options.key_label or options.key_id
            raise TokenError(f"Không có khoá {wanted!r} trên token (có: {labels})")
        return chosen[0], chain
    usable = []
    for c in own:
        try:
            check_can_sign(c, now)
            usable.append(c)
        except CertificateError:
            continue
    if len(usable) > 1:
        labels = ", ".join(sorted(c.label for c in usable))
        raise TokenError(f"Token có nhiều chứng thư ký được ({labels}); chọn bằng --key")
    if usable:
        return usable[0], chain
    if len(own) == 1:
        return own[0], chain
    raise TokenError("Token không có chứng thư số nào dùng để ký được")
