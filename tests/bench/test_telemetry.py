"""Telemetry: NVML samples from fake GPUs, their summary, and the findings they lead to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from envcheck.bench.telemetry import (
    HW_THERMAL,
    SW_POWER_CAP,
    TelemetrySample,
    TelemetrySampler,
    find_nvml_index,
    pcie_gb_s,
    read_sample,
    summarise,
    telemetry_findings,
)
from envcheck.model import Severity
from envcheck.system.nvml import NvmlError, NvmlStatus
from tests.fakes import FakeGpu, FakeNvml

H100 = FakeGpu(
    name="NVIDIA H100 80GB HBM3",
    uuid="GPU-aaaa",
    memory=(85_520_809_984, 40_000_000_000),
    cuda_compute_capability=(9, 0),
    pcie_gen_current=5,
    pcie_gen_max=5,
    pcie_width_current=16,
    pcie_width_max=16,
    temperature=62,
    power_usage_mw=650_000,
    power_limit_mw=700_000,
    sm_clock=1980,
    sm_clock_max=1980,
    throttle_reasons=0,
    utilization=(99, 60),
)


def healthy(n: int = 10, **changes: object) -> list[TelemetrySample]:
    base = TelemetrySample(
        t=0.0, timed=True, gpu_util=99, mem_util=60, sm_clock=1980, sm_clock_max=1980,
        temperature=62, power_mw=650_000, power_limit_mw=700_000, throttle_reasons=0,
        pcie_gen=5, pcie_gen_max=5, pcie_width=16, pcie_width_max=16,
        memory_used_bytes=40_000_000_000,
    )
    return [replace(base, t=i * 0.5, **changes) for i in range(n)]  # type: ignore[arg-type]


def ids(samples: list[TelemetrySample], **kwargs: bool) -> set[str]:
    return {f.id for f in telemetry_findings(summarise(samples), **kwargs)}


def test_healthy_gpu_has_no_findings() -> None:
    summary = summarise(healthy())
    assert summary.samples == 10
    assert summary.sm_clock_fraction == pytest.approx(1.0)
    assert summary.power_median_w == pytest.approx(650)
    assert telemetry_findings(summary) == ()


def test_hardware_thermal_slowdown_is_an_error() -> None:
    samples = healthy(6) + healthy(4, throttle_reasons=HW_THERMAL, sm_clock=1200)
    findings = telemetry_findings(summarise(samples))
    hw = [f for f in findings if f.id == "bench.hw_throttle"]
    assert hw and hw[0].severity is Severity.ERROR
    assert "thermal" in hw[0].title


def test_power_cap_counts_only_when_sustained() -> None:
    assert "bench.power_cap" not in ids(healthy(8) + healthy(2, throttle_reasons=SW_POWER_CAP))
    assert "bench.power_cap" in ids(healthy(4) + healthy(6, throttle_reasons=SW_POWER_CAP))


def test_downgraded_pcie_link_under_load() -> None:
    findings = telemetry_findings(summarise(healthy(pcie_width=8, pcie_gen=4)))
    (link,) = [f for f in findings if f.id == "bench.pcie_downgraded"]
    assert "Gen4 x8" in link.title and "Gen5 x16" in link.title
    assert pcie_gb_s(4, 8) == pytest.approx(15.752)


def test_low_utilisation_is_a_warning_except_for_launch_bound_nets() -> None:
    low = healthy(gpu_util=35)
    (w,) = telemetry_findings(summarise(low))
    assert w.id == "bench.low_utilisation" and w.severity is Severity.WARNING
    (i,) = telemetry_findings(summarise(low), launch_bound=True)
    assert i.severity is Severity.INFO


def test_only_timed_samples_count_when_there_are_any() -> None:
    idle = healthy(5, timed=False, gpu_util=0, pcie_gen=1)
    assert ids(idle + healthy(5)) == set()
    summary = summarise(idle)
    assert summary.note and summary.samples == 5


def test_unknown_fields_stay_unknown() -> None:
    blank = [TelemetrySample(t=0.0, timed=True)]
    summary = summarise(blank)
    assert summary.gpu_util_median is None and summary.sm_clock_fraction is None
    assert telemetry_findings(summary) == ()


def test_read_sample_maps_nvml_errors_to_none() -> None:
    nvml = FakeNvml(gpus=[H100], errors={"throttle_reasons": NvmlError(
        NvmlStatus.NOT_SUPPORTED, "Not Supported")})
    sample = read_sample(nvml, 0, 1.0, True)
    assert sample.gpu_util == 99 and sample.memory_used_bytes == 40_000_000_000
    assert sample.throttle_reasons is None
    assert sample.pcie_width == 16


def test_sampler_marks_timed_windows() -> None:
    nvml = FakeNvml(gpus=[H100])
    ticks = iter(range(100))
    sampler = TelemetrySampler(nvml, 0, interval_s=3600, clock=lambda: float(next(ticks)))
    sampler.sample_now()
    sampler.set_timed(True)
    sampler.sample_now()
    sampler.sample_now()
    samples = sampler.stop()
    assert [s.timed for s in samples] == [False, True, True]
    assert [s.t for s in samples] == [1.0, 2.0, 3.0]


def test_find_index_by_uuid_then_only_gpu_then_name() -> None:
    other = replace(H100, uuid="GPU-bbbb", name="NVIDIA A100-SXM4-80GB")
    two = FakeNvml(gpus=[other, H100])
    assert find_nvml_index(two, "GPU-aaaa", None) == (1, "matched by UUID")
    assert find_nvml_index(two, None, "NVIDIA A100-SXM4-80GB")[0] == 0
    assert find_nvml_index(FakeNvml(gpus=[H100, H100]), None, str(H100.name))[0] is None
    assert find_nvml_index(FakeNvml(gpus=[H100]), "GPU-zzzz", None) == (0, "the only GPU")
    index, note = find_nvml_index(FakeNvml.no_driver(), "GPU-aaaa", None)
    assert index is None and "NVML unavailable" in note
