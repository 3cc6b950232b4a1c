"""Cases for the finding ids the per-category tables (``cases.py``) do not name.

Each catalogue id needs one test that makes it fire (``test_catalogue.py``); these fact sets
cover the rest: paths the category tables leave out (a user site leaking into a venv, NVML
refusing this user) and the pasted-report rules (machine, installs, differential), whose
facts come from explain. ``pasted`` marks a fact set as explain's (``explain.formats``).
"""

from __future__ import annotations

from typing import Any

from envcheck.model import Severity
from tests.rules.cases import Case
from tests.rules.scenarios import (
    CPU_LAPTOP,
    H100_CU130,
    MACOS_MPS,
    RTX4090_CU121,
    gpu,
    seen,
    with_,
)

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def pasted(**facts: Any) -> dict[str, Any]:
    """Facts as explain reads them from a pasted report (dotted keys written with '__')."""
    return with_({"explain.formats": ["prose"]}, **facts)


def claim(name: str, text: str) -> dict[str, str]:
    return {"claim": name, "text": text}


CUDA_FALSE = "torch.cuda.is_available() returns False"

CATALOGUE_CASES = [
    Case(
        "nvml-no-permission",
        with_(RTX4090_CU121, nvidia__nvml_status="no_permission",
              nvidia__nvml_error="Insufficient Permissions", torch__cuda_available=False),
        "no_driver.no_permission", E, ("Insufficient Permissions",),
    ),
    Case(
        "uvm-device-missing",
        with_(RTX4090_CU121, os__nvidia_dev_nodes=["nvidia0", "nvidiactl"],
              torch__cuda_available=False, torch__kernel_ok=None),
        "no_driver.uvm_missing", E, ("/dev/nvidia-uvm",),
    ),
    Case(
        "amd-gpu-cuda-wanted",
        pasted(os__name="linux", os__other_gpus=["AMD Radeon RX 7900 XTX"],
               torch__version="2.3.0+cu121", torch__cuda_build="12.1",
               torch__cuda_available=False),
        "no_driver.no_nvidia_gpu", E, ("AMD Radeon RX 7900 XTX",),
    ),
    Case(
        "nouveau-said",
        pasted(os__name="linux", explain__claims=[claim("nouveau", "lsmod shows nouveau")],
               errors__seen=seen(("smi_not_found", "nvidia-smi: command not found", {}))),
        "no_driver.nouveau", E, ("nouveau",),
    ),
    Case(
        "rocm-torch-on-nvidia",
        with_(RTX4090_CU121, torch__version="2.3.0+rocm6.0", torch__build_label="rocm6.0",
              torch__cuda_build=None, torch__hip_build="6.0", torch__cuda_available=False),
        "cpu_build.rocm_torch_on_nvidia", E, ("ROCm",),
    ),
    Case(
        "ptx-only-gpu",
        with_(RTX4090_CU121,
              torch__arch_list=["sm_50", "sm_60", "sm_70", "sm_75", "sm_90", "compute_80"]),
        "arch_unsupported.ptx_only", INFO, ("PTX",),
    ),
    Case(
        "visible-devices-without-gpu",
        with_(CPU_LAPTOP, env__cuda_visible_devices="0", nvidia__gpu_count=0,
              env__cuda_visible_devices_parsed={"kind": "indices", "entries": ["0"]}),
        "cuda_visible_devices.set_without_gpu", INFO, ("CUDA_VISIBLE_DEVICES",),
    ),
    Case(
        "user-site-leaks",
        with_(RTX4090_CU121, python__user_site="/home/ana/.local/lib/python3.11/site-packages",
              python__user_site_enabled=True,
              python__user_site_packages=[{"name": "torchvision", "version": "0.15.2"}]),
        "env_conflict.user_site_packages", W, ("torchvision 0.15.2",),
    ),
    Case(
        "install-log-replaced-torch",
        pasted(packages__torch_replaced={"old": "2.3.1+cu121", "new": "2.4.0"}),
        "env_conflict.torch_replaced", E, ("2.3.1+cu121", "2.4.0"),
    ),
    Case(
        "resolver-conflict",
        pasted(packages__requirement_conflicts=[
            {"package": "torchvision", "version": "0.18.0", "requires": "torch==2.3.0",
             "have": "torch 2.4.0"}]),
        "env_conflict.requirement_conflict", E, ("torchvision 0.18.0 requires torch==2.3.0",),
    ),
    Case(
        "paste-with-nothing-readable",
        {"explain.formats": []},
        "probe.paste_unreadable", INFO, ("nothing to diagnose",),
    ),
    Case(
        "cvd-set-after-cuda-init",
        pasted(explain__claims=[claim("cvd_after_init",
                                      'os.environ["CUDA_VISIBLE_DEVICES"] = "3"')],
               errors__seen=seen(("oom", "CUDA out of memory. Tried to allocate 2.00 GiB", {}))),
        "cuda_visible_devices.set_after_init", E, ("has no effect",),
    ),
    Case(
        "resolver-cudnn-wheel",
        pasted(packages__requirement_conflicts=[
            {"package": "torch", "version": "2.3.1", "requires": "nvidia-cudnn-cu12==8.9.2.26",
             "have": "nvidia-cudnn-cu12 9.3.0.75"}]),
        "cudnn.wheel_version_conflict", E, ("nvidia-cudnn-cu12 9.3.0.75",),
    ),
    Case(
        "user-site-torch-in-conda-env",
        pasted(torch__location="/home/li/.local/lib/python3.10/site-packages/torch",
               torch__runtime_version="1.11.0+cu102",
               packages__conda=[{"name": "pytorch", "version": "2.1.0",
                                 "build": "py3.10_cuda12.1_0", "channel": "pytorch"}]),
        "env_conflict.user_site_packages", E, ("/home/li/.local", "2.1.0"),
    ),
    Case(
        "device-order-mixed-gpus",
        with_(RTX4090_CU121, nvidia__gpus=[gpu("NVIDIA GeForce GTX 1080 Ti", "6.1", 0),
                                           gpu("NVIDIA GeForce RTX 3090", "8.6", 1)],
              nvidia__gpu_count=2, env__cuda_visible_devices="1",
              env__cuda_visible_devices_parsed={"kind": "indices", "entries": ["1"],
                                                "valid_prefix": ["1"], "problem": None}),
        "cuda_visible_devices.device_order", W, ("PCI_BUS_ID", "GTX 1080 Ti"),
    ),
    Case(
        "two-interpreters",
        pasted(python__executables_seen=["/usr/bin/python3",
                                          "/home/li/miniconda3/envs/dl/bin/python"],
               errors__seen=seen(("module_missing", "No module named 'torch'", {}))),
        "env_conflict.wrong_interpreter", E, ("/usr/bin/python3",),
    ),
    Case(
        "torch-not-built-for-python",
        with_(RTX4090_CU121, python__version="3.13.1", torch__version="2.1.0+cu121",
              torch__import_error="ImportError: torch/_C.cpython-313: cannot open shared object"),
        "python_unsupported.torch_not_built_for_python", E, ("3.13",),
    ),
    Case(
        "wsl-driver-errors",
        pasted(os__name="linux", os__wsl="wsl2",
               errors__seen=seen(("no_driver", "Found no NVIDIA driver on your system.", {}))),
        "platform.wsl_no_gpu", E, ("WSL",),
    ),
    Case(
        "jetson-pypi-torch",
        pasted(os__name="linux", os__arch="aarch64", os__jetson="Jetson Orin Nano",
               torch__version="2.4.0", torch__cuda_available=False),
        "platform.jetson_needs_jetpack_wheel", W, ("Jetson Orin Nano",),
    ),
    Case(
        "macos-asks-for-cuda",
        with_(MACOS_MPS, errors__seen=seen(
            ("not_compiled_with_cuda", "Torch not compiled with CUDA enabled", {}))),
        "platform.macos_has_no_cuda", E, ("MPS",),
    ),
    Case(
        "no-cuda-gpus",
        with_(RTX4090_CU121, errors__seen=seen(
            ("no_cuda_gpus", "RuntimeError: No CUDA GPUs are available", {}))),
        "torch.no_cuda_gpus", E, (),
    ),
    Case(
        "invalid-device-ordinal",
        with_(RTX4090_CU121, errors__seen=seen(
            ("invalid_device_ordinal", "RuntimeError: CUDA error: invalid device ordinal", {}))),
        "torch.invalid_device_ordinal", E, (),
    ),
    # The differential: a pasted symptom with no proven cause.
    Case(
        "likely-container",
        pasted(torch__cuda_available=False, explain__mentions_container=True,
               torch__version="2.3.0+cu121", torch__cuda_build="12.1"),
        "platform.likely_container_without_gpu", W, ("container",),
    ),
    Case(
        "likely-old-driver",
        # CUDA worked in one run of the paste and not in another, nvidia-smi missing where
        # it failed, no driver shown: the only evidence on which this hypothesis outranks "no
        # driver" (which CUDA working somewhere rules out) and the others.
        pasted(torch__cuda_available=True, torch__version="2.5.1+cu124",
               torch__cuda_build="12.4",
               errors__seen=seen(("cuda_unavailable_msg", "CUDA is not available", {}),
                                 ("smi_not_found", "nvidia-smi: command not found", {}))),
        "driver_too_old.likely_driver_too_old", W, (),
    ),
    Case(
        "likely-toolkit",
        pasted(explain__claims=[claim("ext_build", "building the CUDA extension fails")],
               cuda_toolkit__nvcc_version="11.8", torch__version="2.3.0+cu121",
               torch__cuda_build="12.1"),
        "nvcc_mismatch.likely_toolkit_mismatch", W, (),
    ),
    Case(
        "unrecognised-error",
        pasted(errors__unrecognised=["ValueError: frobnicator exploded at step 3"]),
        "torch.unrecognised_error", W, ("frobnicator",),
    ),
    Case(
        "likely-cpu-build-windows",
        pasted(os__name="windows", torch__cuda_available=False),
        "cpu_build.likely_cpu_build", W, ("CPU-only",),
    ),
    Case(
        "likely-visible-devices",
        pasted(errors__seen=seen(
            ("no_cuda_gpus", "RuntimeError: No CUDA GPUs are available", {}))),
        "cuda_visible_devices.likely_hides_gpus", W, ("CUDA_VISIBLE_DEVICES",),
    ),
    Case(
        "likely-no-driver",
        pasted(torch__cuda_available=False, torch__version="2.3.0+cu121",
               torch__cuda_build="12.1"),
        "no_driver.likely_no_driver", W, ("driver",),
    ),
    Case(
        "likely-wrong-environment",
        pasted(explain__claims=[claim("jupyter", "in a Jupyter notebook"),
                                claim("created_env", "I created a new conda env")],
               python__executables_seen=["/opt/conda/bin/python"],
               torch__cuda_available=False, torch__version="2.3.0+cu121",
               torch__cuda_build="12.1", nvidia__driver_version="550.54.14"),
        "env_conflict.likely_wrong_environment", W, ("Jupyter",),
    ),
    # Doctor-side ids the category tables leave to other test modules.
    Case(
        "no-kernel-image-nothing-known",
        pasted(errors__seen=seen(("no_kernel_image", "CUDA error: no kernel image is "
                                  "available for execution on the device", {}))),
        "arch_unsupported.no_kernel_image", E, (),
    ),
    Case(
        "fabric-manager",
        with_(H100_CU130, torch__cuda_available=False, errors__seen=seen(
            ("system_not_ready", "CUDA error: system not yet initialized", {}))),
        "no_driver.fabric_manager", E, ("nvidia-fabricmanager",),
    ),
    Case("cpu-laptop", CPU_LAPTOP, "no_driver.no_gpu", INFO, ()),
    Case(
        "mig-without-instances",
        with_(H100_CU130, nvidia__gpus=[gpu("NVIDIA H100 80GB HBM3", "9.0", mig_mode=True,
                                             mig_instances=[])]),
        "platform.mig_no_instances", W, (),
    ),
    Case(
        "wsl2-libcuda-not-on-path",
        pasted(os__name="linux", errors__seen=seen(
            ("wsl_no_gpu", "Could not load libcuda.so (WSL)", {}))),
        "platform.wsl2_libcuda_path", E, ("/usr/lib/wsl/lib",),
    ),
    Case(
        "rosetta-python",
        with_(MACOS_MPS, python__platform_tag="macosx_10_9_x86_64"),
        "python_unsupported.macos_x86_64", W, ("Rosetta",),
    ),
    Case(
        "nccl-error",
        with_(H100_CU130, errors__seen=seen(
            ("nccl_error", "torch.distributed.DistBackendError: NCCL error", {}))),
        "torch.nccl_error", W, (),
    ),
]
