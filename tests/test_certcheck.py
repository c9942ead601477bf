"""The pre-sign certificate check against a real CA, a local `openssl ocsp` responder
and a CRL over HTTP (fixtures_revocation.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from kyso.core.docs.certcheck import (
    RevocationCache,
    RevocationPolicy,
    check_signing_certificate,
)
from kyso.core.docs.presign import PresignConfig, presign
from kyso.core.errors import CertificateError, SigningError


@pytest.fixture
def anchors(ltv_pki):
    return [ltv_pki.ca_pem.read_bytes()]


def test_a_good_certificate_is_checked_by_ocsp(ltv_pki, ocsp_responder, anchors):
    check = check_signing_certificate(ltv_pki.cert("good"), anchors=anchors)
    assert check.ok, check.lines
    assert check.path_checked and check.revocation == "good" and check.revocation_checked
    assert check.warnings == ()


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("revoked", "đã bị thu hồi"),
        ("crlrevoked", "đã bị thu hồi"),
        ("expired", "đã hết hạn"),
        ("nosign", "không dùng để ký số"),
        ("weak", "quá yếu (RSA 1024 bit"),
        ("untrusted", "không thuộc nơi cấp tin cậy"),
    ],
)
def test_each_bad_certificate_is_refused_with_its_reason(
    ltv_pki, ocsp_responder, anchors, label, words
):
    check = check_signing_certificate(ltv_pki.cert(label), anchors=anchors)
    assert not check.ok
    assert len(check.refusals) == 1 and words in check.refusals[0]
    assert check.refusal.endswith("không ký (chưa hỏi PIN).")
    if label in ("revoked", "crlrevoked"):
        assert check.revocation == "revoked"


def test_the_crl_is_used_when_there_is_no_ocsp(ltv_pki, crl_server, anchors):
    _base, files = crl_server
    before = files.hits.get("/ca.crl", 0)
    check = check_signing_certificate(ltv_pki.cert("crlrevoked"), anchors=anchors)
    assert check.revocation == "revoked"
    assert files.hits["/ca.crl"] == before + 1


def test_without_anchors_the_path_is_not_checked_and_signing_goes_on(ltv_pki, ocsp_responder):
    check = check_signing_certificate(ltv_pki.cert("good"))
    assert check.ok and not check.path_checked and check.revocation == "unknown"
    assert any("chưa kiểm tra đường dẫn tin cậy" in w for w in check.warnings)


def test_days_left_are_shown_under_30(ltv_pki, ocsp_responder, anchors):
    from asn1crypto import x509

    until = x509.Certificate.load(ltv_pki.cert("good")).not_valid_after
    soon = check_signing_certificate(
        ltv_pki.cert("good"), anchors=anchors, now=until - dt.timedelta(days=12, hours=1)
    )
    assert soon.days_left == 12
    assert "Chứng thư số còn 12 ngày hiệu lực." in soon.warnings
    later = check_signing_certificate(ltv_pki.cert("good"), anchors=anchors)
    assert later.days_left > 30 and not any("ngày hiệu lực" in w for w in later.warnings)


@pytest.mark.parametrize(
    ("mode", "ok", "words"),
    [
        ("require", False, "Không kiểm tra được tình trạng thu hồi"),
        ("prefer", True, "Chưa kiểm tra được tình trạng thu hồi"),
        ("off", True, None),
    ],
)
def test_revocation_policy_with_the_responder_down(ltv_pki, anchors, mode, ok, words):
    policy = RevocationPolicy(mode, timeout=2, tries=2)
    check = check_signing_certificate(ltv_pki.cert("offline"), anchors=anchors, policy=policy)
    assert check.ok is ok
    assert check.revocation == "unknown" and not check.revocation_checked
    lines = " ".join(check.lines)
    if words:
        assert words in lines and "2 lần thử" in lines
    else:
        assert "thu hồi" not in lines


def test_prefer_records_an_audit_entry_when_revocation_is_unknown(ltv_pki, anchors):
    entries = []
    config = PresignConfig(anchors=tuple(anchors), revocation=RevocationPolicy(tries=1))
    checked = presign(
        ltv_pki.cert("offline"), config, audit=lambda action, **kw: entries.append((action, kw))
    )
    assert checked.check.ok
    assert [a for a, _ in entries] == ["revocation_unchecked"]
    assert entries[0][1]["certificate"] == "Đỗ Văn Mất Mạng"
    # No TSA configured: the configured B-LT is lowered to B-B, with a warning.
    assert checked.plan.level == "B-B"
    assert any("B-B thay vì B-LT" in w for w in checked.warnings)


def test_presign_raises_one_line_for_a_refused_certificate(ltv_pki, ocsp_responder, anchors):
    with pytest.raises(CertificateError) as caught:
        presign(ltv_pki.cert("revoked"), PresignConfig(anchors=tuple(anchors)))
    assert "\n" not in caught.value.message and "thu hồi" in caught.value.message


def test_level_b_lt_needs_the_revocation_data_when_asked_for(ltv_pki, ocsp_responder, anchors):
    tsa = "http://127.0.0.1:9/tsa"  # never called while planning
    good = presign(
        ltv_pki.cert("good"),
        PresignConfig(anchors=tuple(anchors), level="B-LTA", timestamp_url=tsa),
    )
    assert good.plan.level == "B-LTA" and good.plan.validation_context is not None
    lowered = presign(
        ltv_pki.cert("offline"),
        PresignConfig(
            anchors=tuple(anchors), revocation=RevocationPolicy(tries=1), timestamp_url=tsa
        ),
    )
    assert lowered.plan.level == "B-T"
    with pytest.raises(SigningError):
        presign(
            ltv_pki.cert("offline"),
            PresignConfig(
                anchors=tuple(anchors),
                revocation=RevocationPolicy(tries=1),
                level="B-LT",
                level_explicit=True,
                timestamp_url=tsa,
            ),
        )


def test_one_cache_fetches_each_answer_once(ltv_pki, ocsp_responder, anchors):
    cache = RevocationCache(anchors, policy=RevocationPolicy())
    before = ocsp_responder.requests()
    for _ in range(3):
        assert check_signing_certificate(ltv_pki.cert("good"), cache=cache).revocation == "good"
    assert ocsp_responder.requests() == before + 1
