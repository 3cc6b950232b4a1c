"""classify(): realistic error texts → kinds and the numbers pulled out of them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envcheck.signatures import KINDS, MAX_RESULTS, ErrorSignature, classify, kinds_in

# (kind, text, expected data subset): texts as users paste them (tracebacks, warnings, logs).
CASES: list[tuple[str, str, dict[str, str]]] = [
    (
        "driver_too_old",
        "/opt/conda/lib/python3.10/site-packages/torch/cuda/__init__.py:138: UserWarning: CUDA "
        "initialization: The NVIDIA driver on your system is too old (found version 11040). "
        "Please update your GPU driver by downloading and installing a new version from the URL: "
        "http://www.nvidia.com/Download/index.aspx Alternatively, go to: https://pytorch.org to "
        "install a PyTorch version that has been compiled with your version of the CUDA driver.",
        {"found": "11040", "found_cuda": "11.4"},
    ),
    (
        "driver_too_old",
        "AssertionError: \nThe NVIDIA driver on your system is too old (found version 10010).",
        {"found": "10010", "found_cuda": "10.1"},
    ),
    (
        "driver_too_old",
        "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version",
        {},
    ),
    (
        "driver_too_old",
        "RuntimeError: CUDA error: the provided PTX was compiled with an unsupported toolchain.",
        {"reason": "ptx"},
    ),
    (
        "driver_too_old",
        "RuntimeError: Unexpected error from cudaGetDeviceCount(). Did you run some cuda "
        "functions before calling NumCudaDevices() that might have already set an error? Error "
        "804: forward compatibility was attempted on non supported HW",
        {"reason": "forward_compat"},
    ),
    (
        "no_kernel_image",
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\n"
        "CUDA kernel errors might be asynchronously reported at some other API call, so the "
        "stacktrace below might be incorrect.",
        {},
    ),
    (
        "arch_incompatible",
        "/home/u/.venv/lib/python3.12/site-packages/torch/cuda/__init__.py:235: UserWarning: \n"
        "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current "
        "PyTorch installation.\nThe current PyTorch install supports CUDA capabilities sm_50 "
        "sm_60 sm_70 sm_75 sm_80 sm_86 sm_90.\nIf you want to use the NVIDIA GeForce RTX 5090 "
        "GPU with PyTorch, please check the instructions at "
        "https://pytorch.org/get-started/locally/",
        {
            "sm": "sm_120",
            "gpu": "NVIDIA GeForce RTX 5090",
            "supported": "sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90",
        },
    ),
    (
        "arch_incompatible",
        "UserWarning: Tesla P100-PCIE-16GB with CUDA capability sm_60 is not compatible with "
        "the current PyTorch installation. The current PyTorch install supports CUDA "
        "capabilities sm_70 sm_75 sm_80 sm_86 sm_90 sm_100 sm_120.",
        {"sm": "sm_60", "gpu": "Tesla P100-PCIE-16GB"},
    ),
    (
        "arch_incompatible",
        "UserWarning: \n    Found GPU0 GeForce GTX 770 which is of cuda capability 3.0.\n    "
        "PyTorch no longer supports this GPU because it is too old.\n    The minimum cuda "
        "capability supported by this library is 3.7.",
        {"sm": "sm_30", "gpu": "GeForce GTX 770"},
    ),
    (
        "nvml_mismatch",
        "Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 535.183",
        {},
    ),
    (
        "nvml_mismatch",
        "RuntimeError: Unexpected error from cudaGetDeviceCount(). Error 803: system has "
        "unsupported display driver / cuda driver combination",
        {},
    ),
    (
        "no_driver",
        "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an "
        "NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx",
        {},
    ),
    (
        "no_driver",
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make "
        "sure that the latest NVIDIA driver is installed and running.",
        {},
    ),
    (
        "no_driver",
        "OSError: libcuda.so.1: cannot open shared object file: No such file or directory",
        {},
    ),
    (
        "no_driver",
        "pynvml.NVMLError_LibraryNotFound: NVML Shared Library Not Found",
        {},
    ),
    (
        "system_not_ready",
        "RuntimeError: Unexpected error from cudaGetDeviceCount(). Error 802: system not yet "
        "initialized",
        {},
    ),
    (
        "cuda_unknown_error",
        "UserWarning: CUDA initialization: CUDA unknown error - this may be due to an "
        "incorrectly set up environment, e.g. changing env variable CUDA_VISIBLE_DEVICES after "
        "program start. Setting the available devices to be zero.",
        {},
    ),
    ("no_cuda_gpus", "RuntimeError: No CUDA GPUs are available", {}),
    ("no_cuda_gpus", "RuntimeError: CUDA error: no CUDA-capable device is detected", {}),
    (
        "not_compiled_with_cuda",
        '  File "/usr/lib/python3/site-packages/torch/cuda/__init__.py", line 310, in _lazy_init'
        '\n    raise AssertionError("Torch not compiled with CUDA enabled")\nAssertionError: '
        "Torch not compiled with CUDA enabled",
        {},
    ),
    ("invalid_device_ordinal", "RuntimeError: CUDA error: invalid device ordinal", {}),
    (
        "cudnn_load",
        "Could not load library libcudnn_cnn_infer.so.8. Error: libcudnn_cnn_infer.so.8: cannot "
        "open shared object file: No such file or directory\nAborted (core dumped)",
        {"lib": "libcudnn_cnn_infer.so.8"},
    ),
    (
        "cudnn_load",
        "Could not load library cudnn_cnn_infer64_8.dll. Error code 126\nPlease make sure "
        "cudnn_cnn_infer64_8.dll is in your library path!",
        {"lib": "cudnn_cnn_infer64_8.dll"},
    ),
    (
        "cudnn_load",
        "Unable to load any of {libcudnn_cnn.so.9.1.0, libcudnn_cnn.so.9.1, libcudnn_cnn.so.9, "
        "libcudnn_cnn.so}\nInvalid handle. Cannot load symbol cudnnCreateConvolutionDescriptor",
        {"lib": "libcudnn_cnn.so.9.1.0"},
    ),
    (
        "cudnn_load",
        "RuntimeError: cuDNN version incompatibility: PyTorch was compiled  against (8, 9, 2) "
        "but found runtime version (8, 5, 0). PyTorch already comes bundled with cuDNN.",
        {"compiled": "8.9.2", "runtime": "8.5.0"},
    ),
    (
        "cudnn_load",
        "RuntimeError: cuDNN version mismatch: PyTorch was compiled against 7102 but linked "
        "against 7005",
        {"compiled": "7.1.2", "runtime": "7.0.5"},
    ),
    (
        "cuda_version_mismatch_ext",
        "RuntimeError: \nThe detected CUDA version (11.8) mismatches the version that was used "
        "to compile\nPyTorch (12.1). Please make sure to use the same CUDA versions.",
        {"detected": "11.8", "torch": "12.1"},
    ),
    (
        "cuda_home_not_set",
        "OSError: CUDA_HOME environment variable is not set. Please set it to your CUDA install "
        "root.",
        {},
    ),
    (
        "no_matching_distribution",
        "ERROR: Could not find a version that satisfies the requirement torch==2.1.0 (from "
        "versions: 2.2.0, 2.2.1)\nERROR: No matching distribution found for torch==2.1.0",
        {"package": "torch", "spec": "==2.1.0"},
    ),
    (
        "no_matching_distribution",
        "ERROR: Could not find a version that satisfies the requirement torch (from versions: "
        "none)",
        {"package": "torch"},
    ),
    (
        "torchvision_nms",
        "RuntimeError: operator torchvision::nms does not exist",
        {},
    ),
    (
        "torchvision_cuda_mismatch",
        "RuntimeError: Detected that PyTorch and torchvision were compiled with different CUDA "
        "major versions. PyTorch has CUDA Version=11.8 and torchvision has CUDA Version=12.1. "
        "Please reinstall the torchvision that matches your PyTorch install.",
        {"torch": "11.8", "torchvision": "12.1"},
    ),
    (
        "docker_no_gpu",
        'docker: Error response from daemon: could not select device driver "" with '
        "capabilities: [[gpu]].",
        {},
    ),
    (
        "docker_no_gpu",
        "docker: Error response from daemon: unknown or invalid runtime name: nvidia.",
        {},
    ),
    (
        "wsl_no_gpu",
        "Could not load library libcudnn_cnn_infer.so.8. Error: libcuda.so: cannot open shared "
        "object file: No such file or directory\n(LD_LIBRARY_PATH does not include "
        "/usr/lib/wsl/lib)",
        {},
    ),
    (
        "dll_load",
        'OSError: [WinError 126] The specified module could not be found. Error loading "C:\\'
        'Users\\me\\miniconda3\\envs\\dl\\lib\\site-packages\\torch\\lib\\c10.dll" or one of '
        "its dependencies.",
        {
            "winerror": "126",
            "dll": "C:\\Users\\me\\miniconda3\\envs\\dl\\lib\\site-packages\\torch\\lib\\c10.dll",
        },
    ),
    (
        "dll_load",
        "OSError: [WinError 1114] A dynamic link library (DLL) initialization routine failed. "
        'Error loading "D:\\py\\Lib\\site-packages\\torch\\lib\\fbgemm.dll" or one of its '
        "dependencies.",
        {"winerror": "1114"},
    ),
    ("torch_missing", "ModuleNotFoundError: No module named 'torch'", {}),
    (
        "undefined_symbol",
        "ImportError: /home/u/.venv/lib/python3.10/site-packages/flash_attn_2_cuda.cpython-310-"
        "x86_64-linux-gnu.so: undefined symbol: _ZN3c104cuda9SetDeviceEi",
        {
            "symbol": "_ZN3c104cuda9SetDeviceEi",
            "lib": "/home/u/.venv/lib/python3.10/site-packages/flash_attn_2_cuda.cpython-310-"
            "x86_64-linux-gnu.so",
        },
    ),
    (
        "nccl_error",
        "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/"
        "ProcessGroupNCCL.cpp:1970, unhandled cuda error (run with NCCL_DEBUG=INFO for details), "
        "NCCL version 2.20.5\nncclUnhandledCudaError: Call to CUDA function failed.",
        {},
    ),
    (
        "oom",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a "
        "total capacity of 7.79 GiB of which 3.19 MiB is free.",
        {"tried": "20.00 MiB"},
    ),
    ("oom", "RuntimeError: CUDA error: out of memory", {}),
    (
        "nvcc_unsupported_arch",
        "nvcc fatal   : Unsupported gpu architecture 'compute_120'\nninja: build stopped: "
        "subcommand failed.",
        {"arch": "120"},
    ),
    (
        "host_compiler_unsupported",
        "/usr/local/cuda/bin/../targets/x86_64-linux/include/crt/host_config.h:143:2: error: "
        "#error -- unsupported GNU version! gcc versions later than 12 are not supported! The "
        "nvcc flag '-allow-unsupported-compiler' can be used to override this version check",
        {"compiler": "gcc", "newest": "12"},
    ),
    (
        "host_compiler_unsupported",
        "host_config.h(164): fatal error C1189: #error:  -- unsupported Microsoft Visual Studio "
        "version! Only the versions between 2017 and 2022 (inclusive) are supported!",
        {"compiler": "msvc"},
    ),
    (
        "device_busy",
        "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable\nCUDA "
        "kernel errors might be asynchronously reported at some other API call",
        {},
    ),
    (
        "no_driver",
        "NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that "
        "the NVIDIA Display Driver is properly installed and present in your system.",
        {},
    ),
    (
        "no_cuda_gpus",
        "RuntimeError: CUDA driver initialization failed, you might not have a CUDA gpu.",
        {},
    ),
    ("smi_not_found", "/bin/bash: nvidia-smi: command not found", {}),
    (
        "smi_not_found",
        "'nvidia-smi' is not recognized as an internal or external command,",
        {},
    ),
    (
        "cuda_header_missing",
        "csrc/ops.cpp:12:10: fatal error: cublas_v2.h: No such file or directory",
        {"header": "cublas_v2.h"},
    ),
    ("cuda_header_missing", "/usr/bin/ld: cannot find -lcudart", {"header": "cudart"}),
    ("nvcc_not_found", "sh: 1: nvcc: not found", {}),
    (
        "nvcc_not_found",
        "error: [Errno 2] No such file or directory: '/usr/local/cuda/bin/nvcc'",
        {},
    ),
    (
        "no_wheel_for_platform",
        "error: Distribution `torch==2.3.1 @ registry+https://pypi.org/simple` can't be installed "
        "because it doesn't have a source distribution or wheel for the current platform",
        {"package": "torch"},
    ),
    (
        "no_wheel_for_platform",
        "ERROR: torch-1.13.1+cu117-cp310-cp310-linux_x86_64.whl is not a supported wheel on this "
        "platform.",
        {"package": "torch"},
    ),
    (
        "torchvision_cuda_backend",
        "NotImplementedError: Could not run 'torchvision::roi_align' with arguments from the "
        "'CUDA' backend.",
        {"op": "torchvision::roi_align"},
    ),
    (
        "cuda_unavailable_msg",
        "RuntimeError: Attempting to deserialize object on a CUDA device but "
        "torch.cuda.is_available() is False. If you are running on a CPU-only machine, please use "
        "torch.load with map_location=torch.device('cpu')",
        {},
    ),
    ("cuda_unavailable_msg", "ValueError: Invalid CUDA 'device=0' requested.", {}),
    (
        "module_missing",
        "ModuleNotFoundError: No module named 'transformers'",
        {"module": "transformers"},
    ),
    (
        "no_driver",
        "NVIDIA-SMI has failed because it couldn\u2018t communicate with the NVIDIA driver.",
        {},
    ),
    (
        "conda_python_conflict",
        "  - package pytorch-1.12.1-py3.9_cuda11.6_cudnn8.3.2_0 requires python >=3.9,<3.10.0a0, "
        "but none of the providers can be installed",
        {"package": "pytorch", "spec": "==1.12.1", "python": ">=3.9,<3.10.0a0"},
    ),
    (
        "conda_python_conflict",
        "  - pytorch==1.12.1 -> python[version='>=3.7,<3.8.0a0|>=3.9,<3.10.0a0']",
        {"package": "pytorch", "spec": "==1.12.1", "python": ">=3.7,<3.8.0a0|>=3.9,<3.10.0a0"},
    ),
    (
        "driver_too_old",
        "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.4, please "
        "update your driver to a newer version",
        {"reason": "container", "need_cuda": "12.4"},
    ),
    (
        "cudnn_load",
        "Could not locate cudnn_ops_infer64_8.dll. Please make sure it is in your library path!",
        {"lib": "cudnn_ops_infer64_8.dll"},
    ),
    (
        "cudnn_load",
        "RuntimeError: cuDNN error: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
        {"status": "SUBLIBRARY_VERSION_MISMATCH"},
    ),
    (
        "extension_torch_mismatch",
        "WARNING[XFORMERS]: xFormers can't load C++/CUDA extensions. xFormers was built for:\n"
        "    PyTorch 2.3.0+cu121 with CUDA 1201 (you have 2.2.1+cu121)",
        {"ext": "xFormers", "built": "2.3.0+cu121", "have": "2.2.1+cu121"},
    ),
    (
        "cuda_home_not_set",
        "    _, bare_metal_version = get_cuda_bare_metal_version(CUDA_HOME)",
        {},
    ),
    (
        "cudnn_load",
        "OSError: /opt/cuda/lib64/libcudnn_ops_infer.so.8: undefined symbol: _ZN5cudnn3fooE",
        {"lib": "libcudnn_ops_infer.so.8"},
    ),
    (
        "cudnn_load",
        "Could not locate zlibwapi.dll. Please make sure it is in your library path!",
        {"lib": "zlibwapi.dll"},
    ),
]


@pytest.mark.parametrize(("kind", "text", "data"), CASES, ids=[c[0] for c in CASES])
def test_realistic_messages_are_classified(kind: str, text: str, data: dict[str, str]) -> None:
    matches = [s for s in classify(text) if s.kind == kind]
    assert matches, f"{kind} not found in {classify(text)}"
    first = matches[0]
    for key, value in data.items():
        assert first.data.get(key) == value
    assert first.text and first.text in text


def test_every_kind_has_a_case_and_is_documented() -> None:
    import envcheck.signatures as module

    assert {kind for kind, _, _ in CASES} == set(KINDS)
    for kind in KINDS:
        assert f"``{kind}``" in (module.__doc__ or "")


def test_ordinary_output_is_not_an_error() -> None:
    healthy = (
        "PyTorch version: 2.4.1+cu121\nIs CUDA available: True\nCUDA runtime version: 12.1.105\n"
        "GPU models and configuration: GPU 0: NVIDIA GeForce RTX 4090\nNvidia driver version: "
        "550.54.14\ncuDNN version: 9.1.0\n[pip3] torch==2.4.1\n[pip3] torchvision==0.19.1\n"
        "Successfully installed torch-2.4.1 torchvision-0.19.1\n"
    )
    assert classify(healthy) == []


def test_wsl_libcuda_needs_a_wsl_marker() -> None:
    text = "Error: libcuda.so: cannot open shared object file: No such file or directory"
    assert "wsl_no_gpu" not in kinds_in(text)
    assert "wsl_no_gpu" in kinds_in(text + "\nls: cannot access '/dev/dxg': No such file")


def test_torch_submodule_missing_is_not_torch_missing() -> None:
    assert "torch_missing" not in kinds_in("ModuleNotFoundError: No module named 'torch._C'")
    assert "torch_missing" not in kinds_in("No module named 'torchvision'")


def test_results_keep_text_order_and_drop_duplicates() -> None:
    text = (
        "RuntimeError: No CUDA GPUs are available\n" * 3
        + "RuntimeError: CUDA error: invalid device ordinal\n"
    )
    assert [s.kind for s in classify(text)] == ["no_cuda_gpus", "invalid_device_ordinal"]


def test_as_fact_round_trips_to_plain_types() -> None:
    (sig,) = classify(
        "The detected CUDA version (11.8) mismatches the version that was used "
        "to compile PyTorch (12.1)."
    )
    fact = sig.as_fact()
    assert fact == {
        "kind": sig.kind,
        "text": sig.text,
        "data": {"detected": "11.8", "torch": "12.1"},
    }
    assert ErrorSignature(**fact).data == sig.data  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_never_raises_on_any_text(text: str) -> None:
    result = classify(text)
    assert all(s.kind in KINDS for s in result)
    assert len(result) <= MAX_RESULTS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([text for _, text, _ in CASES] + ["noise ", "\n", "sm_", "(", "{"]),
        max_size=40,
    )
)
def test_concatenated_messages_never_raise(pieces: list[str]) -> None:
    assert all(s.kind in KINDS for s in classify("".join(pieces)))


@pytest.mark.parametrize(
    "huge",
    [
        "x" * 10_000_000,
        ("undefined symbol: " + "a" * 2500 + "\n") * 4000,
        ("[WinError 126] " + "b" * 290 + "\n") * 30_000,
        "with CUDA capability sm_" * 400_000,
        ("Found GPU0 " + "c" * 119 + "\n") * 80_000,
        "No matching distribution found for torch" + "==1" * 3_000_000,
    ],
    ids=["one-line", "long-lines", "winerror", "arch", "found-gpu", "spec"],
)
def test_huge_input_completes(huge: str) -> None:
    assert len(huge) >= 1_000_000
    assert isinstance(classify(huge), list)
