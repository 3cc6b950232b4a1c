"""End to end: pasted text → explain facts → the doctor's rules → the right primary category.

These pastes are built from the real formats (collect_env, nvidia-smi, nvcc, pip, conda,
Python sessions, tracebacks). Healthy reports must produce no warning or error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envcheck.explain_report import explain_report
from envcheck.model import Severity

DATA = Path(__file__).parent.parent / "data" / "explain"


def data(name: str) -> str:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return handle.read()


def smi(driver: str, cuda: str, name: str) -> str:
    """An nvidia-smi table (470-era layout) with one GPU."""
    return (
        "+-----------------------------------------------------------------------------+\n"
        f"| NVIDIA-SMI {driver}    Driver Version: {driver}    CUDA Version: {cuda}     |\n"
        "|-------------------------------+----------------------+----------------------+\n"
        "| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |\n"
        "|===============================+======================+======================|\n"
        f"|   0  {name:<20} Off  | 00000000:01:00.0  On |                  N/A |\n"
        "| 30%   41C    P8    14W / 170W |    354MiB / 12045MiB |      3%      Default |\n"
        "+-------------------------------+----------------------+----------------------+\n"
    )


def collect_env(
    version: str,
    cuda_build: str,
    available: str,
    gpus: str,
    driver: str,
    python: str = "3.10.12 (main, Jun 11 2023, 05:26:28) [GCC 11.4.0] (64-bit runtime)",
    os_line: str = "Ubuntu 22.04.3 LTS (x86_64)",
    platform: str = "Linux-5.15.0-88-generic-x86_64-with-glibc2.35",
) -> str:
    """A collect_env report (2.x layout) with the given values."""
    return (
        f"PyTorch version: {version}\nIs debug build: False\n"
        f"CUDA used to build PyTorch: {cuda_build}\nROCM used to build PyTorch: N/A\n\n"
        f"OS: {os_line}\nGCC version: Could not collect\nLibc version: glibc-2.35\n\n"
        f"Python version: {python}\nPython platform: {platform}\n"
        f"Is CUDA available: {available}\nCUDA runtime version: Could not collect\n"
        f"GPU models and configuration: {gpus}\nNvidia driver version: {driver}\n"
        "cuDNN version: Could not collect\n"
    )


NVCC_11_3 = (
    "nvcc: NVIDIA (R) Cuda compiler driver\nCopyright (c) 2005-2021 NVIDIA Corporation\n"
    "Built on Sun_Mar_21_19:15:46_PDT_2021\nCuda compilation tools, release 11.3, V11.3.58\n"
)

CASES: dict[str, list[str]] = {
    "cpu_build": [
        collect_env("2.1.0+cpu", "None", "False", "GPU 0: NVIDIA GeForce RTX 3060", "535.104.05"),
        data("conda_list_cpuonly.txt") + smi("535.104.05", "12.2", "NVIDIA GeForce RTX 3060"),
        data("pip_list_windows_cpu.txt") + smi("546.33", "12.3", "NVIDIA GeForce RTX 4070"),
    ],
    "driver_too_old": [
        data("collect_env_2.4_wsl2_driver_too_old.md"),
        smi("470.82.01", "11.4", "NVIDIA GeForce RTX 3060") + "torch==2.1.0+cu121\n",
        "UserWarning: CUDA initialization: The NVIDIA driver on your system is too old "
        "(found version 11040).",
        collect_env("2.2.0+cu121", "12.1", "False", "GPU 0: NVIDIA GeForce GTX 1080", "470.199.02"),
    ],
    "arch_unsupported": [
        data("python_repl.txt"),
        data("traceback_no_kernel_image.txt"),
        collect_env("2.5.1+cu124", "12.4", "True", "GPU 0: NVIDIA GeForce RTX 5090", "570.86.10"),
    ],
    "no_driver": [
        data("nvml_mismatch.txt"),
        "$ nvidia-smi\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
        "driver. Make sure that the latest NVIDIA driver is installed and running.\n",
        ">>> torch.cuda.is_available()\n/usr/lib/python3/dist-packages/torch/cuda/__init__.py:107:"
        " UserWarning: CUDA initialization: Found no NVIDIA driver on your system. Please check "
        "that you have an NVIDIA GPU and installed a driver from "
        "http://www.nvidia.com/Download/index.aspx\n"
        "  return torch._C._cuda_getDeviceCount() > 0\nFalse\n",
    ],
    "cuda_visible_devices": [
        "export CUDA_VISIBLE_DEVICES=\n>>> torch.cuda.is_available()\nFalse\n"
        + smi("535.104.05", "12.2", "NVIDIA GeForce RTX 3060"),
        "CUDA_VISIBLE_DEVICES=2 python train.py\n"
        + smi("535.104.05", "12.2", "NVIDIA GeForce RTX 3060"),
        "CUDA_VISIBLE_DEVICES=-1\n>>> torch.cuda.is_available()\nFalse\n"
        + smi("535.104.05", "12.2", "NVIDIA GeForce RTX 3060"),
    ],
    "nvcc_mismatch": [
        "RuntimeError: \nThe detected CUDA version (11.8) mismatches the version that was used "
        "to compile\nPyTorch (12.1). Please make sure to use the same CUDA versions.",
        "OSError: CUDA_HOME environment variable is not set. Please set it to your CUDA install "
        "root.",
        "export CUDA_HOME=/usr/local/cuda-11.3\n$ nvcc -V\n" + NVCC_11_3 + "torch==2.1.0+cu121\n",
    ],
    "cudnn": [
        data("traceback_import_cudnn.txt"),
        "RuntimeError: cuDNN version incompatibility: PyTorch was compiled  against (8, 9, 2) "
        "but found runtime version (8, 5, 0).",
        "Could not load library libcudnn_cnn_infer.so.8. Error: libnvrtc.so: cannot open shared "
        "object file: No such file or directory",
    ],
    "env_conflict": [
        data("torchvision_nms_env.txt"),
        data("conda_list_cuda_and_pip.txt"),
        "torch==2.1.0+cu121\ntorchvision==0.15.2+cu118\ntorchaudio==2.1.0+cu121\n",
    ],
    "python_unsupported": [
        data("no_matching_distribution.txt"),
        "$ python --version\nPython 3.7.4\n$ pip install torch==2.1.0\nERROR: Could not find a "
        "version that satisfies the requirement torch==2.1.0 (from versions: 1.13.1)\n"
        "ERROR: No matching distribution found for torch==2.1.0",
        collect_env(
            "N/A",
            "N/A",
            "N/A",
            "Could not collect",
            "537.13",
            python="3.11.4 (tags/v3.11.4:d2340ef, Jun  7 2023) [MSC v.1934 32 bit (Intel)] "
            "(32-bit runtime)",
            os_line="Microsoft Windows 10 Pro",
            platform="Windows-10-10.0.19045-SP0",
        ),
    ],
    "platform": [
        collect_env(
            "2.1.0+cu121",
            "12.1",
            "False",
            "Could not collect",
            "Could not collect",
            platform="Linux-4.4.0-19041-Microsoft-x86_64-with-glibc2.29",
        ),
        'docker: Error response from daemon: could not select device driver "" with '
        "capabilities: [[gpu]].",
        "docker: Error response from daemon: unknown or invalid runtime name: nvidia.",
    ],
}

HEALTHY = [
    "collect_env_2.1_linux_cu121.md",
    "collect_env_2.0_windows_crlf.txt",
    "collect_env_2.1_macos.md",
    "collect_env_1.4_conda.txt",
    "collect_env_rocm.txt",
    "nvidia_smi_535_two_gpus.txt",
    "nvidia_smi_550_h100.txt",
    "nvidia_smi_580_rtx5090_windows.txt",
    "nvidia_smi_q_excerpt.txt",
    "nvidia_smi_mig_a100.txt",
    "pip_freeze_cu118.txt",
    "pip_url_freeze.txt",
    "conda_forge_cuda.txt",
    "python_c_labelled.txt",
    "prose_only.txt",
]


@pytest.mark.parametrize(
    ("category", "text"),
    [(category, text) for category, texts in CASES.items() for text in texts],
    ids=[f"{category}-{n}" for category, texts in CASES.items() for n in range(len(texts))],
)
def test_primary_finding_has_the_right_category(category: str, text: str) -> None:
    report = explain_report(text)
    problems = [f for f in report.findings if f.severity >= Severity.WARNING]
    assert problems, "no finding"
    assert problems[0].category.value == category, [(f.id, f.category) for f in problems]
    assert report.source == "explain"


def test_a_failed_symptom_is_never_called_healthy() -> None:
    """The template says is_available() is False and names nothing else wrong: a warning
    with the likeliest cause, never "no problem"."""
    report = explain_report(data("issue_template_filled.md"))
    problems = [f for f in report.findings if f.severity >= Severity.WARNING]
    assert problems
    assert "is_available() is False" in problems[0].detail
    assert any("Other possible causes" in f.detail for f in problems)


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_reports_raise_no_alarm(name: str) -> None:
    report = explain_report(data(name))
    assert [f.id for f in report.findings if f.severity >= Severity.WARNING] == []
