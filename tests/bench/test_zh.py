"""The bench in Chinese: its findings, report, notes, JSON document and CLI lines say every word
in Chinese, and keep the numbers, units, ids, keys, values and commands of the English."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from envcheck import cli, cli_bench
from envcheck.bench.document import BenchFailure, FollowerNote
from envcheck.bench.launch import (
    WORKER_MESSAGES,
    BenchOptions,
    WorkerMessage,
    device_problem,
)
from envcheck.bench.references import Reference, judge
from envcheck.bench.result import (
    _verdict_finding,
    correctness_findings,
    measurement_findings,
    worker_note,
)
from envcheck.bench.telemetry import (
    HW_POWER_BRAKE,
    HW_SLOWDOWN,
    HW_THERMAL,
    find_nvml_index,
    summarise,
    telemetry_findings,
)
from envcheck.i18n import messages
from envcheck.model import Category, Finding, Fix, Severity
from envcheck.render.bench import localize_bench, render_bench_json, render_bench_text
from envcheck.render.localize import localize_finding
from envcheck.system.nvml import NvmlError
from tests.bench.test_golden_documents import RESULTS
from tests.bench.test_telemetry import healthy
from tests.test_i18n_complete import english_left
from tests.torch_target import TORCH_PYTHON, needs_torch

ZH = messages("zh")
CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]
FIXTURE_WORDS = {"NVML sampled every 0.5 s", "a note from the worker", "fake reference for tests"}
"""Words the golden cases make up (a telemetry note, a worker note, a reference's citation):
data to envcheck, shown as they are."""
_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?(?: ?(?:%|ms|s|GiB|MiB|GB/s|W|MHz|°C)(?![A-Za-z0-9]))?")


def _without_fixtures(text: str) -> str:
    for words in FIXTURE_WORDS:
        text = text.replace(words, "")
    return text


def _said(findings: tuple[Finding, ...] | list[Finding]) -> None:
    lost: set[str] = set()
    for finding in findings:
        said = localize_finding(finding, ZH, lost)
        for text in (said.title, said.detail, *(f.summary for f in said.fixes)):
            assert not english_left(text), (finding.id, text)
        assert CJK.search(said.title), said.title
        if finding.detail:
            assert CJK.search(said.detail), said.detail
    assert not lost, sorted(lost)


# --- the report ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_every_bench_report_is_said_in_chinese(name: str) -> None:
    lost: set[str] = set()
    chinese = render_bench_text(RESULTS[name], "zh", lost)
    assert lost <= FIXTURE_WORDS, sorted(lost - FIXTURE_WORDS)
    left = [run for line in _without_fixtures(chinese).splitlines() for run in english_left(line)]
    assert not left
    assert CJK.search(chinese)
    english = render_bench_text(RESULTS[name])
    assert Counter(_NUMBER.findall(chinese)) == Counter(_NUMBER.findall(english))
    ids = re.compile(r"\[(bench\.[a-z_]+)\]")
    assert ids.findall(chinese) == ids.findall(english)
    assert chinese.count("`") == english.count("`")  # commands are quoted the same


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_a_document_read_back_is_said_in_chinese_too(name: str) -> None:
    """A ``--json`` file from another machine (plain strings, no messages) says the same."""
    document = json.loads(render_bench_json(RESULTS[name]))
    lost: set[str] = set()
    assert render_bench_text(document, "zh", lost) == render_bench_text(RESULTS[name], "zh")
    assert lost <= FIXTURE_WORDS


def test_english_is_the_default_and_unchanged() -> None:
    for result in RESULTS.values():
        assert render_bench_text(result, "en") == render_bench_text(result)
        assert render_bench_json(result, "en") == render_bench_json(result)
        assert localize_bench(result, "en") is result


def test_the_runs_table_keeps_its_columns_with_chinese_headings() -> None:
    from rich.cells import cell_len

    lines = render_bench_text(RESULTS["train_gpu_ok"], "zh").splitlines()
    head = next(i for i, line in enumerate(lines) if "images/s" in line and "设备" in line)
    rows = lines[head:head + 4]
    ends = {cell_len(row[:row.index(col) + len(col)]) for row, col in
            zip(rows, ("images/s", "2,900.0", "2,900.0", "4.0"), strict=True)}
    assert len(ends) == 1, rows


# --- the JSON document -----------------------------------------------------------------------

_WORDS = {"title", "detail", "summary", "verdict_note", "telemetry_note", "notes", "note",
          "message", "consequences"}


def _same_but_words(en: Any, zh: Any, key: str = "") -> None:
    if isinstance(en, Mapping):
        assert list(en) == list(zh)
        for k in en:
            _same_but_words(en[k], zh[k], k)
    elif isinstance(en, list):
        assert len(en) == len(zh)
        for a, b in zip(en, zh, strict=True):
            _same_but_words(a, b, key)
    elif key not in _WORDS:
        assert en == zh, (key, en, zh)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_the_json_document_translates_only_the_words(name: str) -> None:
    english = json.loads(render_bench_json(RESULTS[name]))
    chinese = json.loads(render_bench_json(RESULTS[name], "zh"))
    _same_but_words(english, chinese)
    for finding in chinese["findings"]:
        assert CJK.search(finding["title"])
    if english.get("verdict_note"):
        assert CJK.search(chinese["verdict_note"])


def test_the_error_and_follower_documents_in_chinese() -> None:
    cause = Finding(id="cpu_build.cpu_wheel_on_gpu_machine", severity=Severity.ERROR,
                    category=Category.CPU_BUILD,
                    title="torch is a CPU-only build on a machine with an NVIDIA GPU",
                    fixes=(Fix("Reinstall torch with CUDA", ("pip install torch",)),))
    failure = BenchFailure("9", "cuda_unavailable",
                           "CUDA was asked for but this torch is a CPU-only build", (cause,))
    english = json.loads(render_bench_json(failure))
    chinese = json.loads(render_bench_json(failure, "zh"))
    _same_but_words(english, chinese)
    assert chinese["error"]["code"] == "cuda_unavailable"
    assert CJK.search(chinese["error"]["message"])
    assert chinese["diagnosis"][0]["fixes"][0]["commands"] == ["pip install torch"]
    follower = FollowerNote("9", "mnist_cnn", worker_follower_note())
    said = json.loads(render_bench_json(follower, "zh"))
    assert said["role"] == "follower" and CJK.search(said["note"])


def worker_follower_note() -> str:
    from envcheck.bench.launch import run_worker
    from envcheck.system.run import CommandResult

    def streamer(argv: list[str], on_line: Any, **_kw: Any) -> CommandResult:
        return CommandResult(tuple(argv), 0, "", "")

    options = BenchOptions(ddp=2, rendezvous=cli_bench._rendezvous(2, 2, "head:29500", "r"))
    outcome = run_worker("python", options, streamer=streamer)
    assert outcome.error_code == "follower"
    return outcome.error_message or ""


# --- every finding and note the bench can write ----------------------------------------------


def test_every_telemetry_finding_is_said_in_chinese() -> None:
    hot = summarise(healthy(throttle_reasons=HW_SLOWDOWN | HW_THERMAL | HW_POWER_BRAKE | 0x4
                            | 0x20, pcie_gen=3, pcie_width=8, gpu_util=30))
    found = telemetry_findings(hot)
    assert {f.id for f in found} >= {"bench.hw_throttle", "bench.thermal_throttle",
                                     "bench.power_cap", "bench.pcie_downgraded",
                                     "bench.low_utilisation"}
    _said(found)
    _said(telemetry_findings(hot, launch_bound=True))
    # No power limit known; a link generation the rate table does not know (no GB/s).
    bare = telemetry_findings(summarise(healthy(throttle_reasons=0x4, power_limit_mw=None,
                                                pcie_gen=3, pcie_gen_max=7)))
    assert {f.id for f in bare} == {"bench.power_cap", "bench.pcie_downgraded"}
    assert not any("GB/s" in f.title or "(limit" in f.title for f in bare)
    _said(bare)


def test_every_correctness_verdict_and_measurement_finding_is_said_in_chinese() -> None:
    agreement = {"ok": False, "logits_max_abs_diff": 0.5, "loss_rel_diff": 0.1,
                 "grad_cosine": 0.2}
    found = [
        *correctness_findings({"loss_finite": False}, agreement),
        *correctness_findings({"loss_falling": False, "loss_first_mean": 2.3,
                               "loss_last_mean": 2.4, "loss_steps": 50}, None),
        *measurement_findings({"batch_halved": True, "batch_requested": 512, "batch": 256,
                               "iqr_over_median": 0.3, "interrupted": True}),
    ]
    for verdict in ("below_expected", "investigate"):
        made = _verdict_finding(verdict, 0.5, 3000.0)
        assert made is not None
        found.append(made)
    assert len(found) == 8
    _said(found)


def _reference(**changes: Any) -> Reference:
    values: dict[str, Any] = {"gpu": "H100 SXM", "model": "resnet50", "precision": "amp",
                              "channels_last": True, "batch": 256, "images_per_s": 3000.0,
                              "kind": "measured", "source": "a citation"}
    values.update(changes)
    return Reference(**values)


def test_every_verdict_note_is_said_in_chinese() -> None:
    notes = [
        judge(100.0, None, device_type="cpu").note,
        judge(100.0, None).note,
        judge(None, _reference()).note,
        judge(2900.0, _reference(), channels_last=False).note,
        judge(2900.0, _reference(kind="estimate"), channels_last=True).note,
        judge(2900.0, _reference(kind="estimate"), channels_last=False).note,
    ]
    for note in notes:
        lost: set[str] = set()
        said = ZH.say(note, lost)
        assert not lost and CJK.search(said) and not english_left(said), said
    both = ZH.say(notes[-1])
    assert "channels_last" in both and "；" in both


class _Nvml:
    def __init__(self, count: object = 2, fail: bool = False) -> None:
        self.count, self.fail = count, fail

    def init(self) -> None:
        if self.fail:
            raise NvmlError("driver_not_loaded", "Driver Not Loaded")

    def system(self, _query: str) -> object:
        return self.count

    def device(self, index: int, query: str) -> object:
        return {"uuid": f"GPU-{index}", "name": "NVIDIA H100"}.get(query)


def test_every_telemetry_note_is_said_in_chinese() -> None:
    from envcheck.bench.launch import _telemetry_hook

    whys = [find_nvml_index(_Nvml(fail=True), None, None)[1],  # type: ignore[arg-type]
            find_nvml_index(_Nvml(count=0), None, None)[1],  # type: ignore[arg-type]
            find_nvml_index(_Nvml(), "GPU-1", None)[1],  # type: ignore[arg-type]
            find_nvml_index(_Nvml(count=1), None, None)[1],  # type: ignore[arg-type]
            find_nvml_index(_Nvml(), None, "NVIDIA H100")[1]]  # type: ignore[arg-type]
    notes: list[str] = []
    for device, nvml in (({"type": "cpu"}, None), ({"type": "cuda"}, None),
                         ({"type": "cuda", "uuid": "GPU-0"}, _Nvml(fail=True))):
        state: dict[str, Any] = {"sampler": None, "note": ""}
        _telemetry_hook(WorkerMessage("progress", {"phase": "device", "device": device}),
                        state, nvml, 0.5)  # type: ignore[arg-type]
        notes.append(state["note"])
    notes.append(summarise(healthy(timed=False)).note)
    for text in [*whys, *notes]:
        lost: set[str] = set()
        said = ZH.say(text, lost)
        assert not lost and CJK.search(said) and not english_left(said), said


def test_what_the_worker_writes_is_said_in_chinese() -> None:
    """The worker (torch only, no envcheck) writes English; envcheck says it in Chinese."""
    written = [
        "CUDA was asked for but this torch is a CPU-only build",
        "CUDA was asked for but torch.cuda.is_available() is False",
        "MPS was asked for but is not available",
        "the transfer benchmark measures a CUDA GPU's host link; the device here is mps",
        "out of memory at batch 512; retrying with 256",
        "GPU-vs-CPU agreement not checked: the benchmark ran on the CPU",
    ]
    for text in written:
        said = ZH.say(worker_note(text))
        assert CJK.search(said) and not english_left(said), said
    assert "torch.cuda.is_available()" in ZH.say(written[1])
    assert "512" in ZH.say(written[4]) and "256" in ZH.say(written[4])


def test_the_worker_messages_envcheck_knows_are_the_workers_own() -> None:
    """Each message listed for the worker is still written by it (its fixed words are in the
    worker's source), so a changed worker message cannot go untranslated unnoticed."""
    bench = ROOT / "envcheck" / "bench"
    source = "".join((bench / name).read_text(encoding="utf-8")
                     for name in ("worker.py", "devices.py", "hardware.py", "nets.py"))
    source = re.sub(r'"\s*\n\s*f?"', "", source)  # adjacent literals: one string
    for message in WORKER_MESSAGES:
        for piece in re.split(r"\{[^}]*\}", message.msgid):
            assert piece.strip() in source, piece


def test_launch_and_usage_messages_are_said_in_chinese() -> None:
    for text in (device_problem("xpu", "linux"), device_problem("mps", "windows")):
        assert text is not None
        said = ZH.say(text)
        assert CJK.search(said) and "--device" in said


# --- the command line ------------------------------------------------------------------------


def test_progress_lines_are_said_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    progress = cli_bench._Progress("resnet50", "zh")
    with progress:
        for data in ({"phase": "device", "device": {"type": "cpu", "name": "x86_64"}},
                     {"phase": "warmup", "run": "headline"},
                     {"phase": "timed_start", "run": "headline", "steps": 20},
                     {"phase": "oom", "message": "out of memory at batch 512; retrying with 256"},
                     {"phase": "checks"}, {"phase": "agreement"}):
            progress(WorkerMessage("progress", data))
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 7
    for line in lines:
        assert line.startswith("envcheck bench：") and CJK.search(line), line
        assert not english_left(line), line


def test_failures_are_said_in_chinese(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    cause = Finding(id="cpu_build.cpu_wheel_on_gpu_machine", severity=Severity.ERROR,
                    category=Category.CPU_BUILD,
                    title="torch is a CPU-only build on a machine with an NVIDIA GPU",
                    fixes=(Fix("Reinstall torch with CUDA", ("pip install torch",)),))
    monkeypatch.setattr(cli_bench, "_diagnose", lambda python: (cause,))
    assert cli_bench._fail("cuda_unavailable", "CUDA was asked for but this torch is a "
                           "CPU-only build", "/envs/dl/bin/python", False, "zh") == 1
    err = capsys.readouterr().err
    assert "envcheck doctor --python /envs/dl/bin/python" in err
    assert "[cpu_build.cpu_wheel_on_gpu_machine]" in err and "$ pip install torch" in err
    for line in err.splitlines():
        assert not english_left(line), line
    monkeypatch.setattr(cli_bench, "_diagnose", lambda python: ())
    for code, message in (("mps_unavailable", "MPS was asked for but is not available"),
                          ("no_torch", "No module named 'torch'"),
                          ("python_not_found", "the target interpreter /x does not exist"),
                          ("interrupted", None)):
        cli_bench._fail(code, message, sys.executable, False, "zh")
        err = capsys.readouterr().err
        assert CJK.search(err), err
        assert not [run for line in err.splitlines() for run in english_left(line)], err


def test_lang_and_a_chinese_locale_reach_the_bench(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def run(*args: Any) -> None:
        seen.append(args[-1])

    monkeypatch.setattr(cli_bench, "_run", run)
    cli._register_subcommands()
    base = {"LC_ALL": "", "LC_MESSAGES": ""}
    for argv, lang, expected in ((["cnn"], "zh_CN.UTF-8", "zh"),
                                 (["matmul", "--lang", "en"], "zh_CN.UTF-8", "en"),
                                 (["transfer", "--lang", "zh"], "C.UTF-8", "zh"),
                                 (["resnet"], "C.UTF-8", "en")):
        result = CliRunner().invoke(cli.app, ["bench", *argv], env={**base, "LANG": lang})
        assert result.exit_code == 0, result.output
        assert seen[-1] == expected, argv


def test_a_usage_error_is_said_in_chinese() -> None:
    proc = subprocess.run([sys.executable, "-m", "envcheck", "bench", "cnn", "--device", "xpu",
                           "--lang", "zh"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, check=False)
    assert proc.returncode == 2
    assert "'xpu'" in proc.stderr and CJK.search(proc.stderr)


@pytest.mark.torch
@needs_torch
def test_a_real_cpu_bench_speaks_chinese_under_a_chinese_locale() -> None:
    env = {**os.environ, "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "envcheck", "bench", "cnn", "--device", "cpu",
                           "--quick", "--python", TORCH_PYTHON], capture_output=True,
                          text=True, timeout=300, cwd=ROOT, check=False, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "吞吐量" in proc.stdout and "正确性" in proc.stdout and "结论" in proc.stdout
    for line in (proc.stdout + proc.stderr).splitlines():
        assert not english_left(line), line
