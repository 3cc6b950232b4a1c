"""The shipped JSON Schema (envcheck/schema/report-1.json) validates real doctor, explain and
report output, and agrees with the model's enums."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema")

from envcheck.doctor import run_doctor  # noqa: E402
from envcheck.explain_report import explain_report  # noqa: E402
from envcheck.model import Category, ProbeStatus, Severity  # noqa: E402
from envcheck.redact import redact_report  # noqa: E402
from envcheck.render.json import render_json  # noqa: E402
from envcheck.render.markdown import render_markdown  # noqa: E402
from tests.fake_machines import SCENARIOS, Scenario  # noqa: E402
from tests.fakes import DATA  # noqa: E402
from tests.render.sample import sample_report  # noqa: E402


def _schema() -> dict[str, Any]:
    text = resources.files("envcheck").joinpath("schema/report-1.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _validate(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    jsonschema.validate(data, _schema(), cls=jsonschema.Draft202012Validator)
    return data


def test_schema_is_valid_and_matches_the_model() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    finding = schema["properties"]["findings"]["items"]["properties"]
    assert set(finding["category"]["enum"]) == {c.value for c in Category}
    assert set(finding["severity"]["enum"]) == {s.label for s in Severity}
    status = schema["properties"]["probes"]["items"]["properties"]["status"]
    assert set(status["enum"]) == {s.value for s in ProbeStatus}


def test_schema_rejects_what_breaks_the_contract() -> None:
    good = json.loads(render_json(sample_report()))
    for broken in (
        {**good, "verdict": "fine"},
        {**good, "schema": 2},
        {k: v for k, v in good.items() if k != "facts"},
        {**good, "findings": [{**good["findings"][0], "severity": "fatal"}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, _schema(), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_doctor_and_explain_json_validate(case: Scenario, tmp_path: Path) -> None:
    report = run_doctor(case.context(tmp_path))
    _validate(render_json(report))
    _validate(render_json(redact_report(report)))
    _validate(render_json(explain_report(render_markdown(redact_report(report)))))


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "explain").iterdir()))
def test_explain_of_pasted_reports_validates(name: str) -> None:
    text = (DATA / "explain" / name).read_text(encoding="utf-8", errors="replace")
    data = _validate(render_json(explain_report(text)))
    assert data["source"] == "explain"


def test_report_command_json_validates() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "envcheck", "report", "--format", "json", "--python",
         sys.executable],
        capture_output=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    _validate(proc.stdout.decode("utf-8"))


def test_a_timed_out_probe_with_its_more_time_advice_validates() -> None:
    import dataclasses

    from envcheck.model import ProbeResult

    report = sample_report()
    timed_out = ProbeResult("torch_runtime", "PyTorch runtime", ProbeStatus.TIMED_OUT, 1.0,
                            "still running when the doctor's 5 s budget ran out",
                            more_time=("--budget", "120", "--python", "/envs/dl/bin/python"))
    data = _validate(render_json(dataclasses.replace(report, probes=(timed_out,))))
    assert data["probes"][0]["more_time"] == ["--budget", "120", "--python",
                                              "/envs/dl/bin/python"]
