"""The bench worker's arithmetic, free of torch: step statistics, loss summary, per-class
precision and recall, and the DDP summary with its all-reduce bus bandwidth.

Runs inside the target interpreter next to ``worker.py`` (imported by path, like its other
siblings) and uses only the standard library, so envcheck's tests check every formula
without torch and without a GPU, and a multi-GPU run is summarised by the same code the
tests feed with fake ranks.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

BLOCK_TARGET_S = 0.02
"""Time tiny steps in blocks of at least 20 ms between two synchronisations."""
MIB = 2**20
ALLREDUCE_BYTES = {"nccl": 256 * MIB, "gloo": 4 * MIB}
"""Message size of the all-reduce timed under DDP: large enough on NVLink/PCIe for NCCL to
reach its bus bandwidth plateau; small on gloo (CPU), where it only proves the path works."""


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def step_stats(times: Sequence[float], batch: int) -> dict[str, Any]:
    """Median-based statistics of per-step times (seconds)."""
    if not times:
        return {"steps_timed": 0, "images_per_s": None, "step_time_median_s": None}
    median = statistics.median(times)
    q1, q3 = percentile(times, 25), percentile(times, 75)
    total = sum(times)
    return {
        "steps_timed": len(times),
        "step_time_median_s": median,
        "images_per_s": batch / median if median > 0 else None,
        "images_per_s_mean": batch * len(times) / total if total > 0 else None,
        "iqr_over_median": (q3 - q1) / median if median > 0 else None,
        "step_time_p10_s": percentile(times, 10),
        "step_time_p90_s": percentile(times, 90),
        "step_time_min_s": min(times),
        "step_time_max_s": max(times),
    }


def block_for(step_s: float) -> int:
    """Steps per timed block: enough for ``BLOCK_TARGET_S`` between synchronisations (1-50)."""
    return max(1, min(50, int(BLOCK_TARGET_S / max(step_s, 1e-6))))


def loss_summary(values: Sequence[float]) -> dict[str, Any]:
    """First/last loss, finiteness, and whether it fell (last-k mean below first-k mean)."""
    if not values:
        return {"loss_first": None, "loss_last": None, "loss_finite": None, "loss_falling": None}
    k = max(1, min(5, len(values) // 4))
    first, last = statistics.fmean(values[:k]), statistics.fmean(values[-k:])
    finite = all(math.isfinite(v) for v in values)
    # Over a long run demand a 30 % drop; over a few steps 10 % (bench-references.md section 7).
    factor = 0.7 if len(values) >= 20 else 0.9
    return {
        "loss_first": values[0],
        "loss_last": values[-1],
        "loss_first_mean": first,
        "loss_last_mean": last,
        "loss_steps": len(values),
        "loss_finite": finite,
        "loss_falling": finite and last < factor * first,
    }


def per_class(rows: Sequence[Sequence[int]]) -> list[dict[str, Any]]:
    """Precision and recall of each true class from a confusion matrix (rows: true class).

    A last ``other`` column (a ResNet's 1000-way head predicting a class the data does not
    have) counts against recall, never as a class of its own. None where undefined (a class
    never predicted has no precision; one never present has no recall).
    """
    classes = len(rows)
    out = []
    for c in range(classes):
        predicted = sum(rows[r][c] for r in range(classes))
        actual = sum(rows[c])
        out.append({
            "class": c,
            "precision": rows[c][c] / predicted if predicted else None,
            "recall": rows[c][c] / actual if actual else None,
        })
    return out


def bus_bandwidth(nbytes: int, seconds: float, world: int) -> dict[str, Any]:
    """An all-reduce's algorithm and bus bandwidth, the nccl-tests way.

    algbw = bytes / time; busbw = algbw x 2(n-1)/n, the factor that makes the figure comparable
    with the link's rate whatever the number of ranks
    (https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md). GB are 1e9 bytes.
    """
    algbw = nbytes / seconds / 1e9 if seconds > 0 else None
    factor = 2 * (world - 1) / world if world > 0 else None
    busbw = algbw * factor if algbw is not None and factor is not None else None
    return {"bytes": nbytes, "time_s": seconds, "algbw_gb_s": algbw, "busbw_gb_s": busbw,
            "bus_factor": factor}


def ddp_summary(medians: Sequence[float], batch: int, backend: str,
                allreduce: dict[str, Any] | None) -> dict[str, Any]:
    """Per-rank and aggregate images/s from each rank's median step time.

    Synchronous DDP runs at the pace of its slowest rank, so the aggregate is world x batch
    over the slowest median. A rank without a figure (NaN) counts as unknown, not as fast.
    """
    world = len(medians)
    known = [m if m > 0 and math.isfinite(m) else None for m in medians]
    per_rank = [batch / m if m is not None else None for m in known]
    timed = [r for r in range(world) if known[r] is not None]
    slowest = max(timed, key=lambda r: known[r] or 0.0) if timed else None
    slowest_median = known[slowest] if slowest is not None else None
    return {
        "world_size": world,
        "backend": backend,
        "per_rank_images_per_s": per_rank,
        "per_rank_step_time_median_s": [m if m is not None else None for m in known],
        "aggregate_images_per_s": world * batch / slowest_median if slowest_median else None,
        "slowest_rank": slowest,
        "allreduce": allreduce,
    }


def collective_backend(device_type: str) -> str:
    """NCCL between CUDA GPUs, gloo otherwise (CPU ranks)."""
    return "nccl" if device_type == "cuda" else "gloo"
