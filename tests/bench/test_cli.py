"""The bench CLI without torch: a clear message, the recommend command, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    [(["resnet", "--model", "vgg16"], "--model"), (["cnn", "--precision", "fp8"], "--precision")],
)
def test_usage_errors_are_one_line(args: list[str], message: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "envcheck", "bench", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr
