"""The `kyso token | sign | verify` contract, run as a user runs it (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from checks import KYSO, pdfsig, qpdf_check
from checks import run_kyso as kyso
from fixtures_pdf import make_pdf
from fixtures_token import SIGNER_CN, TEST_PIN, kyso_env


def test_help_lists_the_commands():
    result = kyso("--help", env=dict(os.environ))
    assert result.returncode == 0
    for name in ("sign", "verify", "token"):
        assert name in result.stdout


def test_help_does_not_import_the_heavy_libraries():
    code = "import sys; sys.argv=['kyso','--help']\nfrom kyso.cli.main import cli\n" + (
        "try:\n    cli.main(prog_name='kyso')\nexcept SystemExit:\n    pass\n"
        "heavy=[m for m in ('pyhanko','pymupdf','pkcs11','textual','httpx') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "HEAVY []" in out


def test_token_list_shows_certificates_without_a_pin(softhsm):
    result = kyso("token", "list", "--json", env=kyso_env(softhsm))
    assert result.returncode == 0, result.stderr
    [module] = json.loads(result.stdout)
    [slot] = module["slots"]
    labels = {c["label"]: c for c in slot["token"]["certificates"]}
    assert labels["signer"]["common_name"] == SIGNER_CN
    assert labels["signer"]["can_sign"] and not labels["nosign"]["can_sign"]


def test_sign_with_pin_from_env_then_verify(softhsm, pdf_path, tmp_path, ca_pem):
    out = tmp_path / "ky.pdf"
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    result = kyso("sign", pdf_path, "-o", out, "--key", "signer", "--reason", "Duyệt", env=env)
    assert result.returncode == 0, result.stderr
    assert "✓" in result.stdout
    pdfsig(out)
    qpdf_check(out)
    checked = kyso("verify", out, "--trust", ca_pem, "--json", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    [report] = json.loads(checked.stdout)
    assert report["ok"] and report["signatures"][0]["trusted"] is True


def test_batch_to_out_dir_with_pin_on_stdin(softhsm, tmp_path):
    files = [make_pdf(tmp_path / f"vb-{i}.pdf", pages=2) for i in range(3)]
    out = tmp_path / "da-ky"
    out.mkdir()
    result = kyso(
        "sign",
        *files,
        "--out-dir",
        out,
        "--pin-stdin",
        env=kyso_env(softhsm),
        input=TEST_PIN + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["vb-0.pdf", "vb-1.pdf", "vb-2.pdf"]
    for path in out.iterdir():
        pdfsig(path)


def test_verify_fails_for_unsigned_and_broken_files(softhsm, pdf_path, bad_pdfs):
    result = kyso("verify", pdf_path, bad_pdfs["not_pdf"], env=kyso_env(softhsm))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Không phải tệp PDF" in result.stderr


def test_usage_errors_exit_2(softhsm, pdf_path, tmp_path):
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    assert kyso("sign", pdf_path, env=env).returncode == 2
    both = kyso(
        "sign", pdf_path, "-o", tmp_path / "a.pdf", "--box", "1,1,90,90", "--anchor", "X", env=env
    )
    assert both.returncode == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--page", "9"], "Trang 9 không có"),
        (["--anchor", "KHÔNG CÓ DÒNG NÀY"], "Không tìm thấy chữ"),
        (["--key", "expired"], "đã hết hạn"),
        (["--key", "future"], "chưa có hiệu lực"),
        (["--key", "nosign"], "không dùng để ký số"),
        (["--module", "/khong/co/module.so"], "không tồn tại"),
    ],
)
def test_user_errors_are_one_line_and_write_nothing(softhsm, pdf_path, tmp_path, args, message):
    out = tmp_path / "out.pdf"
    result = kyso("sign", pdf_path, "-o", out, *args, env=kyso_env(softhsm, KYSO_PIN=TEST_PIN))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_wrong_pin_never_shows_the_pin(softhsm, pdf_path, tmp_path):
    secret = "73915548"
    out = tmp_path / "o.pdf"
    result = kyso("sign", pdf_path, "-o", out, env=kyso_env(softhsm, KYSO_PIN=secret))
    assert result.returncode == 1
    assert "Sai mã PIN" in result.stderr
    assert secret not in result.stdout + result.stderr
    assert not out.exists()


def test_signing_through_a_forwarded_token(softhsm, forwarded_token, pdf_path, tmp_path):
    """p11-kit server exports the token on a socket, kyso signs through p11-kit-client:
    what an SSH-forwarded token looks like."""
    env = {
        **os.environ,
        "P11_KIT_SERVER_ADDRESS": forwarded_token.address,
        "KYSO_PIN": TEST_PIN,
        "SOFTHSM2_CONF": "/nonexistent",  # the local SoftHSM must not be what signs
    }
    listed = kyso("token", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    first = json.loads(listed.stdout)[0]
    assert "p11-kit-client" in first["module"]
    assert first["slots"][0]["token"]["label"] == softhsm.label
    out = tmp_path / "forwarded.pdf"
    result = kyso("sign", pdf_path, "-o", out, "--key", "signer", env=env)
    assert result.returncode == 0, result.stderr
    assert "p11-kit-client" in first["module"]
    pdfsig(out)


PULL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from kyso.core.token.session import TokenOptions, open_token
    from kyso.core.docs.sign import SignJob, SignOptions, sign_batch

    files = [Path(p) for p in sys.argv[2:]]
    out = Path(sys.argv[1])
    server_pid = int(os.environ["P11_SERVER_PID"])

    def pull_after_first(result, done, total):
        if done == 1:
            os.killpg(server_pid, signal.SIGKILL)   # the forwarded link drops

    with open_token(TokenOptions(module=os.environ["CLIENT"]), pin=os.environ["KYSO_PIN"]) as s:
        key = s.signing_key("signer")
        batch = sign_batch([SignJob(f, out / f.name) for f in files], key, SignOptions(),
                           on_result=pull_after_first, session=s)
    for r in batch.results:
        print(r.job.source.name, "ok" if r.ok else ("skipped" if r.skipped else "failed"))
    print("STOPPED", type(batch.stopped).__name__ if batch.stopped else None)
    """
)


def test_link_dropping_mid_batch_stops_cleanly(softhsm, forwarded_token, tmp_path):
    files = [make_pdf(tmp_path / f"lk{i}.pdf", pages=1) for i in range(4)]
    out = tmp_path / "out"
    out.mkdir()
    env = {
        **os.environ,
        "P11_KIT_SERVER_ADDRESS": forwarded_token.address,
        "KYSO_PIN": TEST_PIN,
        "CLIENT": forwarded_token.client_module,
        "P11_SERVER_PID": str(forwarded_token.process.pid),
    }
    result = subprocess.run(
        [sys.executable, "-c", PULL_SCRIPT, str(out), *map(str, files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "lk0.pdf ok"
    assert lines[-1] == "STOPPED TokenRemovedError", result.stdout
    assert all(line.endswith(("failed", "skipped")) for line in lines[1:-1])
    assert [p.name for p in out.iterdir()] == ["lk0.pdf"]  # nothing half-written
    pdfsig(out / "lk0.pdf")


@pytest.mark.parametrize("workers", ["0", "2"])
def test_ctrl_c_mid_batch_keeps_what_was_signed(softhsm, tmp_path, workers):
    import signal

    files = [make_pdf(tmp_path / f"cc{i:02d}.pdf", pages=1) for i in range(60)]
    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen(
        [*KYSO, "sign", *map(str, files), "--out-dir", str(out), "--workers", workers],
        env=kyso_env(softhsm, KYSO_PIN=TEST_PIN),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    try:
        first = process.stdout.readline()
        assert first.startswith("✓"), first
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # never leave a hung batch (or its workers) behind
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 1, err
    assert "Ctrl-C" in err and "Traceback" not in err
    reported = (first + rest).count("✓")
    written = sorted(out.iterdir())
    assert 1 <= reported == len(written) < len(files)
    for path in written[:3] + written[-2:]:
        pdfsig(path)
    assert not list(out.glob(".*.part"))  # no temporary file left behind


def test_sign_warns_when_the_box_covers_text_but_signs(softhsm, pdf_path, tmp_path):
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    out = tmp_path / "che.pdf"
    args = ("--key", "signer", "--page", "1", "--box", "60,690,300,780")
    result = kyso("sign", pdf_path, "-o", out, *args, env=env)
    assert result.returncode == 0, result.stderr
    assert "che chữ của văn bản" in result.stderr and "SỞ THÔNG TIN" in result.stderr
    clean = kyso("sign", pdf_path, "-o", tmp_path / "neo.pdf", "--anchor", "GIÁM ĐỐC", env=env)
    assert clean.returncode == 0, clean.stderr
    assert "che chữ" not in clean.stderr


def test_sign_json_reports_each_file(softhsm, tmp_path):
    good = make_pdf(tmp_path / "vb.pdf", pages=2)
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot a PDF body")
    out = tmp_path / "out"
    out.mkdir()
    env = kyso_env(softhsm, KYSO_PIN=TEST_PIN)
    result = kyso("sign", good, broken, "--out-dir", out, "--key", "signer", "--json", env=env)
    assert result.returncode == 1  # one of two not signed
    rows = {os.path.basename(r["source"]): r for r in json.loads(result.stdout)}
    assert rows["vb.pdf"]["ok"] and rows["vb.pdf"]["signer"] == SIGNER_CN
    assert rows["vb.pdf"]["placement"]["page"] == 2 and rows["vb.pdf"]["error"] is None
    assert not rows["hong.pdf"]["ok"] and rows["hong.pdf"]["error"]
    pdfsig(out / "vb.pdf")
