"""Fact sets for rule tests: realistic healthy machines and helpers to break them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from envcheck.fix_writer import planner_fix_writer
from envcheck.model import Finding, ProbeResult
from envcheck.rules import diagnose

ARCH_CU121 = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]
ARCH_CU128 = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
ARCH_CU130 = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]


def gpu(name: str, cc: str, index: int = 0, **extra: Any) -> dict[str, Any]:
    """One nvidia.gpus entry as the NVML probe writes it."""
    entry: dict[str, Any] = {
        "index": index,
        "name": name,
        "uuid": f"GPU-{index:08x}-1f1a-4c47-9d47-1b2c3d4e5f60",
        "memory_total_bytes": 25_769_803_776,
        "compute_capability": cc,
        "mig_mode": False,
        "mig_instances": [],
    }
    entry.update(extra)
    return entry


RTX4090_CU121: dict[str, Any] = {
    "os.name": "linux",
    "os.distro": "Ubuntu 22.04.4 LTS",
    "os.arch": "x86_64",
    "os.wsl": "none",
    "os.container": "none",
    "os.nvidia_dev_nodes": ["nvidia0", "nvidiactl", "nvidia-uvm", "nvidia-modeset"],
    "os.shm_bytes": 33_000_000_000,
    "nvidia.nvml_status": "ok",
    "nvidia.driver_version": "550.54.14",
    "nvidia.kernel_module_version": "550.54.14",
    "nvidia.cuda_driver_max": "12.4",
    "nvidia.gpu_count": 1,
    "nvidia.gpus": [gpu("NVIDIA GeForce RTX 4090", "8.9")],
    "cuda_toolkit.nvcc_version": None,
    "cuda_toolkit.build_version": None,
    "cuda_toolkit.installs": [],
    "cudnn.system": [],
    "cudnn.wheels": [{"name": "nvidia-cudnn-cu12", "version": "8.9.2.26"}],
    "cudnn.torch_version": "8.9.2",
    "python.executable": "/home/ana/venvs/dl/bin/python",
    "python.version": "3.11.9",
    "python.bits": 64,
    "python.env_type": "venv",
    "python.user_site_enabled": False,
    "python.user_site_packages": [],
    "torch.version": "2.4.1+cu121",
    "torch.build_label": "cu121",
    "torch.cuda_build": "12.1",
    "torch.installer": "pip",
    "torch.copies": [
        {
            "path": "/home/ana/venvs/dl/lib/python3.11/site-packages",
            "version": "2.4.1+cu121",
            "installer": "pip",
        }
    ],
    "packages.torchvision": "0.19.1+cu121",
    "packages.torchaudio": "2.4.1+cu121",
    "packages.conda": [],
    "torch.import_error": None,
    "torch.runtime_version": "2.4.1+cu121",
    "torch.cuda_available": True,
    "torch.device_count": 1,
    "torch.arch_list": ARCH_CU121,
    "torch.devices": [{"index": 0, "name": "NVIDIA GeForce RTX 4090", "capability": "8.9"}],
    "torch.kernel_ok": True,
    "torch.kernel_error": None,
    "torch.cuda_error": None,
    "torch.warnings": [],
    "env.cuda_visible_devices": None,
    "env.cuda_visible_devices_parsed": {
        "kind": "unset",
        "entries": [],
        "valid_prefix": [],
        "problem": None,
    },
    "env.ld_library_path": [],
    "env.torch_cuda_arch_list": None,
    "pip.index_url": "https://pypi.org/simple",
    "pip.mirror": None,
}

H100_CU130: dict[str, Any] = {
    **RTX4090_CU121,
    "os.distro": "Ubuntu 24.04.1 LTS",
    "nvidia.driver_version": "580.65.06",
    "nvidia.kernel_module_version": "580.65.06",
    "nvidia.cuda_driver_max": "13.0",
    "nvidia.gpu_count": 2,
    "nvidia.gpus": [gpu("NVIDIA H100 80GB HBM3", "9.0", 0), gpu("NVIDIA H100 80GB HBM3", "9.0", 1)],
    "cuda_toolkit.nvcc_version": "13.0",
    "cuda_toolkit.build_version": "13.0",
    "cuda_toolkit.build_nvcc": "/usr/local/cuda-13.0/bin/nvcc",
    "cuda_toolkit.installs": [
        {"path": "/usr/local/cuda-13.0", "version": "13.0", "source": "/usr/local"}
    ],
    "cudnn.wheels": [{"name": "nvidia-cudnn-cu13", "version": "9.20.0.48"}],
    "cudnn.torch_version": "9.20.0",
    "python.version": "3.12.3",
    "torch.version": "2.13.0+cu130",
    "torch.build_label": "cu130",
    "torch.cuda_build": "13.0",
    "torch.copies": [
        {
            "path": "/srv/venv/lib/python3.12/site-packages",
            "version": "2.13.0+cu130",
            "installer": "pip",
        }
    ],
    "packages.torchvision": "0.28.0+cu130",
    "packages.torchaudio": None,
    "torch.runtime_version": "2.13.0+cu130",
    "torch.device_count": 2,
    "torch.arch_list": ARCH_CU130,
    "torch.devices": [
        {"index": 0, "name": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
        {"index": 1, "name": "NVIDIA H100 80GB HBM3", "capability": "9.0"},
    ],
}

CPU_LAPTOP: dict[str, Any] = {
    "os.name": "linux",
    "os.distro": "Fedora Linux 40",
    "os.arch": "x86_64",
    "os.wsl": "none",
    "os.container": "none",
    "os.nvidia_dev_nodes": [],
    "nvidia.nvml_status": "library_not_found",
    "nvidia.driver_version": None,
    "nvidia.gpu_count": None,
    "nvidia.gpus": None,
    "python.executable": "/home/bo/.venv/bin/python",
    "python.version": "3.12.4",
    "python.bits": 64,
    "python.env_type": "venv",
    "torch.version": "2.4.1+cpu",
    "torch.build_label": "cpu",
    "torch.cuda_build": None,
    "torch.installer": "pip",
    "packages.torchvision": "0.19.1+cpu",
    "torch.runtime_version": "2.4.1+cpu",
    "torch.cuda_available": False,
    "torch.device_count": 0,
    "torch.arch_list": [],
    "torch.kernel_ok": None,
    "env.cuda_visible_devices": None,
}
CPU_LAPTOP_NOTES = {"torch.cuda_build": "CPU-only build", "nvidia.driver_version": "no driver"}

MACOS_MPS: dict[str, Any] = {
    "os.name": "darwin",
    "os.arch": "arm64",
    "os.wsl": "none",
    "os.container": "none",
    "nvidia.nvml_status": "library_not_found",
    "python.executable": "/Users/cy/miniforge3/envs/ml/bin/python",
    "python.version": "3.11.8",
    "python.bits": 64,
    "python.env_type": "conda",
    "torch.version": "2.5.1",
    "torch.build_label": "",
    "torch.cuda_build": None,
    "torch.installer": "pip",
    "packages.torchvision": "0.20.1",
    "packages.conda": [
        {"name": "python", "version": "3.11.8", "build": "h1", "channel": "conda-forge"}
    ],
    "torch.cuda_available": False,
    "torch.mps_available": True,
    "torch.kernel_ok": True,
}


def with_(base: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with keys changed; write dotted keys with '__' (torch__version)."""
    out = dict(base)
    for key, value in changes.items():
        out[key.replace("__", ".")] = value
    return out


def run(
    facts: Mapping[str, Any],
    notes: Mapping[str, str] | None = None,
    probes: Sequence[ProbeResult] = (),
) -> tuple[Finding, ...]:
    """diagnose() with no notes by default."""
    return diagnose(facts, notes or {}, probes, planner_fix_writer())


def by_id(findings: Sequence[Finding], finding_id: str) -> Finding:
    """The finding with this id (fails the test with the ids present when missing)."""
    for finding in findings:
        if finding.id == finding_id:
            return finding
    raise AssertionError(f"{finding_id} not in {[f.id for f in findings]}")


def seen(*items: tuple[str, str, dict[str, str]]) -> list[dict[str, Any]]:
    """An errors.seen fact from (kind, text, data) triples."""
    return [{"kind": k, "text": t, "data": d} for k, t, d in items]
