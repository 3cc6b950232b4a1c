"""Golden tests: one fixed report through every renderer. ENVCHECK_UPDATE_GOLDEN=1 rewrites."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from envcheck.model import Report, Target
from envcheck.redact import redact_report
from envcheck.render import Appendix, OutputFormat, RenderOptions, render_report
from envcheck.render.html import render_html
from envcheck.render.json import render_json
from envcheck.render.markdown import MAX_CHARS, render_markdown
from envcheck.render.text import render_text
from tests.render.sample import sample_report

GOLDEN = Path(__file__).parent.parent / "data" / "golden"


def _golden(name: str, actual: str) -> None:
    """Compare with the golden file; a missing one fails (write it deliberately with
    ENVCHECK_UPDATE_GOLDEN=1, then read the diff before committing it)."""
    path = GOLDEN / name
    if os.environ.get("ENVCHECK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run with ENVCHECK_UPDATE_GOLDEN=1 to write it"
    assert actual == path.read_text(encoding="utf-8")


def test_text_golden() -> None:
    _golden("report.txt", render_text(sample_report(), width=100))


def test_text_verbose_golden() -> None:
    _golden("report-verbose.txt", render_text(sample_report(), verbose=True, width=100))


def test_markdown_golden_is_redacted_by_the_caller() -> None:
    _golden("report.md", render_markdown(redact_report(sample_report())))


def test_json_golden_redacted() -> None:
    _golden("report.json", render_json(redact_report(sample_report())))


def test_html_golden_redacted() -> None:
    _golden("report.html", render_html(redact_report(sample_report())))


def test_registry_renders_every_format_from_one_report() -> None:
    report = sample_report()
    for fmt in OutputFormat:
        assert render_report(report, fmt).strip(), fmt
    assert render_report(report, OutputFormat.JSON) == render_json(report)


def test_html_is_one_page_without_network_resources() -> None:
    page = render_html(sample_report())
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1
    # No element fetches anything: no src/href attributes, no @import or url() in styles.
    for needle in ("src=", "href=", "@import", "url(", "<script", "<link"):
        assert needle not in page, needle
    assert "&lt;" not in render_html(sample_report()).split("<style>")[0]


def test_html_escapes_report_text() -> None:
    report = replace(sample_report(), findings=(
        replace(sample_report().findings[0], title="<script>alert(1)</script>"),))
    page = render_html(report)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_markdown_puts_verdict_and_fixes_before_facts() -> None:
    text = render_markdown(sample_report())
    verdict, fix, facts = (text.index("**Verdict: error**"), text.index("**Fix:**"),
                           text.index("<details>"))
    assert verdict < fix < facts


def test_markdown_trims_to_the_issue_limit_and_says_what() -> None:
    report = replace(sample_report(), unparsed=tuple("x" * 200 for _ in range(600)))
    full = render_markdown(report, limit=10**9)
    assert len(full) > MAX_CHARS
    trimmed = render_markdown(report)
    assert len(trimmed) <= MAX_CHARS
    assert "Trimmed to fit an issue body: the text no parser understood" in trimmed
    assert "Verdict: error" in trimmed and "envcheck-report-data" in trimmed
    tiny = render_markdown(report, limit=3000)
    assert len(tiny) <= 3000
    assert "Trimmed to fit an issue body" in tiny


def test_json_contract() -> None:
    data = json.loads(render_json(sample_report()))
    assert data["schema"] == 1
    assert data["tool"] == {"name": "envcheck", "version": "0.1.0"}
    assert data["verdict"] == "error"
    assert data["host"] == "alice-desktop"
    assert data["target"]["env_type"] == "venv"
    assert data["probes"][1] == {
        "id": "cuda_toolkit",
        "title": "CUDA toolkit",
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
    assert "[!] cuDNN" in text  # the catalogue shows cudnn.* findings under cuDNN
    assert "$ pip install torch==2.1.0 --index-url https://download.pytorch.org/whl/cu118" in text
    assert "nvcc: nvcc is not on PATH" in text
    assert "cuda_toolkit: timed_out" in text
    assert text.rstrip().splitlines()[-1].startswith("✗ 1 error, 1 warning. Start with:")


def test_healthy_report_verdict() -> None:
    report = Report("0.1.0", None, Target(None, None), (), {}, {}, ())
    assert report.verdict == "ok"
    assert render_text(report).rstrip().endswith("✓ No problems found.")
    assert {f.value for f in OutputFormat} == {"text", "json", "markdown", "html"}


def test_an_appendix_shows_in_every_format_and_json_carries_its_data() -> None:
    extra = Appendix("bench", "Quick bench: MNIST CNN training", "Throughput  1,234.5 images/s",
                     {"images_per_s": 1234.5})
    options = RenderOptions(appendix=(extra,))
    for fmt in (OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.HTML):
        rendered = render_report(sample_report(), fmt, options)
        assert "Quick bench: MNIST CNN training" in rendered, fmt
        assert "1,234.5 images/s" in rendered, fmt
    data = json.loads(render_report(sample_report(), OutputFormat.JSON, options))
    assert data["bench"] == {"images_per_s": 1234.5}
    markdown = render_report(sample_report(), OutputFormat.MARKDOWN, options)
    assert markdown.index("Quick bench") < markdown.index("envcheck-report-data")
