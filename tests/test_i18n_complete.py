"""Every word envcheck writes has its Chinese: in the source, and in what the rules, explain
and the doctor actually write for every test machine and paste.

Three checks, from the cheapest to the most complete:
- the extractor finds every message in the source, and the catalogue translates each one,
  with the same fields;
- every finding the rule cases, the pasted shapes and the fake machines produce, said in
  Chinese, has no message left untranslated (``Messages.say`` reports what it could not say);
- and no run of English words is left in it outside quotes and code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envcheck.doctor import run_doctor
from envcheck.explain_report import explain_report
from envcheck.i18n import Messages, Msg, messages, placeholders, sentences
from envcheck.i18n_extract import missing, scan, scan_source
from envcheck.model import Finding
from envcheck.redact import redact_report
from envcheck.render.localize import localize, localize_finding
from tests.explain.test_explain_real_shapes import CASES as SHAPES
from tests.explain.test_explain_real_shapes import HEALTHY
from tests.fake_machines import SCENARIOS, Scenario
from tests.rules.cases import ALL_CASES, Case
from tests.rules.cases_catalogue import CATALOGUE_CASES
from tests.rules.scenarios import run

ZH = messages("zh")
RULE_CASES = [*ALL_CASES, *CATALOGUE_CASES]

_QUOTED = re.compile(r'"[^"]*"|“[^”]*”|「[^」]*」|`[^`]*`|\'[^\']*\'|\([^()]*\)')
_CODE = re.compile(r"\S*[/\\=_.:@<>{}\[\]]\S*|\$\S+|--?\S+")
_ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,]+[A-Za-z][a-z]+){4,}\b")
# Five English words in a row, outside quotes, parentheses and code, is a sentence left in
# English: Chinese technical text names things in English (CUDA, torch, driver branches) but
# never strings five words together.


def english_left(text: str) -> list[str]:
    """Runs of English words in ``text`` that are not quoted, code, a path or a command."""
    plain = _CODE.sub(" ", _QUOTED.sub(" ", text))
    return _ENGLISH_RUN.findall(plain)


def _words(finding: Finding) -> list[str]:
    return [finding.title, finding.detail, *finding.consequences,
            *(fix.summary for fix in finding.fixes)]


def _assert_said(findings: tuple[Finding, ...] | list[Finding]) -> None:
    lost: set[str] = set()
    for finding in findings:
        said = localize_finding(finding, ZH, lost)
        left = [run for text in _words(said) for run in english_left(text)]
        assert not left, (finding.id, left)
    assert not lost, sorted(lost)


# --- the source and the catalogue -------------------------------------------------------------

def test_every_message_in_the_source_is_a_literal() -> None:
    assert scan()[1] == []


def test_every_message_in_the_source_has_its_chinese() -> None:
    assert missing("zh") == {}, "run: python -m envcheck.i18n_extract zh"


def test_every_message_has_the_same_fields_in_chinese() -> None:
    for item in scan()[0]:
        chinese = ZH.table.get(item.msgid, ("",))[0]
        if chinese:
            assert placeholders(chinese) == placeholders(item.msgid), item


def test_the_extractor_reads_msg_and_fix_literals_and_flags_the_rest() -> None:
    source = (
        "a = Msg('Install driver {v}', v=x)\n"
        "b = Fix('Reboot now', ('sudo reboot',))\n"
        "c = Msg(template)\n"
        "d = Fix(summary)\n"
    )
    found, bad = scan_source(source, "m.py")
    assert [f.msgid for f in found] == ["Install driver {v}", "Reboot now"]
    assert [b.line for b in bad] == [3]


# --- what envcheck writes, said in Chinese ----------------------------------------------------

@pytest.mark.parametrize("case", RULE_CASES, ids=[c.name for c in RULE_CASES])
def test_every_finding_of_the_rule_cases_is_said_in_chinese(case: Case) -> None:
    _assert_said(run(case.facts, case.notes))


@pytest.mark.parametrize("text", [t for _, _, t in SHAPES] + [t for _, t in HEALTHY],
                         ids=[n for _, n, _ in SHAPES] + [n for n, _ in HEALTHY])
def test_every_finding_explain_writes_is_said_in_chinese(text: str) -> None:
    _assert_said(explain_report(text).findings)


@pytest.mark.parametrize("case", SCENARIOS, ids=lambda s: s.name)
def test_the_doctor_on_every_fake_machine_is_said_in_chinese(case: Scenario,
                                                               tmp_path: Path) -> None:
    report = run_doctor(case.context(tmp_path))
    _assert_said(report.findings)
    lost: set[str] = set()
    said = localize(report, "zh", lost)
    notes = [run for note in said.notes.values() for run in english_left(note)]
    assert not notes
    assert not lost, sorted(lost)


def test_redaction_keeps_a_message_translatable(tmp_path: Path) -> None:
    report = run_doctor(SCENARIOS[0].context(tmp_path))
    lost: set[str] = set()
    localize(redact_report(report), "zh", lost)
    assert not lost, sorted(lost)


# --- the machinery ----------------------------------------------------------------------------

def test_a_message_is_its_english_and_says_its_chinese_with_the_data_untouched() -> None:
    text = Msg(" — inspecting {python}", python="/home/ana/.venv/bin/python")
    assert text == " — inspecting /home/ana/.venv/bin/python"
    assert "/home/ana/.venv/bin/python" in ZH.say(text)
    assert ZH.say(text) != text


def test_chinese_sentences_join_without_a_space_after_a_full_stop() -> None:
    zh = Messages("zh", {"Reboot.": ("重启。",), "Then run {cmd}.": ("然后运行 {cmd}。",)})
    text = sentences(Msg("Reboot."), Msg("Then run {cmd}.", cmd="nvidia-smi"), "")
    assert text == "Reboot. Then run nvidia-smi."
    assert zh.say(text) == "重启。然后运行 nvidia-smi。"


def test_what_has_no_translation_is_english_and_is_reported() -> None:
    lost: set[str] = set()
    said = ZH.say(Msg("A sentence nobody translated, {n} times", n=3), lost)
    assert said == "A sentence nobody translated, 3 times"
    assert lost == {"A sentence nobody translated, {n} times"}


def test_english_left_ignores_quotes_code_and_names() -> None:
    assert english_left('torch 报错 "no kernel image is available for execution" 。') == []
    assert english_left("运行 `pip install torch --index-url https://x/y` 即可") == []
    assert english_left("Install the driver and then reboot the machine") != []


def test_no_message_is_translated_twice() -> None:
    from collections import Counter

    from envcheck.i18n import catalogue_text, parse_po

    counts = Counter(e.msgid for e in parse_po(catalogue_text("zh"), "zh/envcheck.po"))
    assert [msgid for msgid, n in counts.items() if n > 1] == []


def test_a_translation_whose_fields_do_not_fit_falls_back_to_english() -> None:
    zh = Messages("zh", {"took {seconds:.1f} s": ("用时 {seconds:.1f} 秒",),
                         "{n} of {total}": ("{total} 中的 {missing}",)})
    lost: set[str] = set()
    assert zh.say(Msg("{n} of {total}", n=1, total=2), lost) == "1 of 2"
    assert lost == {"{n} of {total}"}
    assert zh.translate("took 1.5 s") == "took 1.5 s"


def test_words_envcheck_wrote_elsewhere_are_said_by_the_message_they_came_from() -> None:
    from envcheck.i18n import WrittenText, written
    from envcheck.rules.messages import upper_first

    zh = Messages("zh", {"{python} is too old": ("{python} 太旧了",)})
    note = "/usr/bin/python2 is too old"
    assert zh.say(Msg("{reason}.", reason=note)) == "/usr/bin/python2 is too old."  # data
    assert zh.say(written(note)) == "/usr/bin/python2 太旧了"
    shown = upper_first(written("the driver is gone"))
    assert isinstance(shown, WrittenText) and shown == "The driver is gone"
    lost: set[str] = set()
    assert zh.say(shown, lost) == "The driver is gone" and lost == {"the driver is gone"}
    assert written(Msg("x")) == "x"


def test_findings_of_mixed_machines_are_said_in_chinese_too() -> None:
    """Two rule cases' facts laid over each other reach branches no single case does (a
    Python 2.7 target behind a mirror, say): every finding still says all its words."""
    import random

    rng = random.Random(15)
    for _ in range(1000):
        first, second = rng.sample(RULE_CASES, 2)
        _assert_said(run({**first.facts, **second.facts}, {**first.notes, **second.notes}))


def test_redaction_keeps_every_kind_of_message_translatable() -> None:
    from envcheck.i18n import concat, map_data, written
    from envcheck.rules.messages import upper_first

    zh = Messages("zh", {"nvcc is not on PATH": ("PATH 中没有 nvcc",),
                         "{path} does not exist": ("{path} 不存在",),
                         "{what}, so it stops.": ("{what}，所以停了。",)})
    kinds = [
        upper_first(Msg("nvcc is not on PATH")),
        upper_first(written("/home/ana/env does not exist")),
        sentences(upper_first(Msg("nvcc is not on PATH")), Msg("nvcc is not on PATH")),
        concat(Msg("{what}, so it stops.", what=written("/home/ana/env does not exist"))),
    ]
    for text in kinds:
        same = map_data(text, lambda s: s)
        assert isinstance(same, Msg) and same == text and type(same) is type(text)
        assert "is not on PATH" not in zh.say(same) and "does not exist" not in zh.say(same)
        hidden = map_data(text, lambda s: s.replace("/home/ana", "~"))
        assert "/home/ana" not in hidden and "/home/ana" not in zh.say(hidden)
    assert isinstance(map_data(upper_first(written("/x does not exist")), str.upper), str)


def test_remarks_read_back_are_translated_one_by_one_and_values_never_span_them() -> None:
    zh = Messages("zh", {"GPU {index} is in {mode} mode": ("显卡 {index} 处于 {mode} 模式",),
                         "; ": ("；",)})
    text = "GPU 0 is in Exclusive_Process mode; GPU 1 is in Prohibited mode"
    assert zh.translate(text) == "显卡 0 处于 Exclusive_Process 模式；显卡 1 处于 Prohibited 模式"
    long = "; ".join(["GPU 0 is in Exclusive_Process mode"] * 400)
    assert zh.translate(long) == long  # past the length a note has: left as it is
