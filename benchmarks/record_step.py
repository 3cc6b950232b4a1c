"""Run one step of ``gpu_record.sh`` with a time limit that lets a benchmark end cleanly.

    python3 benchmarks/record_step.py LIMIT_S STDOUT_FILE STDERR_FILE STDIN_FILE -- CMD...

Like coreutils' ``timeout``, but the first signal at the limit is SIGINT (what Ctrl-C sends),
with SIGINT restored to its default in the child even when the record was started with it
ignored (a background job). ``envcheck bench`` answers SIGINT by stopping its worker (which
runs in a session of its own, out of reach of a signal to this step's process group) and
printing what it measured so far; SIGTERM would kill envcheck and leave the worker training
on the GPU while the next steps run. After ``GRACE_S`` the step's group gets SIGTERM, then
SIGKILL. Exit status: the command's, or 124 when the limit was reached (as ``timeout``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

GRACE_S = 20.0
TIMED_OUT = 124


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, sig)


def main(argv: list[str]) -> int:
    """Parse the arguments, run the command, return its exit status (124 on timeout)."""
    if len(argv) < 6 or argv[4] != "--":
        sys.stderr.write("usage: record_step.py LIMIT_S STDOUT STDERR STDIN -- CMD...\n")
        return 2
    limit = float(argv[0])
    with open(argv[1], "wb") as out, open(argv[2], "wb") as err, open(argv[3], "rb") as inp:
        try:
            proc = subprocess.Popen(argv[5:], stdin=inp, stdout=out, stderr=err,
                                    start_new_session=True, preexec_fn=_default_sigint)
        except OSError as exc:
            err.write(f"record_step: cannot run {argv[5]}: {exc}\n".encode())
            return 127
        try:
            code = proc.wait(timeout=limit)
            return 128 - code if code < 0 else code  # killed by a signal: 128 + its number
        except subprocess.TimeoutExpired:
            pass
        for sig, wait in ((signal.SIGINT, GRACE_S), (signal.SIGTERM, 5.0),
                          (signal.SIGKILL, None)):
            _signal_group(proc.pid, sig)
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # The group may still hold children that ignored the signals; take them down too.
        _signal_group(proc.pid, signal.SIGKILL)
        err.write(f"\nrecord_step: stopped after the {limit:g} s limit\n".encode())
        return TIMED_OUT


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
