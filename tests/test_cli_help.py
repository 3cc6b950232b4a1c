"""``--help`` in Chinese: every command's and option's help said in Chinese under ``--lang zh``
or a Chinese locale, click's own words too, wrapped by terminal cells; English help exactly as
typer writes it; the language decided for each invocation, not at import."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from typer.testing import CliRunner

from envcheck import cli
from envcheck.cli_help import help_id, localize_commands, wrap_cells
from envcheck.i18n import messages
from envcheck.i18n_extract import scan_source
from envcheck.model import Report
from tests.test_i18n_complete import english_left

ZH = messages("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_LOCALE = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
COMMANDS = [[], ["doctor"], ["explain"], ["recommend"], ["report"], ["diff"], ["bench"],
            ["bench", "resnet"], ["bench", "cnn"], ["bench", "matmul"], ["bench", "transfer"],
            ["fleet"], ["fleet", "summarize"]]
IDS = [" ".join(c) or "envcheck" for c in COMMANDS]


def _tree() -> Any:
    cli._register_subcommands()
    return typer.main.get_command(cli.app)


def _commands(command: Any) -> list[Any]:
    return [command, *(c for sub in getattr(command, "commands", {}).values()
                       for c in _commands(sub))]


def _help(args: list[str], env: dict[str, str] | None = None) -> str:
    cli._register_subcommands()
    result = CliRunner().invoke(cli.app, args, env={**ENGLISH_LOCALE, **(env or {})},
                                terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_help_text_of_every_command_and_option_has_its_chinese() -> None:
    texts = 0
    for command in _commands(_tree()):
        for text in (command.help, *(p.help for p in command.params)):
            if text:
                texts += 1
                assert CJK.search(ZH.gettext(help_id(text))), text
    assert texts > 60


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_help_is_chinese_under_lang_zh(command: list[str]) -> None:
    chinese = _help([*command, "--help", "--lang", "zh"])
    english = _help([*command, "--help"])
    assert chinese.startswith("用法：envcheck")
    assert "选项：" in chinese and "显示这条帮助信息并退出。" in chinese
    assert english_left(chinese) == [], english_left(chinese)
    assert not CJK.search(english)
    # the same options, in the same order
    options = re.compile(r"^  (-[-\w]+(?:, --[-\w]+)?)", re.MULTILINE)
    assert options.findall(chinese) == options.findall(english)
    # every option's help is Chinese (a row of the option table: its names, then its help)
    for row in re.split(r"\n(?=  -)", chinese.split("选项：\n", 1)[1]):
        assert CJK.search(row), row


@pytest.mark.parametrize("command", COMMANDS, ids=IDS)
def test_a_chinese_locale_picks_chinese_help_and_lang_en_wins(command: list[str]) -> None:
    english = _help([*command, "--help"])
    assert _help([*command, "--help"], env={"LANG": "zh_CN.UTF-8"}) == _help(
        [*command, "--help", "--lang", "zh"])
    assert CJK.search(_help([*command, "--help"], env={"LC_MESSAGES": "zh_CN.UTF-8"}))
    assert _help([*command, "--help", "--lang", "en"], env={"LC_ALL": "zh_CN.UTF-8"}) == english


def test_lang_given_to_the_root_or_a_group_is_the_help_language() -> None:
    assert _help(["--lang", "zh", "doctor", "--help"]) == _help(["doctor", "--help", "--lang",
                                                                 "zh"])
    assert _help(["--lang=zh", "bench", "--help"]).startswith("用法：")
    assert _help(["fleet", "--lang", "zh", "--help"]).startswith("用法：")
    assert _help(["bench", "--lang", "zh", "cnn", "--help"]).startswith("用法：")


def test_the_language_is_decided_per_invocation_not_at_import() -> None:
    first = _help(["doctor", "--help"])
    assert CJK.search(_help(["doctor", "--help", "--lang", "zh"]))
    assert _help(["doctor", "--help"]) == first


def test_one_tree_said_in_chinese_then_in_english_is_as_typer_built_it() -> None:
    fresh, reused = _tree(), _tree()
    localize_commands(reused, "zh")
    localize_commands(reused, "zh")
    assert CJK.search(_help_of(reused, "bench", "resnet"))
    localize_commands(reused, "en")
    for name in ("doctor", "explain", "recommend", "diff"):
        assert _help_of(reused, name) == _help_of(fresh, name)
    assert _help_of(reused, "bench", "resnet") == _help_of(fresh, "bench", "resnet")
    assert _help_of(reused) == _help_of(fresh)


def _help_of(root: Any, *path: str) -> str:
    command = root
    ctx = root.context_class(root, info_name="envcheck", terminal_width=80)
    for name in path:
        command = command.commands[name]
        ctx = command.context_class(command, info_name=name, parent=ctx)
    return str(command.get_help(ctx))


def test_commands_list_their_chinese_first_sentence() -> None:
    text = _help(["--help", "--lang", "zh"])
    commands = text.split("命令：\n", 1)[1]
    assert "  doctor     检查 NVIDIA 驱动、显卡、CUDA、cuDNN、torch 和 Python 环境。" in commands
    assert "  explain    诊断别人贴出来的报告。\n" in commands
    assert "..." not in commands


def test_clicks_own_words_are_said_too() -> None:
    text = _help(["diff", "--help", "--lang", "zh"])
    assert "参数：" in text and "[必填]" in text
    text = _help(["doctor", "--help", "--lang", "zh"])
    assert "[默认：10.0；x>=0.1]" in text and "[默认：error]" in text
    assert not re.search(r"\b(?:Usage|Options|Commands|Arguments|default|required)\b", text)


@pytest.mark.parametrize("width", [50, 80, 120])
def test_chinese_help_keeps_within_the_terminal_width(width: int) -> None:
    cli._register_subcommands()
    for command in COMMANDS:
        result = CliRunner().invoke(cli.app, [*command, "--help", "--lang", "zh"],
                                    env=ENGLISH_LOCALE, terminal_width=width)
        for line in result.stdout.splitlines():
            # an option's names, and one unbreakable word, may be longer, as in English
            if line.startswith("  -") or len(line.split()) == 1:
                continue
            assert cell_len(line) <= width, (command, line)
            assert not line.lstrip().startswith(("，", "。", "：", "；", "）")), line
            assert not line.rstrip().endswith("（"), line


_WORDS = st.sampled_from(["显卡", "驱动", "，", "：", "（", "）", "CUDA", "12.4", "--lang",
                          "/usr/local/cuda", "[默认：10.0；x>=0.1]", "a", "。"])


@given(st.lists(st.tuples(_WORDS, st.sampled_from(["", " ", "  "])), max_size=40),
       st.integers(min_value=10, max_value=90), st.integers(min_value=0, max_value=8))
def test_wrap_cells_keeps_every_character_and_the_width(
        pieces: list[tuple[str, str]], width: int, indent: int) -> None:
    line = "".join(word + gap for word, gap in pieces).strip()
    lines = wrap_cells(line, width, indent)
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")
    for part in lines:
        assert cell_len(part) <= width or len(part.split()) == 1, (width, part)
    assert all(part.startswith(" " * indent) for part in lines[1:])


def test_wrap_cells_keeps_punctuation_with_its_word() -> None:
    assert wrap_cells("显卡驱动（默认）。", 6, 0) == ["显卡驱", "动（默", "认）。"]
    assert wrap_cells("用 --format json，或 --json。", 12, 2) == [
        "用 --format", "  json，或", "  --json。"]
    assert wrap_cells("上限（默认 60 秒）。  [默认：10.0；x>=0.1]", 20, 0) == [
        "上限（默认 60 秒）。", "[默认：10.0；x>=0.1]"]


def test_english_help_is_byte_for_byte_what_typer_writes() -> None:
    """The root group's class changes nothing in English: the help of a plain typer group
    built from the same commands is the same text."""
    cli._register_subcommands()
    plain = typer.Typer(name="envcheck", help=cli.app.info.help, add_completion=False,
                        no_args_is_help=True, rich_markup_mode=None,
                        context_settings={"help_option_names": ["-h", "--help"]})
    plain.registered_callback = cli.app.registered_callback
    plain.registered_commands = cli.app.registered_commands
    plain.registered_groups = cli.app.registered_groups
    for command in COMMANDS:
        expected = CliRunner().invoke(plain, [*command, "--help"], env=ENGLISH_LOCALE,
                                      terminal_width=80)
        assert _help([*command, "--help"]) == expected.stdout
        assert _help([*command, "--help", "--lang", "en"], env={"LANG": "zh_CN.UTF-8"}) == (
            expected.stdout)


def test_the_extractor_finds_help_texts_and_command_docstrings() -> None:
    source = (
        "X = typer.Option('--x', help='Show every '\n 'fact.')\n"
        "app = typer.Typer(help='Many machines.')\n"
        "@app.command()\n"
        "def doctor() -> None:\n"
        "    '''Check the driver,\n    and the GPUs.'''\n"
        "@app.command(help='Given here.')\n"
        "def other() -> None:\n"
        "    '''Not the help.'''\n"
        "def plain() -> None:\n"
        "    '''Not a command.'''\n"
        "Y = typer.Option('--y', help=TEXT)\n"
        "Z = typer.Option('--z', help=None)\n"
    )
    found, bad = scan_source(source, "m.py")
    assert sorted(f.msgid for f in found) == sorted(
        ["Show every fact.", "Many machines.", "Check the driver, and the GPUs.", "Given here."])
    assert [b.line for b in bad] == [13]


def test_help_id_joins_the_lines_of_a_paragraph() -> None:
    assert help_id("One row\n    per node.\n\n  Exits 1.\n") == "One row per node.\n\nExits 1."


# --- the language of an invocation reaches the command -------------------------------------

def test_lang_given_to_the_root_is_the_commands_language(fake_doctor: Report) -> None:
    def doctor(*args: str) -> str:
        result = CliRunner().invoke(cli.app, [*args], env=ENGLISH_LOCALE)
        assert result.exit_code in (0, 1), result.output
        return result.stdout

    chinese = doctor("doctor", "--no-redact", "--lang", "zh")
    assert CJK.search(chinese)
    assert doctor("--lang", "zh", "doctor", "--no-redact") == chinese
    english = doctor("doctor", "--no-redact")
    assert not CJK.search(english)
    assert doctor("--lang", "zh", "doctor", "--no-redact", "--lang", "en") == english


# --- the one-line usage errors ----------------------------------------------------------------

def _envcheck(*args: str, lang_env: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env["LANG"] = lang_env
    return subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True,
                          text=True, timeout=120, env=env, check=False, stdin=subprocess.DEVNULL)


ERRORS = [
    (("doctor", "--timeout", "0.01"), "'--timeout' 的值无效：0.01 不在允许的范围 x>=0.1 内。"),
    (("doctor", "--timeout", "abc"), "'--timeout' 的值无效：'abc' 不是有效的数字。"),
    (("bench", "resnet", "--batch", "x"), "'--batch' 的值无效：'x' 不是有效的整数。"),
    (("doctor", "--bogus"), "没有这个选项：--bogus（可用的选项：--verbose）"),
    (("docter",), "没有这个命令：'docter'。你是不是想用 'doctor'？"),
    (("bench", "--lang", "zh"), "缺少命令。"),
]


@pytest.mark.parametrize(("args", "chinese"), ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_usage_errors_of_the_parser_are_chinese(args: tuple[str, ...], chinese: str) -> None:
    said = _envcheck(*args, lang_env="zh_CN.UTF-8")
    assert said.returncode == 2
    assert said.stderr.strip() == "envcheck：错误：" + chinese
    if "--lang" not in args:
        english = _envcheck(*args, lang_env="C.UTF-8")
        assert english.stderr.startswith("envcheck: error: ")
        assert not CJK.search(english.stderr)


def test_the_help_of_a_real_process_is_chinese_under_a_chinese_locale() -> None:
    said = _envcheck("--help", lang_env="zh_CN.UTF-8")
    assert said.returncode == 0
    assert said.stdout.startswith("用法：envcheck [OPTIONS] COMMAND [ARGS]...")
    assert "命令：" in said.stdout
