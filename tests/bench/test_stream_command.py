"""stream_command: lines as they come, errors as data, timeouts, orphaned grandchildren."""

from __future__ import annotations

import os
import sys

import pytest

from envcheck.system.run import stream_command


def test_lines_arrive_in_order_and_stderr_is_kept() -> None:
    seen: list[str] = []
    code = "import sys\nfor i in range(3): print(i, flush=True)\nsys.stderr.write('warn')"
    result = stream_command([sys.executable, "-c", code], seen.append, timeout=60)
    assert seen == ["0", "1", "2"]
    assert result.ok and result.stderr == "warn" and result.stdout == "0\n1\n2"


def test_missing_program_is_data() -> None:
    result = stream_command(["/nonexistent/envcheck-python"], lambda _l: None)
    assert result.error == "not_found" and result.returncode is None


def test_timeout_kills_the_child() -> None:
    code = "import time\nprint('started', flush=True)\ntime.sleep(600)"
    seen: list[str] = []
    result = stream_command([sys.executable, "-c", code], seen.append, timeout=2)
    assert seen == ["started"]
    assert result.error == "timeout" and "2 s" in (result.error_message or "")


@pytest.mark.skipif(os.name != "posix", reason="setsid grandchild")
def test_an_orphan_holding_the_pipe_does_not_block() -> None:
    # torchrun starts its workers in their own sessions; if it dies they keep our pipe open.
    code = (
        "import os, subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(20)'],"
        " start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
    )
    seen: list[str] = []
    result = stream_command([sys.executable, "-c", code], seen.append, timeout=60)
    try:
        assert result.ok and len(seen) == 1
        assert result.duration_s < 15
    finally:
        os.kill(int(seen[0]), 9)
