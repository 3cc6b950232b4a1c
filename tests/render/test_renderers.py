"""Golden tests: one fixed report through every renderer. ENVCHECK_UPDATE_GOLDEN=1 rewrites."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from envcheck.model import Report, Target
from envcheck.redact import redact_report, redact_text
from envcheck.render import OutputFormat
from envcheck.render.json import render_json
from envcheck.render.markdown import render_markdown
from envcheck.render.text import render_text
from tests.render.sample import sample_report

GOLDEN = Path(__file__).parent.parent / "data" / "golden"


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("ENVCHECK_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_text_golden() -> None:
    _golden("report.txt", render_text(sample_report(), width=100))


def test_markdown_golden_is_redacted_by_the_caller() -> None:
    _golden("report.md", render_markdown(redact_report(sample_report())))


def test_json_contract() -> None:
    data = json.loads(render_json(sample_report()))
    assert data["schema"] == 1
    assert data["tool"] == {"name": "envcheck", "version": "0.1.0"}
    assert data["verdict"] == "error"
    assert data["host"] == "alice-desktop"
    assert data["target"]["env_type"] == "venv"
    assert data["probes"][1] == {
        "id": "cuda_toolkit",
        "status": "timed_out",
        "duration_s": 10.0,
        "note": "no answer within 10 s",
    }
    assert data["facts"]["cuda_toolkit.nvcc_version"] is None
    assert data["notes"]["cuda_toolkit.nvcc_version"] == "nvcc is not on PATH"
    first = data["findings"][0]
    assert first["category"] == "driver_too_old"
    assert first["severity"] == "error"
    assert first["fixes"][0]["commands"][1].startswith("pip install torch==2.1.0")
    assert first["evidence"] == [
        "nvidia.driver_version",
        "nvidia.cuda_driver_max",
        "torch.cuda_build",
    ]


def test_text_shows_marks_fixes_and_verdict() -> None:
    text = render_text(sample_report())
    assert "[✗] NVIDIA driver & GPUs" in text
    assert "[!] Environment variables" in text  # the warning's first evidence key is env.*
    assert "$ pip install torch==2.1.0 --index-url https://download.pytorch.org/whl/cu118" in text
    assert "nvcc: nvcc is not on PATH" in text
    assert "cuda_toolkit: timed_out" in text
    assert text.rstrip().splitlines()[-1].startswith("✗ 1 error, 1 warning. Start with:")


def test_redaction_removes_host_user_and_uuid() -> None:
    redacted = redact_report(sample_report())
    dumped = render_json(redacted)
    assert "alice" not in dumped
    assert "GPU-6d1c2b1e" not in dumped
    assert redacted.host is None
    assert redacted.facts["python.executable"] == "~/venvs/dl/bin/python"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://bob:s3cret@mirror.example/simple", "https://***@mirror.example/simple"),
        (r"C:\Users\bob\miniconda3\python.exe", r"~\miniconda3\python.exe"),
        ("/Users/carol/.venv/bin/python", "~/.venv/bin/python"),
        ("MIG-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "MIG-<redacted>"),
        ("/usr/local/cuda/bin/nvcc", "/usr/local/cuda/bin/nvcc"),
    ],
)
def test_redact_text(raw: str, expected: str) -> None:
    assert redact_text(raw) == expected


def test_healthy_report_verdict() -> None:
    report = Report("0.1.0", None, Target(None, None), (), {}, {}, ())
    assert report.verdict == "ok"
    assert render_text(report).rstrip().endswith("✓ No problems found.")
    assert {f.value for f in OutputFormat} == {"text", "json", "markdown"}
