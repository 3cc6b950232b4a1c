"""Documents (schema 1) built from worker results, and their text and JSON renderings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from envcheck.bench.document import ComparisonRow
from envcheck.bench.launch import BenchOptions, WorkerOutcome, parse_line
from envcheck.bench.references import parse_references
from envcheck.bench.result import (
    build_matmul_result,
    build_train_result,
    build_transfer_result,
    worst_severity,
)
from envcheck.bench.telemetry import HW_SLOWDOWN
from envcheck.model import Severity
from envcheck.render.bench import bar_chart, render_bench_json, render_bench_text
from tests.bench.test_telemetry import healthy
from tests.fakes import data

TOP_LEVEL = {
    "schema", "model", "device", "precision", "batch", "images_per_s", "step_time_median_s",
    "steps_timed", "loss_first", "loss_last", "accuracy", "speedup_vs_cpu", "reference",
    "verdict", "runs",
}

TABLE = parse_references("""
schema = 1
[[gpu]]
key = "H100 SXM"
patterns = ['h100\\b.*hbm3']
peak_tflops = { fp32 = 67, tf32 = 495, amp = 989 }
source = "datasheet"
[[gpu]]
key = "Other"
patterns = ['other']
peak_tflops = { amp = 100 }
source = "datasheet"
[[reference]]
gpu = "H100 SXM"
model = "resnet50"
precision = "amp"
channels_last = true
batch = 256
images_per_s = 3000
kind = "measured"
source = "fake reference for tests"
[[reference]]
gpu = "Other"
model = "resnet50"
precision = "amp"
images_per_s = 1000
kind = "published"
source = "fake"
""")


def recorded(name: str) -> WorkerOutcome:
    messages = [m for m in map(parse_line, data(f"bench/{name}").splitlines()) if m]
    (result,) = [m.data for m in messages if m.type == "result"]
    return WorkerOutcome(argv=("python",), result=result)


def gpu_result(images_per_s: float, **head: Any) -> dict[str, Any]:
    """A worker result shaped like a CUDA run (written by hand: no GPU recorded it here)."""
    batch = 256
    run = {
        "run": "headline", "model": "resnet50", "device": "cuda:0", "precision": "amp-bf16",
        "batch": batch, "batch_requested": batch, "batch_halved": False, "channels_last": True,
        "compile": False, "steps_timed": 120, "step_time_median_s": batch / images_per_s,
        "images_per_s": images_per_s, "iqr_over_median": 0.01, "step_time_p10_s": 0.08,
        "step_time_p90_s": 0.09, "warmup_steps": 8, "first_step_s": 2.5, "compile_s": None,
        "peak_memory_bytes": 30 * 2**30, "loss_first": 6.9, "loss_last": 0.01,
        "loss_first_mean": 6.8, "loss_last_mean": 0.02, "loss_steps": 129, "loss_finite": True,
        "loss_falling": True, "interrupted": False,
    }
    run.update(head)
    cpu = dict(run, run="cpu", device="cpu", precision="fp32", batch=32, images_per_s=4.0,
               step_time_median_s=8.0, channels_last=False)
    return {
        "device_info": {"type": "cuda", "name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-aaaa"},
        "versions": {"torch": "2.13.0+cu130", "cuda": "13.0", "cudnn": 91300, "python": "3.12"},
        "runs": [run, dict(run, run="baseline", precision="tf32"), cpu],
        "held_out": {"samples": 20, "accuracy": 0.95, "confusion_matrix": [[10, 0, 0], [1, 9, 0]],
                     "confusion_other_column": True},
        "agreement": {"compared": "cuda:0 vs cpu", "logits_max_abs_diff": 2e-5,
                      "logits_close": True, "loss_rel_diff": 1e-7, "loss_close": True,
                      "grad_cosine": 0.9999999, "grad_close": True, "ok": True},
        "notes": [], "interrupted": False, "distributed": None,
    }


OPTIONS = BenchOptions(model="resnet50")


# These tests read the ``--json`` document as a user's script would (the typed results are
# checked against it, and it is rendered back through the typed result).
def build_train_document(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return build_train_result(*args, **kwargs).to_dict()


def build_matmul_document(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return build_matmul_result(*args, **kwargs).to_dict()


def build_transfer_document(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return build_transfer_result(*args, **kwargs).to_dict()


def test_gpu_document_has_the_issue_keys_and_a_verdict() -> None:
    outcome = WorkerOutcome(argv=("py",), result=gpu_result(2900.0), samples=tuple(healthy()))
    doc = build_train_document(OPTIONS, outcome, TABLE, tool_version="9")
    assert doc.keys() >= TOP_LEVEL
    assert doc["verdict"] == "ok" and doc["verdict_ratio"] == pytest.approx(2900 / 3000)
    assert doc["reference"]["source"] == "fake reference for tests"
    assert doc["speedup_vs_cpu"] == pytest.approx(2900 / 4.0)
    assert doc["mfu"] == pytest.approx(2900 * 24.3e9 / 989e12)
    assert "2,900.0 images/s (from the median step), MFU 7.1%" in render_bench_text(doc)
    assert doc["telemetry"]["samples"] == 10
    assert doc["findings"] == []
    assert [r["run"] for r in doc["runs"]] == ["headline", "baseline", "cpu"]
    assert json.loads(render_bench_json(doc)) == json.loads(json.dumps(doc))


def test_slow_throttled_gpu_is_investigated() -> None:
    samples = tuple(healthy(throttle_reasons=HW_SLOWDOWN, sm_clock=900))
    outcome = WorkerOutcome(argv=("py",), result=gpu_result(1200.0), samples=samples)
    doc = build_train_document(OPTIONS, outcome, TABLE, tool_version="9")
    assert doc["verdict"] == "investigate"
    ids = {f["id"] for f in doc["findings"]}
    assert {"bench.hw_throttle", "bench.investigate"} <= ids
    assert worst_severity(doc) is Severity.ERROR
    text = render_bench_text(doc)
    assert "investigate" in text and "hardware slowdown" in text


def test_wrong_numbers_and_a_stuck_loss_are_findings() -> None:
    result = gpu_result(2900.0, loss_falling=False)
    result["agreement"] = dict(result["agreement"], ok=False, grad_cosine=0.5)
    doc = build_train_document(OPTIONS, WorkerOutcome(argv=("py",), result=result), TABLE,
                               tool_version="9")
    ids = {f["id"] for f in doc["findings"]}
    assert {"bench.loss_not_falling", "bench.device_disagrees"} <= ids
    assert "DISAGREE" in render_bench_text(doc)


def test_unknown_gpu_says_no_reference_and_shows_no_mfu() -> None:
    result = gpu_result(2900.0)
    result["device_info"]["name"] = "NVIDIA Mystery 9000"
    doc = build_train_document(OPTIONS, WorkerOutcome(argv=("py",), result=result), TABLE,
                               tool_version="9")
    assert doc["reference"] is None and doc["verdict"] == "no_reference" and doc["mfu"] is None
    assert "no reference" in render_bench_text(doc)


def test_recorded_cpu_cnn_document() -> None:
    options = BenchOptions(model="mnist_cnn", device="cpu")
    doc = build_train_document(options, recorded("cnn_cpu_torch2.13.jsonl"), TABLE,
                               tool_version="9")
    assert doc.keys() >= TOP_LEVEL
    assert doc["device"] == "cpu" and doc["verdict"] == "no_reference"
    assert doc["speedup_vs_cpu"] is None
    assert doc["loss_last"] < doc["loss_first"]
    matrix = doc["held_out"]["confusion_matrix"]
    assert len(matrix) == 10 and all(len(row) == 10 for row in matrix)
    text = render_bench_text(doc)
    assert "MNIST CNN" in text and "recall" in text and "cpu vs cpu" in text


def test_bar_chart_marks_this_run_and_scales_bars() -> None:
    rows = [ComparisonRow("A", 1000.0, "published", False),
            ComparisonRow("B", 500.0, "estimate", False)]
    lines = bar_chart(rows, "H100 SXM", 2000.0, width=20)
    body = lines[2:]
    assert "this GPU (H100 SXM)" in body[0] and "<- this run" in body[0]
    assert body[0].count("█") == 20 and body[1].count("█") == 10 and body[2].count("█") == 5
    assert "(estimate)" in body[2]
    assert bar_chart([], None, 5.0) == []


def test_matmul_document_against_peak() -> None:
    outcome = recorded("matmul_cpu_torch2.13.jsonl")
    doc = build_matmul_document(outcome, TABLE, tool_version="9")
    assert [r["dtype"] for r in doc["matmul"]] == ["fp32", "bf16"]
    assert all(r["peak_tflops"] is None for r in doc["matmul"])  # a CPU has no table row
    gpu = {"device_info": {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"},
           "matmul": [{"dtype": "bf16", "size": 8192, "tflops": 700.0}]}
    doc = build_matmul_document(WorkerOutcome(argv=(), result=gpu), TABLE, tool_version="9")
    assert doc["matmul"][0]["fraction_of_peak"] == pytest.approx(700 / 989)
    assert "bf16" in render_bench_text(doc)


def test_transfer_document_against_the_link() -> None:
    rows = [{"direction": "h2d", "pinned": True, "bytes": 1, "seconds": 1.0, "gb_s": 6.0},
            {"direction": "h2d", "pinned": False, "bytes": 1, "seconds": 1.0, "gb_s": 3.0}]
    result = {"device_info": {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"}, "transfer": rows}
    samples = tuple(healthy(pcie_gen=4, pcie_width=8))
    doc = build_transfer_document(WorkerOutcome(argv=(), result=result, samples=samples),
                                  tool_version="9")
    assert doc["pcie"]["link_max_gb_s"] == pytest.approx(3.938 * 16)
    ids = {f["id"] for f in doc["findings"]}
    assert ids == {"bench.pcie_downgraded", "bench.transfer_slow"}
    assert "pageable" in render_bench_text(doc)


def test_bench_findings_are_ordinary_findings_of_the_bench_category() -> None:
    """Every finding a bench document can carry has the doctor's JSON shape and a
    ``bench.<slug>`` id, and the text shows the id as the doctor's text does."""
    import re

    samples = tuple(healthy(throttle_reasons=HW_SLOWDOWN | 0x4 | 0x20, sm_clock=900,
                            pcie_gen=1, gpu_util=20))
    result = gpu_result(1200.0, loss_falling=False, batch_halved=True, batch_requested=512,
                        iqr_over_median=0.4)
    result["agreement"] = dict(result["agreement"], ok=False)
    doc = build_train_document(OPTIONS, WorkerOutcome(argv=("py",), result=result,
                                                      samples=samples, interrupted=True),
                               TABLE, tool_version="9")
    assert len(doc["findings"]) >= 8
    doctor_keys = {"id", "severity", "category", "title", "detail", "evidence", "consequences",
                   "fixes"}
    for finding in doc["findings"]:
        assert finding.keys() == doctor_keys
        assert finding["category"] == "bench"
        assert re.fullmatch(r"bench\.[a-z0-9_]+", finding["id"]), finding["id"]
    assert "[bench.hw_throttle]" in render_bench_text(doc)


def test_ddp_text_shows_bus_and_algorithm_bandwidth() -> None:
    from envcheck.bench.bench_math import bus_bandwidth, ddp_summary

    result = gpu_result(2900.0)
    result["distributed"] = ddp_summary([0.088, 0.090], 256, "nccl",
                                        bus_bandwidth(256 * 2**20, 0.002, 2))
    doc = build_train_document(BenchOptions(model="resnet50", ddp=2),
                               WorkerOutcome(argv=("py",), result=result), TABLE,
                               tool_version="9")
    text = render_bench_text(doc)
    assert "DDP  2 processes (nccl)" in text
    assert "bus bandwidth 134.22 GB/s (algorithm bandwidth 134.22 GB/s x 2(n-1)/n" in text
    assert doc["distributed"]["slowest_rank"] == 1
