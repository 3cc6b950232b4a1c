"""``envcheck recommend`` in Chinese: every word translated, every command the English one, the
mainland China mirrors right after the command, and the Windows trap of a PyPI mirror."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from envcheck.cli_recommend import register
from envcheck.i18n import messages
from envcheck.recipes import load_tables
from envcheck.recommend import (
    ImpossibleRequest,
    Recommendation,
    Request,
    RequestError,
    recommend,
    reinstall_fix,
)
from envcheck.render.localize import localize_fix
from envcheck.render.recommendation import (
    localize_impossible,
    localize_recommendation,
    render_impossible_text,
    render_json,
    render_text,
)
from tests.test_cli_recommend import FakeMachine
from tests.test_i18n_complete import english_left

ZH = messages("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
TUNA = "https://pypi.tuna.tsinghua.edu.cn/simple"
WINDOWS_CUDA = Request(os="windows", cc=("8.9",), python="3.11")
LINUX_CUDA = Request(os="linux", cuda="12.1", python="3.10", driver="535.104.05")
GRID: dict[str, tuple[Any, ...]] = {
    "os": ("linux", "windows", "macos"),
    "arch": (None, "aarch64"),
    "python": (None, "3.8", "3.12"),
    "cuda": (None, "12.1", "11.0", "10.2"),
    "driver": (None, "450.80.02", "535.104.05", "580.65.06"),
    "cc": ((), ("8.6",), ("6.1",)),
    "torch": (None, "1.7.1", "1.0.0", "2.4", "2.15.0", "2.13"),
    "manager": ("pip", "uv", "conda"),
    "mirror": (None, "tuna", "aliyun", "sjtu", "nju"),
    "packages": (None, ("torch", "torchaudio"), ("torchvision",)),
}


def _requests() -> Iterator[Request]:
    """A spread of requests: each input varied alone, then pairs, over a Windows/Linux base."""
    for base in (WINDOWS_CUDA, LINUX_CUDA, Request(), Request(os="macos")):
        yield base
        for key, values in GRID.items():
            for value in values:
                yield Request(**{**base.__dict__, key: value})
    for (k1, v1s), (k2, v2s) in itertools.combinations(GRID.items(), 2):
        for v1, v2 in itertools.product(v1s, v2s):
            yield Request(**{k1: v1, k2: v2})


def _answers() -> Iterator[Recommendation | ImpossibleRequest]:
    for request in _requests():
        try:
            yield recommend(request)
        except ImpossibleRequest as exc:
            yield exc
        except RequestError:
            continue


ANSWERS = list(_answers())


def _commands(text: str) -> list[str]:
    lines = text.splitlines()
    return [lines[0], *(line.strip() for line in lines if line.startswith("      "))]


def _words(text: str) -> list[str]:
    """The lines of a rendered answer that are words (not the command lines)."""
    lines = text.splitlines()
    return [line for line in lines[1:] if not line.startswith("      ")]


def test_the_grid_holds_answers_and_refusals() -> None:
    assert sum(isinstance(a, Recommendation) for a in ANSWERS) > 300
    assert sum(isinstance(a, ImpossibleRequest) for a in ANSWERS) > 30


def test_every_answer_is_said_in_chinese_with_nothing_left_in_english() -> None:
    lost: set[str] = set()
    for answer in ANSWERS:
        if isinstance(answer, Recommendation):
            localize_recommendation(answer, "zh", lost)
            text = render_text(answer, lang="zh")
        else:
            localize_impossible(answer, "zh", lost)
            text = render_impossible_text(answer, "zh")
        left = [run for line in _words(text) for run in english_left(line)]
        assert not left, (text, left)
    assert not lost, sorted(lost)


def test_chinese_keeps_every_english_command() -> None:
    for answer in ANSWERS:
        if not isinstance(answer, Recommendation):
            continue
        english, chinese = render_text(answer), render_text(answer, lang="zh")
        assert not CJK.search(english)
        assert CJK.search(chinese)
        assert chinese.splitlines()[0] == english.splitlines()[0] == answer.command
        en, zh = _commands(english), _commands(chinese)
        # the English alternatives through a mainland mirror give way to the mainland block
        kept = [a.command for a in answer.alternatives if not a.mirror]
        assert [c for c in zh if c in kept] == kept
        assert set(zh) >= {answer.command, *kept}
        assert set(en) <= set(zh) | {a.command for a in answer.alternatives if a.mirror}


def test_json_in_chinese_is_the_english_data_with_its_words_translated() -> None:
    words = ("effect", "label", "warnings", "unconfirmed", "cuda_reading")

    def data(text: str) -> Any:
        def strip(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: strip(v) for k, v in node.items() if k not in words}
            if isinstance(node, list):
                return [strip(v) for v in node]
            return node
        return strip(json.loads(text))

    for answer in ANSWERS[:200]:
        if isinstance(answer, Recommendation):
            english, chinese = render_json(answer), render_json(answer, "zh")
            assert data(chinese) == data(english)
            labels = [a["label"] for a in json.loads(chinese)["alternatives"]]
            assert all(CJK.search(label) for label in labels)
            assert len(json.loads(chinese)["warnings"]) == len(answer.warnings)


# --- mirrors first for users in mainland China ---------------------------------------------

def _alternatives(text: str) -> list[tuple[str, str]]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line in ("Alternatives:", "其他可选命令："))
    pairs = []
    for label, command in zip(lines[start + 1::2], lines[start + 2::2], strict=False):
        if not command.startswith("      "):
            break
        pairs.append((label, command.strip()))
    return pairs


def test_windows_cuda_puts_the_wheel_mirrors_right_after_the_command() -> None:
    rec = recommend(WINDOWS_CUDA)
    alts = _alternatives(render_text(rec, lang="zh"))
    firsts = [command for _, command in alts[:3]]
    assert "-f https://mirrors.aliyun.com/pytorch-wheels/cu132 -i " + TUNA in firsts[0]
    assert {re.search(r"https://(mirrors?\.[a-z]+\.[a-z.]+)/", c).group(1)  # type: ignore[union-attr]
            for c in firsts} == {"mirrors.aliyun.com", "mirror.sjtu.edu.cn", "mirror.nju.edu.cn"}
    assert all(label.startswith("  - 国内镜像") for label, _ in alts[:3])
    assert not any("国内镜像" in label for label, _ in alts[3:])
    # English: as before, the only mirror (Aliyun's) after the others
    english = _alternatives(render_text(rec))
    assert english[0][0].startswith("  - previous line")
    assert english[-1][0] == "  - from China: Aliyun's mirror of download.pytorch.org (needs -f):"


@pytest.mark.parametrize("request_", [Request(os="macos", python="3.12"),
                                      Request(os="windows", python="3.11", variant="cpu")])
def test_a_build_pypi_serves_comes_from_tsinghua_first(request_: Request) -> None:
    rec = recommend(request_)
    label, command = _alternatives(render_text(rec, lang="zh"))[0]
    assert command == f"{rec.command} -i {TUNA}"
    assert "清华" in label


def test_every_mirror_url_comes_from_the_tables() -> None:
    tables = load_tables()
    known = {tables.official_url.split("{")[0], *(m.url for m in tables.pypi_mirrors),
             *(m.url.split("{")[0] for m in tables.wheel_mirrors),
             *(m.stable_url for m in tables.wheel_mirrors if m.stable_url)}
    for answer in ANSWERS:
        if isinstance(answer, Recommendation):
            for alt in answer.mainland.alternatives:
                urls = re.findall(r"https://\S+", alt.command)
                assert urls and all(any(u.startswith(k) for k in known) for u in urls), alt


def test_the_windows_trap_is_spelled_out_for_a_windows_cuda_build_only() -> None:
    windows = render_text(recommend(WINDOWS_CUDA), lang="zh")
    trap = next(line for line in windows.splitlines() if f"pip install torch -i {TUNA}" in line)
    assert "装到的是 CPU 版" in trap and "只有 CPU 版" in trap
    assert "https://mirrors.aliyun.com/pytorch-wheels/cu132（要用 -f）" in trap
    assert "https://download.pytorch.org/whl/cu132" in trap
    assert "mirror.sjtu.edu.cn" in trap and "mirror.nju.edu.cn" in trap
    # said once: the general Windows warning gives way to it
    assert "Windows 上 PyPI 的 torch" not in windows
    # English keeps its own warning, unchanged
    english = render_text(recommend(WINDOWS_CUDA))
    assert "on Windows the PyPI torch wheel is CPU-only in every version" in english
    assert TUNA not in english
    for request_ in (LINUX_CUDA, Request(os="windows", python="3.11", variant="cpu"),
                     Request(os="macos", python="3.12")):
        assert f"pip install torch -i {TUNA}" not in render_text(recommend(request_), lang="zh")


# --- the doctor's fix, the CLI ------------------------------------------------------------

def test_the_reinstall_fix_is_said_in_chinese() -> None:
    for facts in (
        {"os.name": "linux", "python.version": "3.11.4", "torch.version": "2.1.0+cpu",
         "nvidia.gpus": [{"name": "RTX 4090", "compute_capability": "8.9"}]},
        {"os.name": "linux", "python.version": "3.12.1", "nvidia.gpu_count": 0},
        {"os.name": "windows", "python.version": "3.10.4", "nvidia.driver_version": "536.23",
         "nvidia.cuda_driver_max": "12.2"},
    ):
        fix = reinstall_fix(facts)
        assert fix is not None
        lost: set[str] = set()
        said = localize_fix(fix, ZH, lost)
        assert not lost
        assert CJK.search(said.summary) and not english_left(said.summary)
        assert said.commands == fix.commands


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test app."""

    register(app, machine=FakeMachine())
    return app


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    base = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    result = CliRunner().invoke(_app(), ["recommend", *args], env={**base, **(env or {})})
    return result.exit_code, result.stdout, result.stderr


def test_the_cli_speaks_chinese_under_lang_zh_and_a_chinese_locale() -> None:
    ask = ("--os", "windows", "--cc", "8.9", "--python", "3.11")
    code, english, _ = _run(*ask)
    assert code == 0 and not CJK.search(english)
    for chinese in (_run(*ask, "--lang", "zh")[1], _run(*ask, env={"LANG": "zh_CN.UTF-8"})[1]):
        assert CJK.search(chinese)
        assert chinese.splitlines()[0] == english.splitlines()[0]
        assert "其他可选命令：" in chinese and "国内镜像" in chinese
    assert _run(*ask, "--lang", "en", env={"LANG": "zh_CN.UTF-8"})[1] == english
    code, out, _ = _run(*ask, "--json", "--lang", "zh")
    assert code == 0 and json.loads(out)["command"] == english.splitlines()[0]


def test_the_cli_says_its_errors_in_chinese() -> None:
    code, _, err = _run("--os", "beos", "--lang", "zh")
    assert code == 2
    assert err.strip() == "envcheck recommend: --os 'beos'：请用 linux、windows 或 macos"
    code, _, err = _run("--os", "macos", "--cuda", "12.1", "--lang", "zh")
    assert code == 2
    assert err.startswith("没有合适的版本：macOS 上没有 CUDA")
    assert "可以改为：" in err and "envcheck recommend --os macos" in err


def test_words_from_the_recipe_tables_have_their_chinese() -> None:
    tables = load_tables()
    rows = [*tables.releases, *tables.toolkits, *tables.compat, *tables.archs, *tables.builds,
            *tables.pypi_mirrors, *tables.wheel_mirrors, *tables.bad_drivers]
    said = [r.meta.note for r in rows if r.meta.unconfirmed and r.meta.note]
    said += [b.reason for b in tables.bad_drivers]
    said += [m.name for m in tables.wheel_mirrors]
    said += [m.name for m in tables.pypi_mirrors if m.key == "tuna"]
    untranslated = [text for text in said if not CJK.search(ZH.gettext(text))]
    assert not untranslated
