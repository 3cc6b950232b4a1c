"""End to end: every named fake machine through all probes, the rules and every renderer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envcheck.doctor import run_doctor
from envcheck.fact_keys import CATALOGUE, type_ok
from envcheck.model import ProbeStatus, Severity
from envcheck.render.json import render_json
from envcheck.render.markdown import render_markdown
from envcheck.render.text import render_text
from tests.scenarios import SCENARIOS, Scenario

REQUIRED_KEYS = (
    "os.name",
    "os.wsl",
    "os.container",
    "nvidia.driver_version",
    "nvidia.cuda_driver_max",
    "nvidia.gpus",
    "cuda_toolkit.nvcc_version",
    "cuda_toolkit.cuda_home",
    "cudnn.torch_version",
    "python.executable",
    "python.version",
    "python.env_type",
    "torch.version",
    "torch.cuda_build",
    "torch.cuda_available",
    "torch.device_count",
    "torch.arch_list",
    "torch.import_error",
)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_scenario(case: Scenario, tmp_path: Path) -> None:
    report = run_doctor(case.context(tmp_path))
    summary = [(f.severity.label, f.id) for f in report.findings]
    assert not [p.id for p in report.probes if p.status is ProbeStatus.FAILED], report.probes
    assert report.verdict == case.expect_verdict, summary
    if case.expect_primary:
        assert report.findings[0].category.value == case.expect_primary, summary
        assert report.findings[0].severity is Severity.ERROR
        assert report.findings[0].fixes, "the primary error must come with a fix"
    categories = {f.category.value for f in report.findings}
    for category in case.expect_categories:
        assert category in categories, summary
    for category in case.forbid_categories:
        assert category not in categories, summary
    for key, value in report.facts.items():
        assert key in CATALOGUE, f"{key} is not in the fact catalogue"
        assert type_ok(key, value), f"{key}={value!r} has the wrong type"
        if value is None and key not in ("env.cuda_visible_devices",):
            assert report.notes.get(key), f"{key} is unknown without a note"
    data = json.loads(render_json(report))
    for key in REQUIRED_KEYS:
        assert key in data["facts"], f"{key} missing from the JSON facts"
    assert render_text(report).strip()
    assert render_markdown(report).strip()
