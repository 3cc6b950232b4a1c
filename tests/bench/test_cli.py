"""The bench CLI without torch: a clear message, the recommend command, exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from envcheck import cli_bench
from envcheck.model import Category, Finding, Fix, Severity
from tests.torch_target import TORCH_PYTHON, needs_torch

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.name != "posix", reason="uses a shell-script interpreter wrapper")
def test_no_torch_says_so_and_exits_2(tmp_path: Path) -> None:
    # An interpreter that cannot see site-packages (python -S) has no torch, whatever is installed.
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    wrapper.chmod(0o755)
    proc = subprocess.run(
        [sys.executable, "-m", "envcheck", "bench", "cnn", "--python", str(wrapper)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )
    assert proc.returncode == 2
    assert "torch is not installed" in proc.stderr and "envcheck recommend" in proc.stderr
    assert proc.stdout == ""


def test_missing_interpreter_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "envcheck", "bench", "cnn", "--python", str(tmp_path / "nope")],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(["resnet", "--model", "vgg16"], "--model"), (["cnn", "--precision", "fp8"], "--precision"),
     (["cnn", "--device", "xpu"], "--device must be auto, cpu, cuda, cuda:N or mps"),
     (["resnet", "--device", "banana", "--json"], "not 'banana'"),
     (["matmul", "--device", "cuda:x"], "--device must be"),
     pytest.param(["transfer", "--device", "mps"], "only on Apple-silicon macOS",
                  marks=pytest.mark.skipif(sys.platform == "darwin", reason="MPS may exist"))],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "envcheck", "bench", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


# --- CUDA asked for but unusable: the doctor's diagnosis comes with the failure -------------

_CAUSE = Finding(
    id="cpu_build.cpu_wheel_on_gpu_machine", severity=Severity.ERROR, category=Category.CPU_BUILD,
    title="torch is a CPU-only build on a machine with an NVIDIA GPU",
    detail="torch 2.13.0+cpu has no CUDA support.",
    fixes=(Fix("Reinstall torch with CUDA", ("pip install torch --index-url ...",)),),
)


def test_cuda_unavailable_prints_the_doctors_diagnosis(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(cli_bench, "_diagnose", lambda python: asked.append(python) or (_CAUSE,))
    code = cli_bench._fail("cuda_unavailable", "CUDA was asked for but this torch is a CPU-only "
                           "build", "/envs/dl/bin/python", as_json=False)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert asked == ["/envs/dl/bin/python"]
    assert "Why, according to `envcheck doctor --python /envs/dl/bin/python`" in err
    assert "[cpu_build.cpu_wheel_on_gpu_machine]" in err
    assert "$ pip install torch --index-url ..." in err


def test_cuda_unavailable_json_carries_error_and_diagnosis(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_bench, "_diagnose", lambda python: (_CAUSE,))
    code = cli_bench._fail("needs_cuda", "the transfer benchmark needs CUDA", "py", as_json=True)
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["error"] == {"code": "needs_cuda",
                                 "message": "the transfer benchmark needs CUDA"}
    assert [f["id"] for f in document["diagnosis"]] == ["cpu_build.cpu_wheel_on_gpu_machine"]


def test_no_diagnosis_points_at_the_full_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli_bench, "_diagnose", lambda python: ())
    assert cli_bench._fail("mps_unavailable", "MPS was asked for but is not available",
                           sys.executable, as_json=False) == 1
    err = capsys.readouterr().err
    assert "found nothing to say" in err and "    envcheck doctor\n" in err


def test_other_failures_run_no_doctor(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(python: str) -> tuple[Finding, ...]:
        raise AssertionError("the doctor ran")

    monkeypatch.setattr(cli_bench, "_diagnose", boom)
    assert cli_bench._fail("no_torch", "No module named 'torch'", "py", as_json=True) == 2
    assert json.loads(capsys.readouterr().out)["diagnosis"] == []


@pytest.mark.torch
@needs_torch
def test_real_cpu_torch_asked_for_cuda_runs_the_doctor() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "envcheck", "bench", "cnn", "--device", "cuda", "--json",
         "--python", TORCH_PYTHON],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    assert document["error"]["code"] == "cuda_unavailable"
    assert isinstance(document["diagnosis"], list)
    assert "Traceback" not in proc.stderr
