"""Every category: realistic fact sets give the expected finding, severity and numbers."""

from __future__ import annotations

import pytest

from envcheck.fact_keys import CATALOGUE
from envcheck.model import Category, Severity
from tests.rules.cases import ALL_CASES, Case
from tests.rules.scenarios import by_id, run


@pytest.mark.parametrize("case", ALL_CASES, ids=[f"{c.expected}-{c.name}" for c in ALL_CASES])
def test_case(case: Case) -> None:
    findings = run(case.facts, case.notes)
    finding = by_id(findings, case.expected)
    assert finding.severity is case.severity, finding
    text = f"{finding.title} {finding.detail}"
    for needle in case.contains:
        assert needle in text, f"{needle!r} not in {text!r}"
    assert finding.category.value == finding.id.split(".")[0]
    if finding.severity is Severity.ERROR:
        assert finding.fixes, finding
        assert all(fix.summary for fix in finding.fixes)
        assert any(fix.commands or fix.url for fix in finding.fixes)
    assert finding.evidence
    for other in findings:
        assert set(other.evidence) <= set(CATALOGUE), other.id


def test_every_category_has_three_cases() -> None:
    per_category: dict[str, int] = {}
    for case in ALL_CASES:
        category = case.expected.split(".")[0]
        per_category[category] = per_category.get(category, 0) + 1
    # probe findings come from probe results, bench findings from a measurement (tests/bench).
    wanted = {c.value for c in Category} - {"probe", "bench"}
    assert wanted <= set(per_category)
    assert all(per_category[c] >= 3 for c in wanted), per_category


def test_target_finding_explains_the_probes_that_needed_the_target() -> None:
    from envcheck.model import ProbeResult, ProbeStatus
    from tests.rules.cases import TARGET

    case = TARGET[0]
    failed = ProbeResult("packages", "Packages", ProbeStatus.FAILED, 0.0,
                         f"TargetUnavailable: {case.notes['python.env_type']}")
    hung = ProbeResult("nvidia", "NVIDIA driver & GPUs", ProbeStatus.TIMED_OUT, 10.0,
                       "no answer within 10 s")
    ids = [f.id for f in run(case.facts, case.notes, (failed, hung))]
    assert ids[0] == "target.unusable"
    assert "probe.packages_failed" not in ids
    assert "probe.nvidia_timed_out" in ids


def _fix_text(finding: object) -> str:
    return " ".join(f"{fix.summary} {' '.join(fix.commands)}" for fix in finding.fixes)  # type: ignore[attr-defined]


def test_driver_meeting_the_compat_minimum_is_asked_for_native_support() -> None:
    """531.79 on Windows passes the CUDA 12 compat minimum (528.33), yet torch cu124 says it is
    too old: asking for 528.33 would name an older driver than the one installed."""
    from tests.rules.scenarios import RTX4090_CU121, with_

    facts = with_(
        RTX4090_CU121, os__name="windows", os__wsl=None,
        nvidia__driver_version="531.79", nvidia__cuda_driver_max="12.1",
        torch__version="2.4.0+cu124", torch__build_label="cu124", torch__cuda_build="12.4",
        torch__runtime_version="2.4.0+cu124", torch__cuda_available=False, torch__kernel_ok=None,
        torch__cuda_error="The NVIDIA driver on your system is too old (found version 12010).",
    )
    finding = by_id(run(facts), "driver_too_old.torch_cuda_newer_than_driver")
    fixes = _fix_text(finding)
    assert "551.61" in fixes and "528.33" not in fixes
    assert "WSL" not in fixes


def test_intel_mac_is_not_told_to_use_an_arm64_python() -> None:
    facts = {
        "os.name": "darwin", "os.arch": "x86_64",
        "python.executable": "/Users/cy/.venv/bin/python", "python.version": "3.11.8",
        "python.platform_tag": "macosx-10.9-universal2",
        "torch.version": None, "torch.import_error": "No module named 'torch'",
        "errors.seen": [{"kind": "torch_missing", "text": "No module named 'torch'", "data": {}}],
    }
    finding = by_id(run(facts), "python_unsupported.macos_x86_64")
    assert finding.severity is Severity.ERROR
    assert "arm64" not in _fix_text(finding)
    assert "2.2.2" in _fix_text(finding)
