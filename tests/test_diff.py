"""envcheck diff: what changed between two reports, the changes most likely to matter first."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from envcheck.diff import diff_reports
from envcheck.doctor import run_doctor
from envcheck.model import Report
from envcheck.redact import redact_report
from envcheck.render.diff import render_diff_text
from envcheck.render.json import render_json
from envcheck.render.markdown import render_markdown
from tests.fake_machines import scenario
from tests.render.sample import sample_report


def _doctor(name: str, tmp_path: Path) -> Report:
    root = tmp_path / name
    root.mkdir()
    return run_doctor(scenario(name).context(root))


def test_same_report_has_no_changes() -> None:
    assert diff_reports(sample_report(), sample_report()) == ()
    assert "No differences" in render_diff_text((), "a", "b")


def test_momentary_gpu_readings_are_not_changes() -> None:
    before = sample_report()
    gpus = [{**before.facts["nvidia.gpus"][0], "temperature_c": 71, "power_draw_w": 300.0}]
    after = replace(before, facts={**before.facts, "nvidia.gpus": gpus})
    assert diff_reports(before, after) == ()


def test_findings_first_then_driver_then_the_rest(tmp_path: Path) -> None:
    good = _doctor("healthy_h100_cu130", tmp_path)
    bad = _doctor("driver_470_cu124_wheel", tmp_path)
    changes = diff_reports(good, bad)
    keys = [c.key for c in changes]
    assert changes[0].kind == "finding"
    appeared = [c.key for c in changes if c.kind == "finding" and c.what == "appeared"]
    assert "driver_too_old.torch_cuda_newer_than_driver" in appeared
    assert keys.index("driver_too_old.torch_cuda_newer_than_driver") < keys.index(
        "nvidia.driver_version") < keys.index("torch.version")
    later = [i for i, c in enumerate(changes) if c.key.startswith(("os.", "packages."))]
    assert all(i > keys.index("nvidia.driver_version") for i in later)
    text = render_diff_text(changes, "good.json", "bad.md")
    assert "+ finding appeared: driver_too_old.torch_cuda_newer_than_driver" in text
    assert "580.65.06 → 470.82.01" in text
    # Going the other way, the error is gone.
    back = diff_reports(bad, good)
    assert any(c.what == "gone" and c.key.startswith("driver_too_old") for c in back)


def test_unset_variables_read_as_not_set_and_derived_facts_are_skipped(tmp_path: Path) -> None:
    good = _doctor("healthy_h100_cu130", tmp_path)
    facts = {**good.facts, "env.cuda_visible_devices": "1"}
    changed = replace(good, facts=facts)
    changes = diff_reports(good, changed)
    assert [c.key for c in changes] == ["env.cuda_visible_devices"]
    assert "CUDA_VISIBLE_DEVICES (env.cuda_visible_devices): not set → 1" in render_diff_text(
        changes, "a", "b")


def test_cli_diff_reads_json_and_markdown(tmp_path: Path) -> None:
    good = _doctor("healthy_h100_cu130", tmp_path)
    bad = _doctor("driver_470_cu124_wheel", tmp_path)
    a, b = tmp_path / "good.json", tmp_path / "bad.md"
    a.write_text(render_json(redact_report(good)), encoding="utf-8")
    b.write_text(render_markdown(redact_report(bad)), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "envcheck", "diff", str(a), str(b), "--json"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    first = data["changes"][0]
    assert (first["kind"], first["what"]) == ("finding", "appeared")
    assert {"kind": "fact", "key": "nvidia.driver_version", "what": "changed",
            "before": "580.65.06", "after": "470.82.01"} in data["changes"]


def test_cli_diff_refuses_what_is_not_an_envcheck_report(tmp_path: Path) -> None:
    a = tmp_path / "smi.txt"
    a.write_text("Driver Version: 550.54.14\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "envcheck", "diff", str(a), str(a)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "not an envcheck report" in proc.stderr


def test_cli_diff_takes_at_most_one_report_from_standard_input() -> None:
    proc = subprocess.run([sys.executable, "-m", "envcheck", "diff", "-", "-"], input="{}",
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "standard input" in proc.stderr
