"""`kyso sign` checks the certificate before the PIN and signs B-LT / B-LTA, run as a
user runs it: subprocesses on the LTV token (fixtures_revocation.py)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures_revocation import ltv_env

from kyso.core.audit import AuditLog


def kyso(*args, env, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("kyso")), *map(str, args)],
        env=env,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _config(home, **signing) -> None:
    lines = ["[signing]"] + [f"{k} = {v!r}".replace("'", '"') for k, v in signing.items()]
    (home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("revoked", "đã bị thu hồi"),
        ("crlrevoked", "đã bị thu hồi"),
        ("expired", "đã hết hạn"),
        ("nosign", "không dùng để ký số"),
        ("weak", "quá yếu"),
        ("untrusted", "không thuộc nơi cấp tin cậy"),
    ],
)
def test_a_bad_certificate_is_refused_before_the_pin(
    ltv_token, ltv_pki, ocsp_responder, pdf_path, tmp_path, label, reason
):
    out = tmp_path / "out.pdf"
    # No KYSO_PIN and no terminal: reaching the PIN would fail with "Cần PIN".
    result = kyso(
        "sign",
        pdf_path,
        "-o",
        out,
        "--key",
        label,
        "--trust",
        ltv_pki.ca_pem,
        env=ltv_env(ltv_token),
    )
    assert result.returncode != 0
    assert reason in result.stderr and "chưa hỏi PIN" in result.stderr
    assert "Cần PIN" not in result.stderr
    assert not out.exists()


def test_a_good_certificate_gets_to_the_pin(ltv_token, ltv_pki, ocsp_responder, pdf_path, tmp_path):
    out = tmp_path / "out.pdf"
    result = kyso(
        "sign",
        pdf_path,
        "-o",
        out,
        "--key",
        "good",
        "--trust",
        ltv_pki.ca_pem,
        env=ltv_env(ltv_token),
    )
    assert result.returncode != 0 and "Cần PIN" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("policy", "refused", "audited"),
    [("require", True, False), ("prefer", False, True), ("off", False, False)],
)
def test_revocation_policy_with_the_responder_down(
    ltv_token, ltv_pki, pdf_path, tmp_path, _isolated_home, policy, refused, audited
):
    _config(_isolated_home, revocation=policy, ocsp_timeout=2, ocsp_tries=1)
    out = tmp_path / "out.pdf"
    result = kyso(
        "sign",
        pdf_path,
        "-o",
        out,
        "--key",
        "offline",
        "--trust",
        ltv_pki.ca_pem,
        env=ltv_env(ltv_token, KYSO_HOME=str(_isolated_home)),
    )
    assert result.returncode != 0 and not out.exists()
    if refused:
        assert "Không kiểm tra được tình trạng thu hồi" in result.stderr
        assert "Cần PIN" not in result.stderr
    else:
        assert "Cần PIN" in result.stderr
        assert ("Chưa kiểm tra được tình trạng thu hồi" in result.stderr) is audited
    entries = AuditLog(_isolated_home / "data" / "audit.jsonl").entries() if audited else []
    actions = [e.action for e in entries]
    assert ("revocation_unchecked" in actions) is audited


def _ades(path, ca_pem, *, years: int = 0):
    """pyHanko's AdES LTA validation of the file's first signature: now (the local
    responder may be asked), or simulated ``years`` ahead with no network (only what the
    file's DSS holds)."""
    import asyncio

    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.ades import ades_lta_validation
    from pyhanko.sign.validation.policy_decl import (
        PdfSignatureValidationSpec,
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (
        NO_REVOCATION,
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
        FreshnessReqType,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    ca = x509.Certificate.load(pem.unarmor(ca_pem.read_bytes())[2])
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[ca]),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO,
            freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    # In ten years nobody can fetch the TSA's status offline: its certificate is taken
    # as a verifier holding a trusted list would (no revocation); everything about the
    # signer comes from the DSS, with the document timestamp as proof of existence.
    ts_policy = CertValidationPolicySpec(
        trust_manager=policy.trust_manager, revinfo_policy=CertRevTrustPolicy(NO_REVOCATION)
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            ts_cert_validation_policy=ts_policy if years else None,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
                if years
                else RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH
            ),
        )
    )
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * years)
    timing = ValidationTimingInfo(when, when, point_in_time_validation=years > 0)
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh)
        sig = reader.embedded_regular_signatures[0]
        return asyncio.run(ades_lta_validation(sig, spec, timing_info=timing))


def _ades_with_time(path, ca_pem):
    """pyHanko's AdES validation of a signature with time and long-term validation
    material (ETSI EN 319 102-1 §5.5, the process for B-T/B-LT), offline: the chain and
    OCSP answers must all come from the file's DSS."""
    import asyncio

    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.policy_decl import (
        RevinfoOnlineFetchingRule,
        RevocationInfoGatheringSpec,
        SignatureValidationSpec,
    )
    from pyhanko.sign.validation.status import PdfSignatureStatus
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.policy_decl import (
        REQUIRE_REVINFO,
        CertRevTrustPolicy,
        FreshnessReqType,
    )
    from pyhanko_certvalidator.registry import SimpleTrustManager

    ca = x509.Certificate.load(pem.unarmor(ca_pem.read_bytes())[2])
    with open(path, "rb") as fh:
        reader = PdfFileReader(fh)
        sig = reader.embedded_regular_signatures[0]
        sig.compute_integrity_info()
        spec = SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[ca]),
                revinfo_policy=CertRevTrustPolicy(
                    REQUIRE_REVINFO,
                    freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
                ),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            local_knowledge=ades._dss_to_local_knowledge(reader),
        )
        return asyncio.run(
            ades.ades_with_time_validation(
                sig.signed_data,
                spec,
                raw_digest=sig.compute_digest(),
                extra_status_kwargs=sig.summarise_integrity_info(),
                status_cls=PdfSignatureStatus,
            )
        )


def _clean(path) -> None:
    if shutil.which("qpdf"):
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    if shutil.which("pdfsig"):
        sig = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
        assert sig.returncode == 0 and "Signature is Valid." in sig.stdout, sig.stdout


def _sign_long_term(ltv_token, ltv_pki, ltv_tsa, pdf_path, tmp_path, level: str):
    out = tmp_path / f"{level}.pdf"
    result = kyso(
        "sign",
        pdf_path,
        "-o",
        out,
        "--key",
        "good",
        "--trust",
        ltv_pki.ca_pem,
        "--timestamp-url",
        ltv_tsa,
        "--level",
        level,
        env=ltv_env(ltv_token, KYSO_PIN="123456"),
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_signatures_carry_their_validation_data(
    ltv_token, ltv_pki, ocsp_responder, ltv_tsa, pdf_path, tmp_path, level
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed

    out = _sign_long_term(ltv_token, ltv_pki, ltv_tsa, pdf_path, tmp_path, level)
    with open(out, "rb") as fh:
        reader = PdfFileReader(fh)
        dss = reader.root["/DSS"]
        assert len(dss["/OCSPs"]) >= 2  # the signer's and the TSA's
        assert len(dss["/Certs"]) >= 3  # signer, TSA, CA
        assert len(reader.embedded_timestamp_signatures) == (1 if level == "B-LTA" else 0)
    # B-LT's process (§5.5), with nothing fetched: the DSS holds all it needs.
    with_time = _ades_with_time(out, ltv_pki.ca_pem)
    assert with_time.ades_subindic == AdESPassed.OK, with_time.failure_msg
    assert with_time.api_status.trusted
    now = _ades(out, ltv_pki.ca_pem)
    assert now.api_status.intact and now.api_status.valid and now.api_status.trusted
    if level == "B-LT":
        # pyHanko's LTA process (§5.6) always runs past-signature validation; with no
        # document timestamp nothing has a proof of existence but "now" stamped by the
        # wall clock at first look-up, after the time slide's control time, so it
        # reports NO_POE (pyHanko's own tests freeze the clock). §5.5 above is the
        # process for B-LT.
        assert now.ades_subindic == AdESIndeterminate.NO_POE, now.failure_msg
        # B-LT alone: nothing proves the DSS answers existed before the certificate
        # expired, so strict AdES validation cannot conclude; B-LTA is what lasts.
        assert _ades(out, ltv_pki.ca_pem, years=10).ades_subindic != AdESPassed.OK
    _clean(out)


def test_b_lta_passes_the_lta_process_now_and_in_ten_years(
    ltv_token, ltv_pki, ocsp_responder, ltv_tsa, pdf_path, tmp_path
):
    from pyhanko.sign.ades.report import AdESPassed

    out = _sign_long_term(ltv_token, ltv_pki, ltv_tsa, pdf_path, tmp_path, "B-LTA")
    now = _ades(out, ltv_pki.ca_pem)
    assert now.ades_subindic == AdESPassed.OK, now
    later = _ades(out, ltv_pki.ca_pem, years=10)
    assert later.ades_subindic == AdESPassed.OK, later


def sign_b_lt_batch(ltv_token, ltv_pki, ltv_tsa, pdf_path, out, count: int, *extra):
    """`kyso sign` of ``count`` copies of ``pdf_path`` into ``out`` at B-LT with the "good"
    certificate, the LTV CA as trust anchor and the local TSA."""
    out.mkdir()
    sources = []
    for n in range(count):
        source = out.parent / f"in{n}.pdf"
        source.write_bytes(pdf_path.read_bytes())
        sources.append(source)
    return kyso(
        "sign",
        *sources,
        "--out-dir",
        out,
        "--key",
        "good",
        "--trust",
        ltv_pki.ca_pem,
        "--timestamp-url",
        ltv_tsa,
        "--level",
        "B-LT",
        *extra,
        env=ltv_env(ltv_token, KYSO_PIN="123456"),
    )


def test_a_batch_asks_the_responder_once_per_certificate(
    ltv_token, ltv_pki, ocsp_responder, ltv_tsa, pdf_path, tmp_path
):
    out = tmp_path / "out"
    before = ocsp_responder.requests()
    result = sign_b_lt_batch(ltv_token, ltv_pki, ltv_tsa, pdf_path, out, 3, "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.pdf"))) == 3
    # The signer's certificate and the TSA's: one request each for the whole batch.
    assert ocsp_responder.requests() - before == 2


def test_the_configured_trust_store_is_used_before_the_pin(
    ltv_token, ltv_pki, ocsp_responder, pdf_path, tmp_path
):
    env = ltv_env(ltv_token)
    added = kyso("trust", "add", ltv_pki.ca_pem, env=env)
    assert added.returncode == 0, added.stderr
    out = tmp_path / "out.pdf"
    # No --trust: the anchors come from `kyso trust`, so the untrusted CA is refused …
    refused = kyso("sign", pdf_path, "-o", out, "--key", "untrusted", env=env)
    assert "không thuộc nơi cấp tin cậy" in refused.stderr and "chưa hỏi PIN" in refused.stderr
    # … and the good certificate gets to the PIN without a warning about unchecked trust.
    good = kyso("sign", pdf_path, "-o", out, "--key", "good", env=env)
    assert good.returncode != 0 and "Cần PIN" in good.stderr
    assert "chưa kiểm tra" not in good.stderr
    assert not out.exists()
