"""Hardware checks for the bench worker: dense matmul TFLOP/s and host<->device copy GB/s.

Runs inside the target interpreter and needs only torch (no envcheck imports).
"""

from __future__ import annotations

import importlib
import time
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from envcheck.bench import devices
else:  # run by path: the sibling module is importable from the script's folder
    devices = importlib.import_module("devices")

Args = dict[str, Any]
emit, pick_device, sync = devices.emit, devices.pick_device, devices.sync
device_info, versions, set_tf32 = devices.device_info, devices.versions, devices.set_tf32


def bench_matmul(args: Args) -> dict[str, Any]:
    """Dense square matmul TFLOP/s per dtype (2 n^3 FLOPs per product)."""
    device = pick_device(args["device"])
    emit("progress", phase="device", device=device_info(device), versions=versions())
    n = int(args.get("size") or (8192 if device.type == "cuda" else 1024))
    dtypes = ["fp32", "tf32", "fp16", "bf16"] if device.type == "cuda" else ["fp32", "bf16"]
    rows = []
    for name in dtypes:
        set_tf32(name == "tf32")
        dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(name, torch.float32)
        try:
            a = torch.randn(n, n, device=device, dtype=dtype)
            b = torch.randn(n, n, device=device, dtype=dtype)
            torch.matmul(a, b)
            sync(device)
            reps, elapsed = 1, 0.0
            while True:
                sync(device)
                t0 = time.perf_counter()
                for _ in range(reps):
                    torch.matmul(a, b)
                sync(device)
                elapsed = time.perf_counter() - t0
                if elapsed >= float(args.get("min_time_s", 0.2)) or reps >= 1024:
                    break
                reps *= 2
            tflops = 2 * n**3 * reps / elapsed / 1e12
            rows.append({"dtype": name, "size": n, "reps": reps, "seconds": elapsed,
                         "tflops": tflops})
        except RuntimeError as exc:
            rows.append({"dtype": name, "size": n, "tflops": None, "error": str(exc)[:200]})
        emit("progress", phase="matmul", dtype=name)
    set_tf32(False)
    return {"device_info": device_info(device), "versions": versions(), "matmul": rows}


def bench_transfer(args: Args) -> dict[str, Any]:
    """Host-to-device and device-to-host copy GB/s from pinned and pageable memory."""
    device = pick_device(args["device"])
    if device.type != "cuda":
        raise RuntimeError("needs_cuda: the transfer benchmark measures a CUDA GPU's host link; "
                           f"the device here is {device.type}")
    emit("progress", phase="device", device=device_info(device), versions=versions())
    nbytes = int(args.get("bytes") or 256 * 2**20)
    rows = []
    gpu = torch.empty(nbytes, dtype=torch.uint8, device=device)
    emit("progress", phase="timed_start", run="transfer")
    for pinned in (True, False):
        host = torch.empty(nbytes, dtype=torch.uint8, pin_memory=pinned)
        for direction in ("h2d", "d2h"):
            src, dst = (host, gpu) if direction == "h2d" else (gpu, host)
            dst.copy_(src, non_blocking=pinned)
            sync(device)
            reps = 5
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(reps):
                dst.copy_(src, non_blocking=pinned)
            end.record()
            end.synchronize()
            secs = start.elapsed_time(end) / 1000.0 / reps
            rows.append({"direction": direction, "pinned": pinned, "bytes": nbytes,
                         "seconds": secs, "gb_s": nbytes / secs / 1e9})
            emit("progress", phase="transfer", direction=direction, pinned=pinned)
        del host
    emit("progress", phase="timed_end", run="transfer")
    return {"device_info": device_info(device), "versions": versions(), "transfer": rows}
