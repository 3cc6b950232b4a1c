"""Bench results whose JSON and text renderings are kept byte for byte in
``tests/data/bench/golden/`` (written by the untyped documents before the typed results replaced
them, so the typed results are held to the same bytes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from envcheck.bench.bench_math import bus_bandwidth, ddp_summary
from envcheck.bench.launch import BenchOptions, WorkerOutcome
from envcheck.bench.telemetry import HW_SLOWDOWN
from tests.bench.test_result import OPTIONS, gpu_result, recorded
from tests.bench.test_telemetry import healthy


def _gpu_ok() -> tuple[BenchOptions, WorkerOutcome]:
    return OPTIONS, WorkerOutcome(argv=("py",), result=gpu_result(2900.0),
                                  samples=tuple(healthy()))


def _gpu_troubled() -> tuple[BenchOptions, WorkerOutcome]:
    samples = tuple(healthy(throttle_reasons=HW_SLOWDOWN | 0x4 | 0x20, sm_clock=900,
                            pcie_gen=1, gpu_util=20))
    result = gpu_result(1200.0, loss_falling=False, batch_halved=True, batch_requested=512,
                        iqr_over_median=0.4, compile_s=12.5)
    result["agreement"] = dict(result["agreement"], ok=False)
    result["notes"] = ["a note from the worker"]
    return OPTIONS, WorkerOutcome(argv=("py",), result=result, samples=samples,
                                  interrupted=True, telemetry_note="NVML sampled every 0.5 s",
                                  driver_version="580.65.06")


def _gpu_unknown() -> tuple[BenchOptions, WorkerOutcome]:
    result = gpu_result(2900.0, loss_finite=False)
    result["device_info"]["name"] = "NVIDIA Mystery 9000"
    result["held_out"] = dict(result["held_out"], per_class=[
        {"precision": 0.5, "recall": None}, {"precision": 1.0, "recall": 0.9}])
    return OPTIONS, WorkerOutcome(argv=("py",), result=result)


def _cpu_cnn() -> tuple[BenchOptions, WorkerOutcome]:
    return (BenchOptions(model="mnist_cnn", device="cpu"),
            recorded("cnn_cpu_torch2.13.jsonl"))


def _ddp() -> tuple[BenchOptions, WorkerOutcome]:
    result = gpu_result(2900.0)
    result["distributed"] = ddp_summary([0.088, 0.090], 256, "nccl",
                                        bus_bandwidth(256 * 2**20, 0.002, 2))
    return BenchOptions(model="resnet50", ddp=2), WorkerOutcome(argv=("py",), result=result)


TRAIN: Mapping[str, Callable[[], tuple[BenchOptions, WorkerOutcome]]] = {
    "train_gpu_ok": _gpu_ok, "train_gpu_troubled": _gpu_troubled,
    "train_gpu_unknown": _gpu_unknown, "train_cpu_cnn": _cpu_cnn, "train_ddp": _ddp,
}


def matmul_outcomes() -> Mapping[str, WorkerOutcome]:
    gpu = {"device_info": {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"},
           "versions": {"torch": "2.13.0", "python": "3.12"},
           "matmul": [{"dtype": "bf16", "size": 8192, "tflops": 700.0},
                      {"dtype": "fp8", "size": 8192, "tflops": None, "error": "unsupported"}]}
    return {"matmul_cpu": recorded("matmul_cpu_torch2.13.jsonl"),
            "matmul_gpu": WorkerOutcome(argv=(), result=gpu)}


def transfer_outcomes() -> Mapping[str, WorkerOutcome]:
    rows = [{"direction": "h2d", "pinned": True, "bytes": 1, "seconds": 1.0, "gb_s": 6.0},
            {"direction": "h2d", "pinned": False, "bytes": 1, "seconds": 1.0, "gb_s": 3.0}]
    result: dict[str, Any] = {"device_info": {"type": "cuda", "name": "NVIDIA H100 80GB HBM3"},
                              "transfer": rows}
    return {
        "transfer_measured_link": WorkerOutcome(argv=(), result=result,
                                                samples=tuple(healthy(pcie_gen=4, pcie_width=8))),
        "transfer_unknown_link": WorkerOutcome(argv=(), result=result,
                                               telemetry_note="no NVML"),
    }
