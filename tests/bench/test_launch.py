"""The launcher: protocol lines, argv, telemetry started from progress, errors, Ctrl-C."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from envcheck.bench.launch import (
    BenchOptions,
    WorkerMessage,
    device_problem,
    parse_line,
    run_ddp,
    run_worker,
    scaling,
    worker_argv,
)
from envcheck.system.run import CommandResult
from tests.bench.test_telemetry import H100
from tests.fakes import FakeNvml, data


def line(msg_type: str, **payload: Any) -> str:
    return "ENVCHECK-BENCH " + json.dumps({"type": msg_type, **payload})


class FakeStreamer:
    """Feeds recorded lines to the launcher's callback, then returns or raises."""

    def __init__(self, lines: Sequence[str], *, returncode: int = 0, stderr: str = "",
                 interrupt_after: int | None = None,
                 between: Callable[[int], None] | None = None) -> None:
        self.lines = list(lines)
        self.returncode = returncode
        self.stderr = stderr
        self.interrupt_after = interrupt_after
        self.between = between
        self.argvs: list[list[str]] = []

    def __call__(self, argv: Sequence[str], on_line: Callable[[str], None], *,
                 env: Mapping[str, str] | None = None, timeout: float | None = None
                 ) -> CommandResult:
        self.argvs.append(list(argv))
        for i, text in enumerate(self.lines):
            on_line(text)
            if self.between:
                self.between(i)
        result = CommandResult(tuple(argv), self.returncode, "\n".join(self.lines), self.stderr)
        if self.interrupt_after is not None:
            raise KeyboardInterrupt(result)
        return result


def test_parse_line_reads_only_protocol_lines() -> None:
    assert parse_line("UserWarning: something") is None
    assert parse_line("ENVCHECK-BENCH {not json") is None
    assert parse_line('ENVCHECK-BENCH ["list"]') is None
    msg = parse_line(line("progress", phase="warmup", step=1))
    assert msg == WorkerMessage("progress", {"phase": "warmup", "step": 1})


def test_recorded_cpu_run_parses_to_one_result() -> None:
    messages = [m for m in map(parse_line, data("bench/cnn_cpu_torch2.13.jsonl").splitlines())
                if m]
    assert [m.type for m in messages].count("result") == 1
    assert messages[0].data["phase"] == "device"


def test_argv_plain_and_ddp() -> None:
    plain = worker_argv("/py", BenchOptions(model="mnist_cnn", batch=32))
    assert plain[0] == "/py" and plain[1].endswith("worker.py") and plain[2] == "--json-args"
    args = json.loads(plain[3])
    assert args["model"] == "mnist_cnn" and args["batch"] == 32 and args["kind"] == "train"
    ddp = worker_argv("/py", BenchOptions(ddp=2))
    assert ddp[:6] == ["/py", "-m", "torch.distributed.run", "--standalone",
                       "--nproc_per_node", "2"]


def test_quick_and_extra_arguments_reach_the_worker() -> None:
    args = BenchOptions(quick=True, extra={"min_steps": 2}).worker_args()
    assert args["cpu_steps"] == 2 and args["min_steps"] == 2


CUDA_DEVICE = {"type": "cuda", "name": H100.name, "uuid": H100.uuid}


def test_telemetry_runs_while_the_worker_times_steps() -> None:
    nvml = FakeNvml(gpus=[H100])
    lines = [
        line("progress", phase="device", device=CUDA_DEVICE),
        line("progress", phase="warmup", run="headline"),
        line("progress", phase="timed_start", run="headline"),
        line("progress", phase="timed", run="headline", steps=10),
        line("progress", phase="timed_end", run="headline"),
        line("result", kind="train", runs=[]),
    ]
    seen: list[str] = []
    outcome = run_worker("/py", BenchOptions(), nvml=nvml, streamer=FakeStreamer(lines),
                         on_message=lambda m: seen.append(m.type), sample_interval_s=3600)
    assert outcome.result == {"kind": "train", "runs": []}
    assert "matched by UUID" in outcome.telemetry_note
    assert outcome.driver_version == "550.54.14"
    assert [s.timed for s in outcome.samples] == [True]  # taken at timed_start
    assert seen.count("progress") == 5


def test_no_telemetry_off_nvidia() -> None:
    lines = [line("progress", phase="device", device={"type": "cpu"}), line("result", runs=[])]
    outcome = run_worker("/py", BenchOptions(), nvml=FakeNvml(gpus=[H100]),
                         streamer=FakeStreamer(lines))
    assert outcome.samples == () and "not run on an NVIDIA GPU" in outcome.telemetry_note


def test_worker_errors_come_back_as_codes() -> None:
    lines = [line("error", code="no_torch", message="No module named 'torch'")]
    outcome = run_worker("/py", BenchOptions(), streamer=FakeStreamer(lines, returncode=3))
    assert outcome.result is None and outcome.error_code == "no_torch"


def test_missing_interpreter_and_silent_crash() -> None:
    def missing(argv: Sequence[str], on_line: Callable[[str], None], **_: Any) -> CommandResult:
        return CommandResult(tuple(argv), None, "", "", 0.0, "not_found", "no such file")

    assert run_worker("/nope", BenchOptions(), streamer=missing).error_code == "python_not_found"
    crash = FakeStreamer([], returncode=-11, stderr="Segmentation fault")
    outcome = run_worker("/py", BenchOptions(), streamer=crash)
    assert outcome.error_code == "worker_failed" and "SIGSEGV" in (outcome.error_message or "")


def test_ctrl_c_keeps_the_partial_result() -> None:
    lines = [line("progress", phase="timed_start"),
             line("result", kind="train", interrupted=True, runs=[{"run": "partial"}])]
    outcome = run_worker("/py", BenchOptions(), streamer=FakeStreamer(lines, interrupt_after=1))
    assert outcome.interrupted and outcome.result is not None
    early = run_worker("/py", BenchOptions(), streamer=FakeStreamer([], interrupt_after=0))
    assert early.interrupted and early.error_code == "interrupted"


def test_ddp_runs_a_single_process_baseline_first() -> None:
    single = FakeStreamer([line("result", runs=[{"images_per_s": 100.0}])])
    outcome, base = run_ddp("/py", BenchOptions(ddp=2), streamer=single)
    assert len(single.argvs) == 2
    assert "torch.distributed.run" not in single.argvs[0]
    assert "torch.distributed.run" in single.argvs[1]
    assert json.loads(single.argvs[0][-1])["cpu_compare"] is False
    assert base is not None and outcome.result is not None


def test_scaling_efficiency() -> None:
    ddp = {"distributed": {"world_size": 2, "aggregate_images_per_s": 180.0}}
    assert scaling(ddp, {"runs": [{"images_per_s": 100.0}]}) == {
        "single_images_per_s": 100.0, "scaling_efficiency": 0.9}
    assert scaling(ddp, None)["scaling_efficiency"] is None


def test_cpu_comparison_window_is_not_a_gpu_window() -> None:
    lines = [
        line("progress", phase="device", device=CUDA_DEVICE),
        line("progress", phase="timed_start", run="headline"),
        line("progress", phase="timed_end", run="headline"),
        line("progress", phase="timed_start", run="cpu"),
        line("progress", phase="timed_end", run="cpu"),
        line("result", runs=[]),
    ]
    outcome = run_worker("/py", BenchOptions(), nvml=FakeNvml(gpus=[H100]),
                         streamer=FakeStreamer(lines), sample_interval_s=3600)
    assert [s.timed for s in outcome.samples] == [True, False]


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:12"])
def test_devices_torch_can_take_are_accepted_everywhere(device: str) -> None:
    for os_name in ("linux", "windows", "darwin"):
        assert device_problem(device, os_name) is None


@pytest.mark.parametrize("device", ["xpu", "banana", "cuda:", "cuda:-1", "CUDA", "cuda:0,1", ""])
def test_other_devices_are_usage_errors(device: str) -> None:
    problem = device_problem(device, "linux")
    assert problem is not None and problem.startswith("--device must be auto, cpu, cuda")


def test_mps_is_only_for_macos() -> None:
    assert device_problem("mps", "darwin") is None
    for os_name, shown in (("linux", "Linux"), ("windows", "Windows")):
        problem = device_problem("mps", os_name)
        assert problem is not None
        assert "only on Apple-silicon macOS" in problem and shown in problem
