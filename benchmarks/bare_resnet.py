"""A bare, hand-written training loop of the bench's default recipe, to price the harness.

``envcheck bench resnet`` trains ResNet-50 (``envcheck/bench/nets.py``) on synthetic data that
lives on the device, batch 256, AMP (bf16 on Ampere and later, fp16 with loss scaling on
Volta/Turing), channels_last, SGD lr 0.01 momentum 0.9, cuDNN autotuning on, and reports
images/s from the median step timed with CUDA events. This script does the same work with
nothing around it (no progress records, no telemetry, no stop checks), in its own process like
the bench's worker, and prints one JSON object. ``benchmarks/gpu_record.sh`` runs both, one
after the other, so the record holds the harness's figure and the bare figure from one machine.

    python3 benchmarks/bare_resnet.py [--device cuda] [--batch 256] [--seconds 20]

It imports only torch and the network definition; it never imports envcheck's harness.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch.nn import functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "envcheck",
                                "bench"))
import nets  # the same network file the bench's worker uses

BLOCK_TARGET_S = 0.02


def precision_for(device: torch.device, requested: str) -> str:
    """The bench's ``auto``: bf16 AMP on compute capability 8+, fp16 AMP on 7.x, else fp32."""
    if requested != "auto":
        return requested
    if device.type != "cuda":
        return "fp32"
    major = torch.cuda.get_device_capability(device)[0]
    if major >= 8 and torch.cuda.is_bf16_supported():
        return "amp-bf16"
    return "amp-fp16" if major >= 7 else "fp32"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--precision", default="auto",
                        choices=("auto", "fp32", "tf32", "amp-fp16", "amp-bf16"))
    parser.add_argument("--channels-last", default=None, action=argparse.BooleanOptionalAction)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=int, default=15, help="untimed steps first")
    ns = parser.parse_args()

    device = torch.device(ns.device)
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
    precision = precision_for(device, ns.precision)
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    channels_last = device.type == "cuda" if ns.channels_last is None else ns.channels_last
    amp = {"amp-bf16": torch.bfloat16, "amp-fp16": torch.float16}.get(precision)

    torch.manual_seed(0)
    model = nets.build(ns.model).to(device)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler(device.type) if precision == "amp-fp16" else None
    shape = nets.input_shape(ns.model)
    xs = [torch.randn((ns.batch, *shape), device=device).contiguous(memory_format=fmt)
          for _ in range(4)]
    ys = [torch.randint(0, 10, (ns.batch,), device=device) for _ in range(4)]

    def step(i: int) -> None:
        opt.zero_grad(set_to_none=True)
        if amp is not None:
            with torch.autocast(device.type, dtype=amp):
                loss = F.cross_entropy(model(xs[i % 4]), ys[i % 4])
        else:
            loss = F.cross_entropy(model(xs[i % 4]), ys[i % 4])
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    def timed(steps: int, first: int) -> float:
        """Seconds per step over ``steps`` steps (CUDA events on a GPU)."""
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for i in range(steps):
                step(first + i)
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1000.0 / steps
        sync()
        t0 = time.perf_counter()
        for i in range(steps):
            step(first + i)
        sync()
        return (time.perf_counter() - t0) / steps

    n = 0
    warm = []
    for _ in range(max(1, ns.warmup)):
        warm.append(timed(1, n))
        n += 1
    typical = statistics.median(warm[-3:])
    block = max(1, min(50, int(BLOCK_TARGET_S / max(typical, 1e-6))))
    times = []
    sync()
    wall0 = time.perf_counter()
    while time.perf_counter() - wall0 < ns.seconds or len(times) * block < 5:
        times.append(timed(block, n))
        n += block
    sync()
    wall = time.perf_counter() - wall0
    median = statistics.median(times)
    steps = len(times) * block
    print(json.dumps({
        "tool": "bare_resnet", "model": ns.model, "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "precision": precision, "channels_last": channels_last, "batch": ns.batch,
        "block_steps": block, "warmup_steps": len(warm), "steps_timed": steps,
        "step_time_median_s": median, "images_per_s": ns.batch / median,
        "images_per_s_wall": ns.batch * steps / wall if wall > 0 else None,
        "peak_memory_bytes": torch.cuda.max_memory_allocated(device)
        if device.type == "cuda" else None,
        "torch": torch.__version__, "cuda": torch.version.cuda,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
