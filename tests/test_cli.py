"""The CLI as a user runs it: real processes, exit codes, one-line errors, what gets imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.torch_target import TORCH_PYTHON, needs_torch

# Runs the CLI and then reports which heavy modules the doctor process imported.
_PROBE_IMPORTS = """
import atexit, sys
def _report():
    heavy = sorted(m for m in ("torch", "pydantic", "numpy") if m in sys.modules)
    sys.stderr.write("IMPORTED=" + ",".join(heavy) + "\\n")
atexit.register(_report)
from envcheck.cli import main
main(sys.argv[1:])
"""


def _envcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PROBE_IMPORTS, *args],
        capture_output=True, text=True, timeout=120, cwd=cwd, check=False,
    )


def test_json_report_and_exit_code_agree(tmp_path: Path) -> None:
    proc = _envcheck("doctor", "--json", "--python", sys.executable)
    data = json.loads(proc.stdout)
    assert data["schema"] == 1
    assert data["target"]["python"] == sys.executable
    assert proc.returncode == (1 if data["verdict"] == "error" else 0), proc.stderr
    assert "Traceback" not in proc.stderr


def _venv_without_base(tmp_path: Path) -> Path:
    """A venv whose base Python was removed: ``bin/python`` is a dangling symlink."""
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.symlink_to(tmp_path / "gone" / "python3.11")
    return python


def test_an_interpreter_that_cannot_run_is_an_error_finding_not_a_crash(tmp_path: Path) -> None:
    python = _venv_without_base(tmp_path)
    proc = _envcheck("doctor", "--json", "--python", str(python))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    first = data["findings"][0]
    assert first["id"] == "target.unusable"
    assert str(python) in first["detail"]
    assert not [f for f in data["findings"] if f["id"] == "probe.packages_failed"]


def test_fail_on_never_exits_zero_despite_errors(tmp_path: Path) -> None:
    python = _venv_without_base(tmp_path)
    proc = _envcheck("doctor", "--json", "--fail-on", "never", "--python", str(python))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "error"


@pytest.mark.torch
@needs_torch
def test_doctor_process_never_imports_torch_or_pydantic() -> None:
    """The target's torch is inspected in its own process; our start-up stays lean."""
    proc = _envcheck("doctor", "--json", "--fail-on", "never", "--python", TORCH_PYTHON)
    assert proc.returncode == 0, proc.stderr
    assert "IMPORTED=\n" in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    assert data["facts"]["torch.import_error"] is None
    assert data["facts"]["torch.runtime_version"].startswith("2.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("doctor", "--json", "--markdown"), "choose one of --format, --json and --markdown"),
        (("doctor", "--format", "pdf"), "--format"),
        (("report", "-f", "json", "--markdown"), "choose one of --format, --json and --markdown"),
        (("doctor", "--timeout", "0"), "--timeout"),
        (("doctor", "--fail-on", "sometimes"), "--fail-on"),
        (("doctor", "--no-such-flag"), "--no-such-flag"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    proc = _envcheck(*args)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("IMPORTED=")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("envcheck: error:")
    assert message in lines[0]
    assert proc.stdout == ""


def test_output_file_gets_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    proc = _envcheck("doctor", "--markdown", "--fail-on", "never", "--output", str(out),
                     "--python", sys.executable)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("#")
    assert f"report written to {out}" in proc.stderr


# --- explain -------------------------------------------------------------------------------

EXPLAIN_DATA = Path(__file__).parent / "data" / "explain"


def test_explain_a_file_and_stdin_agree() -> None:
    path = EXPLAIN_DATA / "collect_env_2.4_wsl2_driver_too_old.md"
    from_file = _envcheck("explain", str(path), "--json")
    from_stdin = subprocess.run(
        [sys.executable, "-c", _PROBE_IMPORTS, "explain", "-", "--json"],
        input=path.read_text(encoding="utf-8"), capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert from_file.returncode == from_stdin.returncode == 1, from_file.stderr
    data = json.loads(from_file.stdout)
    assert data["source"] == "explain"
    assert data["findings"][0]["category"] == "driver_too_old"
    assert json.loads(from_stdin.stdout)["findings"] == data["findings"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-report.txt", "no such file"),
        (".", "is a directory"),
        ("empty.txt", "the paste is empty"),
    ],
)
def test_explain_bad_source_is_one_line_exit_2(target: str, message: str, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"\xef\xbb\xbf \r\n")
    proc = _envcheck("explain", target, cwd=tmp_path)
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("IMPORTED=")]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert message in lines[0]
