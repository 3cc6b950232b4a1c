"""Run external commands safely: list argv, a timeout, never a shell, errors as data.

This is the only module that imports :mod:`subprocess`. A command that is missing, times out,
cannot be executed or exits non-zero never raises: it returns a :class:`CommandResult` saying so.
On timeout the whole process group is killed, so a hanging ``import torch`` cannot outlive us;
so is what a finished command left behind in its group. Every command still running is
recorded, and :func:`kill_running_commands` (which the CLI calls however it ends: a result,
``--budget`` spent, Ctrl-C, SIGTERM) kills their groups, so no child outlives envcheck.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from envcheck.i18n import Msg, concat

CommandError = Literal["not_found", "timeout", "permission", "os_error"]

def tool_output(text: str) -> str:
    """What a tool or an exception printed, inside a message: shown as it is, in double quotes
    in Chinese (the English text around it is unchanged). Empty text stays empty."""
    return Msg("{output}", output=text) if text else text


_LIVE: dict[int, tuple[subprocess.Popen[bytes], bool]] = {}
"""Children started and not yet reaped, by pid (each leads its own process group on POSIX),
with whether it answers Ctrl-C itself (a streamed bench worker reports partial results)."""
_LIVE_LOCK = threading.RLock()
"""Re-entrant: a signal handler that kills commands runs in the main thread, maybe while that
thread is registering one."""


@dataclass(frozen=True)
class CommandResult:
    """The outcome of one command. ``error`` is set when it could not run to completion."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    duration_s: float = 0.0
    error: CommandError | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        """True when the command ran and exited 0."""
        return self.error is None and self.returncode == 0

    def describe_failure(self) -> str:
        """One line saying why the command did not succeed (empty when it did), a
        :class:`~envcheck.i18n.Msg` (what the command printed is data inside it)."""
        name = self.argv[0] if self.argv else Msg("command")
        if self.error == "not_found":
            return Msg("{name} not found", name=name)
        if self.error == "timeout":
            return Msg("{name} timed out after {seconds} s", name=name,
                       seconds=f"{self.duration_s:.1f}")
        if self.error is not None:
            return Msg("{name} could not run: {reason}", name=name,
                       reason=tool_output(self.error_message or "") or self.error)
        if self.returncode != 0:
            tail = (self.stderr or self.stdout).strip().splitlines()
            last = tail[-1][:200] if tail else ""
            signal_note = ""
            if self.returncode is not None and self.returncode < 0:
                try:
                    signal_note = Msg(" (killed by {signal})",
                                      signal=signal.Signals(-self.returncode).name)
                except ValueError:
                    signal_note = Msg(" (killed by signal {number})", number=-self.returncode)
            return concat(Msg("{name} exited {code}", name=name, code=self.returncode),
                          signal_note, Msg(": {output}", output=tool_output(last)) if last else "")
        return ""


class CommandRunner(Protocol):
    """Anything that runs argv with a timeout and returns a CommandResult (tests fake it)."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        stdin_text: str | None = None,
    ) -> CommandResult:
        """Run ``argv`` and return its result; never raise for command failures."""
        ...


def run_command(
    argv: Sequence[str],
    *,
    timeout: float,
    env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
) -> CommandResult:
    """Run ``argv`` (no shell) with ``timeout`` seconds; map every failure to data."""
    args = tuple(str(a) for a in argv)
    start = time.monotonic()
    posix = os.name == "posix"
    proc = _spawn(args, env, start, with_stdin=stdin_text is not None, answers_ctrl_c=False)
    if isinstance(proc, CommandResult):
        return proc
    try:
        out, err = proc.communicate(
            input=stdin_text.encode() if stdin_text is not None else None, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        _kill(proc, posix)
        out, err = proc.communicate()
        _done(proc)
        return CommandResult(
            args,
            None,
            _decode(out),
            _decode(err),
            time.monotonic() - start,
            "timeout",
            Msg("no answer within {seconds} s", seconds=f"{timeout:g}"),
        )
    except BaseException:  # Ctrl-C while waiting: the child goes with us
        _kill(proc, posix)
        _done(proc)
        raise
    _done(proc)
    return CommandResult(
        args, proc.returncode, _decode(out), _decode(err), time.monotonic() - start
    )


def _spawn(
    args: tuple[str, ...], env: Mapping[str, str] | None, start: float, *, with_stdin: bool,
    answers_ctrl_c: bool,
) -> subprocess.Popen[bytes] | CommandResult:
    """Start ``args`` with piped output in its own session (POSIX), or say why it could not."""
    try:
        with _LIVE_LOCK:  # registered before a Ctrl-C can land between start and record
            proc = subprocess.Popen(
                args,
                stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env) if env is not None else None,
                start_new_session=os.name == "posix",
            )
            _LIVE[proc.pid] = (proc, answers_ctrl_c)
        return proc
    except OSError as exc:
        kind: CommandError = (
            "not_found" if isinstance(exc, FileNotFoundError)
            else "permission" if isinstance(exc, PermissionError)
            else "os_error"
        )
        return CommandResult(args, None, "", "", time.monotonic() - start, kind, str(exc))


def _done(proc: subprocess.Popen[bytes]) -> None:
    """The child has been reaped: kill what it left in its group, forget it."""
    if os.name == "posix":
        with contextlib.suppress(OSError):  # the usual case: nothing left in the group
            os.killpg(proc.pid, signal.SIGKILL)
    with _LIVE_LOCK:
        _LIVE.pop(proc.pid, None)


def kill_running_commands(wait_s: float = 2.0, *, spare_streamed: bool = False) -> int:
    """Kill the process group of every command still running; return how many there were.

    Waits up to ``wait_s`` for each child to be gone, so that when envcheck returns nothing it
    started is left. ``spare_streamed`` leaves :func:`stream_command`'s children, which are
    forwarded Ctrl-C to report what they measured. Safe from any thread, and more than once.
    """
    with _LIVE_LOCK:
        running = [proc for proc, streamed in _LIVE.values()
                   if not (spare_streamed and streamed)]
        for proc in running:
            _LIVE.pop(proc.pid, None)
    for proc in running:
        _kill(proc, os.name == "posix")
    for proc in running:
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            proc.wait(timeout=wait_s)
    return len(running)


def stop_on_termination() -> Callable[[], None]:
    """Make SIGTERM and SIGHUP end envcheck like an exit (status 128 + signal), so the
    caller's clean-up (:func:`kill_running_commands`) runs; return what puts the previous
    handlers back. Main thread only (elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        # Only where the default would have ended us anyway (``nohup`` ignores SIGHUP: keep it).
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            previous[sig] = signal.signal(sig, _exit)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _kill(proc: subprocess.Popen[bytes], posix: bool) -> None:
    """Kill the child and, on POSIX, its whole session (torch may spawn helpers)."""
    try:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        proc.kill()


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def stream_command(
    argv: Sequence[str],
    on_line: Callable[[str], None],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> CommandResult:
    """Run ``argv`` (no shell), calling ``on_line`` with each stdout line as it arrives.

    For long-running children whose progress the caller shows (the bench worker). ``on_line``
    runs in a reader thread; stderr is collected into the result. Ctrl-C (KeyboardInterrupt)
    is forwarded to the child's process group as SIGINT so it can report partial results; the
    child then gets up to 30 s before being killed, and KeyboardInterrupt is re-raised with the
    result as its argument. On ``timeout`` the group gets SIGTERM (torchrun stops its workers
    on it), then SIGKILL 5 s later. The function returns once the child has exited, even when
    grandchildren it left behind still hold its output pipe open.
    """
    args = tuple(str(a) for a in argv)
    start = time.monotonic()
    posix = os.name == "posix"
    proc = _spawn(args, env, start, with_stdin=False, answers_ctrl_c=True)
    if isinstance(proc, CommandResult):
        return proc
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout, proc.stderr
    out_lines: list[str] = []
    err_chunks: list[bytes] = []
    failures: list[BaseException] = []

    def pump() -> None:
        try:
            for raw in stdout:
                line = _decode(raw).rstrip("\r\n")
                out_lines.append(line)
                on_line(line)
        except Exception as exc:  # noqa: BLE001 - handed back to the caller's thread below
            failures.append(exc)

    reader = threading.Thread(target=pump, name="stream-stdout", daemon=True)
    drain = threading.Thread(target=lambda: err_chunks.append(stderr.read()), daemon=True)
    reader.start()
    drain.start()

    def signal_group(sig: int) -> None:
        try:
            if posix:
                os.killpg(proc.pid, sig)
            else:
                proc.terminate()
        except (ProcessLookupError, PermissionError, OSError):
            pass

    deadline = start + timeout if timeout is not None else None
    interrupted = timed_out = False
    while True:
        try:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            proc.wait(timeout=left)
            break
        except subprocess.TimeoutExpired:
            if not interrupted:
                timed_out = True
                signal_group(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)
            _kill(proc, posix)
            proc.wait()
            break
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: stop waiting
                _kill(proc, posix)
                proc.wait()
                break
            interrupted = True
            signal_group(signal.SIGINT)  # what a terminal's Ctrl-C would have sent it
            deadline = time.monotonic() + 30
    _done(proc)  # grandchildren it left behind go with it
    reader.join(timeout=3)
    drain.join(timeout=1)
    if failures:
        raise failures[0]
    result = CommandResult(
        args,
        None if timed_out else proc.returncode,
        "\n".join(out_lines),
        _decode(b"".join(err_chunks)),
        time.monotonic() - start,
        "timeout" if timed_out else None,
        Msg("no answer within {seconds} s", seconds=f"{timeout:g}")
        if timed_out and timeout is not None else None,
    )
    if interrupted:
        raise KeyboardInterrupt(result)
    return result
