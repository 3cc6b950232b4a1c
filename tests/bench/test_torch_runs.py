"""The real benches on the CPU with real torch (2.13.0 CPU build in .venv-torch).

Small sizes and short budgets: these check behaviour (loss falls, documents complete, the
confusion matrix adds up, DDP over gloo, Ctrl-C), not speed.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from envcheck.bench.launch import BenchOptions, run_ddp, run_worker
from envcheck.bench.references import load_references
from envcheck.bench.result import build_train_result
from envcheck.render.bench import render_bench_text
from envcheck.system.run import run_command
from tests.bench.test_result import TOP_LEVEL
from tests.torch_target import TORCH_PYTHON, needs_torch

ROOT = Path(__file__).resolve().parents[2]
NETS_DIR = ROOT / "envcheck" / "bench"
pytestmark = [pytest.mark.torch, needs_torch]

TINY_RESNET = {"image_size": 32, "max_warmup": 2, "min_steps": 3, "max_steps": 3,
               "eval_batch": 16}


def envcheck_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT, check=False)


def test_parameter_counts_are_the_standard_ones() -> None:
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); import nets; "
            "print(json.dumps({n: nets.parameter_count(nets.build(n)) for n in nets.MODELS}))")
    result = run_command([TORCH_PYTHON, "-c", code, str(NETS_DIR)], timeout=120)
    assert result.ok, result.stderr
    assert json.loads(result.stdout) == {
        "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
        "mnist_cnn": 8_490,
    }


def test_cnn_cli_json_is_complete_and_consistent() -> None:
    proc = envcheck_cli("bench", "cnn", "--device", "cpu", "--seconds", "1", "--json",
                        "--python", TORCH_PYTHON)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc.keys() >= TOP_LEVEL
    assert doc["schema"] == 1 and doc["model"] == "mnist_cnn" and doc["device"] == "cpu"
    assert doc["loss_finite"] and doc["loss_falling"] and doc["loss_last"] < doc["loss_first"]
    assert doc["images_per_s"] > 0 and doc["steps_timed"] >= 5
    assert doc["step_time_p10_s"] <= doc["step_time_median_s"] <= doc["step_time_p90_s"]
    held = doc["held_out"]
    matrix = held["confusion_matrix"]
    total = sum(map(sum, matrix))
    assert total == held["samples"] == 256
    assert held["accuracy"] == pytest.approx(sum(matrix[i][i] for i in range(10)) / total)
    for c, stats in enumerate(held["per_class"]):
        column = sum(row[c] for row in matrix)
        if column:
            assert stats["precision"] == pytest.approx(matrix[c][c] / column)
        assert stats["recall"] == pytest.approx(matrix[c][c] / sum(matrix[c]))
    assert held["accuracy"] > 0.5  # the synthetic classes are learnable
    assert doc["verdict"] == "no_reference" and doc["speedup_vs_cpu"] is None


def test_tiny_resnet_trains_and_agrees_with_itself() -> None:
    options = BenchOptions(model="resnet18", device="cpu", batch=4, seconds=0.2,
                           extra=dict(TINY_RESNET, agreement=True))
    outcome = run_worker(TORCH_PYTHON, options, timeout_s=120)
    assert outcome.result is not None, outcome.error_message
    doc = build_train_result(options, outcome, load_references(), tool_version="test").to_dict()
    assert doc["batch"] == 4 and doc["steps_timed"] == 3 and doc["loss_finite"]
    assert doc["held_out"]["confusion_other_column"] is True
    assert len(doc["held_out"]["confusion_matrix"][0]) == 11
    # Precision and recall per class for every model, not only the MNIST CNN.
    per_class = doc["held_out"]["per_class"]
    assert [c["class"] for c in per_class] == list(range(10))
    matrix = doc["held_out"]["confusion_matrix"]
    for c, stats in enumerate(per_class):
        if sum(matrix[c]):
            assert stats["recall"] == pytest.approx(matrix[c][c] / sum(matrix[c]))
    assert "recall" in render_bench_text(doc)
    agreement = doc["agreement"]
    assert agreement["ok"] and agreement["grad_cosine"] == pytest.approx(1.0)


def test_ddp_with_gloo_on_two_processes() -> None:
    options = BenchOptions(model="mnist_cnn", device="cpu", batch=32, seconds=0.5, ddp=2,
                           extra={"max_warmup": 5})
    outcome, single = run_ddp(TORCH_PYTHON, options, timeout_s=180)
    assert outcome.result is not None, (outcome.error_message, outcome.stderr_tail)
    doc = build_train_result(options, outcome, load_references(), tool_version="test",
                             single=single).to_dict()
    dist: dict[str, Any] = doc["distributed"]
    assert dist["world_size"] == 2 and dist["backend"] == "gloo"
    assert len(dist["per_rank_images_per_s"]) == 2 and dist["slowest_rank"] in (0, 1)
    slowest = min(dist["per_rank_images_per_s"])
    assert dist["aggregate_images_per_s"] == pytest.approx(2 * slowest)
    assert dist["scaling_efficiency"] is not None and dist["scaling_efficiency"] > 0
    assert dist["allreduce"]["busbw_gb_s"] == pytest.approx(dist["allreduce"]["algbw_gb_s"])
    assert doc["loss_finite"]


def test_matmul_on_the_cpu() -> None:
    proc = envcheck_cli("bench", "matmul", "--device", "cpu", "--size", "128", "--json",
                        "--python", TORCH_PYTHON)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["matmul"]
    assert [r["dtype"] for r in rows] == ["fp32", "bf16"] and all(r["tflops"] > 0 for r in rows)


def test_cuda_asked_for_on_a_cpu_build_points_at_the_doctor() -> None:
    proc = envcheck_cli("bench", "cnn", "--device", "cuda", "--python", TORCH_PYTHON)
    assert proc.returncode == 1
    assert "CPU-only build" in proc.stderr and "envcheck doctor" in proc.stderr
    proc = envcheck_cli("bench", "transfer", "--device", "cpu", "--python", TORCH_PYTHON)
    assert proc.returncode == 1 and "CUDA GPU" in proc.stderr


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT")
def test_ctrl_c_prints_partial_results() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "envcheck", "bench", "cnn", "--device", "cpu", "--seconds", "60",
         "--json", "--python", TORCH_PYTHON],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert proc.stderr is not None
    for text in proc.stderr:  # wait (without sleeping) until some steps have been timed
        if re.search(r"timing \([1-9]\d* steps\)", text):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    doc = json.loads(out)
    assert doc["interrupted"] is True and doc["steps_timed"] >= 1
    assert "bench.interrupted" in {f["id"] for f in doc["findings"]}
