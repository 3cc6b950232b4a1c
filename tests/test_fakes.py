"""The one fake command runner: how it answers, so every test that builds on it can trust it."""

from __future__ import annotations

import os

import pytest

from tests.fakes import FAKEBIN, ByStdin, FakeRunner, failed


def test_answers_by_argv_and_by_basename_with_either_separator() -> None:
    runner = FakeRunner().add(["nvcc.exe", "--version"], "Cuda compilation tools\n")
    windows = runner([r"C:\CUDA\v12.1\bin\nvcc.exe", "--version"], timeout=1)
    assert windows.ok and windows.stdout == "Cuda compilation tools\n"
    assert runner(["/opt/bin/nvcc.exe", "--version"], timeout=1).ok
    assert runner.calls[0] == (r"C:\CUDA\v12.1\bin\nvcc.exe", "--version")


def test_unknown_commands_are_not_found_and_results_pass_through() -> None:
    runner = FakeRunner().add(["smi"], failed(6, "No devices were found"))
    assert runner(["smi"], timeout=1).returncode == 6
    missing = runner(["nvidia-smi"], timeout=1)
    assert missing.error == "not_found" and missing.returncode is None


def test_by_stdin_tells_the_two_scripts_of_one_interpreter_apart() -> None:
    python = "/envs/a/bin/python"
    runner = FakeRunner().add([python, "-"], ByStdin((("@@torch@@", "torch says"),), "inspected"))
    assert runner([python, "-"], timeout=1, stdin_text="print('@@torch@@')").stdout == "torch says"
    assert runner([python, "-"], timeout=1, stdin_text="import sys").stdout == "inspected"
    assert runner([python, "-"], timeout=1).stdout == "inspected"


@pytest.mark.skipif(os.name != "posix", reason="fakebin scripts need /bin/sh")
def test_real_under_runs_only_the_fakebin_scripts_for_real() -> None:
    runner = FakeRunner(real_under=(FAKEBIN,))
    script = FAKEBIN / "nvcc-12.1" / "nvcc"
    ran = runner([str(script), "--version"], timeout=10)
    assert ran.ok and "12.1" in ran.stdout
    assert runner(["/bin/echo", "hi"], timeout=10).error == "not_found"
