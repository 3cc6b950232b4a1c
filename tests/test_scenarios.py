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
from tests.fake_machines import SCENARIOS, Scenario

REQUIRED_KEYS = {
    "os.name": "system",
    "os.wsl": "system",
    "os.container": "system",
    "nvidia.driver_version": "nvidia",
    "nvidia.cuda_driver_max": "nvidia",
    "nvidia.gpus": "nvidia",
    "cuda_toolkit.nvcc_version": "cuda_toolkit",
    "cuda_toolkit.cuda_home": "cuda_toolkit",
    "cudnn.torch_version": "torch_runtime",
    "python.executable": "python_env",
    "python.version": "python_env",
    "python.env_type": "python_env",
    "torch.version": "packages",
    "torch.cuda_build": "packages",
    "torch.cuda_available": "torch_runtime",
    "torch.device_count": "torch_runtime",
    "torch.arch_list": "torch_runtime",
    "torch.import_error": "torch_runtime",
}
"""Keys every JSON report holds, unless the probe that emits them (the value) was skipped."""


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
    skipped = {p["id"]: p["note"] for p in data["probes"] if p["status"] == "skipped"}
    assert all(skipped.values()), "a skipped probe must say why"
    for key, probe in REQUIRED_KEYS.items():
        assert key in data["facts"] or probe in skipped, f"{key} missing from the JSON facts"
    text, markdown = render_text(report), render_markdown(report)
    every_fact = render_text(report, verbose=True)
    assert text.strip()
    assert markdown.strip()
    for wanted in case.expect_text:
        assert wanted in every_fact, f"{wanted!r} missing from the text report (-v)"
    for unwanted in case.forbid_text:
        for name, rendered in (("text", text), ("markdown", markdown)):
            assert unwanted not in rendered, f"{unwanted!r} in the {name} report"
