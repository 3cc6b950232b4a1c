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
from envcheck.i18n import Msg
from envcheck.model import ProbeOutcome
from envcheck.parsers.versions import cudnn_from_int
from envcheck.probes.base import Facts, Probe, tool_output
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
    0xC0000005: Msg("crashed with an access violation (0xC0000005)"),
    0xC0000409: Msg("crashed with a stack buffer overrun (0xC0000409)"),
    0xC000001D: Msg("crashed with an illegal instruction (0xC000001D)"),
}

_NO_RESULT = Msg("stopped without a result")
_NOT_REPORTED = Msg("torch did not report it")
_SCRIPT_SAYS = {
    "not a CUDA build": Msg("not a CUDA build"),
    "no CUDA or MPS device to run on": Msg("no CUDA or MPS device to run on"),
}
"""torch_script.py's own sentences (it runs inside the target and prints English), by text."""


def _script_said(text: str) -> str:
    """What torch_script.py reported: one of its own sentences, translated, or what torch
    raised (data, as it printed it)."""
    return _SCRIPT_SAYS.get(text) or tool_output(text)

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
        return Msg("did not finish within {seconds} s and was killed", seconds=f"{limit:g}")
    if result.error is not None:
        return Msg("could not start: {reason}",
                   reason=tool_output(result.error_message or "") or result.error)
    code = result.returncode
    if code is None or code == 0:
        return None
    if code < 0:
        try:
            return Msg("killed by {signal}", signal=signal.Signals(-code).name)
        except ValueError:
            return Msg("killed by signal {number}", number=-code)
    if code in _WINDOWS_CRASHES:
        return _WINDOWS_CRASHES[code]
    lines = result.stderr.strip().splitlines()
    if lines:
        return Msg("exited with code {code}: {output}", code=code,
                   output=tool_output(lines[-1][:200]))
    return Msg("exited with code {code}", code=code)


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
            # What the import raised: data, as torch printed it.
            error = tool_output(str(parsed.get("import_error") or "")) or Msg("import torch failed")
            where = _raised_at(parsed.get("import_traceback"))
        elif "import" in stages:
            error = Msg("import torch {ended}", ended=ended or _NO_RESULT)
        else:
            error = Msg("the torch check {ended}", ended=ended or Msg("printed nothing"))
        facts.set("torch.import_error", error)
        if "torch.import_seconds" not in facts.values:
            facts.unknown("torch.import_seconds", Msg("import torch did not finish"))
        for key in _RUNTIME_KEYS:
            facts.unknown(key, Msg("torch could not be imported ({error})", error=error))
        warnings = parsed.get("warnings")
        if isinstance(warnings, list) and warnings:
            facts.set("torch.warnings", [str(w) for w in warnings])
        return facts.outcome(Msg("{error} ({where})", error=error, where=where) if where
                             else error)

    facts.set("torch.import_error", None, Msg("torch imported without error"))
    _set_str(
        facts, "torch.runtime_version", parsed.get("runtime_version"),
        Msg("torch has no __version__"),
    )
    if "cuda_done" not in stages:
        why = Msg("CUDA initialisation {ended}", ended=ended or _NO_RESULT)
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
        # What torch raised for that step (data), or that it said nothing.
        return _script_said(str(parsed.get(f"{step}_error") or "")) or _NOT_REPORTED

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
        facts.unknown("torch.arch_list", Msg("torch lists its CUDA architectures only when CUDA "
                                             "is available"))
    elif isinstance(arch, list):
        facts.set("torch.arch_list", [str(a) for a in arch])
    else:
        facts.unknown("torch.arch_list", error("arch_list"))
    devices = parsed.get("devices")
    if isinstance(devices, list):
        note = None if devices else Msg("torch sees no CUDA device")
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
        facts.set("torch.cuda_error", None, Msg("CUDA initialisation raised nothing"))
    code = parsed.get("cudnn_version")
    cudnn = cudnn_from_int(code) if isinstance(code, int) and not isinstance(code, bool) else None
    if cudnn is not None:
        facts.set("cudnn.torch_version", cudnn)
    elif isinstance(code, int) and not isinstance(code, bool) and code > 0:
        facts.unknown(
            "cudnn.torch_version",
            Msg("torch reports cuDNN version code {code}, which is neither cuDNN 8's nor 9's "
                "encoding", code=code),
        )
    elif "cudnn_error" in parsed:
        facts.unknown("cudnn.torch_version", error("cudnn"))
    else:
        facts.unknown("cudnn.torch_version", Msg("torch reports no cuDNN (built without it)"))


def _kernel_facts(
    facts: Facts, parsed: Mapping[str, Any], stages: list[str], ended: str | None
) -> None:
    skipped = parsed.get("kernel_skipped")
    if "kernel_done" not in stages:
        device = parsed.get("kernel_device")
        why = (Msg("the tiny kernel on {device} {ended}", device=str(device),
                   ended=ended or _NO_RESULT) if device
               else Msg("the tiny kernel on the device {ended}", ended=ended or _NO_RESULT))
        facts.set("torch.kernel_ok", False, why)
        facts.set("torch.kernel_error", why)
    elif isinstance(skipped, str):
        facts.unknown("torch.kernel_ok", Msg("not run: {reason}", reason=_script_said(skipped)))
        facts.set("torch.kernel_error", None,
                  Msg("not run: {reason}", reason=_script_said(skipped)))
    else:
        ok = parsed.get("kernel_ok")
        error = parsed.get("kernel_error")
        if isinstance(ok, bool):
            note = None
            if not ok and not error:
                note = Msg("the result differed from the CPU's by {difference}",
                           difference=str(parsed.get("kernel_max_abs_diff")))
            facts.set("torch.kernel_ok", ok, note)
        else:
            facts.unknown("torch.kernel_ok", _NOT_REPORTED)
        if isinstance(error, str) and error:
            facts.set("torch.kernel_error", error)
        else:
            facts.set("torch.kernel_error", None, Msg("the kernel raised nothing"))


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
            facts.unknown("cudnn.loaded_path", Msg("no libcudnn was loaded"))
        return
    if "done" not in stages:
        why: str = Msg("the torch check {ended} before listing libraries",
                       ended=ended or Msg("stopped"))
    elif parsed.get("loaded_libs_error") == _NO_PROC_MAPS:
        # Windows and macOS: not a failure, the script has nothing to read the list from.
        why = Msg("listed on Linux only (from /proc/self/maps)")
    else:
        why = _script_said(str(parsed.get("loaded_libs_error") or "")) or _NOT_REPORTED
    facts.unknown("torch.loaded_libs", why)
    facts.unknown("cudnn.loaded_path", why)


def _summary(facts: Facts) -> str:
    version = str(facts.values.get("torch.runtime_version") or "torch")
    kernel = Msg("kernel ok") if facts.values.get("torch.kernel_ok") else Msg("kernel FAILED")
    if facts.values.get("torch.cuda_available"):
        count = facts.values.get("torch.device_count")
        return Msg("{version}: CUDA available, {count} device(s), {kernel}", version=version,
                   count=str(count), kernel=kernel)
    if facts.values.get("torch.mps_available"):
        return Msg("{version}: MPS available, {kernel}", version=version, kernel=kernel)
    return Msg("{version}: no GPU available to torch", version=version)


class TorchRuntimeProbe(Probe):
    """Import torch in the target interpreter and exercise CUDA/MPS, in a killable subprocess."""

    id: ClassVar[str] = "torch_runtime"
    title: ClassVar[str] = Msg("PyTorch runtime")
    inspects: ClassVar[str] = Msg("whether torch imports, sees CUDA and runs a kernel")
    needs_target: ClassVar[bool] = True
    per_target: ClassVar[bool] = True
    limit_flag: ClassVar[str] = "--torch-timeout"

    def applies(self, ctx: Context) -> str | None:
        """Skip (costing no torch import) when the target has no importable torch."""
        inspection = inspect_target(ctx)
        if not inspection.ok:
            return Msg("the target interpreter could not be inspected: {error}",
                       error=inspection.error if inspection.error is not None else "None")
        if inspection.torch is None:
            return Msg("torch is not installed in {python}", python=str(inspection.python))
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
