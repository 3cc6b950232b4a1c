"""GPU telemetry sampled from envcheck's own process while the worker trains, and its findings.

:class:`TelemetrySampler` polls an injected :class:`~envcheck.system.nvml.Nvml` in a thread;
:func:`summarise` and :func:`telemetry_findings` are pure, so tests feed them fake samples.
Throttle-reason bits are NVML's ``nvmlClocksEventReasons``
(https://docs.nvidia.com/deploy/nvml-api/group__nvmlClocksEventReasons.html).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envcheck.bench.findings import bench_finding
from envcheck.i18n import Msg
from envcheck.i18n_lists import items
from envcheck.model import Finding, Severity
from envcheck.system.nvml import DeviceQuery, Nvml, NvmlError

SW_POWER_CAP = 0x4
HW_SLOWDOWN = 0x8
SW_THERMAL = 0x20
HW_THERMAL = 0x40
HW_POWER_BRAKE = 0x80
HW_REASONS = {
    HW_SLOWDOWN: Msg("hardware slowdown"),
    HW_THERMAL: Msg("hardware thermal slowdown"),
    HW_POWER_BRAKE: Msg("hardware power brake"),
}

LOW_UTILISATION_PERCENT = 70.0
SUSTAINED_FRACTION = 0.5
"""A condition seen in at least this share of timed samples counts as sustained."""

# Per-lane PCIe payload rate in GB/s after line coding (8b/10b to Gen2, 128b/130b from Gen3).
PCIE_LANE_GB_S = {1: 0.25, 2: 0.5, 3: 0.985, 4: 1.969, 5: 3.938, 6: 7.563}


@dataclass(frozen=True)
class TelemetrySample:
    """One NVML reading; a field is None when NVML could not answer it."""

    t: float
    """Seconds since sampling started."""
    timed: bool
    """Whether the worker was inside a timed window when this was read."""
    gpu_util: int | None = None
    mem_util: int | None = None
    sm_clock: int | None = None
    sm_clock_max: int | None = None
    temperature: int | None = None
    power_mw: int | None = None
    power_limit_mw: int | None = None
    throttle_reasons: int | None = None
    pcie_gen: int | None = None
    pcie_gen_max: int | None = None
    pcie_width: int | None = None
    pcie_width_max: int | None = None
    memory_used_bytes: int | None = None


@dataclass(frozen=True)
class TelemetrySummary:
    """What the timed-window samples say (medians unless named otherwise)."""

    samples: int
    gpu_util_median: float | None
    sm_clock_median: float | None
    sm_clock_max: int | None
    sm_clock_fraction: float | None
    temperature_max: int | None
    power_median_w: float | None
    power_limit_w: float | None
    throttle_reasons_seen: int
    power_cap_fraction: float | None
    hw_slowdown_fraction: float | None
    sw_thermal_fraction: float | None
    pcie_gen: int | None
    pcie_gen_max: int | None
    pcie_width: int | None
    pcie_width_max: int | None
    memory_used_max_bytes: int | None
    note: str = ""


_QUERIES: dict[str, DeviceQuery] = {
    "temperature": "temperature",
    "power_mw": "power_usage_mw",
    "power_limit_mw": "power_limit_mw",
    "sm_clock": "sm_clock",
    "sm_clock_max": "sm_clock_max",
    "throttle_reasons": "throttle_reasons",
    "pcie_gen": "pcie_gen_current",
    "pcie_gen_max": "pcie_gen_max",
    "pcie_width": "pcie_width_current",
    "pcie_width_max": "pcie_width_max",
}


def read_sample(nvml: Nvml, index: int, t: float, timed: bool) -> TelemetrySample:
    """Query one GPU once; each failed query leaves its field None."""
    values: dict[str, int | None] = {}
    for field_name, query in _QUERIES.items():
        values[field_name] = _int(_ask(nvml, index, query))
    util = _ask(nvml, index, "utilization")
    mem = _ask(nvml, index, "memory")
    return TelemetrySample(
        t=t,
        timed=timed,
        gpu_util=_int(util[0]) if isinstance(util, tuple) else None,
        mem_util=_int(util[1]) if isinstance(util, tuple) else None,
        memory_used_bytes=_int(mem[1]) if isinstance(mem, tuple) else None,
        **values,
    )


def _ask(nvml: Nvml, index: int, query: DeviceQuery) -> object:
    try:
        return nvml.device(index, query)
    except NvmlError:
        return None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def find_nvml_index(nvml: Nvml, uuid: str | None, name: str | None) -> tuple[int | None, str]:
    """The NVML index of the GPU the worker uses: by UUID, else the only GPU, else by name.

    Returns ``(index, note)``; the note says why the index is None or how it was chosen.
    CUDA and NVML may number GPUs differently, so the index alone is not enough.
    """
    try:
        nvml.init()
        count = nvml.system("device_count")
    except NvmlError as exc:
        return None, Msg("NVML unavailable: {why}", why=exc.message)
    if not isinstance(count, int) or count < 1:
        return None, Msg("NVML reports no GPU")
    if uuid:
        for i in range(count):
            if _safe_device(nvml, i, "uuid") == uuid:
                return i, Msg("matched by UUID")
    if count == 1:
        return 0, Msg("the only GPU")
    names = [_safe_device(nvml, i, "name") for i in range(count)]
    if name and names.count(name) == 1:
        return names.index(name), Msg("matched by name")
    return None, Msg("could not tell which GPU the benchmark uses")


def _safe_device(nvml: Nvml, index: int, query: DeviceQuery) -> object:
    try:
        return nvml.device(index, query)
    except NvmlError:
        return None


class TelemetrySampler:
    """Samples one GPU every ``interval_s`` in a daemon thread until :meth:`stop`.

    ``set_timed(True/False)`` marks the worker's timed windows (from its progress lines).
    """

    def __init__(self, nvml: Nvml, index: int, interval_s: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._nvml = nvml
        self._index = index
        self._interval = interval_s
        self._clock = clock
        self._timed = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._samples: list[TelemetrySample] = []
        self._thread = threading.Thread(target=self._loop, name="envcheck-telemetry", daemon=True)
        self._start = clock()

    def start(self) -> TelemetrySampler:
        """Begin sampling; returns self."""
        self._thread.start()
        return self

    def set_timed(self, timed: bool) -> None:
        """Mark whether the worker is inside a timed window."""
        self._timed = timed

    def sample_now(self) -> None:
        """Take one sample immediately (also used by tests instead of waiting)."""
        sample = read_sample(self._nvml, self._index, self._clock() - self._start, self._timed)
        with self._lock:
            self._samples.append(sample)

    def stop(self) -> tuple[TelemetrySample, ...]:
        """Stop the thread and return every sample taken."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        with self._lock:
            return tuple(self._samples)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sample_now()


def _median(values: Sequence[float | int | None]) -> float | None:
    present = [float(v) for v in values if v is not None]
    return statistics.median(present) if present else None


def _fraction(samples: Sequence[TelemetrySample], bit: int) -> float | None:
    known = [s.throttle_reasons for s in samples if s.throttle_reasons is not None]
    if not known:
        return None
    return sum(1 for r in known if r & bit) / len(known)


def summarise(samples: Sequence[TelemetrySample]) -> TelemetrySummary:
    """Summarise the samples taken inside timed windows (all samples if none were)."""
    timed = [s for s in samples if s.timed]
    note = "" if timed else Msg("no sample fell inside a timed window; all samples used")
    use = timed or list(samples)
    clock = _median([s.sm_clock for s in use])
    clock_max = max((s.sm_clock_max for s in use if s.sm_clock_max), default=None)
    power = _median([s.power_mw for s in use])
    limit = _median([s.power_limit_mw for s in use])
    temps = [s.temperature for s in use if s.temperature is not None]
    reasons = 0
    for s in use:
        reasons |= s.throttle_reasons or 0
    mems = [s.memory_used_bytes for s in use if s.memory_used_bytes is not None]
    gen = _median([s.pcie_gen for s in use])
    width = _median([s.pcie_width for s in use])
    hw_bits = HW_SLOWDOWN | HW_THERMAL | HW_POWER_BRAKE
    return TelemetrySummary(
        samples=len(use),
        gpu_util_median=_median([s.gpu_util for s in use]),
        sm_clock_median=clock,
        sm_clock_max=clock_max,
        sm_clock_fraction=clock / clock_max if clock is not None and clock_max else None,
        temperature_max=max(temps) if temps else None,
        power_median_w=power / 1000 if power is not None else None,
        power_limit_w=limit / 1000 if limit is not None else None,
        throttle_reasons_seen=reasons,
        power_cap_fraction=_fraction(use, SW_POWER_CAP),
        hw_slowdown_fraction=_fraction(use, hw_bits),
        sw_thermal_fraction=_fraction(use, SW_THERMAL),
        pcie_gen=int(gen) if gen is not None else None,
        pcie_gen_max=max((s.pcie_gen_max for s in use if s.pcie_gen_max), default=None),
        pcie_width=int(width) if width is not None else None,
        pcie_width_max=max((s.pcie_width_max for s in use if s.pcie_width_max), default=None),
        memory_used_max_bytes=max(mems) if mems else None,
        note=note,
    )


def pcie_gb_s(gen: int | None, width: int | None) -> float | None:
    """Theoretical one-direction PCIe payload bandwidth of a link, GB/s."""
    if gen is None or width is None or gen not in PCIE_LANE_GB_S:
        return None
    return PCIE_LANE_GB_S[gen] * width


def telemetry_findings(summary: TelemetrySummary, *, launch_bound: bool = False
                       ) -> tuple[Finding, ...]:
    """Findings from a summary: throttling, a downgraded PCIe link, low utilisation.

    ``launch_bound`` (the tiny MNIST CNN) turns low utilisation into information: that network
    cannot keep a GPU busy (bench-references.md section 2.3).
    """
    found: list[Finding] = []
    if summary.samples == 0:
        return ()
    if summary.hw_slowdown_fraction:
        names = [n for bit, n in HW_REASONS.items() if summary.throttle_reasons_seen & bit]
        found.append(bench_finding(
            "hw_throttle", Severity.ERROR,
            Msg("The GPU slowed itself down in hardware ({reasons})", reasons=items(names)),
            Msg("in {share} of samples; check cooling, power cables and the power supply "
                "(`nvidia-smi -q -d PERFORMANCE` lists the reasons)",
                share=f"{summary.hw_slowdown_fraction:.0%}"),
        ))
    if (summary.sw_thermal_fraction or 0) >= SUSTAINED_FRACTION:
        found.append(bench_finding(
            "thermal_throttle", Severity.WARNING,
            "The GPU was held back by its temperature",
            Msg("software thermal slowdown in {share} of samples; hottest {temperature} °C",
                share=f"{summary.sw_thermal_fraction:.0%}", temperature=summary.temperature_max),
        ))
    if (summary.power_cap_fraction or 0) >= SUSTAINED_FRACTION:
        limit = Msg(" (limit {watts} W)", watts=f"{summary.power_limit_w:.0f}") if (
            summary.power_limit_w) else ""
        found.append(bench_finding(
            "power_cap", Severity.WARNING,
            Msg("The GPU ran at its power limit{limit} most of the time", limit=limit),
            Msg("software power cap in {share} of samples; a lowered limit shows in "
                "`nvidia-smi -q -d POWER` (Current vs Default Power Limit)",
                share=f"{summary.power_cap_fraction:.0%}"),
        ))
    gen_low = summary.pcie_gen is not None and summary.pcie_gen_max is not None and (
        summary.pcie_gen < summary.pcie_gen_max)
    width_low = summary.pcie_width is not None and summary.pcie_width_max is not None and (
        summary.pcie_width < summary.pcie_width_max)
    if gen_low or width_low:
        now = pcie_gb_s(summary.pcie_gen, summary.pcie_width)
        best = pcie_gb_s(summary.pcie_gen_max, summary.pcie_width_max)
        link = {"gen": summary.pcie_gen, "width": summary.pcie_width,
                "gen_max": summary.pcie_gen_max, "width_max": summary.pcie_width_max}
        found.append(bench_finding(
            "pcie_downgraded", Severity.WARNING,
            Msg("The PCIe link ran at Gen{gen} x{width} under load, not Gen{gen_max} "
                "x{width_max} ({now} of {best} GB/s)", now=f"{now:.1f}", best=f"{best:.1f}",
                **link) if now and best else
            Msg("The PCIe link ran at Gen{gen} x{width} under load, not Gen{gen_max} "
                "x{width_max}", **link),
            Msg("a card in a narrower slot, a riser, or a BIOS PCIe setting; "
                "`envcheck bench transfer` measures the copy rate"),
        ))
    util = summary.gpu_util_median
    if util is not None and util < LOW_UTILISATION_PERCENT:
        found.append(bench_finding(
            "low_utilisation", Severity.INFO if launch_bound else Severity.WARNING,
            Msg("The GPU was busy only {util} % of the time", util=f"{util:.0f}"),
            Msg("expected for a network this small: kernel launches, not the GPU, set its pace")
            if launch_bound else
            Msg("the step is input- or CPU-bound (a slow or contended CPU, or a small batch)"),
        ))
    return tuple(found)
