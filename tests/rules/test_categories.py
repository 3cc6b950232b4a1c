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
    wanted = {c.value for c in Category} - {"probe"}
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
