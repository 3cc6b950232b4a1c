"""A report written in Chinese reads back in English exactly as the run that wrote it.

``explain`` reads envcheck's own reports in every language it writes: the notes of a JSON,
markdown or HTML report, and the findings of a text report, come back in English (the rules
read notes; ``envcheck diff`` compares them), with the singular or plural the number asks for.
For that, every message a note or a finding can hold is said its own way in Chinese: two
messages said alike could not be told apart when read back.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from itertools import chain
from pathlib import Path

import pytest

from envcheck.catalogue import CATALOGUE
from envcheck.doctor import run_doctor
from envcheck.explain.untranslate import to_english
from envcheck.explain_report import explain_report
from envcheck.i18n import Msg, messages
from envcheck.i18n_extract import PACKAGE, scan, scan_source
from envcheck.model import Finding, Report
from envcheck.redact import Identity, redact_report
from envcheck.render import OutputFormat, RenderOptions, render_report
from tests.fake_machines import SCENARIOS, Scenario

ZH = messages("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")

NOTE_SOURCES = ("probes", "explain", "system", "doctor.py", "context.py", "envs.py")
"""Where notes are written: the probes, explain's readers, the doctor and what they call."""
FINDING_SOURCES = ("rules",)
"""Where findings' words are written (with the catalogue's titles): a text report's findings
are read back too."""


def _messages_in(parts: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for part in parts:
        path = PACKAGE / part
        if path.is_dir():
            found.update(item.msgid for item in scan(path)[0])
        else:
            rel = path.relative_to(PACKAGE.parent).as_posix()
            found.update(item.msgid for item in scan_source(path.read_text("utf-8"), rel)[0])
    return found


def _forms_of_one_message(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are one message's singular and plural ("{n} file", "{n} files")."""
    one, many = sorted((a, b), key=len)
    words_one, words_many = re.split(r"(\W+)", one), re.split(r"(\W+)", many)
    if len(words_one) != len(words_many):
        return False
    differ = [(x, y) for x, y in zip(words_one, words_many, strict=True) if x != y]
    return len(differ) == 1 and differ[0][1] in (differ[0][0] + "s", differ[0][0] + "es",
                                                   differ[0][0][:-1] + "ies")


def _shape(text: str) -> str:
    """``text`` with its fields unnamed: ``{name} 无法运行`` and ``{label} 无法运行`` read the
    same."""
    return re.sub(r"\{[^{}]*\}", "{}", text)


def _collisions(read_back: set[str]) -> list[str]:
    """Translations that more than one message shares, one of them in ``read_back``: shared
    by messages whose English differs (beyond their fields' names), except one message's
    singular and plural."""
    said: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for msgid, forms in ZH.table.items():
        if forms and forms[0]:
            said[_shape(forms[0])][_shape(msgid)].append(msgid)
    out = []
    for translation, by_shape in said.items():
        if len(by_shape) < 2 or not read_back.intersection(chain(*by_shape.values())):
            continue
        msgids = [ids[0] for ids in by_shape.values()]
        if len(msgids) == 2 and _forms_of_one_message(*msgids):
            continue
        out.append(f"{translation!r} says {msgids}")
    return out


def test_note_messages_are_each_said_their_own_way() -> None:
    """A note read back from Chinese must name one message: no two messages a note can hold
    (nor one of them and any other word of the catalogue) share a translation, except one
    message's singular and plural, which the number read back chooses between."""
    notes = _messages_in(NOTE_SOURCES)
    assert len(notes) > 150  # the scan found the probes' messages
    assert _collisions(notes) == []


def test_finding_messages_are_each_said_their_own_way() -> None:
    """The same for the words of findings, which explain reads back from a text report."""
    words = _messages_in(FINDING_SOURCES) | {entry.title for entry in CATALOGUE.values()}
    assert _collisions(words) == []


# --- every message a note or a finding holds reads back --------------------------------------

def _sample(msgid: str, singular: bool) -> Msg | None:
    """``msgid`` with a value in each field (1 for the count of a singular), or None when its
    fields cannot be filled with words."""
    values: dict[str, object] = {}
    try:
        fields = list(string.Formatter().parse(msgid))
    except ValueError:
        return None
    for index, (_, name, spec, _) in enumerate(fields):
        if name is None:
            continue
        if spec:
            return None  # a number written with a format ({n:.1f}): not a read-back note
        values[name] = "1" if singular and name in ("n", "count") else (
            "2" if name in ("n", "count") else f"value{index}")
    return Msg(msgid, **values)


def _adjacent_fields(translation: str) -> bool:
    """Two fields with nothing between them (``{have}{also}``): where one value ends cannot
    be read from the text (a test value would be cut anywhere)."""
    return re.search(r"\}\{", translation) is not None


@pytest.mark.parametrize("sources", [NOTE_SOURCES, FINDING_SOURCES], ids=["notes", "findings"])
def test_every_message_said_in_chinese_reads_back_to_its_english(sources: tuple[str, ...]
                                                                 ) -> None:
    words = _messages_in(sources)
    if sources == FINDING_SOURCES:
        words |= {entry.title for entry in CATALOGUE.values()}
    plural_of = {a: b for a in words for b in words if a != b and _forms_of_one_message(a, b)
                 and len(a) < len(b)}
    wrong = []
    for msgid in sorted(words):
        translation = ZH.table.get(msgid, ("",))[0]
        if not CJK.search(translation) or _adjacent_fields(translation):
            continue  # no Chinese to read back (a value in quotes), or no way to split it
        message = _sample(msgid, singular=msgid in plural_of)
        if message is None:
            continue
        said = ZH.say(message)
        if to_english(said, "zh") != str(message):
            wrong.append(f"{said!r} -> {to_english(said, 'zh')!r}, not {str(message)!r}")
    assert wrong == []


# --- plurals, punctuation that starts a message, the work budget -----------------------------

@pytest.mark.parametrize("count", [0, 1, 2, 16])
def test_a_count_read_back_takes_its_singular_or_plural(count: int) -> None:
    from envcheck.i18n_lists import remarks

    for singular, plural in (("{count} toolkit found", "{count} toolkits found"),
                             ("{count} system cuDNN file", "{count} system cuDNN files")):
        note = remarks((Msg("no nvcc on PATH"),
                        Msg(singular if count == 1 else plural, count=count)))
        assert to_english(ZH.say(note), "zh") == note
    unread = Msg("… and {n} more line not understood" if count == 1
                 else "… and {n} more lines not understood", n=count)
    assert to_english(ZH.say(unread), "zh") == unread


def test_a_remark_that_starts_with_chinese_punctuation_is_cut_before_it() -> None:
    """``，另有 2 个额外下载源`` (", 2 extra") follows the index URL with no separator."""
    from envcheck.i18n import concat

    note = concat(Msg("index {url}", url="https://pypi.org/simple"),
                  Msg(", {count} extra", count=2))
    said = ZH.say(note)
    assert "，另有" in said
    assert to_english(said, "zh") == "index https://pypi.org/simple, 2 extra"


def test_a_note_read_back_is_said_again_as_it_was_written() -> None:
    """The English read back remembers its messages: said in Chinese again, it is the note
    the report held (explain --lang zh of a Chinese report shows the report's words)."""
    from envcheck.i18n_lists import remarks

    note = remarks((Msg("nvcc is not on PATH"), Msg("{count} toolkits found", count=2),
                    Msg("none of {paths} exists", paths="/opt/a, /opt/b")))
    said = ZH.say(note)
    back = to_english(said, "zh")
    assert back == note
    assert ZH.say(back) == said


def test_a_long_note_reads_back_within_the_budget_and_past_it_is_kept() -> None:
    from envcheck.explain import untranslate
    from envcheck.i18n_lists import remarks

    note = remarks(Msg("GPU {index}: {queries}", index=str(i),
                       queries="clocks (not_supported: Not Supported)") for i in range(32))
    said = ZH.say(note)
    assert to_english(said, "zh") == note
    reader = untranslate._Reader("zh")
    reader.read(said)
    assert untranslate._BUDGET - reader.left < untranslate._BUDGET // 10  # far from the limit
    untranslate._english.cache_clear()
    try:
        untranslate._BUDGET, budget = 50, untranslate._BUDGET
        assert to_english(said, "zh") == said  # too much work: kept as it is
    finally:
        untranslate._BUDGET = budget
        untranslate._english.cache_clear()


def test_reading_back_needs_no_source_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages said alike are told apart by the catalogue alone: reading back works where
    envcheck's .py files are absent (a zipapp, a .pyc-only install)."""
    from envcheck.explain import untranslate

    assert ZH.table  # the catalogue is read (from the package's data) before the files go
    untranslate._catalogue("zh")
    untranslate._english.cache_clear()

    def gone(*args: object, **kwargs: object) -> object:
        raise OSError("no source here")

    monkeypatch.setattr(Path, "rglob", gone)
    monkeypatch.setattr(Path, "read_text", gone)
    try:
        for message in (Msg("not set"), Msg("nothing set"), Msg("no nvcc on PATH"),
                        Msg("nvcc is not on PATH"), Msg("import torch failed")):
            assert to_english(ZH.say(message), "zh") == message
    finally:
        untranslate._english.cache_clear()


# --- every fake machine, written in Chinese, reads back as the English run -------------------

def _zh(report: Report, fmt: OutputFormat, **options: object) -> str:
    return render_report(report, fmt, RenderOptions(lang="zh", **options))  # type: ignore[arg-type]


def _en(report: Report, fmt: OutputFormat, **options: object) -> str:
    return render_report(report, fmt, RenderOptions(lang="en", **options))  # type: ignore[arg-type]


def _said(findings: tuple[Finding, ...]) -> list[tuple[object, ...]]:
    return [(f.id, f.severity.label, f.title, f.detail, f.consequences,
             [(x.summary, x.commands, x.url) for x in f.fixes]) for f in findings]


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_a_chinese_report_reads_back_as_the_english_one(case: Scenario, tmp_path: Path) -> None:
    ctx = case.context(tmp_path)
    report = run_doctor(ctx)
    redacted = redact_report(report, Identity.from_env(ctx.env, ctx.host))
    for fmt in (OutputFormat.JSON, OutputFormat.MARKDOWN, OutputFormat.HTML):
        for shown in (report, redacted):
            english, chinese = explain_report(_en(shown, fmt)), explain_report(_zh(shown, fmt))
            assert dict(chinese.notes) == dict(english.notes), fmt
            assert [(p.id, p.title, p.note) for p in chinese.probes] == [
                (p.id, p.title, p.note) for p in english.probes], fmt
            assert _said(chinese.findings) == _said(english.findings), fmt
    # Many widths: where a line breaks depends on the machine's paths, so every break of a
    # Chinese line next to a word, a path or a version is met somewhere here.
    widths = [{"width": width} for width in (60, *range(64, 101, 3))]
    for options in ({}, *widths, {"verbose": True}, {"width": 120, "color": True}):
        english = explain_report(_en(report, OutputFormat.TEXT, **options))
        chinese = explain_report(_zh(report, OutputFormat.TEXT, **options))
        # The findings as printed, their words back in English (ids and severities as ever).
        assert _said(chinese.findings) == _said(english.findings), options
        # The report's own lines are no claim of the reporter's, in either language.
        assert "explain.claims" not in chinese.facts, options
        assert "explain.claims" not in english.facts, options
        # explain --lang en speaks English; explain --lang zh says the report's words again.
        shown = _en(chinese, OutputFormat.TEXT, width=200)
        for finding in chinese.findings:
            assert f"{finding.title}  [{finding.id}]" in shown
            assert not CJK.search(finding.title + finding.detail), finding.id
        again = _zh(chinese, OutputFormat.TEXT, width=200)
        for finding in report.findings:
            assert ZH.say(finding.title) in again


def test_claims_outside_an_envcheck_report_are_still_read(tmp_path: Path) -> None:
    """Only the report's own lines are not the reporter's: what they wrote around it counts."""
    case = next(s for s in SCENARIOS if s.name == "cpu_wheel_on_gpu_machine")
    report = run_doctor(case.context(tmp_path))
    paste = "我装的是 CPU 版本的 torch，显卡用不了\n\n" + _zh(report, OutputFormat.TEXT)
    explained = explain_report(paste)
    claims = explained.facts.get("explain.claims")
    assert isinstance(claims, list) and {c["line"] for c in claims} == {1}
    assert {c["claim"] for c in claims} <= {"cpu_torch", "gpu_unused"}
    assert "ext_build" not in {c["claim"] for c in claims}
