"""No process envcheck starts outlives it: ``--budget`` spent, Ctrl-C, a finished command's
leftovers. The target interpreter is a fake that starts a grandchild and then never answers;
the test then checks, through psutil and polling against a bounded deadline, that every
process of that group is gone once envcheck has returned."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from envcheck.cli_contract import ExitCode
from envcheck.system.run import kill_running_commands, run_command

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX process groups")

ROOT = Path(__file__).resolve().parents[1]


def _hanging_python(tmp_path: Path) -> tuple[Path, Path]:
    """An "interpreter" that answers ``--version`` and then, asked to run a script, records
    its pid and a grandchild's, and waits for ever (as a stuck ``import torch`` does)."""
    pids = tmp_path / "pids"
    python = tmp_path / "env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "Python 3.11.7"; exit 0; fi\n'
        "sleep 3600 &\n"
        f'echo "$$ $!" >> "{pids}"\n'
        "wait\n"
    )
    python.chmod(0o755)
    return python, pids


def _wait_for(condition: object, what: str, limit_s: float = 20.0) -> None:
    """Poll ``condition()`` until it holds; fail naming ``what`` after ``limit_s``."""
    assert callable(condition)
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _group_members(pgid: int) -> list[int]:
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


def _started(pids: Path) -> list[tuple[int, int]]:
    """(child, grandchild) for each script run of the fake interpreter so far."""
    if not pids.exists():
        return []
    return [(int(a), int(b)) for a, b in
            (line.split() for line in pids.read_text().splitlines() if line.strip())]


def _assert_all_gone(runs: list[tuple[int, int]]) -> None:
    assert runs, "the fake interpreter never ran a script: nothing was tested"
    for child, grandchild in runs:
        _wait_for(lambda c=child, g=grandchild: not _alive(c) and not _alive(g)
                  and not _group_members(c), f"process group {child} to be gone")


def test_budget_running_out_leaves_no_process_behind(tmp_path: Path) -> None:
    python, pids = _hanging_python(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "envcheck", "doctor", "--json", "--fail-on", "never",
         "--no-redact", "--python", str(python), "--budget", "0.5", "--timeout", "30",
         "--torch-timeout", "30"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert proc.returncode == ExitCode.OK, proc.stderr
    report = json.loads(proc.stdout)
    statuses = {p["id"]: p for p in report["probes"]}
    assert statuses["python_env"]["status"] == "timed_out"
    assert "budget ran out" in statuses["python_env"]["note"]
    # the advice names the flag that ran out, and inspects the same interpreter again
    fixes = {f["id"]: f["fixes"] for f in report["findings"]}
    assert fixes["probe.python_env_timed_out"][0]["commands"] == [
        f"envcheck doctor --budget 120 --python {python}"]
    _assert_all_gone(_started(pids))


def test_the_doctor_leaves_nothing_running_once_it_has_answered(tmp_path: Path) -> None:
    """``report --bench`` runs the bench right after the doctor: what the spent budget left
    running is gone by then, not only when envcheck exits."""
    from envcheck.cli import run_doctor_here
    from envcheck.context import TargetChoice

    python, pids = _hanging_python(tmp_path)
    report, _ = run_doctor_here(TargetChoice(str(python), "--python"), 30.0, 30.0, 0.5)
    assert {p.id: p.status.value for p in report.probes}["python_env"] == "timed_out"
    _assert_all_gone(_started(pids))


def test_ctrl_c_leaves_no_process_behind(tmp_path: Path) -> None:
    python, pids = _hanging_python(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "envcheck", "doctor", "--python", str(python),
         "--timeout", "30", "--torch-timeout", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        _wait_for(lambda: _started(pids), "the fake interpreter to start its grandchild")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # 130, or (rarely, under ``python -m``) CPython ending itself by SIGINT after the same
    # clean-up, when a KeyboardInterrupt was raised inside the import machinery.
    assert proc.returncode in (ExitCode.INTERRUPTED, -signal.SIGINT), err
    assert err.strip().splitlines() == ["envcheck: interrupted"]
    assert out == ""
    _assert_all_gone(_started(pids))


def test_sigterm_leaves_no_process_behind(tmp_path: Path) -> None:
    python, pids = _hanging_python(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "envcheck", "doctor", "--python", str(python),
         "--timeout", "30", "--torch-timeout", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        _wait_for(lambda: _started(pids), "the fake interpreter to start its grandchild")
        proc.terminate()
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM
    _assert_all_gone(_started(pids))


def test_kill_running_commands_ends_a_command_another_thread_waits_on(tmp_path: Path) -> None:
    python, pids = _hanging_python(tmp_path)
    results: list[object] = []
    waiter = threading.Thread(
        target=lambda: results.append(run_command([str(python), "-"], timeout=60,
                                                  stdin_text="")), daemon=True)
    waiter.start()
    _wait_for(lambda: _started(pids), "the command to start")
    assert kill_running_commands() == 1
    waiter.join(timeout=30)
    assert not waiter.is_alive() and results
    _assert_all_gone(_started(pids))
    assert kill_running_commands() == 0


def test_what_a_finished_command_leaves_in_its_group_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "pids"
    # The child exits at once, leaving a grandchild (its output closed) in its group.
    result = run_command(
        ["/bin/sh", "-c", f'sleep 3600 >/dev/null 2>&1 & echo "$$ $!" > "{marker}"'],
        timeout=30)
    assert result.ok, result.describe_failure()
    _assert_all_gone(_started(marker))


def test_main_puts_the_embedders_signal_handlers_back() -> None:
    code = (
        "import signal\n"
        "from envcheck import cli\n"
        "before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]\n"
        "try:\n"
        "    cli.main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(before == [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)
    assert proc.stdout.splitlines()[-1] == "True", proc.stdout + proc.stderr


def test_signals_someone_chose_to_ignore_stay_ignored() -> None:
    """Under ``nohup`` (SIGHUP ignored) or as a background job (SIGINT ignored) envcheck keeps
    those choices; SIGTERM, at its default, is taken over to clean up."""
    code = (
        "import signal\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "from envcheck import cli\n"
        "from envcheck.system.run import stop_on_termination\n"
        "stop_on_termination()\n"
        "cli._note_interrupts()\n"
        "print(signal.getsignal(signal.SIGHUP) == signal.SIG_IGN,\n"
        "      signal.getsignal(signal.SIGINT) == signal.SIG_IGN,\n"
        "      signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN))\n"
        "try:\n"
        "    cli.main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["True", "True", "True"], proc.stderr
    assert lines[-1] == "True", proc.stdout
