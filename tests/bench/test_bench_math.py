"""The bench's arithmetic (envcheck/bench/bench_math.py), and the NCCL path of ``--ddp``.

The formulas are pure and tested directly. The NCCL glue in the worker is tested with fake
ranks: a stand-in ``torch.distributed`` that says backend ``nccl`` and four ranks, in the real
torch (CPU tensors stand in for CUDA ones, which is all the glue decides on).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from envcheck.bench.bench_math import (
    ALLREDUCE_BYTES,
    block_for,
    bus_bandwidth,
    collective_backend,
    ddp_summary,
    loss_summary,
    per_class,
    step_stats,
)
from envcheck.system.run import run_command
from tests.torch_target import TORCH_PYTHON, needs_torch

BENCH_DIR = Path(__file__).resolve().parents[2] / "envcheck" / "bench"


def test_per_class_counts_the_other_column_against_recall_only() -> None:
    # 3 classes; the last column is "other" (a 1000-way head predicting a class not in the data).
    rows = [[8, 1, 0, 1],
            [0, 10, 0, 0],
            [2, 0, 0, 3]]
    stats = per_class(rows)
    assert [s["class"] for s in stats] == [0, 1, 2]
    assert stats[0]["precision"] == pytest.approx(8 / 10)
    assert stats[0]["recall"] == pytest.approx(8 / 10)
    assert stats[1]["precision"] == pytest.approx(10 / 11)
    assert stats[1]["recall"] == 1.0
    assert stats[2]["precision"] is None  # never predicted
    assert stats[2]["recall"] == 0.0


def test_per_class_of_an_absent_class_has_no_recall() -> None:
    assert per_class([[3, 0], [0, 0]])[1] == {"class": 1, "precision": None, "recall": None}


@pytest.mark.parametrize(("world", "factor"), [(1, 0.0), (2, 1.0), (4, 1.5), (8, 1.75)])
def test_bus_bandwidth_is_algbw_times_2_n_minus_1_over_n(world: int, factor: float) -> None:
    nbytes = 256 * 2**20
    out = bus_bandwidth(nbytes, 0.010, world)
    assert out["algbw_gb_s"] == pytest.approx(nbytes / 0.010 / 1e9)
    assert out["busbw_gb_s"] == pytest.approx(out["algbw_gb_s"] * factor)
    assert out["bus_factor"] == pytest.approx(factor)


def test_bus_bandwidth_without_a_time_is_unknown_not_zero() -> None:
    out = bus_bandwidth(1024, 0.0, 4)
    assert out["algbw_gb_s"] is None and out["busbw_gb_s"] is None


def test_ddp_summary_runs_at_the_slowest_ranks_pace() -> None:
    out = ddp_summary([0.100, 0.100, 0.125, 0.100], 256, "nccl", {"busbw_gb_s": 300.0})
    assert out["world_size"] == 4 and out["backend"] == "nccl"
    assert out["slowest_rank"] == 2
    assert out["aggregate_images_per_s"] == pytest.approx(4 * 256 / 0.125)
    assert out["per_rank_images_per_s"] == pytest.approx([2560, 2560, 2048, 2560])


def test_ddp_summary_treats_a_rank_without_a_figure_as_unknown() -> None:
    out = ddp_summary([0.1, math.nan], 64, "gloo", None)
    assert out["per_rank_images_per_s"][1] is None
    assert out["per_rank_step_time_median_s"][1] is None
    assert out["slowest_rank"] == 0
    assert ddp_summary([math.nan], 64, "gloo", None)["aggregate_images_per_s"] is None


def test_collectives_use_nccl_between_gpus_and_gloo_on_cpus() -> None:
    assert collective_backend("cuda") == "nccl"
    assert collective_backend("cpu") == "gloo"
    assert ALLREDUCE_BYTES["nccl"] > ALLREDUCE_BYTES["gloo"]


def test_step_stats_and_blocks() -> None:
    stats = step_stats([0.1, 0.2, 0.3, 0.4, 0.5], 10)
    assert stats["step_time_median_s"] == 0.3
    assert stats["images_per_s"] == pytest.approx(10 / 0.3)
    assert stats["iqr_over_median"] == pytest.approx((0.4 - 0.2) / 0.3)
    assert step_stats([], 10)["images_per_s"] is None
    assert block_for(0.5) == 1 and block_for(0.001) == 20 and block_for(0.0) == 50


def test_loss_summary_wants_a_real_drop() -> None:
    assert loss_summary([2.3] * 4 + [1.0] * 4)["loss_falling"] is True
    assert loss_summary([2.3] * 8)["loss_falling"] is False
    assert loss_summary([2.3, math.nan, 1.0])["loss_finite"] is False
    assert loss_summary([])["loss_falling"] is None


FAKE_NCCL_RANKS = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
import worker

MEDIANS = [0.100, 0.100, 0.125, 0.100]


class FakeNcclGroup:
    # Four ranks on NCCL; this process plays rank 0 and the others answer through all_gather.
    def __init__(self):
        self.calls = []

    def get_world_size(self):
        return 4

    def get_backend(self):
        return "nccl"

    def all_gather(self, out, tensor):
        self.calls.append(["all_gather", tensor.device.type, str(tensor.dtype)])
        for rank, slot in enumerate(out):
            slot.fill_(MEDIANS[rank])

    def all_reduce(self, tensor):
        self.calls.append(["all_reduce", tensor.device.type, tensor.numel() * 4])

    def barrier(self):
        self.calls.append(["barrier"])


group = FakeNcclGroup()
torch.distributed = group
summary = worker._ddp_summary({"step_time_median_s": 0.1, "batch": 256}, torch.device("cpu"))
print(json.dumps({"summary": summary, "calls": group.calls}))
"""


@pytest.mark.torch
@needs_torch
def test_the_nccl_path_with_fake_ranks() -> None:
    result = run_command([TORCH_PYTHON, "-c", FAKE_NCCL_RANKS, str(BENCH_DIR)], timeout=120)
    assert result.ok, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    summary, calls = out["summary"], out["calls"]
    assert summary["backend"] == "nccl" and summary["world_size"] == 4
    assert summary["slowest_rank"] == 2
    assert summary["aggregate_images_per_s"] == pytest.approx(4 * 256 / 0.125)
    # The medians gather in float64 on the rank's device (the CPU stands in for a GPU here);
    # the all-reduce is NCCL's large message, not gloo's small one.
    assert calls[0] == ["all_gather", "cpu", "torch.float64"]
    reduces = [c for c in calls if c[0] == "all_reduce"]
    assert len(reduces) == 7  # 2 warm-up, 5 timed
    assert all(c[2] == ALLREDUCE_BYTES["nccl"] for c in reduces)
    ar = summary["allreduce"]
    assert ar["bytes"] == ALLREDUCE_BYTES["nccl"]
    assert ar["busbw_gb_s"] == pytest.approx(ar["algbw_gb_s"] * 2 * 3 / 4)
