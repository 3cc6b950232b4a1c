"""Does torch actually work: import it, initialise CUDA (or MPS) and run one tiny kernel.

The only probe that imports torch, and it does so in the *target* interpreter, in a killable
subprocess with ``ctx.torch_timeout_s``: ``<python> - < torch_script.py``. The equivalent by
hand is ``python -c "import torch; print(torch.cuda.is_available())"`` followed by a small
matmul on ``cuda:0``. The script prints one JSON record per stage, so a crash (segfault) or a
hang still tells how far it got; :func:`parse_torch_output` and :func:`runtime_facts` are pure.

Facts: torch.import_error, torch.runtime_version, torch.cuda_available, torch.device_count,
torch.arch_list, torch.devices, torch.mps_available, torch.nccl_version, torch.kernel_ok,
torch.kernel_error, torch.cuda_error, torch.warnings, torch.loaded_libs, torch.import_seconds,
cudnn.torch_version, cudnn.loaded_path.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Mapping
from typing import Any, ClassVar

from envcheck.context import Context
from envcheck.model import ProbeOutcome
from envcheck.parsers.versions import cudnn_from_int
from envcheck.probes.base import Facts, Probe
from envcheck.probes.target import (
    inspect_target,
    inspection_time_limit,
    load_script,
    require_inspection,
)
from envcheck.system.run import CommandResult

TORCH_MARK = "@@envcheck-torch@@"
"""Prefix of each progress record; must match ``torch_script.py`` (a test checks)."""

_NO_PROC_MAPS = "no /proc/self/maps on this system"
"""What torch_script.py says where it cannot list loaded libraries (Windows, macOS)."""

_WINDOWS_CRASHES = {
    0xC0000005: "crashed with an access violation (0xC0000005)",
    0xC0000409: "crashed with a stack buffer overrun (0xC0000409)",
    0xC000001D: "crashed with an illegal instruction (0xC000001D)",
}

_RUNTIME_KEYS = (
    "torch.runtime_version", "torch.cuda_available", "torch.device_count", "torch.arch_list",
    "torch.devices", "torch.mps_available", "torch.nccl_version", "torch.kernel_ok",
    "torch.kernel_error", "torch.cuda_error", "torch.warnings", "torch.loaded_libs",
    "cudnn.torch_version", "cudnn.loaded_path",
)


def parse_torch_output(stdout: str) -> dict[str, Any]:
    """Merge the script's progress records into one dict (pure).

    ``stages`` lists the stages reached in order; a later record's values win. Lines that are
    not records (anything torch or a sitecustomize printed) and records cut off mid-line by a
    crash are ignored.
    """
    merged: dict[str, Any] = {"stages": []}
    for line in stdout.splitlines():
        at = line.find(TORCH_MARK)
        if at < 0:
            continue
        try:
            value = json.loads(line[at + len(TORCH_MARK):])
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        stage = value.pop("stage", None)
        if isinstance(stage, str):
            merged["stages"].append(stage)
        merged.update(value)
    return merged


def format_nccl_version(value: Any) -> str | None:
    """``torch.cuda.nccl.version()`` as ``x.y.z``: a tuple/list (new torch) or an int code.

    NCCL 2.9+ encodes ``major*10000 + minor*100 + patch`` (21805 → 2.18.5); older releases
    ``major*1000 + minor*100 + patch`` (2708 → 2.7.8).
    """
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, int) for v in value):
        return ".".join(str(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        if value >= 10000:
            return f"{value // 10000}.{value % 10000 // 100}.{value % 100}"
        return f"{value // 1000}.{value % 1000 // 100}.{value % 100}"
    return None


def describe_end(result: CommandResult, limit_s: float | None = None) -> str | None:
    """How the torch check ended when it did not exit cleanly, e.g. ``killed by SIGSEGV``.

    ``limit_s`` is the time limit it ran under (named in the timeout message; the measured
    duration is used when it is not given).
    """
    if result.error == "timeout":
        limit = limit_s if limit_s is not None else round(result.duration_s)
        return f"did not finish within {limit:g} s and was killed"
    if result.error is not None:
        return f"could not start: {result.error_message or result.error}"
    code = result.returncode
    if code is None or code == 0:
        return None
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    if code in _WINDOWS_CRASHES:
        return _WINDOWS_CRASHES[code]
    lines = result.stderr.strip().splitlines()
    tail = f": {lines[-1][:200]}" if lines else ""
    return f"exited with code {code}{tail}"


def runtime_facts(parsed: Mapping[str, Any], ended: str | None) -> ProbeOutcome:
    """Facts from the merged records and how the process ended (pure).

    ``ended`` is None when the script exited cleanly; otherwise it says how it stopped
    (``killed by SIGSEGV``), and the stage last reached says what was running then.
    """
    facts = Facts()
    stages = list(parsed.get("stages") or [])
    seconds = parsed.get("import_seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        facts.set("torch.import_seconds", float(seconds))

    if "import_failed" in stages or "imported" not in stages:
        where = ""
        if "import_failed" in stages:
            error = str(parsed.get("import_error") or "import torch failed")
            where = _raised_at(parsed.get("import_traceback"))
        elif "import" in stages:
            error = f"import torch {ended or 'stopped without a result'}"
        else:
            error = f"the torch check {ended or 'printed nothing'}"
        facts.set("torch.import_error", error)
        if "torch.import_seconds" not in facts.values:
            facts.unknown("torch.import_seconds", "import torch did not finish")
        for key in _RUNTIME_KEYS:
            facts.unknown(key, f"torch could not be imported ({error})")
        warnings = parsed.get("warnings")
        if isinstance(warnings, list) and warnings:
            facts.set("torch.warnings", [str(w) for w in warnings])
        return facts.outcome(f"{error} ({where})" if where else error)

    facts.set("torch.import_error", None, "torch imported without error")
    _set_str(
        facts, "torch.runtime_version", parsed.get("runtime_version"), "torch has no __version__"
    )
    if "cuda_done" not in stages:
        why = f"CUDA initialisation {ended or 'stopped without a result'}"
        facts.set("torch.cuda_error", why)
        for key in _RUNTIME_KEYS:
            if key not in facts.values:
                facts.unknown(key, why)
        _set_warnings(facts, parsed)
        return facts.outcome(why)

    _cuda_facts(facts, parsed)
    _kernel_facts(facts, parsed, stages, ended)
    _library_facts(facts, parsed, stages, ended)
    _set_warnings(facts, parsed)
    return facts.outcome(_summary(facts))


def _raised_at(lines: Any) -> str:
    """The innermost ``File "...", line N, in f`` of a traceback tail, or ''."""
    if not isinstance(lines, list):
        return ""
    frames = [str(line).strip() for line in lines if str(line).strip().startswith('File "')]
    return frames[-1] if frames else ""


def _set_str(facts: Facts, key: str, value: Any, why: str) -> None:
    if isinstance(value, str) and value:
        facts.set(key, value)
    else:
        facts.unknown(key, why)


def _set_warnings(facts: Facts, parsed: Mapping[str, Any]) -> None:
    warnings = parsed.get("warnings")
    facts.set("torch.warnings", [str(w) for w in warnings] if isinstance(warnings, list) else [])


def _cuda_facts(facts: Facts, parsed: Mapping[str, Any]) -> None:
    def error(step: str) -> str:
        return str(parsed.get(f"{step}_error") or "torch did not report it")

    available = parsed.get("cuda_available")
    if isinstance(available, bool):
        facts.set("torch.cuda_available", available)
    else:
        facts.unknown("torch.cuda_available", error("cuda_available"))
    count = parsed.get("device_count")
    if isinstance(count, int) and not isinstance(count, bool):
        facts.set("torch.device_count", count)
    else:
        facts.unknown("torch.device_count", error("device_count"))
    arch = parsed.get("arch_list")
    if available is False:
        # get_arch_list() answers [] whenever CUDA is unavailable, whatever torch was built for.
        facts.unknown("torch.arch_list", "torch lists its CUDA architectures only when CUDA "
                                         "is available")
    elif isinstance(arch, list):
        facts.set("torch.arch_list", [str(a) for a in arch])
    else:
        facts.unknown("torch.arch_list", error("arch_list"))
    devices = parsed.get("devices")
    if isinstance(devices, list):
        note = None if devices else "torch sees no CUDA device"
        facts.set("torch.devices", devices, note)
    else:
        facts.unknown("torch.devices", error("devices"))
    mps = parsed.get("mps_available")
    if isinstance(mps, bool):
        facts.set("torch.mps_available", mps)
    else:
        facts.unknown("torch.mps_available", error("mps"))
    nccl = format_nccl_version(parsed.get("nccl_version"))
    if nccl:
        facts.set("torch.nccl_version", nccl)
    else:
        facts.unknown("torch.nccl_version", error("nccl"))
    cuda_error = parsed.get("cuda_error")
    if isinstance(cuda_error, str) and cuda_error:
        facts.set("torch.cuda_error", cuda_error)
    else:
        facts.set("torch.cuda_error", None, "CUDA initialisation raised nothing")
    code = parsed.get("cudnn_version")
    cudnn = cudnn_from_int(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if cudnn is not None:
        facts.set("cudnn.torch_version", cudnn)
    elif isinstance(code, int) and not isinstance(code, bool) and code > 0:
        facts.unknown(
            "cudnn.torch_version",
            f"torch reports cuDNN version code {code}, which is neither cuDNN 8's nor 9's encoding",
        )
    elif "cudnn_error" in parsed:
        facts.unknown("cudnn.torch_version", error("cudnn"))
    else:
        facts.unknown("cudnn.torch_version", "torch reports no cuDNN (built without it)")


def _kernel_facts(
    facts: Facts, parsed: Mapping[str, Any], stages: list[str], ended: str | None
) -> None:
    skipped = parsed.get("kernel_skipped")
    if "kernel_done" not in stages:
        device = parsed.get("kernel_device") or "the device"
        why = f"the tiny kernel on {device} {ended or 'stopped without a result'}"
        facts.set("torch.kernel_ok", False, why)
        facts.set("torch.kernel_error", why)
    elif isinstance(skipped, str):
        facts.unknown("torch.kernel_ok", f"not run: {skipped}")
        facts.set("torch.kernel_error", None, f"not run: {skipped}")
    else:
        ok = parsed.get("kernel_ok")
        error = parsed.get("kernel_error")
        if isinstance(ok, bool):
            note = None
            if not ok and not error:
                note = f"the result differed from the CPU's by {parsed.get('kernel_max_abs_diff')}"
            facts.set("torch.kernel_ok", ok, note)
        else:
            facts.unknown("torch.kernel_ok", "torch did not report it")
        if isinstance(error, str) and error:
            facts.set("torch.kernel_error", error)
        else:
            facts.set("torch.kernel_error", None, "the kernel raised nothing")


def _library_facts(
    facts: Facts, parsed: Mapping[str, Any], stages: list[str], ended: str | None
) -> None:
    libs = parsed.get("loaded_libs")
    if isinstance(libs, list):
        paths = [str(p) for p in libs]
        facts.set("torch.loaded_libs", paths)
        cudnn = [p for p in paths if os.path.basename(p).startswith("libcudnn")]
        main = [p for p in cudnn if os.path.basename(p).startswith("libcudnn.")]
        if main or cudnn:
            facts.set("cudnn.loaded_path", (main or cudnn)[0])
        else:
            facts.unknown("cudnn.loaded_path", "no libcudnn was loaded")
        return
    if "done" not in stages:
        why = f"the torch check {ended or 'stopped'} before listing libraries"
    elif parsed.get("loaded_libs_error") == _NO_PROC_MAPS:
        # Windows and macOS: not a failure, the script has nothing to read the list from.
        why = "listed on Linux only (from /proc/self/maps)"
    else:
        why = str(parsed.get("loaded_libs_error") or "torch did not report it")
    facts.unknown("torch.loaded_libs", why)
    facts.unknown("cudnn.loaded_path", why)


def _summary(facts: Facts) -> str:
    version = facts.values.get("torch.runtime_version") or "torch"
    kernel = "kernel ok" if facts.values.get("torch.kernel_ok") else "kernel FAILED"
    if facts.values.get("torch.cuda_available"):
        count = facts.values.get("torch.device_count")
        return f"{version}: CUDA available, {count} device(s), {kernel}"
    if facts.values.get("torch.mps_available"):
        return f"{version}: MPS available, {kernel}"
    return f"{version}: no GPU available to torch"


class TorchRuntimeProbe(Probe):
    """Import torch in the target interpreter and exercise CUDA/MPS, in a killable subprocess."""

    id: ClassVar[str] = "torch_runtime"
    title: ClassVar[str] = "PyTorch runtime"
    inspects: ClassVar[str] = "whether torch imports, sees CUDA and runs a kernel"
    needs_target: ClassVar[bool] = True
    per_target: ClassVar[bool] = True
    limit_flag: ClassVar[str] = "--torch-timeout"

    def applies(self, ctx: Context) -> str | None:
        """Skip (costing no torch import) when the target has no importable torch."""
        inspection = inspect_target(ctx)
        if not inspection.ok:
            return f"the target interpreter could not be inspected: {inspection.error}"
        if inspection.torch is None:
            return f"torch is not installed in {inspection.python}"
        return None

    def timeout(self, ctx: Context) -> float:
        """The torch limit plus the shared inspection's (``applies`` may wait on it), so the
        subprocess's own kill, which says what hung, fires before the doctor gives up."""
        return ctx.torch_timeout_s + inspection_time_limit(ctx)

    def run(self, ctx: Context) -> ProbeOutcome:
        """Run torch_script.py in the target interpreter and turn its records into facts."""
        inspection = require_inspection(ctx)
        result = ctx.run(
            [inspection.python or "python", "-"],
            timeout=ctx.torch_timeout_s,
            stdin_text=load_script("torch_script.py"),
        )
        ended = describe_end(result, ctx.torch_timeout_s)
        return runtime_facts(parse_torch_output(result.stdout), ended)
