"""Devices, precision settings and the output protocol shared by the bench worker's modules.

Runs inside the target interpreter and needs only torch (no envcheck imports); see
``worker.py`` for the protocol (``ENVCHECK-BENCH <json>`` lines on stdout).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import warnings
from collections.abc import Callable
from typing import Any

import torch

PREFIX = "ENVCHECK-BENCH "


def emit(msg_type: str, **payload: Any) -> None:
    """Write one protocol line (only rank 0 talks when distributed, except for errors)."""
    if int(os.environ.get("RANK", "0")) != 0 and msg_type != "error":
        return
    sys.stdout.write(PREFIX + json.dumps({"type": msg_type, **payload}, default=str) + "\n")
    sys.stdout.flush()


# --- devices -------------------------------------------------------------------------------


def pick_device(requested: str) -> torch.device:
    """``auto`` means CUDA, then MPS, then the CPU; an explicit choice must be available."""
    if requested == "auto":
        if torch.cuda.is_available():
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            # Events, streams and pinned copies use the current device: make it this one.
            torch.cuda.set_device(device)
            return device
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    device = torch.device(requested)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            why = "this torch is a CPU-only build" if torch.version.cuda is None else (
                "torch.cuda.is_available() is False"
            )
            raise RuntimeError(f"cuda_unavailable: CUDA was asked for but {why}")
        if "LOCAL_RANK" in os.environ:
            device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        elif device.index is None:
            device = torch.device("cuda", torch.cuda.current_device())
        torch.cuda.set_device(device)
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError("mps_unavailable: MPS was asked for but is not available")
    return device


def sync(device: torch.device) -> None:
    """Wait for all queued work on ``device`` (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def device_info(device: torch.device) -> dict[str, Any]:
    """Name, capability, memory and identifiers of the device (for telemetry and references)."""
    info: dict[str, Any] = {"type": device.type, "name": None}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(
            name=props.name,
            index=device.index or 0,
            capability=list(torch.cuda.get_device_capability(device)),
            total_memory_bytes=props.total_memory,
            sm_count=props.multi_processor_count,
            uuid=_uuid_text(getattr(props, "uuid", None)),
            pci_bus_id=_safe(lambda: torch.cuda.get_device_properties(device).pci_bus_id),
        )
    elif device.type == "cpu":
        info.update(name=platform.processor() or platform.machine(),
                    threads=torch.get_num_threads())
    else:
        info.update(name="Apple MPS")
    return info


def _uuid_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.startswith(("GPU-", "MIG-")) else f"GPU-{text}"


def _safe(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception:  # noqa: BLE001 - optional detail; absence is reported as null
        return None


def versions() -> dict[str, Any]:
    """Versions that change the answer by 2x (bench-references.md pitfall 7)."""
    cudnn = _safe(torch.backends.cudnn.version) if torch.cuda.is_available() else None
    return {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": cudnn,
        "python": platform.python_version(),
    }


# --- precision -----------------------------------------------------------------------------


def auto_precision(device: torch.device) -> str:
    """bf16 AMP on Ampere and later, fp16 AMP (with loss scaling) on Volta/Turing, else fp32."""
    if device.type != "cuda":
        return "fp32"
    major, _ = torch.cuda.get_device_capability(device)
    if major >= 8 and torch.cuda.is_bf16_supported():
        return "amp-bf16"
    return "amp-fp16" if major >= 7 else "fp32"


def baseline_precision(device: torch.device) -> str:
    """The FP32 row's precision: TF32 where the GPU has it (Ampere+), true FP32 elsewhere."""
    if device.type == "cuda" and torch.cuda.get_device_capability(device)[0] >= 8:
        return "tf32"
    return "fp32"


def set_tf32(enabled: bool) -> None:
    """Allow or forbid TF32 for matmuls and convolutions (FP32 rows and numerics checks)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.backends.cuda.matmul.allow_tf32 = enabled
        torch.backends.cudnn.allow_tf32 = enabled


def amp_dtype(precision: str) -> torch.dtype | None:
    return {"amp-fp16": torch.float16, "amp-bf16": torch.bfloat16}.get(precision)
