"""run_command against real processes: every way a command can fail comes back as data."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from envcheck.system.run import run_command

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX process groups and modes")


def test_output_exit_code_and_stdin() -> None:
    result = run_command(
        [sys.executable, "-c", "import sys; d = sys.stdin.read(); print(d.upper()); "
         "sys.stderr.write('warn'); sys.exit(3)"],
        timeout=30, stdin_text="hello",
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (3, "HELLO", "warn")
    assert result.error is None and not result.ok
    assert result.describe_failure().endswith("exited 3: warn")


def test_undecodable_bytes_are_replaced() -> None:
    result = run_command([sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'a\\xffb')"],
                         timeout=30)
    assert result.ok and result.stdout == "a\ufffdb"


def test_missing_program(tmp_path: Path) -> None:
    result = run_command([str(tmp_path / "nope")], timeout=5)
    assert (result.error, result.returncode) == ("not_found", None)
    assert result.describe_failure() == f"{tmp_path / 'nope'} not found"


@posix_only
def test_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    result = run_command([str(script)], timeout=5)
    assert result.error == "permission"
    assert "could not run" in result.describe_failure()


@posix_only
def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],\n"
        "                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(60)\n"
    )
    result = run_command([sys.executable, "-c", code], timeout=2)
    assert result.error == "timeout" and result.returncode is None
    assert result.error_message == "no answer within 2 s"
    assert "started" in result.stdout  # output before the kill is kept
    # The grandchild does not hold the output pipe: only killing the group ends it. SIGKILL
    # lands asynchronously, so wait (bounded) for the condition rather than for a time.
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 10
    while not _is_gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _is_gone(grandchild), "the grandchild survived the timeout"


def _is_gone(pid: int) -> bool:
    """Reaped, or dead and waiting for its (new) parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")
