"""Every ``bench.*`` id the catalogue declares fires from the measurement that proves it.

``tests/rules/test_catalogue.py`` checks that each declared id has a test making it fire;
for the bench ids this module is that test (the others are in ``test_telemetry.py`` and
``test_result.py``, and listed here too so the check reads one list).
"""

from __future__ import annotations

from dataclasses import replace

from envcheck.bench.result import _verdict_finding, correctness_findings, measurement_findings
from envcheck.bench.telemetry import (
    HW_THERMAL,
    SW_POWER_CAP,
    SW_THERMAL,
    TelemetrySample,
    summarise,
    telemetry_findings,
)
from envcheck.model import Category, Finding, Severity


def _samples(n: int, **changes: object) -> list[TelemetrySample]:
    base = TelemetrySample(
        t=0.0, timed=True, gpu_util=99, mem_util=60, sm_clock=1980, sm_clock_max=1980,
        temperature=62, power_mw=650_000, power_limit_mw=700_000, throttle_reasons=0,
        pcie_gen=5, pcie_gen_max=5, pcie_width=16, pcie_width_max=16,
        memory_used_bytes=40_000_000_000,
    )
    return [replace(base, t=i * 0.5, **changes) for i in range(n)]  # type: ignore[arg-type]


def _telemetry(samples: list[TelemetrySample]) -> dict[str, Finding]:
    return {f.id: f for f in telemetry_findings(summarise(samples))}


def _fired() -> dict[str, Finding]:
    found: dict[str, Finding] = {}
    found |= _telemetry(_samples(4) + _samples(6, throttle_reasons=SW_THERMAL, temperature=87))
    found |= _telemetry(_samples(6) + _samples(4, throttle_reasons=HW_THERMAL, sm_clock=1200))
    found |= _telemetry(_samples(4) + _samples(6, throttle_reasons=SW_POWER_CAP))
    found |= _telemetry(_samples(10, pcie_gen=3, pcie_width=8, gpu_util=40))
    for head, agreement in (
        ({"loss_finite": False}, None),
        ({"loss_falling": False, "loss_first_mean": 2.3, "loss_last_mean": 2.3,
          "loss_steps": 50}, {"ok": False, "logits_max_abs_diff": 0.5, "loss_rel_diff": 0.1,
                              "grad_cosine": 0.2}),
    ):
        found |= {f.id: f for f in correctness_findings(head, agreement)}
    found |= {f.id: f for f in measurement_findings(
        {"batch_halved": True, "batch_requested": 256, "batch": 128, "iqr_over_median": 0.4,
         "interrupted": True})}
    for verdict, ratio in (("below_expected", 0.7), ("investigate", 0.3)):
        verdict_finding = _verdict_finding(verdict, ratio, 1000.0)
        assert verdict_finding is not None
        found[verdict_finding.id] = verdict_finding
    return found


BENCH_IDS_FIRED = frozenset({
    "bench.hw_throttle", "bench.thermal_throttle", "bench.power_cap", "bench.pcie_downgraded",
    "bench.low_utilisation", "bench.loss_not_finite", "bench.loss_not_falling",
    "bench.device_disagrees", "bench.batch_halved", "bench.noisy", "bench.interrupted",
    "bench.below_expected", "bench.investigate",
})
"""The bench ids this module makes fire (``bench.transfer_slow``: test_result.py)."""


def test_each_bench_finding_fires_with_its_declared_severity() -> None:
    found = _fired()
    assert set(found) == BENCH_IDS_FIRED
    assert found["bench.thermal_throttle"].severity is Severity.WARNING
    assert "87 °C" in found["bench.thermal_throttle"].detail
    assert found["bench.loss_not_finite"].severity is Severity.ERROR
    assert found["bench.device_disagrees"].severity is Severity.ERROR
    assert found["bench.below_expected"].severity is Severity.WARNING
    assert found["bench.below_expected"].title == "Throughput is 70% of the reference for this GPU"
    assert found["bench.investigate"].severity is Severity.ERROR
    assert found["bench.batch_halved"].title.startswith("Batch 256 did not fit")
    assert "40%" in found["bench.noisy"].title
    assert all(f.category is Category.BENCH for f in found.values())
