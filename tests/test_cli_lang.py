"""``--lang`` and the locale, end to end: a Chinese report says the same ids and commands as the
English one, ``LANG=zh_CN.UTF-8`` picks Chinese, ``--lang en`` wins over it, and wide
characters keep the text report's columns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from typer.testing import CliRunner

from envcheck import cli
from envcheck.catalogue import entry
from envcheck.explain_report import explain_report
from envcheck.i18n import messages
from envcheck.model import Report
from envcheck.render.markdown import render_markdown
from envcheck.render.text import render_text, wrap_cells

ZH = messages("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
ID_LINE = re.compile(r"\[([a-z_0-9]+\.[a-z_0-9<>]+)\]")


def _doctor(*args: str, env: dict[str, str] | None = None) -> str:
    base = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    result = CliRunner().invoke(cli.app, ["doctor", "--no-redact", *args],
                                env={**base, **(env or {})})
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("$ ")]


def test_doctor_in_chinese_says_the_same_ids_and_commands(fake_doctor: Report) -> None:
    english = _doctor("--lang", "en")
    chinese = _doctor("--lang", "zh")
    assert fake_doctor.findings
    assert ID_LINE.findall(chinese) == ID_LINE.findall(english) == [
        f.id for f in fake_doctor.findings]
    assert _commands(chinese) == _commands(english) != []
    for finding in fake_doctor.findings:
        title = ZH.gettext(entry(finding.id).title)
        assert CJK.search(title)
        assert title in chinese
        assert finding.title in english and finding.title not in chinese
    assert "软件包" in chinese and "Packages" not in chinese  # a section title
    assert "个错误" in chinese  # the verdict line


def test_a_chinese_locale_picks_chinese_and_lang_en_wins(fake_doctor: Report) -> None:
    english = _doctor()
    assert not CJK.search(english)
    assert CJK.search(_doctor(env={"LANG": "zh_CN.UTF-8"}))
    assert CJK.search(_doctor(env={"LC_ALL": "zh_TW"}))
    assert _doctor("--lang", "en", env={"LANG": "zh_CN.UTF-8"}) == english


def _data_only(text: str) -> dict[str, object]:
    """A JSON report without its words: what must be identical in every language."""
    data = json.loads(text)
    for finding in data["findings"]:
        for words in ("title", "detail", "consequences"):
            finding.pop(words)
        for fix in finding["fixes"]:
            fix.pop("summary")
    for probe in data["probes"]:
        probe.pop("title")
        probe.pop("note")
    data.pop("notes")
    return data


def test_json_keeps_ids_keys_values_and_commands_in_both_languages(fake_doctor: Report) -> None:
    english = _doctor("--json", "--lang", "en")
    chinese = _doctor("--json", "--lang", "zh")
    assert chinese != english
    assert _data_only(chinese) == _data_only(english)
    titles = [f["title"] for f in json.loads(chinese)["findings"]]
    assert titles and all(re.search(r"[\u4e00-\u9fff]", t) for t in titles)


def test_chinese_markdown_reads_back_as_the_same_report(fake_doctor: Report) -> None:
    chinese = render_markdown(fake_doctor, lang="zh")
    assert "<summary>系统</summary>" in chinese
    back = explain_report(chinese)
    assert [(f.id, f.title) for f in back.findings] == [
        (f.id, f.title) for f in fake_doctor.findings]


def test_wide_characters_keep_the_text_report_within_its_width(fake_doctor: Report) -> None:
    for verbose in (False, True):
        for width in (60, 80, 100):
            text = render_text(fake_doctor, lang="zh", width=width, verbose=verbose)
            for line in text.splitlines():
                # commands and URLs are never wrapped (they must survive copy and paste)
                if line.lstrip().startswith(("$ ", "http")):
                    continue
                # nor is one word longer than the line (a long path), as in English
                assert cell_len(line) <= width or len(line.split()) == 1, (width, line)
                assert not line.lstrip().startswith(("：", "，", "。")), line


def test_a_finding_wraps_under_its_title_in_chinese(fake_doctor: Report) -> None:
    text = render_text(fake_doctor, lang="zh", width=60)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  ✗ "))
    id_line = next(i for i in range(start, len(lines)) if "[cpu_build." in lines[i])
    assert all(line.startswith("    ") for line in lines[start + 1:id_line + 1])
    body = []
    for line in lines[id_line + 1:]:
        if not line.strip():
            break
        body.append(line)
    assert len(body) > 3
    assert all(line.startswith("      ") for line in body)


@pytest.mark.parametrize("width", [12, 20, 33])
def test_wrap_cells_breaks_between_wide_characters_and_at_spaces(width: int) -> None:
    line = "[✓] NVIDIA 驱动与显卡  驱动：550.54.14 · 驱动支持的最高 CUDA：12.4 · NVIDIA GeForce"
    lines = wrap_cells(line, width, 4)
    assert all(cell_len(part) <= width or len(part.split()) == 1 for part in lines)
    assert not any(part.lstrip().startswith("：") for part in lines)
    assert all(part.startswith("    ") for part in lines[1:])
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")
    assert "550.54.14" in "\n".join(lines)  # never split inside a word


def _envcheck(*args: str, lang_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang_env
    return subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


def test_usage_errors_speak_the_language_too() -> None:
    chinese = _envcheck("doctor", "--format", "pdf", lang_env="zh_CN.UTF-8")
    assert chinese.returncode == 2
    assert chinese.stderr.startswith("envcheck：错误：")
    assert "--format" in chinese.stderr and "'pdf'" in chinese.stderr
    assert len(chinese.stderr.splitlines()) == 1
    english = _envcheck("doctor", "--format", "pdf", "--lang", "en", lang_env="zh_CN.UTF-8")
    assert english.stderr.startswith("envcheck: error: Invalid value for '--format'")
    mixed = _envcheck("explain", "/no/such/report", "--lang=zh", lang_env="C")
    assert mixed.stderr.strip() == "envcheck：错误：无效的值：/no/such/report：文件不存在"


_WORDS = st.sampled_from(["显卡", "驱动", "，", "：", "CUDA", "12.4", "/usr/local/cuda", "·", "a"])


@given(st.lists(st.tuples(_WORDS, st.sampled_from(["", " ", "  "])), max_size=40),
       st.integers(min_value=24, max_value=90))
def test_wrap_cells_keeps_every_character_and_the_width(
        pieces: list[tuple[str, str]], width: int) -> None:
    line = "".join(word + gap for word, gap in pieces).strip()
    lines = wrap_cells(line, width, 4)
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")
    for part in lines:
        assert cell_len(part) <= width or len(part.split()) == 1
    assert all(part.startswith("    ") for part in lines[1:])


def test_usage_errors_from_deeper_down_are_translated_too() -> None:
    no_python = _envcheck("doctor", "--python", "/no/such/python", "--lang", "zh", lang_env="C")
    assert no_python.stderr.strip() == (
        "envcheck：错误：无效的值：--python /no/such/python 不存在")


def test_the_html_page_speaks_chinese_and_keeps_its_data(fake_doctor: Report) -> None:
    english = _doctor("--format", "html", "--lang", "en")
    chinese = _doctor("--format", "html", "--lang", "zh")
    assert '<html lang="en">' in english and '<html lang="zh-CN">' in chinese
    for words in ("问题与修复", "环境信息", "结论：", "<summary>系统</summary>", "修复："):
        assert words in chinese, words
    for words in ("Problems and fixes", "<h2>Facts</h2>", "Verdict:", "<strong>Fix:</strong>",
                  "Inspected interpreter", "<summary>System</summary>"):
        assert words in english and words not in chinese, words
    assert re.findall(r"<code>([^<]*)</code>", chinese) == re.findall(r"<code>([^<]*)</code>",
                                                                       english)
    assert re.findall(r"<pre>([^<]*)</pre>", chinese) == re.findall(r"<pre>([^<]*)</pre>",
                                                                     english)
    back = explain_report(chinese)
    assert [(f.id, f.severity) for f in back.findings] == [
        (f.id, f.severity) for f in fake_doctor.findings]


def test_the_words_in_fact_values_are_translated_and_the_data_is_not(fake_doctor: Report) -> None:
    chinese = _doctor("-v", "--lang", "zh")
    english = _doctor("-v", "--lang", "en")
    assert "CUDA available: no" in english
    assert "CUDA 可用：否" in chinese and ": no\n" not in chinese
    for key in ("torch.version", "python.executable", "nvidia.driver_version"):
        value = str(fake_doctor.fact(key))
        assert value in english and value in chinese, key


_PASTE = (
    "I installed torch with pip install torch==2.3.1 on Windows 11, RTX 3060, driver 551.86.\n"
    ">>> torch.cuda.is_available()\nFalse\n"
    "AssertionError: Torch not compiled with CUDA enabled\n"
)


def _invoke(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    base = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    result = CliRunner().invoke(cli.app, args, env={**base, **env}, input=stdin)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def _words_left(text: str) -> list[str]:
    """English runs on the lines that are envcheck's words (not commands, URLs or the paste)."""
    from tests.test_i18n_complete import english_left

    words = [line for line in text.splitlines()
             if not line.strip().startswith(("$ ", "http", "pip ", "uv ", "conda "))]
    return [run for line in words for run in english_left(line)]


@pytest.mark.parametrize("command", [
    ["doctor", "--no-redact"],
    ["report", "--no-redact", "--format", "markdown"],
    ["report", "--no-redact", "--format", "text"],
    ["explain", "-"],
    ["recommend", "--os", "windows", "--gpu", "RTX 3060", "--driver", "551.86"],
])
def test_every_command_speaks_chinese_under_a_chinese_locale(fake_doctor: Report,
                                                             command: list[str]) -> None:
    stdin = _PASTE if command[0] == "explain" else None
    chinese = _invoke(command, {"LANG": "zh_CN.UTF-8"}, stdin)
    english = _invoke([*command, "--lang", "en"], {"LANG": "zh_CN.UTF-8"}, stdin)
    assert CJK.search(chinese) and not CJK.search(english)
    if command[0] != "explain":  # the paste's own lines are shown as they were
        assert _words_left(chinese) == []
    assert ID_LINE.findall(chinese) == ID_LINE.findall(english)
    shown = ("$ ", "pip ", "uv ", "conda ")
    commands = [[line.strip() for line in text.splitlines() if line.strip().startswith(shown)]
                for text in (chinese, english)]
    assert commands[1] and commands[0][0] == commands[1][0]
    # Under zh, recommend puts the mainland mirrors right after the main command (and adds
    # them, with Tsinghua's PyPI mirror for the other packages); no English command is lost.
    assert all(any(zh.startswith(en) for zh in commands[0]) for en in commands[1])
