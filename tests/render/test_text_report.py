"""The ten-second text report: one line per section with a truthful mark, findings in full,
no filler lines, one "unknown because" per reason, continuation lines indented at any width."""

from __future__ import annotations

from dataclasses import replace

import pytest

from envcheck.model import Report
from envcheck.render.text import render_text
from envcheck.render.values import ordered_sections
from tests.render.sample import sample_report

NVML_GONE = "NVML unusable (library_not_found: NVML Shared Library Not Found)"


def _no_gpu_report() -> Report:
    base = sample_report()
    facts = {
        **base.facts,
        "nvidia.nvml_status": "library_not_found",
        "nvidia.nvml_error": None,
        "nvidia.driver_version": None,
        "nvidia.cuda_driver_max": None,
        "nvidia.gpus": None,
        "torch.import_error": None,
        "torch.cuda_error": None,
        "torch.kernel_error": None,
    }
    facts.pop("nvidia.gpu_count")
    notes = {
        **base.notes,
        "nvidia.nvml_error": "NVML answered without error",
        "nvidia.driver_version": NVML_GONE,
        "nvidia.cuda_driver_max": NVML_GONE + " and nvidia-smi was not found",
        "nvidia.gpus": NVML_GONE + " and nvidia-smi was not found",
        "torch.import_error": "torch imported without error",
        "torch.cuda_error": "CUDA initialisation raised nothing",
        "torch.kernel_error": "not run: no CUDA device",
    }
    return replace(base, facts=facts, notes=notes, findings=())


def test_one_line_per_section_then_findings_in_full() -> None:
    report = sample_report()
    lines = render_text(report, width=200).splitlines()
    section_lines = [line for line in lines if line.startswith("[")]
    assert len(section_lines) == len(ordered_sections(report))
    assert not any(line.startswith("    ") for line in lines[2:2 + len(section_lines)])
    text = "\n".join(lines)
    assert "$ pip uninstall -y torch torchvision torchaudio" in text  # fixes in full
    assert "↳ also explains: torch.cuda.is_available() is False" in text
    assert "RAM" not in text  # not a headline fact
    assert "RAM: 64.0 GiB" in render_text(report, verbose=True)


@pytest.mark.parametrize("verbose", [False, True])
def test_no_filler_lines(verbose: bool) -> None:
    text = render_text(_no_gpu_report(), verbose=verbose)
    for filler in ("answered without error", "imported without error", "raised nothing",
                   "Import error", "NVML error", "CUDA init error", "Kernel error"):
        assert filler not in text, filler


@pytest.mark.parametrize("verbose", [False, True])
def test_one_unknown_because_per_reason(verbose: bool) -> None:
    text = render_text(_no_gpu_report(), verbose=verbose, width=300)
    assert text.count("NVML unusable") == 1
    assert "Driver, Driver's max CUDA, GPU" in text


def test_marks_tell_the_truth() -> None:
    text = render_text(_no_gpu_report(), width=300)
    nvidia = next(line for line in text.splitlines() if "NVIDIA driver & GPUs" in line)
    assert nvidia.startswith("[-] "), nvidia  # nothing known: not a ✓
    sample = render_text(sample_report(), width=300)
    assert "[✗] NVIDIA driver & GPUs" in sample
    assert "[-] CUDA toolkit" in sample  # its probe timed out: nothing to vouch for


@pytest.mark.parametrize("width", [40, 50, 64, 80, 100, 140])
def test_continuation_lines_stay_indented_at_any_width(width: int) -> None:
    report = replace(sample_report(), findings=(
        replace(sample_report().findings[0],
                id="driver_too_old.a_very_long_finding_identifier_that_cannot_fit_anywhere"),
        *sample_report().findings[1:],
    ))
    lines = render_text(report, width=width).splitlines()
    starts = ("[", "envcheck ", "Probes", "✗ ", "! ", "✓ ")
    for line in lines:
        assert not line or line.startswith(starts) or line.startswith("  "), (width, line)
    findings_at = next(i for i, line in enumerate(lines) if line.startswith("  ✗ "))
    for line in lines[findings_at:]:
        if line.startswith("Probes"):
            break
        assert not line or line.startswith("  "), (width, line)


def test_a_report_with_no_probes_has_no_empty_probes_heading() -> None:
    explained = replace(sample_report(), probes=(), source="explain")
    assert "Probes" not in render_text(explained, verbose=True)
    assert "Probes" in render_text(sample_report(), verbose=True)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_path_longer_than_the_line_is_never_cut_and_reads_back_whole(lang: str) -> None:
    from envcheck.explain_report import explain_report
    from envcheck.i18n import Msg
    from envcheck.render.localize import localize

    path = "/tmp/a-checkout-with-a-rather-long-name/tests/fakebin/nvcc-11.8/nvcc"
    report = sample_report()
    first = report.findings[0]
    detail = Msg("{python} has no torch package.", python=path)
    report = replace(report, findings=(replace(first, detail=detail), *report.findings[1:]))
    shown = render_text(localize(report, lang), width=60, lang=lang)
    assert path in shown.replace("\n", "")  # not folded: every character still in place
    assert any(path in line for line in shown.splitlines())
    back = explain_report(shown)
    assert back.findings[0].detail == detail
