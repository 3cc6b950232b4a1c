"""TorchRuntimeProbe: recorded torch outputs, crashes and hangs, fake and real torch packages."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest

from envcheck.doctor import run_probe_isolated
from envcheck.fact_keys import type_ok
from envcheck.model import ProbeOutcome, ProbeStatus
from envcheck.probes import torch_script
from envcheck.probes.torch_runtime import (
    _NO_PROC_MAPS,
    TORCH_MARK,
    TorchRuntimeProbe,
    describe_end,
    format_nccl_version,
    parse_torch_output,
    runtime_facts,
)
from envcheck.system.run import CommandResult
from tests.fakes import FakeRunner, data
from tests.probes.test_target import add_torch, host_python, real_ctx
from tests.torch_target import TORCH_PYTHON, needs_torch


def facts_of(name: str, ended: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    outcome = runtime_facts(parse_torch_output(data(f"torch/{name}")), ended)
    check_catalogue(outcome)
    return dict(outcome.facts), dict(outcome.notes)


def check_catalogue(outcome: ProbeOutcome) -> None:
    for key, value in outcome.facts.items():
        assert type_ok(key, value), (key, value)
        if value is None:
            assert outcome.notes.get(key), f"{key} is None without a note"


# --- pure helpers ---------------------------------------------------------------------------


def test_marker_matches_the_script() -> None:
    assert torch_script.MARK == TORCH_MARK


@pytest.mark.parametrize(
    ("value", "text"),
    [((2, 20, 5), "2.20.5"), ([2, 27, 7], "2.27.7"), (21805, "2.18.5"), (2708, "2.7.8"),
     (None, None), (0, None), (True, None), ("2.1", None)],
)
def test_nccl_version_encodings(value: object, text: str | None) -> None:
    assert format_nccl_version(value) == text


def _result(returncode: int | None, *, error: Any = None, stderr: str = "",
            duration: float = 0.0) -> CommandResult:
    return CommandResult(("python", "-"), returncode, "", stderr, duration, error,
                         "no answer" if error else None)


@pytest.mark.parametrize(
    ("result", "text"),
    [
        (_result(0), None),
        (_result(-11), "killed by SIGSEGV"),
        (_result(-6), "killed by SIGABRT"),
        (_result(None, error="timeout", duration=60.2),
         "did not finish within 60 s and was killed"),
        (_result(0xC0000005), "crashed with an access violation (0xC0000005)"),
        (_result(1, stderr="boom\nSystemExit: 3\n"), "exited with code 1: SystemExit: 3"),
        (_result(None, error="not_found"), "could not start: no answer"),
    ],
)
def test_describe_end(result: CommandResult, text: str | None) -> None:
    assert describe_end(result) == text


def test_describe_end_names_the_limit() -> None:
    result = _result(None, error="timeout", duration=31.7)
    assert describe_end(result, 30.0) == "did not finish within 30 s and was killed"


def test_parse_merges_records_and_ignores_noise() -> None:
    parsed = parse_torch_output(data("torch/noisy_sitecustomize.txt"))
    assert parsed["stages"] == ["start", "import", "imported"]
    assert parsed["runtime_version"] == "2.2.2+cu118"


def test_parse_empty_output() -> None:
    assert parse_torch_output("") == {"stages": []}


# --- recorded outputs -----------------------------------------------------------------------


def test_healthy_cu121_on_rtx_4090() -> None:
    facts, notes = facts_of("cu121_rtx4090.txt")
    assert facts["torch.import_error"] is None
    assert facts["torch.runtime_version"] == "2.3.1+cu121"
    assert facts["torch.cuda_available"] is True
    assert facts["torch.device_count"] == 1
    assert facts["torch.arch_list"][-1] == "sm_90"
    assert facts["torch.devices"] == [{"index": 0, "name": "NVIDIA GeForce RTX 4090",
                                       "capability": "8.9",
                                       "total_memory_bytes": 25393692672}]
    assert facts["torch.nccl_version"] == "2.20.5"
    assert facts["cudnn.torch_version"] == "8.9.2"
    assert facts["cudnn.loaded_path"].endswith("/nvidia/cudnn/lib/libcudnn.so.8")
    assert facts["torch.kernel_ok"] is True
    assert facts["torch.kernel_error"] is None
    assert facts["torch.cuda_error"] is None
    assert facts["torch.warnings"] == []
    assert facts["torch.import_seconds"] == pytest.approx(1.874)
    assert any(p.endswith("libcuda.so.550.54.14") for p in facts["torch.loaded_libs"])
    assert notes["torch.import_error"] == "torch imported without error"


def test_cpu_build() -> None:
    facts, notes = facts_of("cpu_build_linux.txt")
    assert facts["torch.runtime_version"] == "2.13.0+cpu"
    assert facts["torch.cuda_available"] is False
    assert facts["torch.arch_list"] is None
    assert "only when CUDA is available" in notes["torch.arch_list"]
    assert facts["torch.kernel_ok"] is None
    assert notes["torch.kernel_ok"] == "not run: no CUDA or MPS device to run on"
    assert facts["cudnn.torch_version"] is None
    assert facts["torch.nccl_version"] is None
    assert notes["torch.nccl_version"] == "not a CUDA build"


def test_driver_too_old() -> None:
    facts, _ = facts_of("driver_too_old.txt")
    assert facts["torch.cuda_available"] is False
    assert "found version 11040" in facts["torch.cuda_error"]
    assert facts["torch.warnings"] == [facts["torch.cuda_error"]]
    assert facts["cudnn.torch_version"] == "9.1.0"
    assert facts["torch.kernel_ok"] is None


def test_sm_120_without_kernel_image() -> None:
    facts, _ = facts_of("sm120_no_kernel_image.txt")
    assert facts["torch.cuda_available"] is True
    assert facts["torch.devices"][0]["capability"] == "12.0"
    assert "sm_120" not in facts["torch.arch_list"]
    assert "sm_120 is not compatible" in facts["torch.cuda_error"]
    assert facts["torch.kernel_ok"] is False
    assert facts["torch.kernel_error"] == (
        "RuntimeError: CUDA error: no kernel image is available for execution on the device"
    )


def test_import_error_libcudnn() -> None:
    outcome = runtime_facts(parse_torch_output(data("torch/import_error_libcudnn.txt")), None)
    assert outcome.summary.endswith("/torch/__init__.py\", line 367, in <module>)")
    facts, notes = facts_of("import_error_libcudnn.txt")
    assert facts["torch.import_error"] == (
        "ImportError: libcudnn.so.9: cannot open shared object file: No such file or directory"
    )
    assert facts["torch.cuda_available"] is None
    assert "torch could not be imported" in notes["torch.cuda_available"]
    assert facts["torch.import_seconds"] == pytest.approx(0.412)


def test_cu130_on_h100() -> None:
    facts, _ = facts_of("cu130_h100.txt")
    assert facts["torch.runtime_version"] == "2.9.0+cu130"
    assert facts["torch.devices"][0]["name"] == "NVIDIA H100 80GB HBM3"
    assert facts["cudnn.torch_version"] == "9.13.0"
    assert facts["torch.nccl_version"] == "2.27.7"
    assert facts["cudnn.loaded_path"].endswith("libcudnn.so.9")
    assert facts["torch.kernel_ok"] is True


def test_mps_on_macos() -> None:
    facts, notes = facts_of("mps_macos.txt")
    assert facts["torch.mps_available"] is True
    assert facts["torch.cuda_available"] is False
    assert facts["torch.kernel_ok"] is True
    assert facts["torch.loaded_libs"] is None
    # Not an error on macOS/Windows: the list exists on Linux only, and the note says so.
    assert notes["torch.loaded_libs"] == "listed on Linux only (from /proc/self/maps)"
    assert notes["cudnn.loaded_path"] == notes["torch.loaded_libs"]
    assert _NO_PROC_MAPS in Path(torch_script.__file__).read_text(encoding="utf-8")


def test_segfault_during_import() -> None:
    facts, notes = facts_of("segfault_during_import.txt", "killed by SIGSEGV")
    assert facts["torch.import_error"] == "import torch killed by SIGSEGV"
    assert facts["torch.kernel_ok"] is None
    assert notes["torch.kernel_ok"] == (
        "torch could not be imported (import torch killed by SIGSEGV)"
    )


def test_hang_in_cuda_init() -> None:
    ended = "did not finish within 60 s and was killed"
    facts, notes = facts_of("hang_in_cuda_init.txt", ended)
    assert facts["torch.import_error"] is None
    assert facts["torch.runtime_version"] == "2.3.1+cu121"
    assert facts["torch.cuda_error"] == f"CUDA initialisation {ended}"
    assert facts["torch.cuda_available"] is None
    assert notes["torch.cuda_available"] == f"CUDA initialisation {ended}"


def test_crash_in_kernel() -> None:
    text = data("torch/cu121_rtx4090.txt")
    cut = text[: text.index('"kernel_done"')]
    cut = cut[: cut.rindex("\n")]
    facts = dict(runtime_facts(parse_torch_output(cut), "killed by SIGSEGV").facts)
    assert facts["torch.kernel_ok"] is False
    assert facts["torch.kernel_error"] == "the tiny kernel on cuda:0 killed by SIGSEGV"
    assert facts["torch.cuda_available"] is True


def test_a_cudnn_code_in_neither_encoding_is_unknown_with_the_code() -> None:
    parsed = dict(parse_torch_output(data("torch/cu121_rtx4090.txt")))
    assert runtime_facts(parsed, None).facts["cudnn.torch_version"] == "8.9.2"
    parsed["cudnn_version"] = 12345
    outcome = runtime_facts(parsed, None)
    assert outcome.facts["cudnn.torch_version"] is None
    assert "12345" in outcome.notes["cudnn.torch_version"]


def test_nothing_printed() -> None:
    outcome = runtime_facts(parse_torch_output(""), "exited with code 127")
    assert outcome.facts["torch.import_error"] == "the torch check exited with code 127"


# --- the probe, with fake torch packages in real interpreters --------------------------------


def torch_ctx(tmp_path: Path, init_body: str, *, torch_timeout_s: float = 30.0) -> Any:
    python = host_python()
    site = tmp_path / "site"
    add_torch(site, "2.5.1+cu124", cuda="12.4", init_body=textwrap.dedent(init_body))
    return real_ctx(python, home=tmp_path, extra_env={"PYTHONPATH": str(site)},
                    torch_timeout_s=torch_timeout_s)


def test_without_torch_the_probe_skips_without_running_python_again(tmp_path: Path) -> None:
    python = host_python()
    runner = FakeRunner(passthrough=True)  # runs for real, records each argv
    ctx = dataclasses.replace(real_ctx(python, home=tmp_path), runner=runner)
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.status is ProbeStatus.SKIPPED
    assert result.note == f"torch is not installed in {python}"
    assert runner.calls == [(str(python), "--version"), (str(python), "-")]


def test_uninspectable_target_skips(tmp_path: Path) -> None:
    result = run_probe_isolated(TorchRuntimeProbe(), real_ctx("/bin/ls", home=tmp_path))
    assert result.status is ProbeStatus.SKIPPED
    assert result.note is not None
    assert "not a Python interpreter" in result.note


def test_timeout_covers_torch_and_the_inspection(tmp_path: Path) -> None:
    ctx = real_ctx("/bin/ls", home=tmp_path, timeout_s=5, torch_timeout_s=40)
    assert TorchRuntimeProbe().timeout(ctx) > 40


def test_segfaulting_torch(tmp_path: Path) -> None:
    ctx = torch_ctx(tmp_path, """
        import os, signal
        os.kill(os.getpid(), signal.SIGSEGV)
    """)
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    assert result.facts["torch.import_error"] == "import torch killed by SIGSEGV"


def test_hanging_torch_is_killed(tmp_path: Path) -> None:
    ctx = torch_ctx(tmp_path, "import time\ntime.sleep(60)\n", torch_timeout_s=0.3)
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    assert result.facts["torch.import_error"] == (
        "import torch did not finish within 0.3 s and was killed"
    )


def test_torch_that_fails_to_import(tmp_path: Path) -> None:
    ctx = torch_ctx(tmp_path, """
        raise ImportError(
            "libcudnn.so.9: cannot open shared object file: No such file or directory")
    """)
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.facts["torch.import_error"] == (
        "ImportError: libcudnn.so.9: cannot open shared object file: No such file or directory"
    )


FAKE_CUDA_TORCH = """
    import warnings

    __version__ = "2.5.1+cu124"

    class version:
        cuda = "12.4"
        hip = None

    class _Props:
        name = "NVIDIA GeForce RTX 5090"
        major, minor = 12, 0
        total_memory = 33667481600

    class cuda:
        def is_available():
            return True
        def device_count():
            return 1
        def get_arch_list():
            return ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]
        def init():
            warnings.warn("NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not "
                          "compatible with the current PyTorch installation.")
        def get_device_properties(index):
            return _Props()
        def synchronize():
            pass
        class nccl:
            def version():
                return (2, 21, 5)

    class backends:
        class cudnn:
            def version():
                return 90100
        class mps:
            def is_available():
                return False

    class Generator:
        def manual_seed(self, seed):
            return self

    class _Tensor:
        def to(self, device):
            if KERNEL_FAILS:
                raise RuntimeError("CUDA error: no kernel image is available for execution on "
                                   "the device\\nCUDA kernel errors might be asynchronously "
                                   "reported at some other API call")
            return self
        def __matmul__(self, other):
            return self
        def __sub__(self, other):
            return self
        def cpu(self):
            return self
        def abs(self):
            return self
        def max(self):
            return self
        def __float__(self):
            return 0.0

    def randn(*shape, generator=None):
        return _Tensor()

    def allclose(a, b, rtol, atol):
        return True
"""


@pytest.mark.parametrize("kernel_fails", [True, False])
def test_fake_cuda_torch_exercises_every_step(tmp_path: Path, kernel_fails: bool) -> None:
    ctx = torch_ctx(tmp_path, f"KERNEL_FAILS = {kernel_fails}\n" + textwrap.dedent(FAKE_CUDA_TORCH))
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    facts = result.facts
    assert facts["torch.import_error"] is None
    assert facts["torch.runtime_version"] == "2.5.1+cu124"
    assert facts["torch.cuda_available"] is True
    assert facts["torch.device_count"] == 1
    assert facts["torch.devices"] == [{"index": 0, "name": "NVIDIA GeForce RTX 5090",
                                       "capability": "12.0",
                                       "total_memory_bytes": 33667481600}]
    assert facts["torch.nccl_version"] == "2.21.5"
    assert facts["cudnn.torch_version"] == "9.1.0"
    assert facts["torch.mps_available"] is False
    assert "sm_120 is not compatible" in facts["torch.cuda_error"]
    assert facts["torch.warnings"] == [facts["torch.cuda_error"]]
    assert isinstance(facts["torch.loaded_libs"], list)
    if kernel_fails:
        assert facts["torch.kernel_ok"] is False
        assert facts["torch.kernel_error"] == (
            "RuntimeError: CUDA error: no kernel image is available for execution on the device"
        )
    else:
        assert facts["torch.kernel_ok"] is True
        assert facts["torch.kernel_error"] is None


def test_a_failing_step_does_not_hide_the_others(tmp_path: Path) -> None:
    body = textwrap.dedent(FAKE_CUDA_TORCH).replace(
        "def get_arch_list():", "def get_arch_list():\n        raise AttributeError('no arch')"
    )
    ctx = torch_ctx(tmp_path, "KERNEL_FAILS = False\n" + body)
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.facts["torch.arch_list"] is None
    assert result.notes["torch.arch_list"] == "AttributeError: no arch"
    assert result.facts["torch.device_count"] == 1
    assert result.facts["torch.kernel_ok"] is True


@pytest.mark.torch
@needs_torch
def test_real_cpu_torch(tmp_path: Path) -> None:
    ctx = real_ctx(TORCH_PYTHON, home=tmp_path, chosen_by="VIRTUAL_ENV")
    result = run_probe_isolated(TorchRuntimeProbe(), ctx)
    assert result.status is ProbeStatus.OK, result.note
    facts = result.facts
    assert facts["torch.import_error"] is None
    assert isinstance(facts["torch.runtime_version"], str)
    assert facts["torch.import_seconds"] > 0
    assert isinstance(facts["torch.cuda_available"], bool)
    assert isinstance(facts["torch.warnings"], list)
    if not facts["torch.cuda_available"] and not facts["torch.mps_available"]:
        assert facts["torch.kernel_ok"] is None
        assert result.notes["torch.kernel_ok"].startswith("not run")
