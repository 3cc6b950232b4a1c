"""Generated node reports for fleet tests and ``benchmarks/fleet_speed.py``.

Each is shaped like a ``doctor --json`` report of an 8-GPU node (every catalogue fact key
present, so the size is a real report's) or a ``bench --json`` result; the arguments plant the
differences a test looks for.
"""

from __future__ import annotations

from typing import Any

from envcheck.fact_keys import CATALOGUE

PROBES = ("system", "nvidia", "cuda_toolkit", "cudnn", "python_env", "packages",
          "torch_runtime", "env_vars", "pip_index")
GPU = "NVIDIA H100 80GB HBM3"


def _gpu(index: int, name: str) -> dict[str, Any]:
    return {
        "index": index, "name": name, "uuid": f"GPU-{index:08x}-1f1a-4c47-9d47-1b2c3d4e5f60",
        "memory_total_bytes": 85_520_809_984, "memory_used_bytes": 4_194_304,
        "compute_capability": "9.0", "pcie_gen_current": 5, "pcie_gen_max": 5,
        "pcie_width_current": 16, "pcie_width_max": 16, "temperature_c": 31,
        "power_draw_w": 71.2, "power_limit_w": 700.0, "sm_clock_mhz": 345,
        "sm_clock_max_mhz": 1980, "throttle_reasons": [], "persistence_mode": True,
        "compute_mode": "default", "mig_mode": False, "mig_instances": [], "ecc_uncorrected": 0,
    }


def _cuda_of(torch: str) -> str | None:
    """``12.1`` for ``2.3.1+cu121``; None for other builds."""
    label = torch.partition("+cu")[2]
    return f"{label[:-1]}.{label[-1]}" if label else None


def doctor_report(
    host: str | None,
    *,
    driver: str = "550.54.15",
    gpus: int = 8,
    gpu_name: str = GPU,
    torch: str = "2.3.1+cu121",
    python: str = "3.11.7",
    env: dict[str, str] | None = None,
    findings: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """A ``doctor --json`` document; ``findings`` are ``(id, severity)`` pairs."""
    facts: dict[str, Any] = dict.fromkeys(CATALOGUE)
    notes = dict.fromkeys(CATALOGUE, "not reported by this generated node")
    facts.update({
        "os.name": "linux", "os.distro": "Ubuntu 22.04.4 LTS", "os.wsl": "none",
        "os.container": "none", "nvidia.nvml_status": "ok",
        "nvidia.driver_version": driver, "nvidia.cuda_driver_max": "12.4",
        "nvidia.gpu_count": gpus, "nvidia.gpus": [_gpu(i, gpu_name) for i in range(gpus)],
        "cuda_toolkit.nvcc_version": "12.1", "python.version": python,
        "python.env_type": "venv", "torch.version": torch,
        "torch.cuda_build": _cuda_of(torch),
        "torch.cuda_available": gpus > 0, "torch.device_count": gpus,
        "cudnn.torch_version": "8.9.2", "env.cuda_visible_devices": None,
    })
    for key, value in (env or {}).items():
        facts[key] = value
    for key, value in facts.items():
        if value is not None:
            notes.pop(key, None)
    verdict = "ok"
    for _, severity in findings:
        if severity == "error" or (severity == "warning" and verdict == "ok"):
            verdict = severity
    return {
        "schema": 1, "tool": {"name": "envcheck", "version": "0.1.0"}, "source": "doctor",
        "host": host, "verdict": verdict,
        "target": {"python": "/opt/venv/bin/python", "env_type": "venv", "chosen_by": "current"},
        "probes": [{"id": p, "status": "ok", "duration_s": 0.1, "note": None} for p in PROBES],
        "facts": facts, "notes": notes,
        "findings": [
            {"id": fid, "severity": severity, "category": fid.split(".")[0],
             "title": f"generated {fid}", "detail": "", "evidence": [], "consequences": [],
             "fixes": []}
            for fid, severity in findings
        ],
    }


def bench_result(images_per_s: float, *, gpu: str = GPU, model: str = "resnet50",
                 precision: str = "bf16", batch: int = 256) -> dict[str, Any]:
    """A ``bench resnet --json`` document (no host: the node is the file's name)."""
    return {
        "schema": 1, "tool": "envcheck", "tool_version": "0.1.0", "bench": "resnet",
        "model": model, "device": "cuda", "device_name": gpu, "gpu_model": "h100",
        "precision": precision, "batch": batch, "images_per_s": images_per_s,
        "verdict": "ok", "findings": [], "runs": [],
    }
