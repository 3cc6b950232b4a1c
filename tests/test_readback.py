"""Read back exactly: explain of envcheck's own reports reaches the findings of the run that
wrote them, on every fake machine, redacted or not, from JSON, markdown and HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.doctor import run_doctor
from envcheck.explain.envcheck_report import read_envcheck_report
from envcheck.explain.envcheck_text import read_envcheck_text
from envcheck.explain_report import explain_report
from envcheck.model import Report
from envcheck.redact import Identity, redact_report
from envcheck.render.html import render_html
from envcheck.render.json import render_json
from envcheck.render.markdown import render_markdown
from envcheck.render.text import render_text
from envcheck.report_data import dumps_compact, extract
from tests.fake_machines import SCENARIOS, Scenario


def _summary(report: Report) -> list[tuple[str, str]]:
    return [(f.id, f.severity.label) for f in report.findings]


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_explain_reads_every_format_back_exactly(case: Scenario, tmp_path: Path) -> None:
    ctx = case.context(tmp_path)
    report = run_doctor(ctx)
    redacted = redact_report(report, Identity.from_env(ctx.env, ctx.host))
    expected = _summary(report)
    assert _summary(redacted) == expected, "redaction changed the findings"
    renderings = {
        "json": render_json(report),
        "json redacted": render_json(redacted),
        "markdown": render_markdown(report),
        "markdown redacted": render_markdown(redacted),
        "html redacted": render_html(redacted),
        "text": render_text(report),
        "text redacted, narrow": render_text(redacted, width=60),
        "text -v": render_text(report, verbose=True),
        "text coloured": render_text(report, color=True),
    }
    for name, text in renderings.items():
        explained = explain_report(text)
        assert _summary(explained) == expected, name
        assert explained.source == "explain"
    # explain's own JSON output reads back to the same findings too.
    again = explain_report(render_json(explain_report(renderings["json redacted"])))
    assert _summary(again) == expected


def test_the_data_block_survives_text_that_would_end_a_comment() -> None:
    data = {"facts": {"x": "a --> b -- c <!-- d"}, "notes": {}}
    block = f"<!-- envcheck-report-data v1 {dumps_compact(data)} -->"
    assert block.count("-->") == 1
    assert extract("prose\n" + block + "\nmore") == data


def test_text_readback_keeps_titles_and_fixes() -> None:
    from tests.render.sample import sample_report

    report = sample_report()
    explained = explain_report(render_text(report, width=50))
    first, original = explained.findings[0], report.findings[0]
    assert first.title == original.title
    assert first.consequences == original.consequences
    assert [f.commands for f in first.fixes] == [f.commands for f in original.fixes]
    assert first.fixes[1].url == original.fixes[1].url


def test_a_cut_text_report_falls_back_to_the_lenient_parsers() -> None:
    from tests.render.sample import sample_report

    text = render_text(sample_report())
    cut = text[: text.index("  ! A system cuDNN")] + text[text.index("Probes"):]
    assert read_envcheck_text(text) is not None
    assert read_envcheck_text(cut) is None  # the verdict still counts a warning that is gone
    explained = explain_report(cut)
    assert "cudnn.system_shadows_wheel" not in [f.id for f in explained.findings]


def test_damaged_or_foreign_text_is_not_taken_for_a_report() -> None:
    assert read_envcheck_report('{"facts": {}, "tool": {"name": "other"}}') is None
    assert read_envcheck_report("<!-- envcheck-report-data v1 {not json} -->") is None
    assert read_envcheck_report("<!-- envcheck-report-data v9 {\"facts\": {}} -->") is None
    assert read_envcheck_report("nvidia-smi\nDriver Version: 550.54.14") is None
