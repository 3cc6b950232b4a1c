"""The message layer: the ``.po`` reader, language selection, and the Chinese catalogue's
completeness (every finding, section and fact label has its Chinese, with the same fields)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envcheck.catalogue import CATALOGUE, SUMMARY
from envcheck.fact_keys import CATALOGUE as FACTS
from envcheck.fact_keys import SECTIONS
from envcheck.i18n import (
    Messages,
    PoError,
    catalogue_text,
    language_from_env,
    messages,
    parse_po,
    pick_language,
    placeholders,
)

ZH = messages("zh")
ENTRIES = parse_po(catalogue_text("zh"), "zh/envcheck.po")
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- the .po reader -----------------------------------------------------------------------

def test_entries_escapes_continuations_plurals_and_fuzzy() -> None:
    text = (
        '# a comment\nmsgid ""\nmsgstr "Language: zh_CN\\n"\n\n'
        'msgid "say \\"hi\\""\nmsgstr "说 \\"你好\\""\n\n'
        'msgid ""\n"two "\n"lines"\nmsgstr "两\\n行"\n\n'
        'msgid "{n} file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} 个文件"\n\n'
        '#, fuzzy\nmsgid "old"\nmsgstr "旧"\n'
    )
    entries = parse_po(text)
    assert [e.msgid for e in entries] == ["", 'say "hi"', "two lines", "{n} file", "old"]
    assert entries[1].msgstr == ('说 "你好"',)
    assert entries[2].msgstr == ("两\n行",)
    assert entries[3].plural == "{n} files" and entries[3].msgstr == ("{n} 个文件",)
    assert [e.fuzzy for e in entries] == [False, False, False, False, True]


def test_entries_need_no_blank_line_between_them() -> None:
    entries = parse_po('msgid "a"\nmsgstr "甲"\nmsgid "b"\nmsgstr "乙"\n')
    assert [(e.msgid, e.msgstr) for e in entries] == [("a", ("甲",)), ("b", ("乙",))]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('msgid "a"\nmsgstr "甲\n', ":2"),  # unterminated string
        ('msgid "a"\nmsgstr "\\q"\n', ":2"),  # unknown escape
        ('"loose"\n', ":1"),  # a continuation outside an entry
        ('msgid "a"\nmsgid "b"\nmsgstr "x"\n', ":2"),  # msgid twice
        ('msgid "a"\n', "no msgstr"),
        ('msgstr "x"\n', "without msgid"),
        ('msgid "a"\nmsgstr "x"\nbogus\n', ":3"),
    ],
)
def test_broken_po_names_the_line(text: str, where: str) -> None:
    with pytest.raises(PoError, match=re.escape(where)):
        parse_po(text, "t.po")


def _quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\t", "\\t").replace("\r", "\\r"))
    return f'"{escaped}"'


@given(st.text(min_size=1), st.text())
def test_any_text_round_trips_through_a_po_entry(msgid: str, msgstr: str) -> None:
    (entry,) = parse_po(f"msgid {_quote(msgid)}\nmsgstr {_quote(msgstr)}\n")
    assert (entry.msgid, entry.msgstr) == (msgid, (msgstr,))


# --- language selection ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW"}, "zh"),
        ({"LANG": "zh"}, "zh"),
        ({"LANG": "zh_CN.GB18030"}, "zh"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL decides first
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
        ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # empty is unset
    ],
)
def test_the_locale_picks_the_language(env: dict[str, str], lang: str) -> None:
    assert language_from_env(env) == lang


def test_the_option_overrides_the_locale() -> None:
    assert pick_language("en", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert pick_language("zh", {"LANG": "en_US.UTF-8"}) == "zh"
    assert pick_language(None, {"LANG": "zh_CN.UTF-8"}) == "zh"


def test_english_is_the_message_ids_themselves() -> None:
    en = messages("en")
    assert en.gettext("System") == "System"
    assert en.ngettext("{n} error", "{n} errors", 2) == "{n} errors"
    assert en.translate("envcheck: error: x: no such file") == "envcheck: error: x: no such file"


def test_formatted_text_is_translated_field_by_field() -> None:
    line = "envcheck: error: Invalid value: /tmp/r.txt: no such file"
    assert ZH.translate(line) == "envcheck：错误：无效的值：/tmp/r.txt：文件不存在"
    # a message not in the catalogue stays as it is, inside a translated frame
    assert ZH.translate("envcheck: error: something new") == "envcheck：错误：something new"


def test_a_template_with_little_fixed_text_matches_nothing() -> None:
    # "{label}: {value}" would otherwise turn any "a: b" into Chinese punctuation
    assert ZH.translate("cuda: 12.4") == "cuda: 12.4"


# --- the Chinese catalogue is complete ---------------------------------------------------------

def _has_zh(text: str) -> bool:
    return bool(ZH.table.get(text)) and ZH.table[text][0] != ""


@pytest.mark.parametrize("entry", CATALOGUE.values(), ids=list(CATALOGUE))
def test_every_finding_has_its_chinese_title_trigger_and_fix(entry: object) -> None:
    from envcheck.catalogue import Entry

    assert isinstance(entry, Entry)
    for text in (entry.title, entry.trigger, entry.fix):
        assert _has_zh(text), f"{entry.id}: no Chinese for {text!r}"
    # a title is words, so its Chinese has Chinese characters (not a copy of the English)
    assert CJK.search(ZH.gettext(entry.title)), entry.id


def test_every_section_and_fact_label_has_its_chinese() -> None:
    missing = [s for s in (*SECTIONS, SUMMARY) if not _has_zh(s)]
    missing += [f"{spec.key}: {spec.label}" for spec in FACTS.values() if not _has_zh(spec.label)]
    assert not missing


def test_no_message_is_a_fuzzy_or_an_empty_translation() -> None:
    bad = [e.msgid for e in ENTRIES if e.msgid and (e.fuzzy or not all(e.msgstr))]
    assert not bad


def test_both_languages_have_the_same_placeholders() -> None:
    differ = [(e.msgid, s) for e in ENTRIES for s in e.msgstr
              if placeholders(s) != placeholders(e.msgid)
              | (placeholders(e.plural) if e.plural else frozenset())]
    assert not differ


def test_placeholders_ignore_doubled_braces() -> None:
    assert placeholders("{n} of {{literal}}") == frozenset({"n"})


_WORDS = frozenset({"e.g", "i.e"})
"""Dotted abbreviations that are English words, not names: the translation says them its way."""
_KEPT = re.compile(
    r'"[^"]+"'  # quoted error text: users search for it verbatim
    r"|(?<![\w-])--?[a-z][\w-]*"  # options
    r"|(?<![\w/])/[\w*./-]*\w\*?"  # paths
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # environment variables
    r"|\b(?!e\.g\b|i\.e\b)\w+(?:\.\w+)+\b"  # dotted names and versions (not "e.g.")
    r"|\b\w+=\S+"  # assignments and pins
    r"|\bnvidia-[\w-]+"  # NVIDIA's tools and packages
)


def test_commands_paths_variables_and_quoted_errors_are_kept_as_they_are() -> None:
    lost = []
    for entry in ENTRIES:
        if not entry.msgid:
            continue
        for token in _KEPT.findall(entry.msgid):
            token = token.rstrip(".,;:")
            if token in _WORDS:
                continue
            if token and token not in entry.msgstr[0]:
                lost.append((entry.msgid, token))
    assert not lost


def test_a_messages_table_is_read_only() -> None:
    assert isinstance(ZH, Messages)
    with pytest.raises(TypeError):
        ZH.table["System"] = ("x",)  # type: ignore[index]
