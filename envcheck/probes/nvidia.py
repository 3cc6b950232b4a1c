"""The NVIDIA driver and GPUs: what NVML says, what the kernel module says, and nvidia-smi.

Shell equivalent: ``nvidia-smi; cat /sys/module/nvidia/version /proc/driver/nvidia/version``.

NVML (through the context's adapter) is the primary source: driver version, the highest CUDA
version the driver supports, and one record per GPU. When NVML cannot be used at all (no
bindings, no library, driver not loaded, library/kernel mismatch ...) the probe falls back to
``nvidia-smi --query-gpu`` and the plain ``nvidia-smi`` header, and reads the kernel module's
version from sysfs/procfs, so the report still says which driver is (half) installed. The
classic nvidia-smi failure texts name the cause when the Python bindings could not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from envcheck.context import Context
from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import clauses, items, remarks
from envcheck.model import FactValue, ProbeOutcome
from envcheck.parsers.nvidia_driver import parse_proc_driver_version, parse_sys_module_version
from envcheck.parsers.nvidia_smi import (
    NO_HEADER,
    SmiFailure,
    classify_smi_failure,
    parse_smi_header,
    parse_smi_invalid_fields,
    parse_smi_query_csv,
)
from envcheck.parsers.versions import cuda_from_int
from envcheck.probes.base import Facts, Probe, quoted, tool_output
from envcheck.system.nvml import Nvml, NvmlError, NvmlStatus

# Bits of nvmlClocksEventReasons (called ClocksThrottleReasons before driver 535), see
# https://docs.nvidia.com/deploy/nvml-api/group__nvmlClocksEventReasons.html
THROTTLE_REASON_BITS: tuple[tuple[int, str], ...] = (
    (0x1, "gpu_idle"),
    (0x2, "applications_clocks_setting"),
    (0x4, "sw_power_cap"),
    (0x8, "hw_slowdown"),
    (0x10, "sync_boost"),
    (0x20, "sw_thermal_slowdown"),
    (0x40, "hw_thermal_slowdown"),
    (0x80, "hw_power_brake_slowdown"),
    (0x100, "display_clock_setting"),
)

SMI_QUERY_FIELDS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "driver_version",
    "memory.total",
    "memory.used",
    "compute_cap",
    "pcie.link.gen.current",
    "pcie.link.gen.max",
    "pcie.link.width.current",
    "pcie.link.width.max",
    "temperature.gpu",
    "power.draw",
    "power.limit",
    "clocks.sm",
    "clocks.max.sm",
    "persistence_mode",
    "compute_mode",
    "mig.mode.current",
)
"""The fields asked of ``nvidia-smi --query-gpu`` (``compute_cap`` needs driver 510+)."""

GPU_FIELDS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "memory_total_bytes",
    "memory_used_bytes",
    "compute_capability",
    "pcie_gen_current",
    "pcie_gen_max",
    "pcie_width_current",
    "pcie_width_max",
    "temperature_c",
    "power_draw_w",
    "power_limit_w",
    "sm_clock_mhz",
    "sm_clock_max_mhz",
    "throttle_reasons",
    "persistence_mode",
    "compute_mode",
    "mig_mode",
    "mig_instances",
    "ecc_uncorrected",
)
"""The keys of each object in ``nvidia.gpus`` (see envcheck/fact_keys.py)."""

WINDOWS_SMI_PATHS: tuple[str, ...] = (
    r"C:\Windows\System32\nvidia-smi.exe",
    r"C:\Program Files\NVIDIA Corporation\NVSMI\nvidia-smi.exe",
)
LINUX_SMI_PATHS: tuple[str, ...] = ("/usr/bin/nvidia-smi", "/usr/lib/wsl/lib/nvidia-smi")

SYS_MODULE_VERSION = "/sys/module/nvidia/version"
PROC_DRIVER_VERSION = "/proc/driver/nvidia/version"

_MIB = 1024 * 1024
_NUMBER_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?", re.ASCII)

# NVML statuses vague enough that an nvidia-smi failure text names the cause better.
_VAGUE_STATUSES = (
    NvmlStatus.BINDINGS_MISSING,
    NvmlStatus.LIBRARY_NOT_FOUND,
    NvmlStatus.UNKNOWN_ERROR,
)


# -- pure helpers --------------------------------------------------------------------------


def decode_throttle_reasons(mask: int) -> list[str]:
    """Names of the set bits of a clocks-event (throttle) reason bitmask, lowest bit first.

    Bits NVML may add later are kept as ``unknown_0x...`` rather than dropped.
    """
    names = [name for bit, name in THROTTLE_REASON_BITS if mask & bit]
    known = 0
    for bit, _ in THROTTLE_REASON_BITS:
        known |= bit
    rest = mask & ~known
    bit = 1
    while rest >= bit:
        if rest & bit:
            names.append(f"unknown_{bit:#x}")
        bit <<= 1
    return names


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    match = _NUMBER_RE.match(value.strip())
    return float(match.group(0)) if match else None


def _int(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _on_off(value: str | None) -> bool | None:
    text = (value or "").strip().lower()
    if text in ("enabled", "on"):
        return True
    if text in ("disabled", "off"):
        return False
    return None


def gpu_from_smi_row(row: dict[str, str | None]) -> dict[str, FactValue]:
    """One ``nvidia.gpus`` object from a parsed ``--query-gpu`` row (missing fields → None)."""
    total = _number(row.get("memory.total"))
    used = _number(row.get("memory.used"))
    cap = row.get("compute_cap")
    mode = row.get("compute_mode")
    return {
        "index": _int(row.get("index")),
        "name": row.get("name"),
        "uuid": row.get("uuid"),
        "memory_total_bytes": int(total * _MIB) if total is not None else None,
        "memory_used_bytes": int(used * _MIB) if used is not None else None,
        "compute_capability": cap if cap and re.fullmatch(r"\d+\.\d+", cap) else None,
        "pcie_gen_current": _int(row.get("pcie.link.gen.current")),
        "pcie_gen_max": _int(row.get("pcie.link.gen.max")),
        "pcie_width_current": _int(row.get("pcie.link.width.current")),
        "pcie_width_max": _int(row.get("pcie.link.width.max")),
        "temperature_c": _int(row.get("temperature.gpu")),
        "power_draw_w": _number(row.get("power.draw")),
        "power_limit_w": _number(row.get("power.limit")),
        "sm_clock_mhz": _int(row.get("clocks.sm")),
        "sm_clock_max_mhz": _int(row.get("clocks.max.sm")),
        "throttle_reasons": None,
        "persistence_mode": _on_off(row.get("persistence_mode")),
        "compute_mode": mode.strip().lower() if mode else None,
        "mig_mode": _on_off(row.get("mig.mode.current")),
        "mig_instances": None,
        "ecc_uncorrected": None,
    }


# -- gathering -----------------------------------------------------------------------------


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _pair(value: object) -> tuple[object, object] | None:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    return None


@dataclass(frozen=True)
class NvmlGpu:
    """One GPU as read through NVML: its fact object and what could not be read."""

    fact: dict[str, FactValue]
    problems: dict[str, str]
    """Query name → "status: message" for failed queries (NOT_SUPPORTED left out)."""
    lost: bool


def read_nvml_gpu(nvml: Nvml, index: int) -> NvmlGpu:
    """Query one GPU; a failing query leaves its field None, a lost GPU stops the queries."""
    problems: dict[str, str] = {}
    lost = False

    def ask(query: str) -> object:
        nonlocal lost
        if lost:
            return None
        try:
            return nvml.device(index, query)  # type: ignore[arg-type]
        except NvmlError as exc:
            if exc.status is NvmlStatus.GPU_LOST:
                lost = True
            if exc.status is not NvmlStatus.NOT_SUPPORTED:
                problems[query] = f"{exc.status.value}: {exc.message}"
            elif query == "mig_mode":
                return (False, False)  # GPUs without MIG support (GeForce, pre-Ampere) have it off
            return None

    name = ask("name")
    uuid = ask("uuid")
    memory = _pair(ask("memory"))
    capability = _pair(ask("cuda_compute_capability"))
    power = _as_int(ask("power_usage_mw"))
    limit = _as_int(ask("power_limit_mw"))
    mask = _as_int(ask("throttle_reasons"))
    persistence = ask("persistence_mode")
    compute_mode = ask("compute_mode")
    mig = _pair(ask("mig_mode"))
    mig_mode = bool(mig[0]) if mig is not None else None
    instances: list[dict[str, FactValue]] | None
    if mig_mode:
        raw = ask("mig_devices")
        instances = None
        if isinstance(raw, (list, tuple)):
            instances = [
                {"uuid": str(item[0]), "name": str(item[1])}
                for item in raw
                if isinstance(item, (list, tuple)) and len(item) == 2
            ]
    else:
        instances = [] if mig_mode is False else None
    fact: dict[str, FactValue] = {
        "index": index,
        "name": name if isinstance(name, str) else None,
        "uuid": uuid if isinstance(uuid, str) else None,
        "memory_total_bytes": _as_int(memory[0]) if memory else None,
        "memory_used_bytes": _as_int(memory[1]) if memory else None,
        "compute_capability": (
            f"{capability[0]}.{capability[1]}"
            if capability and _as_int(capability[0]) is not None
            else None
        ),
        "pcie_gen_current": _as_int(ask("pcie_gen_current")),
        "pcie_gen_max": _as_int(ask("pcie_gen_max")),
        "pcie_width_current": _as_int(ask("pcie_width_current")),
        "pcie_width_max": _as_int(ask("pcie_width_max")),
        "temperature_c": _as_int(ask("temperature")),
        "power_draw_w": power / 1000 if power is not None else None,
        "power_limit_w": limit / 1000 if limit is not None else None,
        "sm_clock_mhz": _as_int(ask("sm_clock")),
        "sm_clock_max_mhz": _as_int(ask("sm_clock_max")),
        "throttle_reasons": decode_throttle_reasons(mask) if mask is not None else None,
        "persistence_mode": persistence if isinstance(persistence, bool) else None,
        "compute_mode": compute_mode if isinstance(compute_mode, str) else None,
        "mig_mode": mig_mode,
        "mig_instances": instances,
        "ecc_uncorrected": _as_int(ask("ecc_uncorrected")),
    }
    return NvmlGpu(fact, problems, lost)


@dataclass(frozen=True)
class SmiResult:
    """What the nvidia-smi fallback found (everything None when it could not run)."""

    gpus: list[dict[str, FactValue]] | None
    driver_version: str | None
    cuda_version: str | None
    failure: SmiFailure | None
    why: str | None
    """Why nothing (or not everything) was read, for the notes."""


def run_smi(ctx: Context, smi: str) -> SmiResult:
    """Run ``nvidia-smi --query-gpu`` (dropping fields an old driver rejects), then the banner."""
    fields = list(SMI_QUERY_FIELDS)
    result = None
    for _ in range(3):
        argv = [smi, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"]
        result = ctx.run(argv)
        rejected = [
            f for f in parse_smi_invalid_fields(result.stdout + result.stderr) if f in fields
        ]
        if result.ok or not rejected:
            break
        fields = [f for f in fields if f not in rejected]
    assert result is not None
    output = result.stdout + "\n" + result.stderr
    if not result.ok:
        failure = classify_smi_failure(output)
        if failure is not None and failure.cause is None:
            return SmiResult([], None, None, failure,
                             Msg("{command}: {failure}", command="nvidia-smi",
                                 failure=tool_output(failure.line)))
        reason = tool_output(failure.line) if failure else result.describe_failure()
        return SmiResult(None, None, None, failure, Msg("nvidia-smi failed: {reason}",
                                                        reason=reason))
    rows = parse_smi_query_csv(result.stdout, fields)
    gpus = [gpu_from_smi_row(row) for row in rows]
    drivers = [row.get("driver_version") for row in rows if row.get("driver_version")]
    banner = ctx.run([smi])
    header = parse_smi_header(banner.stdout) if banner.stdout else NO_HEADER
    why: str | None = None
    if not rows:
        failure = classify_smi_failure(output)
        if failure is not None:
            return SmiResult(
                [] if failure.cause is None else None,
                header.driver_version,
                header.cuda_version,
                failure,
                Msg("{command}: {failure}", command="nvidia-smi",
                    failure=tool_output(failure.line)),
            )
        why = Msg("nvidia-smi printed no GPU rows it could read")
    elif header.cuda_version is None:
        why = Msg("the nvidia-smi banner had no 'CUDA Version' ({reason})",
                  reason=banner.describe_failure() or Msg("not in its output"))
    return SmiResult(
        gpus if rows else None,
        drivers[0] if drivers else header.driver_version,
        header.cuda_version,
        None,
        why,
    )


def find_smi(ctx: Context) -> str | None:
    """nvidia-smi on PATH, else where drivers install it (System32/NVSMI, /usr/bin, WSL)."""
    found = ctx.which("nvidia-smi")
    if found:
        return found
    if ctx.os_name == "windows":
        candidates = list(WINDOWS_SMI_PATHS)
        system_root = ctx.env.get("SystemRoot") or ctx.env.get("SYSTEMROOT")
        if system_root:
            candidates.insert(0, system_root.rstrip("\\") + r"\System32\nvidia-smi.exe")
    else:
        candidates = list(LINUX_SMI_PATHS)
    for candidate in candidates:
        if ctx.exists(candidate):
            return candidate
    return None


def read_kernel_module_version(ctx: Context) -> tuple[str | None, str | None, str]:
    """``(version, source, why)``: sysfs first, then procfs; Linux only, never a subprocess."""
    if ctx.os_name != "linux":
        return None, None, Msg("{system} has no nvidia kernel module version file",
                               system=ctx.platform.system)
    missing: list[str] = []
    text, why = ctx.try_read_text(SYS_MODULE_VERSION)
    if text is not None:
        version = parse_sys_module_version(text)
        if version:
            return version, "sysfs", ""
        missing.append(Msg("{path} holds no version", path=SYS_MODULE_VERSION))
    else:
        missing.append(why or SYS_MODULE_VERSION)
    text, why = ctx.try_read_text(PROC_DRIVER_VERSION)
    if text is not None:
        version = parse_proc_driver_version(text)
        if version:
            return version, "procfs", ""
        missing.append(Msg("{path} holds no NVRM version line", path=PROC_DRIVER_VERSION))
    else:
        missing.append(why or PROC_DRIVER_VERSION)
    if ctx.exists("/usr/lib/wsl/lib") or ctx.exists("/dev/dxg"):
        return None, None, Msg(
            "WSL has no nvidia kernel module: the Windows driver serves the GPU")
    return None, None, Msg("{reasons} (the nvidia kernel module is not loaded here)",
                           reasons=remarks(missing))


class NvidiaProbe(Probe):
    """The NVIDIA driver and GPUs, through NVML with nvidia-smi and sysfs/procfs as fallbacks.

    Emits ``nvidia.nvml_status``, ``nvidia.nvml_error``, ``nvidia.driver_version``,
    ``nvidia.driver_source``, ``nvidia.kernel_module_version``, ``nvidia.cuda_driver_max``,
    ``nvidia.gpu_count``, ``nvidia.gpus``, ``nvidia.smi_path`` and
    ``nvidia.smi_driver_version``. nvidia-smi only runs when NVML is unusable.
    """

    id = "nvidia"
    title = Msg("NVIDIA driver & GPUs")
    inspects = Msg("the NVIDIA driver and GPUs")
    for_recommend = True

    def applies(self, ctx: Context) -> str | None:
        """Skipped on macOS, which has had no CUDA driver since 10.13."""
        if ctx.os_name == "darwin":
            return Msg("macOS has no NVIDIA CUDA driver (use MPS)")
        return None

    def timeout(self, ctx: Context) -> float:
        """NVML (which can stall on a sick GPU) plus up to four nvidia-smi runs."""
        return 4 * ctx.timeout_s + 5.0

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        kernel, kernel_source, kernel_why = read_kernel_module_version(ctx)
        facts.set("nvidia.kernel_module_version", kernel, None if kernel else kernel_why)
        smi = find_smi(ctx)
        if smi:
            facts.set("nvidia.smi_path", smi)
        else:
            facts.unknown("nvidia.smi_path",
                          Msg("nvidia-smi is not on PATH nor in the usual places"))

        status, message = _init(ctx.nvml)
        if status is NvmlStatus.OK:
            self._from_nvml(ctx.nvml, facts)
            facts.unknown("nvidia.smi_driver_version", Msg("not run: NVML answered"))
        else:
            self._fallback(ctx, facts, smi, status, message)

        driver = facts.values.get("nvidia.driver_version")
        if driver is None and kernel is not None:
            facts.set("nvidia.driver_version", kernel)
            facts.set("nvidia.driver_source", kernel_source)
        elif driver is None:
            why = facts.notes.get("nvidia.driver_version") or Msg("no source answered")
            facts.unknown("nvidia.driver_version", why)
            facts.unknown("nvidia.driver_source", why)
        return facts.outcome(_summary(facts.values))

    def _from_nvml(self, nvml: Nvml, facts: Facts) -> None:
        facts.set("nvidia.nvml_status", NvmlStatus.OK.value)
        facts.set("nvidia.nvml_error", None, Msg("NVML answered without error"))
        try:
            driver = nvml.system("driver_version")
            facts.set("nvidia.driver_version", str(driver))
            facts.set("nvidia.driver_source", "nvml")
        except NvmlError as exc:
            facts.unknown("nvidia.driver_version", _nvml_said(exc))
        try:
            raw = nvml.system("cuda_driver_version")
            cuda = cuda_from_int(raw)
            if cuda:
                facts.set("nvidia.cuda_driver_max", cuda)
            else:
                facts.unknown("nvidia.cuda_driver_max",
                              Msg("NVML gave no CUDA version ({raw})", raw=repr(raw)))
        except NvmlError as exc:
            facts.unknown("nvidia.cuda_driver_max", _nvml_said(exc))
        try:
            count = nvml.system("device_count")
        except NvmlError as exc:
            why = Msg("NVML could not count GPUs: {status}: {message}",
                      status=exc.status.value, message=exc.message)
            facts.unknown("nvidia.gpu_count", why)
            facts.unknown("nvidia.gpus", why)
            return
        count = _as_int(count) or 0
        gpus = [read_nvml_gpu(nvml, index) for index in range(count)]
        facts.set("nvidia.gpu_count", count)
        # The queries that failed and NVML's own messages are data, shown as NVML gave them.
        problems = remarks(
            Msg("GPU {index}: {queries}", index=str(gpu.fact["index"]),
                queries=", ".join(f"{q} ({why})" for q, why in gpu.problems.items()))
            for gpu in gpus
            if gpu.problems
        )
        if len(problems) > 1000:
            problems = str(problems)[:1000]
        facts.set("nvidia.gpus", [gpu.fact for gpu in gpus], problems or None)
        lost = [str(gpu.fact["index"]) for gpu in gpus if gpu.lost]
        if lost:
            facts.set("nvidia.nvml_status", NvmlStatus.GPU_LOST.value)
            facts.set("nvidia.nvml_error", f"GPU is lost: GPU {', '.join(lost)}")

    def _fallback(
        self, ctx: Context, facts: Facts, smi: str | None, status: NvmlStatus, message: str
    ) -> None:
        cause = Msg("NVML unusable ({status}: {message})", status=status.value, message=message)
        facts.set("nvidia.nvml_status", status.value)
        facts.set("nvidia.nvml_error", message)
        if smi is None:
            for key in ("nvidia.cuda_driver_max", "nvidia.gpu_count", "nvidia.gpus"):
                facts.unknown(key, Msg("{cause} and nvidia-smi was not found", cause=cause))
            facts.unknown("nvidia.smi_driver_version", Msg("nvidia-smi was not found"))
            facts.unknown("nvidia.driver_version", cause)
            return
        found = run_smi(ctx, smi)
        smi_status = _smi_status(found.failure)
        if found.failure is not None and smi_status is not None and status in _VAGUE_STATUSES:
            facts.set(
                "nvidia.nvml_status",
                smi_status.value,
                Msg("from nvidia-smi's message; NVML via Python said {status}: {message}",
                    status=status.value, message=message),
            )
            facts.set("nvidia.nvml_error", found.failure.line)
        detail = remarks((cause, found.why or ""))
        if found.driver_version:
            facts.set("nvidia.driver_version", found.driver_version)
            facts.set("nvidia.driver_source", "nvidia-smi")
            facts.set("nvidia.smi_driver_version", found.driver_version)
        else:
            facts.unknown("nvidia.driver_version", detail)
            facts.unknown("nvidia.smi_driver_version",
                          found.why or Msg("nvidia-smi gave no version"))
        if found.cuda_version:
            facts.set("nvidia.cuda_driver_max", found.cuda_version)
        else:
            facts.unknown("nvidia.cuda_driver_max", detail)
        if found.gpus is not None:
            facts.set("nvidia.gpu_count", len(found.gpus))
            facts.set(
                "nvidia.gpus",
                found.gpus,
                Msg("read from nvidia-smi: throttle_reasons, mig_instances and ecc_uncorrected "
                    "not queried"),
            )
        else:
            facts.unknown("nvidia.gpu_count", detail)
            facts.unknown("nvidia.gpus", detail)


def _smi_status(failure: SmiFailure | None) -> NvmlStatus | None:
    """The NVML status an nvidia-smi failure text stands for (None: none, or no GPU)."""
    if failure is None or failure.cause is None:
        return None
    return NvmlStatus(failure.cause)


def _nvml_said(exc: NvmlError) -> str:
    """``NVML: <status>: <NVML's message>``."""
    return Msg("NVML: {status}: {message}", status=exc.status.value, message=exc.message)


def _init(nvml: Nvml) -> tuple[NvmlStatus, str]:
    try:
        nvml.init()
    except NvmlError as exc:
        return exc.status, exc.message
    return NvmlStatus.OK, ""


def _summary(values: dict[str, FactValue]) -> str:
    status = values.get("nvidia.nvml_status")
    driver = values.get("nvidia.driver_version")
    parts: list[str] = []
    if driver:
        parts.append(Msg("driver {version}", version=str(driver)))
    if values.get("nvidia.cuda_driver_max"):
        parts.append(f"CUDA {values['nvidia.cuda_driver_max']}")
    gpus = values.get("nvidia.gpus")
    if isinstance(gpus, list):
        names = sorted({str(g.get("name")) for g in gpus if isinstance(g, dict)})
        count = (Msg("{count} GPU", count=len(gpus)) if len(gpus) == 1
                 else Msg("{count} GPUs", count=len(gpus)))
        parts.append(concat(count, Msg(": {names}", names=items(names)) if names else ""))
    if status != NvmlStatus.OK.value:
        parts.insert(0, quoted(f"NVML {status}"))
    return clauses(parts)
