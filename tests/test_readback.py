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
from envcheck.render import OutputFormat, RenderOptions, render_report
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


# --- a report written in Chinese (--lang zh) reads back the same ------------------------------

def _chinese(report: Report, fmt: OutputFormat, **options: object) -> str:
    """``report`` rendered as the CLI renders it under ``--lang zh`` (localised first)."""
    return render_report(report, fmt, RenderOptions(lang="zh", **options))  # type: ignore[arg-type]


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_explain_reads_a_chinese_report_back_to_the_same_findings(case: Scenario,
                                                                  tmp_path: Path) -> None:
    ctx = case.context(tmp_path)
    report = run_doctor(ctx)
    redacted = redact_report(report, Identity.from_env(ctx.env, ctx.host))
    expected = _summary(report)
    renderings = {
        "json": _chinese(report, OutputFormat.JSON),
        "json redacted": _chinese(redacted, OutputFormat.JSON),
        "markdown": _chinese(report, OutputFormat.MARKDOWN),
        "markdown redacted": _chinese(redacted, OutputFormat.MARKDOWN),
        "markdown -v": _chinese(report, OutputFormat.MARKDOWN, verbose=True),
        "html": _chinese(report, OutputFormat.HTML),
        "html redacted": _chinese(redacted, OutputFormat.HTML),
        "text": _chinese(report, OutputFormat.TEXT),
        "text redacted, narrow": _chinese(redacted, OutputFormat.TEXT, width=60),
        "text -v": _chinese(report, OutputFormat.TEXT, verbose=True),
        "text coloured": _chinese(report, OutputFormat.TEXT, color=True),
    }
    for name, text in renderings.items():
        explained = explain_report(text)
        assert _summary(explained) == expected, name
        assert explained.source == "explain"
    # The notes come back in English, as the rules and `envcheck diff` read them.
    for name in ("json", "markdown redacted", "html redacted"):
        back = explain_report(renderings[name])
        english = explain_report(render_json(redacted if "redacted" in name else report))
        assert dict(back.notes) == dict(english.notes), name
    # And explain's own Chinese JSON reads back again.
    again = explain_report(_chinese(explain_report(renderings["json redacted"]),
                                    OutputFormat.JSON))
    assert _summary(again) == expected


_PYPI_DEFAULT = """\
pip list
Package    Version
---------- -------
torch      2.3.1
nvidia-smi
| NVIDIA-SMI 470.82.01    Driver Version: 470.82.01    CUDA Version: 11.4     |
"""


def test_a_note_the_rules_read_survives_a_chinese_report() -> None:
    """The rules read 'assumed: …' in a note: written in Chinese, it must still count."""
    first = explain_report(_PYPI_DEFAULT + "OS: Ubuntu 22.04.4 LTS (x86_64)\n")
    assert str(first.notes.get("torch.cuda_build", "")).startswith("assumed")
    chinese = _chinese(first, OutputFormat.JSON)
    assert "推测" in chinese
    back = explain_report(chinese)
    assert back.notes["torch.cuda_build"] == first.notes["torch.cuda_build"]
    assert _summary(back) == _summary(first)


def test_to_english_puts_envcheck_words_back_and_leaves_data_alone() -> None:
    from envcheck.explain.untranslate import to_english
    from envcheck.i18n import Msg, messages, sentences
    from envcheck.i18n_lists import remarks

    zh = messages("zh")
    cases = [
        Msg("read leniently from the text (line {line})", line=3),
        remarks([Msg("name cut by nvidia-smi for {gpus}", gpus="GPU 0, GPU 1"),
                 Msg("compute capability of {gpus} looked up from the GPU name "
                     "(recipes/gpu_archs.toml)", gpus="GPU 0")]),
        sentences(Msg("No problems found."), Msg("The pasted report shows no problem.")),
        Msg("collect_env says {value}", value="'无法获取'"),
    ]
    for text in cases:
        said = zh.say(text)
        assert said != text
        assert to_english(said) == text
    for data in ("/home/张三/miniconda3/envs/深度学习/bin/python", "2.1.0+cu121", ""):
        assert to_english(data) == data


def test_a_chinese_text_report_keeps_its_fixes_and_consequences() -> None:
    from tests.render.sample import sample_report

    report = sample_report()
    text = _chinese(report, OutputFormat.TEXT, width=50)
    explained = explain_report(text)
    assert _summary(explained) == _summary(report)
    for back, original in zip(explained.findings, report.findings, strict=True):
        assert len(back.consequences) == len(original.consequences)
        assert [f.commands for f in back.fixes] == [f.commands for f in original.fixes]
        assert [f.url for f in back.fixes] == [f.url for f in original.fixes]
