"""Table-driven rule cases: (name, facts, expected finding id, severity, proving substrings)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envcheck.model import Severity
from tests.rules.scenarios import (
    ARCH_CU128,
    CPU_LAPTOP,
    H100_CU130,
    RTX4090_CU121,
    gpu,
    seen,
    with_,
)


@dataclass(frozen=True)
class Case:
    name: str
    facts: dict[str, Any]
    expected: str
    severity: Severity
    contains: tuple[str, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)


E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

RTX3090_470 = with_(
    RTX4090_CU121,
    nvidia__driver_version="470.82.01",
    nvidia__kernel_module_version="470.82.01",
    nvidia__cuda_driver_max="11.4",
    nvidia__gpus=[gpu("NVIDIA GeForce RTX 3090", "8.6")],
    torch__version="2.1.0+cu121",
    torch__build_label="cu121",
    torch__runtime_version="2.1.0+cu121",
    packages__torchvision="0.16.0+cu121",
    packages__torchaudio="2.1.0+cu121",
    torch__cuda_available=False,
    torch__device_count=0,
    torch__devices=[],
    torch__kernel_ok=None,
    torch__cuda_error="The NVIDIA driver on your system is too old (found version 11040). "
    "Please update your GPU driver.",
)

DRIVER_TOO_OLD = [
    Case(
        "470+cu121",
        RTX3090_470,
        "driver_too_old.torch_cuda_newer_than_driver",
        E,
        ("470.82.01", "11.4", "12.1", "525.60.13"),
    ),
    Case(
        "535+cu130",
        with_(
            RTX4090_CU121,
            nvidia__driver_version="535.104.05",
            nvidia__cuda_driver_max="12.2",
            torch__version="2.11.0+cu130",
            torch__build_label="cu130",
            torch__cuda_build="13.0",
            packages__torchvision="0.26.0+cu130",
            packages__torchaudio=None,
            torch__cuda_available=False,
            torch__kernel_ok=None,
        ),
        "driver_too_old.torch_cuda_newer_than_driver",
        E,
        ("535.104.05", "12.2", "13.0", "580.65.06"),
    ),
    Case(
        "windows-516+cu121",
        with_(
            RTX4090_CU121,
            os__name="windows",
            nvidia__driver_version="516.94",
            nvidia__cuda_driver_max="11.7",
            torch__cuda_available=False,
        ),
        "driver_too_old.torch_cuda_newer_than_driver",
        E,
        ("516.94", "11.7", "528.33"),
    ),
    Case(
        "explain-found-version-only",
        {
            "torch.version": "2.1.0+cu121",
            "errors.seen": seen(
                (
                    "driver_too_old",
                    "The NVIDIA driver on your system is too old (found version 11040).",
                    {"found": "11040", "found_cuda": "11.4"},
                )
            ),
        },
        "driver_too_old.torch_cuda_newer_than_driver",
        E,
        ("11.4", "12.1", "525.60.13"),
    ),
    Case(
        "no-cuda-max-driver-table",
        with_(
            RTX4090_CU121,
            nvidia__driver_version="450.51.06",
            nvidia__cuda_driver_max=None,
            torch__cuda_available=False,
        ),
        "driver_too_old.torch_cuda_newer_than_driver",
        E,
        ("450.51.06", "11.0", "525.60.13"),
    ),
]

NO_DRIVER = [
    Case(
        "lib-rm-mismatch",
        with_(
            RTX4090_CU121,
            nvidia__nvml_status="lib_rm_version_mismatch",
            nvidia__nvml_error="Driver/library version mismatch",
            nvidia__kernel_module_version="535.129.03",
            nvidia__driver_version=None,
            nvidia__smi_driver_version="535.183.01",
            nvidia__gpus=None,
            nvidia__gpu_count=None,
            torch__cuda_available=False,
            torch__kernel_ok=None,
            torch__devices=[],
        ),
        "no_driver.version_mismatch",
        E,
        ("535.129.03", "535.183.01"),
    ),
    Case(
        "not-loaded",
        with_(
            RTX4090_CU121,
            nvidia__nvml_status="driver_not_loaded",
            nvidia__gpus=None,
            nvidia__gpu_count=None,
            nvidia__kernel_module_version=None,
            os__nvidia_dev_nodes=[],
            torch__cuda_available=False,
            torch__kernel_ok=None,
            torch__devices=[],
        ),
        "no_driver.not_loaded",
        E,
        ("Driver Not Loaded",),
    ),
    Case(
        "userland-missing-with-device-nodes",
        with_(
            RTX4090_CU121,
            nvidia__nvml_status="library_not_found",
            nvidia__gpus=None,
            nvidia__gpu_count=None,
            nvidia__driver_version=None,
            torch__cuda_available=False,
            torch__kernel_ok=None,
            torch__devices=[],
            torch__cuda_error="Found no NVIDIA driver on your system.",
        ),
        "no_driver.not_installed",
        E,
        ("/dev/nvidia*", "550.54.14"),
    ),
    Case(
        "cuda-torch-no-driver",
        with_(
            CPU_LAPTOP,
            torch__version="2.4.1+cu121",
            torch__build_label="cu121",
            torch__cuda_build="12.1",
        ),
        "no_driver.not_installed",
        W,
        ("torch 2.4.1+cu121", "CUDA build"),
    ),
    Case(
        "gpu-lost",
        with_(RTX4090_CU121, nvidia__nvml_status="gpu_lost", torch__cuda_available=False),
        "no_driver.gpu_lost",
        E,
        ("Xid",),
    ),
    Case(
        "explain-nvidia-smi-failed",
        {
            "errors.seen": seen(
                (
                    "no_driver",
                    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
                    {},
                )
            )
        },
        "no_driver.not_installed",
        E,
        ("torch reports no NVIDIA driver",),
    ),
]

CPU_BUILD = [
    Case(
        "pip-cpu-label",
        with_(
            RTX4090_CU121,
            torch__version="2.3.1+cpu",
            torch__build_label="cpu",
            torch__cuda_build=None,
            torch__cuda_available=False,
            torch__arch_list=[],
            torch__kernel_ok=None,
            packages__torchvision="0.18.1+cpu",
            packages__torchaudio="2.3.1+cpu",
        ),
        "cpu_build.cpu_torch_on_gpu_machine",
        E,
        ("2.3.1+cpu", "+cpu", "RTX 4090", "550.54.14"),
    ),
    Case(
        "conda-cpuonly",
        with_(
            RTX4090_CU121,
            torch__version="2.1.2",
            torch__build_label="",
            torch__cuda_build=None,
            torch__installer="conda",
            torch__cuda_available=False,
            torch__arch_list=[],
            packages__torchvision="0.16.2",
            packages__torchaudio="2.1.2",
            packages__conda=[
                {
                    "name": "pytorch",
                    "version": "2.1.2",
                    "build": "py3.11_cpu_0",
                    "channel": "pytorch",
                },
                {"name": "cpuonly", "version": "2.0", "build": "0", "channel": "pytorch"},
                {"name": "pytorch-mutex", "version": "1.0", "build": "cpu", "channel": "pytorch"},
            ],
        ),
        "cpu_build.cpu_torch_on_gpu_machine",
        E,
        ("cpuonly", "torch 2.1.2"),
    ),
    Case(
        "windows-pypi-default",
        with_(
            RTX4090_CU121,
            os__name="windows",
            torch__version="2.5.1",
            torch__build_label="",
            torch__cuda_build=None,
            torch__cuda_available=False,
            torch__arch_list=[],
            packages__torchvision="0.20.1",
            packages__torchaudio="2.5.1",
            python__executable="C:\\Users\\ana\\dl\\Scripts\\python.exe",
        ),
        "cpu_build.cpu_torch_on_gpu_machine",
        E,
        ("Windows is CPU-only", "torch 2.5.1"),
        {"torch.cuda_build": "CPU build: torch.version.cuda is None"},
    ),
    Case(
        "cpu-index-url",
        with_(
            RTX4090_CU121,
            torch__version="2.4.1+cpu",
            torch__build_label="cpu",
            torch__cuda_build=None,
            torch__cuda_available=False,
            torch__arch_list=[],
            packages__torchvision="0.19.1+cpu",
            packages__torchaudio="2.4.1+cpu",
            pip__index_url="https://download.pytorch.org/whl/cpu",
            pip__index_source="/home/ana/.config/pip/pip.conf",
        ),
        "cpu_build.cpu_torch_on_gpu_machine",
        E,
        ("CPU index", "pip.conf"),
    ),
    Case(
        "explain-not-compiled",
        {
            "torch.version": "2.0.1+cpu",
            "os.name": "linux",
            "errors.seen": seen(
                (
                    "not_compiled_with_cuda",
                    "AssertionError: Torch not compiled with CUDA enabled",
                    {},
                )
            ),
        },
        "cpu_build.cpu_torch_on_gpu_machine",
        E,
        ("2.0.1+cpu",),
    ),
]

ARCH = [
    Case(
        "rtx5090-cu124",
        with_(
            RTX4090_CU121,
            nvidia__driver_version="570.124.04",
            nvidia__cuda_driver_max="12.8",
            nvidia__gpus=[gpu("NVIDIA GeForce RTX 5090", "12.0")],
            torch__version="2.5.1+cu124",
            torch__build_label="cu124",
            torch__cuda_build="12.4",
            torch__kernel_ok=False,
            packages__torchvision="0.20.1+cu124",
            packages__torchaudio="2.5.1+cu124",
            torch__kernel_error="RuntimeError: CUDA error: no kernel image is available for "
            "execution on the device",
            torch__devices=[{"index": 0, "name": "NVIDIA GeForce RTX 5090", "capability": "12.0"}],
        ),
        "arch_unsupported.gpu_not_in_torch_arch_list",
        E,
        ("sm_120", "RTX 5090", "sm_90", "cu128"),
    ),
    Case(
        "p100-cu128",
        with_(
            RTX4090_CU121,
            nvidia__gpus=[gpu("Tesla P100-PCIE-16GB", "6.0")],
            torch__version="2.10.0+cu128",
            torch__build_label="cu128",
            torch__cuda_build="12.8",
            nvidia__driver_version="570.86.15",
            nvidia__cuda_driver_max="12.8",
            packages__torchvision="0.25.0+cu128",
            packages__torchaudio="2.10.0+cu128",
            torch__arch_list=ARCH_CU128,
            torch__kernel_ok=False,
            torch__devices=[],
        ),
        "arch_unsupported.gpu_not_in_torch_arch_list",
        E,
        ("sm_60", "Pascal", "sm_70", "cu126"),
    ),
    Case(
        "k80-from-published-list",
        with_(
            RTX4090_CU121,
            nvidia__driver_version="470.256.02",
            nvidia__cuda_driver_max="11.4",
            nvidia__gpus=[gpu("Tesla K80", "3.7")],
            torch__version="2.4.1+cu121",
            torch__arch_list=None,
            torch__kernel_ok=None,
            torch__devices=[],
            torch__cuda_available=False,
        ),
        "arch_unsupported.gpu_not_in_torch_arch_list",
        E,
        ("sm_37", "Kepler", "published arch list of cu121"),
    ),
    Case(
        "explain-warning-only",
        {
            "errors.seen": seen(
                (
                    "arch_incompatible",
                    "NVIDIA GeForce RTX 5080 with CUDA capability "
                    "sm_120 is not compatible with the current PyTorch installation.",
                    {
                        "sm": "sm_120",
                        "gpu": "NVIDIA GeForce RTX 5080",
                        "supported": "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90",
                    },
                )
            )
        },
        "arch_unsupported.gpu_not_in_torch_arch_list",
        E,
        ("sm_120", "RTX 5080", "sm_86"),
    ),
    Case(
        "extension-built-for-other-arch",
        with_(
            RTX4090_CU121,
            torch__kernel_ok=True,
            errors__seen=seen(
                (
                    "no_kernel_image",
                    "RuntimeError: CUDA error: no kernel image is "
                    "available for execution on the device",
                    {},
                )
            ),
        ),
        "arch_unsupported.extension_arch",
        E,
        ("sm_86", "extension"),
    ),
]

TWO_GPUS = with_(
    RTX4090_CU121,
    nvidia__gpu_count=2,
    nvidia__gpus=[gpu("NVIDIA RTX A6000", "8.6", 0), gpu("NVIDIA RTX A6000", "8.6", 1)],
)

VISIBLE = [
    Case(
        "empty",
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="",
            torch__cuda_available=False,
            torch__device_count=0,
            torch__kernel_ok=None,
            torch__devices=[],
            env__cuda_visible_devices_parsed={
                "kind": "empty",
                "entries": [],
                "valid_prefix": [],
                "problem": "the value is empty",
            },
        ),
        "cuda_visible_devices.empty",
        E,
        ("CUDA_VISIBLE_DEVICES=''", "2 present"),
    ),
    Case(
        "beyond-count",
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="2,3",
            torch__cuda_available=False,
            torch__device_count=0,
            torch__kernel_ok=None,
            torch__devices=[],
            env__cuda_visible_devices_parsed={
                "kind": "indices",
                "entries": ["2", "3"],
                "valid_prefix": ["2", "3"],
                "problem": None,
            },
        ),
        "cuda_visible_devices.no_such_device",
        E,
        ("'2,3'", "2 GPU(s)", "no GPU at all"),
    ),
    Case(
        "partly-beyond-count",
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="1,2",
            env__cuda_visible_devices_parsed={
                "kind": "indices",
                "entries": ["1", "2"],
                "valid_prefix": ["1", "2"],
                "problem": None,
            },
        ),
        "cuda_visible_devices.no_such_device",
        W,
        ("'1,2'", "only 1"),
    ),
    Case(
        "invalid-entry",
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="0,a,1",
            env__cuda_visible_devices_parsed={
                "kind": "invalid",
                "entries": ["0", "a", "1"],
                "valid_prefix": ["0"],
                "problem": "entry 2 ('a') is not a device index",
            },
        ),
        "cuda_visible_devices.invalid_entry",
        W,
        ("'0,a,1'", "entry 2", "only 0"),
    ),
    Case(
        "unknown-uuid",
        with_(
            TWO_GPUS,
            env__cuda_visible_devices="GPU-deadbeef",
            torch__cuda_available=False,
            env__cuda_visible_devices_parsed={
                "kind": "uuids",
                "entries": ["GPU-deadbeef"],
                "valid_prefix": ["GPU-deadbeef"],
                "problem": None,
            },
        ),
        "cuda_visible_devices.no_such_device",
        E,
        ("GPU-deadbeef",),
    ),
]

NVCC = [
    Case(
        "explain-nvcc-too-old-for-blackwell",
        {"errors.seen": seen(("nvcc_unsupported_arch",
                              "nvcc fatal : Unsupported gpu architecture 'compute_120'",
                              {"arch": "120"}))},
        "nvcc_mismatch.unsupported_gpu_arch",
        E,
        ("compute capability 12.0", "needs CUDA ≥ 12.8"),
    ),
    Case(
        "doctor-nvcc-118-rtx5090-build-failed",
        with_(
            RTX4090_CU121,
            nvidia__gpus=[gpu("NVIDIA GeForce RTX 5090", "12.0")],
            cuda_toolkit__nvcc_version="11.8",
            cuda_toolkit__build_version="11.8",
            errors__seen=seen(("nvcc_unsupported_arch",
                               "nvcc fatal : Unsupported gpu architecture 'compute_120'",
                               {"arch": "120"})),
        ),
        "nvcc_mismatch.unsupported_gpu_arch",
        E,
        ("nvcc 11.8 cannot compile for compute capability 12.0",),
    ),
    Case(
        "explain-gcc-too-new",
        {"cuda_toolkit.nvcc_version": "12.1",
         "errors.seen": seen(("host_compiler_unsupported",
                              "#error -- unsupported GNU version! gcc versions later than 12 are "
                              "not supported!", {"compiler": "gcc", "newest": "12"}))},
        "nvcc_mismatch.host_compiler",
        E,
        ("nvcc 12.1 refuses gcc newer than 12",),
    ),
    Case(
        "nvcc118-torch121",
        with_(
            RTX4090_CU121,
            cuda_toolkit__cuda_home="/usr/local/cuda-11.8",
            cuda_toolkit__nvcc_version="11.8",
            cuda_toolkit__build_version="11.8",
            cuda_toolkit__build_nvcc="/usr/local/cuda-11.8/bin/nvcc",
            cuda_toolkit__installs=[
                {"path": "/usr/local/cuda-11.8", "version": "11.8.89", "source": "/usr/local"},
                {"path": "/usr/local/cuda-12.1", "version": "12.1.105", "source": "/usr/local"},
            ],
        ),
        "nvcc_mismatch.major_differs",
        W,
        ("11.8", "12.1", "/usr/local/cuda-11.8/bin/nvcc"),
    ),
    Case(
        "explain-detected-mismatch",
        {
            "torch.version": "2.1.0+cu121",
            "errors.seen": seen(
                (
                    "cuda_version_mismatch_ext",
                    "The detected CUDA version (11.8) "
                    "mismatches the version that was used to compile PyTorch (12.1).",
                    {"detected": "11.8", "torch": "12.1"},
                )
            ),
        },
        "nvcc_mismatch.major_differs",
        E,
        ("11.8", "12.1"),
    ),
    Case(
        "nvcc117-ada",
        with_(
            RTX4090_CU121,
            env__cuda_home="/usr/local/cuda-11.7",
            torch__version="1.13.1+cu117",
            torch__cuda_build="11.7",
            torch__build_label="cu117",
            packages__torchvision="0.14.1+cu117",
            packages__torchaudio="0.13.1+cu117",
            cuda_toolkit__build_version="11.7",
            cuda_toolkit__nvcc_version="11.7",
        ),
        "nvcc_mismatch.toolkit_vs_gpu",
        W,
        ("11.7", "8.9", "11.8"),
    ),
    Case(
        "nvcc13-pascal",
        with_(
            RTX4090_CU121,
            cuda_toolkit__cuda_home="/usr/local/cuda",
            nvidia__gpus=[gpu("NVIDIA GeForce GTX 1080 Ti", "6.1")],
            torch__devices=[],
            cuda_toolkit__build_version="13.0",
            torch__version="2.7.1+cu126",
            torch__cuda_build="12.6",
            torch__build_label="cu126",
            packages__torchvision="0.22.1+cu126",
            packages__torchaudio="2.7.1+cu126",
        ),
        "nvcc_mismatch.major_differs",
        W,
        ("13.0", "12.6"),
    ),
    Case(
        "arch-list-env",
        with_(RTX4090_CU121, env__torch_cuda_arch_list="7.0;7.5"),
        "nvcc_mismatch.arch_list_excludes_gpu",
        W,
        ("7.0;7.5", "8.9"),
    ),
    Case(
        "cuda-home-not-set",
        with_(
            RTX4090_CU121,
            errors__seen=seen(
                ("cuda_home_not_set", "OSError: CUDA_HOME environment variable is not set.", {})
            ),
        ),
        "nvcc_mismatch.no_toolkit_for_build",
        E,
        ("CUDA_HOME", "12.1"),
    ),
]

CUDNN = [
    Case(
        "system-cudnn8-on-ld-path",
        with_(
            RTX4090_CU121,
            torch__version="2.4.1+cu121",
            cudnn__torch_version="9.1.0",
            cudnn__wheels=[{"name": "nvidia-cudnn-cu12", "version": "9.1.0.70"}],
            cudnn__system=[{"path": "/usr/local/cuda/lib64/libcudnn.so.8.9.2", "version": "8.9.2"}],
            env__ld_library_path=["/usr/local/cuda/lib64"],
        ),
        "cudnn.system_shadows_wheel",
        W,
        ("/usr/local/cuda/lib64", "8.9.2", "9.1.0"),
    ),
    Case(
        "shadow-and-load-error",
        with_(
            RTX4090_CU121,
            cudnn__torch_version=None,
            cudnn__wheels=[{"name": "nvidia-cudnn-cu12", "version": "9.1.0.70"}],
            cudnn__system=[{"path": "/opt/cudnn/lib", "version": "8.6.0"}],
            env__ld_library_path=["/opt/cudnn/lib", "/usr/local/cuda/lib64"],
            torch__kernel_ok=False,
            torch__kernel_error="RuntimeError: cuDNN version incompatibility: PyTorch was "
            "compiled  against (9, 1, 0) but found runtime version (8, 6, 0).",
        ),
        "cudnn.system_shadows_wheel",
        E,
        ("/opt/cudnn/lib", "8.6.0", "9.1.0.70"),
    ),
    Case(
        "explain-version-incompat",
        {
            "torch.version": "2.1.0+cu121",
            "errors.seen": seen(
                (
                    "cudnn_load",
                    "cuDNN version incompatibility: PyTorch was compiled "
                    "against (8, 9, 2) but found runtime version (8, 5, 0)",
                    {"compiled": "8.9.2", "runtime": "8.5.0"},
                )
            ),
        },
        "cudnn.load_failed",
        E,
        ("8.9.2", "8.5.0"),
    ),
    Case(
        "missing-lib",
        with_(
            RTX4090_CU121,
            torch__kernel_ok=False,
            torch__kernel_error="Could not load library libcudnn_cnn_infer.so.8. Error: "
            "libcudnn_cnn_infer.so.8: cannot open shared object file: No such file or directory",
        ),
        "cudnn.load_failed",
        E,
        ("libcudnn_cnn_infer.so.8",),
    ),
    Case(
        "windows-dll",
        {
            "os.name": "windows",
            "torch.version": "2.0.1+cu118",
            "errors.seen": seen(
                (
                    "cudnn_load",
                    "Could not load library cudnn_cnn_infer64_8.dll. Error code 126",
                    {"lib": "cudnn_cnn_infer64_8.dll"},
                )
            ),
        },
        "cudnn.load_failed",
        E,
        ("cudnn_cnn_infer64_8.dll",),
    ),
]

ENV_CONFLICT = [
    Case(
        "user-site-copy",
        with_(
            RTX4090_CU121,
            python__env_type="conda",
            python__user_site_enabled=True,
            python__user_site="/home/ana/.local/lib/python3.11/site-packages",
            torch__copies=[
                {
                    "path": "/home/ana/.local/lib/python3.11/site-packages",
                    "version": "2.0.1",
                    "installer": "pip",
                },
                {
                    "path": "/home/ana/miniconda3/envs/dl/lib/python3.11/site-packages",
                    "version": "2.4.1+cu121",
                    "installer": "pip",
                },
            ],
        ),
        "env_conflict.two_torch_copies",
        E,
        ("/home/ana/.local", "2.0.1", "2.4.1+cu121"),
    ),
    Case(
        "conda-plus-pip",
        with_(
            RTX4090_CU121,
            python__env_type="conda",
            torch__installer="pip",
            packages__conda=[
                {
                    "name": "pytorch",
                    "version": "2.1.2",
                    "build": "py3.11_cuda12.1_cudnn8.9.2_0",
                    "channel": "pytorch",
                }
            ],
        ),
        "env_conflict.conda_and_pip_torch",
        W,
        ("2.1.2", "pip", "2.4.1+cu121"),
    ),
    Case(
        "torchvision-for-other-torch",
        with_(
            RTX4090_CU121,
            torch__version="2.1.0+cu121",
            packages__torchvision="0.15.2+cu118",
            packages__torchaudio="2.1.0+cu121",
        ),
        "env_conflict.torchvision_mismatch",
        E,
        ("0.15.2", "2.1.0+cu121", "0.16.x"),
    ),
    Case(
        "explain-nms",
        {
            "torch.version": "2.2.0+cu121",
            "packages.torchvision": "0.17.0+cu121",
            "errors.seen": seen(
                ("torchvision_nms", "RuntimeError: operator torchvision::nms does not exist", {})
            ),
        },
        "env_conflict.torchvision_mismatch",
        E,
        ("torchvision::nms",),
    ),
    Case(
        "cuda-builds-differ",
        with_(RTX4090_CU121, packages__torchvision="0.19.1+cu118"),
        "env_conflict.cuda_builds_differ",
        E,
        ("+cu121", "+cu118"),
    ),
    Case(
        "torchaudio-other-line",
        with_(RTX4090_CU121, packages__torchaudio="2.2.0+cu121"),
        "env_conflict.torchaudio_mismatch",
        W,
        ("2.2.0", "2.4.x"),
    ),
    Case(
        "flash-attn-abi",
        {
            "torch.version": "2.4.1+cu121",
            "errors.seen": seen(
                (
                    "undefined_symbol",
                    "flash_attn_2_cuda.so: undefined symbol: _ZN3c104cuda9SetDeviceEi",
                    {"lib": "/venv/flash_attn_2_cuda.so", "symbol": "_ZN3c104cuda9SetDeviceEi"},
                )
            ),
        },
        "env_conflict.extension_abi",
        E,
        ("flash_attn_2_cuda.so", "_ZN3c104cuda9SetDeviceEi"),
    ),
]

PYTHON = [
    Case(
        "32-bit",
        with_(
            CPU_LAPTOP,
            os__name="windows",
            python__bits=32,
            python__version="3.10.11",
            torch__version=None,
            torch__build_label=None,
            torch__runtime_version=None,
            torch__import_error="ModuleNotFoundError: No module named 'torch'",
        ),
        "python_unsupported.32_bit",
        E,
        ("32-bit", "3.10.11"),
    ),
    Case(
        # A Python no release will reach soon, and no release number in the expectation:
        # adding a torch release to the tables must not break this case.
        "python-3.99",
        with_(
            CPU_LAPTOP,
            python__version="3.99.0",
            torch__version=None,
            torch__runtime_version=None,
            torch__build_label=None,
            torch__import_error="ModuleNotFoundError: No module named 'torch'",
        ),
        "python_unsupported.too_new",
        E,
        ("3.99.0", "newer than any torch release"),
    ),
    Case(
        "no-wheel-for-pinned-torch",
        {
            "python.version": "3.12.1",
            "os.name": "linux",
            "os.arch": "x86_64",
            "errors.seen": seen(
                (
                    "no_matching_distribution",
                    "ERROR: No matching distribution found for torch==2.1.0",
                    {"package": "torch", "spec": "==2.1.0"},
                )
            ),
        },
        "python_unsupported.no_wheel_for_python",
        E,
        ("2.1.0", "3.8", "3.11", "3.12.1"),
    ),
    Case(
        "python-3.7-no-torch",
        with_(
            CPU_LAPTOP,
            python__version="3.7.17",
            torch__version=None,
            torch__runtime_version=None,
            torch__build_label=None,
            torch__import_error="ModuleNotFoundError: No module named 'torch'",
        ),
        "python_unsupported.too_old",
        W,
        ("3.7.17", "1.13"),
    ),
    Case(
        "cu-version-from-mirror",
        {
            "python.version": "3.10.12",
            "os.name": "linux",
            "os.arch": "x86_64",
            "pip.mirror": "tuna",
            "errors.seen": seen(
                (
                    "no_matching_distribution",
                    "No matching distribution found for torch==2.1.0+cu118",
                    {"package": "torch", "spec": "==2.1.0+cu118"},
                )
            ),
        },
        "python_unsupported.no_matching_distribution",
        E,
        ("download.pytorch.org", "tuna"),
    ),
]

PLATFORM = [
    Case(
        "explain-device-busy",
        {"errors.seen": seen(("device_busy", "RuntimeError: CUDA error: CUDA-capable device(s) "
                              "is/are busy or unavailable", {}))},
        "platform.gpu_busy",
        E,
        ("busy or unavailable",),
    ),
    Case(
        "doctor-gpu-prohibited",
        with_(RTX4090_CU121, nvidia__gpus=[{**gpu("NVIDIA GeForce RTX 4090", "8.9"),
                                           "compute_mode": "prohibited"}],
              torch__cuda_available=False, torch__kernel_ok=None),
        "platform.gpu_busy",
        E,
        ("GPU 0 is in Prohibited compute mode",),
    ),
    Case(
        "wsl1",
        with_(
            CPU_LAPTOP,
            os__wsl="wsl1",
            torch__version="2.4.1+cu121",
            torch__build_label="cu121",
            torch__cuda_build="12.1",
        ),
        "platform.wsl1",
        E,
        ("WSL 1",),
    ),
    Case(
        "wsl2-linux-driver",
        with_(
            RTX4090_CU121,
            os__wsl="wsl2",
            os__wsl_libcuda=True,
            nvidia__nvml_status="driver_not_loaded",
            nvidia__kernel_module_version=None,
            nvidia__gpus=None,
            nvidia__gpu_count=None,
            torch__cuda_available=False,
        ),
        "platform.wsl2_linux_driver",
        E,
        ("driver_not_loaded", "/usr/lib/wsl/lib"),
    ),
    Case(
        "wsl2-no-windows-driver",
        with_(
            CPU_LAPTOP,
            os__wsl="wsl2",
            os__wsl_libcuda=False,
            torch__version="2.4.1+cu121",
            torch__build_label="cu121",
            torch__cuda_build="12.1",
        ),
        "platform.wsl2_no_windows_driver",
        E,
        ("/usr/lib/wsl/lib/libcuda.so",),
    ),
    Case(
        "docker-without-gpus",
        with_(
            CPU_LAPTOP,
            os__container="docker",
            torch__version="2.4.1+cu121",
            torch__build_label="cu121",
            torch__cuda_build="12.1",
        ),
        "platform.container_without_gpu",
        E,
        ("docker", "/dev/nvidia*"),
    ),
    Case(
        "docker-runtime-missing",
        {
            "errors.seen": seen(
                (
                    "docker_no_gpu",
                    'could not select device driver "" with capabilities: [[gpu]]',
                    {},
                )
            )
        },
        "platform.docker_gpu_runtime_missing",
        E,
        ("NVIDIA Container",),
    ),
    Case(
        "mig-with-indices",
        with_(
            H100_CU130,
            env__cuda_visible_devices="0",
            env__cuda_visible_devices_parsed={
                "kind": "indices",
                "entries": ["0"],
                "valid_prefix": ["0"],
                "problem": None,
            },
            nvidia__gpus=[
                gpu(
                    "NVIDIA H100 80GB HBM3",
                    "9.0",
                    0,
                    mig_mode=True,
                    mig_instances=[
                        {"uuid": "MIG-4f2c0d38-5a3e-5b6f-9a1c-2d3e4f5a6b7c", "name": "1g.10gb"},
                        {"uuid": "MIG-8a9b0c1d-2e3f-5a6b-7c8d-9e0f1a2b3c4d", "name": "3g.40gb"},
                    ],
                ),
                gpu("NVIDIA H100 80GB HBM3", "9.0", 1),
            ],
        ),
        "platform.mig_enabled",
        W,
        ("2 MIG instance", "MIG-"),
    ),
    Case(
        "small-shm",
        with_(RTX4090_CU121, os__container="docker", os__shm_bytes=67_108_864),
        "platform.small_shm",
        W,
        ("64 MiB", "docker"),
    ),
]

TORCH = [
    Case(
        "torch-missing",
        with_(
            RTX4090_CU121,
            torch__version=None,
            torch__runtime_version=None,
            torch__build_label=None,
            torch__cuda_build=None,
            torch__cuda_available=None,
            torch__import_error="ModuleNotFoundError: No module named 'torch'",
        ),
        "torch.not_installed",
        W,
        ("/home/ana/venvs/dl/bin/python",),
    ),
    Case(
        "import-error",
        with_(
            RTX4090_CU121,
            torch__cuda_available=None,
            torch__import_error="ImportError: /venv/lib/python3.11/site-packages/torch/lib/"
            "libtorch_cpu.so: cannot open shared object file: Input/output error",
        ),
        "torch.import_failed",
        E,
        ("libtorch_cpu.so",),
    ),
    Case(
        "cuda-unavailable-unexplained",
        with_(
            RTX4090_CU121,
            torch__cuda_available=False,
            torch__kernel_ok=None,
            torch__cuda_error="CUDA initialization: Unexpected error from cudaGetDeviceCount()",
        ),
        "torch.cuda_unavailable",
        E,
        ("cudaGetDeviceCount",),
    ),
    Case(
        "kernel-failed",
        with_(
            RTX4090_CU121,
            torch__kernel_ok=False,
            torch__kernel_error="RuntimeError: CUDA error: an illegal memory access was "
            "encountered",
        ),
        "torch.kernel_failed",
        E,
        ("illegal memory access",),
    ),
    Case(
        "windows-dll",
        {
            "os.name": "windows",
            "torch.version": "2.2.0+cu121",
            "torch.import_error": "OSError: [WinError 126] The specified module could not be "
            'found. Error loading "C:\\py\\Lib\\site-packages\\torch\\lib\\c10.dll" or one of its '
            "dependencies.",
        },
        "torch.dll_load_failed",
        E,
        ("126", "c10.dll"),
    ),
    Case(
        "cuda-unknown-error",
        with_(
            RTX4090_CU121,
            torch__cuda_available=False,
            torch__kernel_ok=None,
            torch__cuda_error="CUDA initialization: CUDA unknown error - this may be due to an "
            "incorrectly set up environment",
        ),
        "torch.cuda_unknown_error",
        E,
        ("unknown error",),
    ),
    Case(
        "oom-explain",
        with_(
            H100_CU130,
            errors__seen=seen(
                (
                    "oom",
                    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB",
                    {"tried": "20.00 MiB"},
                )
            ),
        ),
        "torch.out_of_memory",
        INFO,
        ("20.00 MiB",),
    ),
]


def _no_target(python: str | None, chosen_by: str, reason: str,
               version: str | None = None) -> dict[str, Any]:
    """A CPU laptop whose target interpreter could not be inspected (doctor's facts)."""
    return with_(CPU_LAPTOP, python__executable=python, python__chosen_by=chosen_by,
                  python__version=version, python__env_type=None, python__bits=None,
                  torch__version=None, torch__runtime_version=None, torch__import_error=None)


_GONE = "--python /opt/envs/ml/bin/python does not exist"
_LS = "--python /bin/ls is not a Python interpreter: `--version` printed 'ls (GNU coreutils) 9.1'"
_VENV = "/home/ana/old/bin/python (from VIRTUAL_ENV) does not exist"
_OLD = "Python 2.7 at /usr/bin/python2 is too old to inspect; envcheck inspects 3.6+"

TARGET: list[Case] = [
    Case("missing-path", _no_target("/opt/envs/ml/bin/python", "--python", _GONE),
         "target.unusable", E, ("does not exist", "could not see its packages"),
         {"python.env_type": _GONE, "python.version": _GONE}),
    Case("not-python", _no_target("/bin/ls", "--python", _LS),
         "target.unusable", E, ("not a Python interpreter",),
         {"python.env_type": _LS, "python.version": _LS}),
    Case("stale-venv", _no_target("/home/ana/old/bin/python", "VIRTUAL_ENV", _VENV),
         "target.unusable", E, ("Chosen by VIRTUAL_ENV",),
         {"python.env_type": _VENV, "python.version": _VENV}),
    Case("python-2.7", _no_target("/usr/bin/python2", "--python", _OLD, version="2.7.18"),
         "python_unsupported.too_old", E, ("Python 2.7.18", "too old"),
         {"python.env_type": _OLD}),
]

ALL_CASES: list[Case] = (
    DRIVER_TOO_OLD
    + NO_DRIVER
    + CPU_BUILD
    + ARCH
    + VISIBLE
    + NVCC
    + CUDNN
    + ENV_CONFLICT
    + PYTHON
    + PLATFORM
    + TORCH
    + TARGET
)
