"""``envcheck report`` and the round trip through ``explain`` as a user runs them: real
processes on this machine, every format, redaction switches, UTF-8 whatever the bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck.render.markdown import MAX_CHARS
from tests.torch_target import TORCH_PYTHON, needs_torch


def _run(*args: str, stdin: bytes | None = None,
         env: dict[bytes, bytes] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "envcheck", *args], input=stdin,
                          capture_output=True, timeout=120, check=False, env=env)


def _findings(json_text: bytes) -> list[tuple[str, str]]:
    return [(f["id"], f["severity"]) for f in json.loads(json_text)["findings"]]


@pytest.fixture(scope="module")
def doctor_json() -> bytes:
    proc = _run("doctor", "--json", "--python", sys.executable)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    "args",
    [("doctor", "--json"), ("doctor", "--markdown"), ("doctor", "--format", "html"),
     ("report",), ("report", "--format", "json"), ("report", "--json"),
     ("report", "--markdown"), ("report", "--no-redact"), ("doctor",),
     ("doctor", "-v"), ("report", "--format", "text")],
    ids=" ".join,
)
def test_explain_of_each_report_gives_the_doctors_findings(args: tuple[str, ...],
                                                            doctor_json: bytes) -> None:
    written = _run(*args, "--python", sys.executable)
    assert written.returncode in (0, 1), written.stderr
    explained = _run("explain", "--json", "-", stdin=written.stdout)
    assert explained.returncode in (0, 1), explained.stderr
    assert _findings(explained.stdout) == _findings(doctor_json)
    assert json.loads(explained.stdout)["source"] == "explain"


def test_report_is_markdown_within_the_limit_and_written_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = _run("report", "--python", sys.executable, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("### envcheck doctor report")
    assert len(text) <= MAX_CHARS
    assert "<details>" in text and "envcheck-report-data v1" in text
    assert b"report written to" in proc.stderr


def test_report_html_is_one_page(tmp_path: Path) -> None:
    proc = _run("report", "--format", "html", "--python", sys.executable)
    page = proc.stdout.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "src=" not in page and "href=" not in page


def test_show_redactions_lists_on_stderr_only(tmp_path: Path) -> None:
    env = {**os.environb, b"HF_TOKEN": b"hf_ShowMeRedactedToken0123456789",
           # A value the probes show as is: the secret must still not get through.
           b"CUDA_HOME": b"/opt/hf_ShowMeRedactedToken0123456789"}
    proc = _run("doctor", "--json", "--show-redactions", "--python", sys.executable, env=env)
    assert b"hf_ShowMe" not in proc.stdout
    assert b"<secret:HF_TOKEN>" in proc.stderr
    plain = _run("doctor", "--json", "--no-redact", "--python", sys.executable, env=env)
    assert b"hf_ShowMe" in plain.stdout


def test_non_utf8_environment_bytes_still_give_utf8_json() -> None:
    env = {**os.environb, b"TORCH_CUDA_ARCH_LIST": b"8.0\xff"}
    proc = _run("doctor", "--json", "--python", sys.executable, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout.decode("utf-8"))  # strict decoding
    assert data["facts"]["env.torch_cuda_arch_list"] == "8.0\\xff"
    assert "not valid UTF-8" in data["notes"]["env.torch_cuda_arch_list"]
    text = _run("doctor", "-v", "--python", sys.executable, env=env)
    text.stdout.decode("utf-8")
    assert b"8.0\\xff" in text.stdout


def test_explain_redacts_a_pasted_unredacted_report() -> None:
    pasted = json.dumps({
        "schema": 1, "tool": {"name": "envcheck", "version": "0.1.0"}, "source": "doctor",
        "host": "alice-workstation", "verdict": "ok",
        "target": {"python": "/home/alice/.venv/bin/python", "env_type": "venv",
                   "chosen_by": "VIRTUAL_ENV"},
        "probes": [], "notes": {}, "findings": [],
        "facts": {"python.executable": "/home/alice/.venv/bin/python",
                  "nvidia.gpus": [{"index": 0, "name": "x",
                                   "uuid": "GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60"}],
                  "os.kernel": "6.5.0 alice-workstation"},
    }).encode()
    proc = _run("explain", "--format", "markdown", "-", stdin=pasted)
    out = proc.stdout.decode("utf-8")
    for private in ("alice", "GPU-6d1c2b1e"):
        assert private not in out
    assert "<gpu-uuid-1>" in out and "<host>" in out


@pytest.mark.torch
@needs_torch
def test_report_bench_appends_a_measured_run_and_still_reads_back() -> None:
    proc = _run("report", "--bench", "--format", "json", "--python", str(TORCH_PYTHON))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["bench"]["model"] == "mnist_cnn"
    assert data["bench"]["images_per_s"] > 0
    explained = _run("explain", "--json", "-", stdin=proc.stdout)
    assert _findings(explained.stdout) == _findings(proc.stdout)


@pytest.mark.torch
@needs_torch
def test_report_bench_speaks_the_reports_language() -> None:
    proc = _run("report", "--bench", "--format", "markdown", "--lang", "zh",
                "--python", str(TORCH_PYTHON))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode("utf-8")
    assert "快速基准测试：MNIST CNN 训练" in out
    assert "Quick bench" not in out
