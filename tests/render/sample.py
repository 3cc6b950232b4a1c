"""One fixed Report that every renderer is golden-tested against."""

from __future__ import annotations

from envcheck.model import (
    Category,
    Finding,
    Fix,
    ProbeResult,
    ProbeStatus,
    Report,
    Severity,
    Target,
)

FACTS = {
    "os.name": "linux",
    "os.distro": "Ubuntu 22.04.4 LTS",
    "os.wsl": "none",
    "os.container": "none",
    "os.ram_bytes": 68_719_476_736,
    "nvidia.nvml_status": "ok",
    "nvidia.driver_version": "470.82.01",
    "nvidia.cuda_driver_max": "11.4",
    "nvidia.gpu_count": 1,
    "nvidia.gpus": [
        {
            "index": 0,
            "name": "NVIDIA GeForce RTX 3090",
            "uuid": "GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60",
            "memory_total_bytes": 25_769_803_776,
            "compute_capability": "8.6",
            "pcie_gen_current": 4,
            "pcie_width_current": 16,
            "temperature_c": 38,
            "power_draw_w": 31.5,
            "power_limit_w": 350.0,
        }
    ],
    "cuda_toolkit.nvcc_version": None,
    "python.executable": "/home/alice/venvs/dl/bin/python",
    "python.version": "3.10.12",
    "python.env_type": "venv",
    "torch.version": "2.1.0+cu121",
    "torch.cuda_build": "12.1",
    "torch.cuda_available": False,
    "torch.cuda_error": "The NVIDIA driver on your system is too old (found version 11040).",
    "pip.index_url": "https://alice:***@pypi.tuna.tsinghua.edu.cn/simple",
    "pip.mirror": "tuna",
}
NOTES = {"cuda_toolkit.nvcc_version": "nvcc is not on PATH"}

FINDINGS = (
    Finding(
        id="driver_too_old.torch_cuda_newer_than_driver",
        severity=Severity.ERROR,
        category=Category.DRIVER_TOO_OLD,
        title="The NVIDIA driver is too old for this torch build",
        detail="Driver 470.82.01 supports CUDA ≤ 11.4; torch 2.1.0+cu121 is built for CUDA 12.1, "
        "which needs driver ≥ 525.60.13.",
        evidence=("nvidia.driver_version", "nvidia.cuda_driver_max", "torch.cuda_build"),
        fixes=(
            Fix(
                "Install a torch built for CUDA 11.8 (runs on this driver)",
                (
                    "pip uninstall -y torch torchvision torchaudio",
                    "pip install torch==2.1.0 --index-url https://download.pytorch.org/whl/cu118",
                ),
            ),
            Fix(
                "Or upgrade the driver to 525 or newer",
                (),
                "https://www.nvidia.com/Download/index.aspx",
            ),
        ),
        consequences=("torch.cuda.is_available() is False",),
    ),
    Finding(
        id="cudnn.system_shadows_wheel",
        severity=Severity.WARNING,
        category=Category.CUDNN,
        title="A system cuDNN on LD_LIBRARY_PATH may shadow torch's",
        detail="/usr/local/cuda/lib64 has cuDNN 8.5.0; torch ships 8.9.2.",
        evidence=("env.ld_library_path",),
    ),
)


def sample_report() -> Report:
    return Report(
        tool_version="0.1.0",
        host="alice-desktop",
        target=Target("/home/alice/venvs/dl/bin/python", "venv", "VIRTUAL_ENV"),
        probes=(
            ProbeResult("system", "System", ProbeStatus.OK, 0.01),
            ProbeResult(
                "cuda_toolkit", "CUDA toolkit", ProbeStatus.TIMED_OUT, 10.0, "no answer within 10 s"
            ),
        ),
        facts=FACTS,
        notes=NOTES,
        findings=FINDINGS,
    )
