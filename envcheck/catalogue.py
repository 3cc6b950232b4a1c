"""THE catalogue of public finding ids: each declared once, with what the user reads about it.

Finding ids appear in JSON, markdown and the README, so they are public and stable (design
patterns 12 and 13). Every id envcheck can report is declared here once, with the severities
it can take, its title, one line saying what triggers it and one saying the way out; a finding
is built only through :func:`finding`, which refuses an undeclared id or severity and takes its
category from the id's prefix (``no_driver.gpu_lost`` → ``Category.NO_DRIVER``), so the id,
the category and the catalogue cannot disagree. ``docs/findings.md`` is generated from these
declarations (``python -m envcheck.catalogue``); a test fails when it is out of date.

The title is the finding's title unless the rule passes one that carries its own numbers
("torch 2.1.0 has no wheels for Python 3.13"); details and the concrete fix commands, which
name this machine's versions and paths, stay with the rule that proves the finding.

The catalogue imports only :mod:`envcheck.model`: the bench (which reports findings of
category ``bench``) and the renderers read it without importing the rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from envcheck.fact_keys import SECTIONS
from envcheck.model import Category, Finding, Fix, Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741
(SYSTEM, DRIVER_GPUS, TOOLKIT, CUDNN, PYTHON_ENV, PACKAGES, RUNTIME, ENV_VARS, INDEX,
 ERRORS) = SECTIONS
SUMMARY = "Summary"
"""Findings about envcheck itself (a probe that failed) and about a benchmark."""

SECTION_OF_CATEGORY: Mapping[Category, str] = MappingProxyType({
    Category.NO_DRIVER: DRIVER_GPUS,
    Category.DRIVER_TOO_OLD: DRIVER_GPUS,
    Category.ARCH_UNSUPPORTED: DRIVER_GPUS,
    Category.CPU_BUILD: PACKAGES,
    Category.ENV_CONFLICT: PACKAGES,
    Category.CUDA_VISIBLE_DEVICES: ENV_VARS,
    Category.NVCC_MISMATCH: TOOLKIT,
    Category.CUDNN: CUDNN,
    Category.PYTHON_UNSUPPORTED: PYTHON_ENV,
    Category.TARGET: PYTHON_ENV,
    Category.PLATFORM: SYSTEM,
    Category.TORCH: RUNTIME,
    Category.PROBE: SUMMARY,
    Category.BENCH: SUMMARY,
})
"""The report section (``fact_keys.SECTIONS``) a finding of each category shows under; an
entry's ``section`` overrides it where a finding rests on another part of the report
(``torch.no_cuda_gpus`` on the errors seen, ``platform.mig_enabled`` on the GPUs)."""


@dataclass(frozen=True)
class Entry:
    """One public finding id: its severities, title, what triggers it and the way out.

    An id written with ``<probe>`` is a family: ``probe.<probe>_failed`` stands for
    ``probe.nvidia_failed``, ``probe.torch_failed`` and so on, one per probe.
    """

    id: str
    severities: frozenset[Severity]
    title: str
    trigger: str
    fix: str
    section_override: str | None = None

    @property
    def category(self) -> Category:
        """The category named by the id's prefix."""
        return Category(self.id.split(".")[0])

    @property
    def section(self) -> str:
        """The report section it shows under: its own, or its category's."""
        return self.section_override or SECTION_OF_CATEGORY[self.category]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The ids this entry stands for (itself, or a ``<probe>`` family)."""
        return re.compile(re.escape(self.id).replace(re.escape("<probe>"), "[a-z0-9_]+") + "$")


def _e(id: str, severities: tuple[Severity, ...], title: str, trigger: str, fix: str,
       section: str | None = None) -> Entry:
    return Entry(id, frozenset(severities), title, trigger, fix, section)


_ENTRIES: tuple[Entry, ...] = (
    # no_driver
    _e("no_driver.version_mismatch", (E,),
       "The loaded NVIDIA kernel module does not match the driver libraries",
       'NVML (or a pasted error) says "Driver/library version mismatch"',
       "Reboot, or unload and reload the nvidia modules"),
    _e("no_driver.not_loaded", (E,),
       "The NVIDIA driver is installed but its kernel module is not loaded",
       'NVML\'s library is found but reports "Driver Not Loaded" (outside WSL)',
       "modprobe nvidia and read dmesg; rebuild with DKMS or enrol the Secure Boot key"),
    _e("no_driver.gpu_lost", (E,), "The GPU has fallen off the bus",
       "NVML reports the GPU as lost (Xid 79)",
       "Read the Xid errors, reboot, check power, cabling and seating"),
    _e("no_driver.no_permission", (E,), "This user may not open the NVIDIA devices",
       'NVML reports "Insufficient Permissions"',
       "Check /dev/nvidia*'s owner and mode; join the group that owns them"),
    _e("no_driver.not_installed", (E, W), "No NVIDIA driver is installed",
       "No NVML library, with GPU device files, a loaded module, a CUDA torch or a driver error",
       "Install the NVIDIA driver (ubuntu-drivers on Ubuntu; the Windows driver for WSL)"),
    _e("no_driver.no_gpu", (I,), "No NVIDIA driver or GPU found; torch will use the CPU",
       "No NVML library and nothing suggesting a GPU or wanting CUDA",
       "Nothing to do on a machine without an NVIDIA GPU"),
    _e("no_driver.fabric_manager", (E,),
       "CUDA says the system is not yet initialised (fabric manager)",
       'CUDA error 802 "system not yet initialized" (NVSwitch machines)',
       "Install and start nvidia-fabricmanager of the driver's version", section=ERRORS),
    _e("no_driver.uvm_missing", (E,), "The nvidia-uvm device is missing, so CUDA cannot start",
       "CUDA fails while /dev/nvidia0 exists and /dev/nvidia-uvm does not",
       "modprobe nvidia-uvm and create its device file (nvidia-modprobe -u)", section=SYSTEM),
    _e("no_driver.no_nvidia_gpu", (E,), "There is no NVIDIA GPU, so CUDA cannot work here",
       "The report shows a GPU failure on a machine whose only GPUs are not NVIDIA's",
       "Run on the CPU (or another device), or move to a machine with an NVIDIA GPU",
       section=SYSTEM),
    _e("no_driver.nouveau", (E, W), "The open-source nouveau driver holds the GPU",
       "The report says nouveau is in use (an error when the driver or CUDA fails)",
       "Blacklist nouveau, rebuild the initramfs, reboot and install NVIDIA's driver",
       section=ERRORS),
    _e("no_driver.likely_no_driver", (W,),
       "Most likely the NVIDIA driver is missing or not loaded",
       "A pasted report's GPU symptom with no named cause; the evidence points at the driver",
       "Install the driver and reboot; nvidia-smi settles it", section=ERRORS),
    # driver_too_old
    _e("driver_too_old.torch_cuda_newer_than_driver", (E,),
       "The NVIDIA driver is too old for this torch build",
       "torch's CUDA build needs a newer driver than installed (tables, or torch's own message)",
       "Update the driver, or install a torch built for the CUDA the driver supports"),
    _e("driver_too_old.likely_driver_too_old", (W,),
       "Possibly the NVIDIA driver is too old for this torch build",
       "A pasted report's GPU symptom with no named cause; the evidence points at the driver",
       "Compare nvidia-smi's CUDA version with torch.version.cuda", section=ERRORS),
    # cpu_build
    _e("cpu_build.cpu_torch_on_gpu_machine", (E,),
       "torch is a CPU-only build, so it cannot use the GPU",
       "A CPU-only torch where a usable NVIDIA GPU is present or the code asks for CUDA",
       "Remove CPU pins (cpuonly, the CPU index) and install the CUDA build for this machine"),
    _e("cpu_build.rocm_torch_on_nvidia", (E,),
       "This torch is built for AMD ROCm, not for NVIDIA CUDA",
       "A ROCm torch on a machine with a usable NVIDIA GPU",
       "Install the CUDA build of torch for this machine"),
    _e("cpu_build.likely_cpu_build", (W,), "Most likely torch is a CPU-only build",
       "A pasted report's GPU symptom with no named cause; the evidence points at a CPU build",
       "Check torch.version.cuda; install a CUDA build (envcheck recommend)", section=ERRORS),
    # arch_unsupported
    _e("arch_unsupported.gpu_not_in_torch_arch_list", (E,),
       "This torch build has no kernels for the GPU's architecture",
       "The GPU's compute capability is in neither the build's SASS nor PTX list",
       "Install a torch build whose CUDA version covers this GPU"),
    _e("arch_unsupported.ptx_only", (I,), "The GPU runs torch through JIT-compiled PTX",
       "The build has PTX but no SASS for the GPU: kernels are compiled at first use",
       "A build with native kernels for the GPU starts faster"),
    _e("arch_unsupported.no_kernel_image", (E,),
       "No kernel for this GPU's architecture in the code that ran",
       '"no kernel image is available" while torch itself covers the GPU, or nothing is known',
       "Compare the GPU's capability with the build's architectures; rebuild what lacks it",
       section=ERRORS),
    _e("arch_unsupported.extension_arch", (E,),
       "A compiled extension has no kernels for this GPU",
       '"no kernel image is available" from a library while torch covers the GPU',
       "Rebuild the extension with TORCH_CUDA_ARCH_LIST naming the GPU's capability",
       section=ERRORS),
    # cuda_visible_devices
    _e("cuda_visible_devices.empty", (E, W, I),
       "CUDA_VISIBLE_DEVICES is set but empty: CUDA sees no GPU",
       "CUDA_VISIBLE_DEVICES is set to an empty value",
       "Unset it, or name the GPUs to use"),
    _e("cuda_visible_devices.no_such_device", (E, W),
       "CUDA_VISIBLE_DEVICES names GPUs that do not exist",
       "An index or UUID in CUDA_VISIBLE_DEVICES matches no GPU",
       "Point it at a GPU that exists, or remove the line that sets it"),
    _e("cuda_visible_devices.invalid_entry", (E, W),
       "CUDA_VISIBLE_DEVICES has an entry CUDA cannot read",
       "An entry that is neither an index, a GPU/MIG UUID nor a prefix of one",
       "Fix or unset the variable"),
    _e("cuda_visible_devices.set_without_gpu", (I,),
       "CUDA_VISIBLE_DEVICES is set but there is no GPU",
       "The variable is set on a machine where no NVIDIA GPU is visible",
       "Nothing to do, unless a GPU was expected"),
    _e("cuda_visible_devices.likely_hides_gpus", (W,),
       "Most likely CUDA_VISIBLE_DEVICES hides the GPU from the program",
       "A pasted report's GPU symptom with no named cause; the evidence points at the variable",
       "Find where CUDA_VISIBLE_DEVICES is set and point it at an existing GPU", section=ERRORS),
    # nvcc_mismatch
    _e("nvcc_mismatch.major_differs", (E, W, I),
       "Extension builds would use a CUDA toolkit of another major version",
       "nvcc's CUDA major differs from torch's (an error when a build says so)",
       "Point CUDA_HOME and PATH at a toolkit of torch's CUDA version"),
    _e("nvcc_mismatch.no_toolkit_for_build", (E, W),
       "Building a CUDA extension needs a CUDA toolkit, and none was found",
       "An extension build stops for want of CUDA_HOME, nvcc or the CUDA headers",
       "Install the CUDA toolkit of torch's version and point CUDA_HOME at it"),
    _e("nvcc_mismatch.toolkit_vs_gpu", (E, W, I), "The build toolkit cannot compile for this GPU",
       "The nvcc found is too old (or too new) for the GPU's architecture",
       "Use a toolkit that supports the GPU (the one of torch's CUDA version)"),
    _e("nvcc_mismatch.arch_list_excludes_gpu", (W,), "TORCH_CUDA_ARCH_LIST leaves out this GPU",
       "TORCH_CUDA_ARCH_LIST is set and does not name the GPU's capability",
       "Add the GPU's capability to TORCH_CUDA_ARCH_LIST, or unset it", section=ENV_VARS),
    _e("nvcc_mismatch.unsupported_gpu_arch", (E,),
       "The CUDA toolkit building the extension is too old for the GPU architecture",
       'nvcc stops with "Unsupported gpu architecture"',
       "Build with a toolkit that knows the architecture", section=ERRORS),
    _e("nvcc_mismatch.host_compiler", (E,), "nvcc refuses the host C++ compiler",
       "nvcc stops because the host gcc/clang/MSVC is newer than it supports",
       "Point nvcc at a supported host compiler (NVCC_CCBIN / CC, CXX)", section=ERRORS),
    _e("nvcc_mismatch.likely_toolkit_mismatch", (W,),
       "Most likely the CUDA toolkit used for the build does not match torch",
       "A pasted report about compiling CUDA code, with no named cause",
       "Build with the toolkit of torch's CUDA version (CUDA_HOME, PATH)", section=ERRORS),
    # cudnn
    _e("cudnn.system_shadows_wheel", (E, W),
       "A system cuDNN on LD_LIBRARY_PATH can shadow the one torch ships",
       "A cuDNN of another major than torch's sits in an LD_LIBRARY_PATH folder",
       "Take those folders off LD_LIBRARY_PATH"),
    _e("cudnn.load_failed", (E,), "cuDNN fails to load or is the wrong version",
       "An error says cuDNN cannot load, or loaded another version than torch was built with",
       "See what the loader finds; reinstall torch so its own cuDNN is used", section=ERRORS),
    _e("cudnn.wheel_version_conflict", (E,), "The cuDNN wheel is not the one torch was built with",
       "pip's resolver says torch requires another nvidia-cudnn wheel than the one installed",
       "Reinstall the cuDNN wheel torch pins; keep other frameworks in their own env",
       section=PACKAGES),
    _e("cuda_visible_devices.set_after_init", (E, W),
       "CUDA_VISIBLE_DEVICES is set after CUDA was already initialised",
       "The code sets os.environ['CUDA_VISIBLE_DEVICES'] after a call that starts CUDA",
       "Set it before the first CUDA call (best: before import torch, or in the shell)"),
    _e("cuda_visible_devices.device_order", (W,),
       "CUDA_VISIBLE_DEVICES may select another GPU than nvidia-smi's number",
       "GPU indices in CUDA_VISIBLE_DEVICES on a machine with different GPU models, without "
       "CUDA_DEVICE_ORDER=PCI_BUS_ID",
       "export CUDA_DEVICE_ORDER=PCI_BUS_ID, then pick GPUs by nvidia-smi's numbers"),
    # env_conflict
    _e("env_conflict.two_torch_copies", (E, W),
       "Two or more copies of torch are installed; the first one wins",
       "torch is installed in two or more places on sys.path",
       "Uninstall until one copy is left; or PYTHONNOUSERSITE=1"),
    _e("env_conflict.user_site_packages", (E, W),
       "Packages in your user site leak into this environment",
       "The user site holds torch-family packages (or torch is imported from it) and a "
       "venv/conda env reads it; an error when that torch differs from the env's own",
       "export PYTHONNOUSERSITE=1, or uninstall the user-site copy", section=PYTHON_ENV),
    _e("env_conflict.conda_and_pip_torch", (E, W),
       "conda's pytorch and a pip-installed torch are mixed in one environment",
       "conda lists pytorch while pip (or uv) wrote torch's files, or their versions differ",
       "Keep one: remove conda's copy and install once with pip"),
    _e("env_conflict.torchvision_mismatch", (E,), "torchvision does not match torch",
       "torchvision of another torch release, its operators missing, or a CPU torchvision",
       "Reinstall torch and torchvision together from one index"),
    _e("env_conflict.torchaudio_mismatch", (W,), "torchaudio does not match torch",
       "torchaudio of another torch release",
       "Reinstall torch and torchaudio together from one index"),
    _e("env_conflict.cuda_builds_differ", (E, W),
       "torch and torchvision are built for different CUDA versions",
       "torch's and torchvision's CUDA labels differ, or torchvision says so",
       "Install both from the same index"),
    _e("env_conflict.extension_abi", (E,), "A compiled library does not match the installed torch",
       "An undefined symbol when loading torch or a compiled extension",
       "Rebuild the extension for this torch; check LD_LIBRARY_PATH when torch's own lib fails",
       section=ERRORS),
    _e("env_conflict.torch_replaced", (E, W), "Installing another package replaced torch",
       "An install log shows torch uninstalled and another build put in its place",
       "Reinstall the wanted build, then install other packages without changing torch"),
    _e("env_conflict.requirement_conflict", (E,),
       "pip left torch packages that do not fit together",
       "pip's resolver reports a torch-family requirement it left unmet",
       "Install torch, torchvision and torchaudio together as one set"),
    _e("env_conflict.wrong_interpreter", (E,),
       "Packages went into a different Python than the one that runs",
       "The report shows packages installed for one interpreter and code run by another",
       "Install with the interpreter that runs the code (python -m pip)", section=PYTHON_ENV),
    _e("env_conflict.likely_wrong_environment", (W,),
       "Most likely the code runs in another Python environment than the packages",
       "A pasted report's symptom with no named cause; the evidence points at the environment",
       "Install with the interpreter that runs the code; compare sys.executable", section=ERRORS),
    # python_unsupported
    _e("python_unsupported.32_bit", (E,), "This Python is 32-bit; torch has only 64-bit wheels",
       "A 32-bit interpreter",
       "Install a 64-bit Python and create the environment with it"),
    _e("python_unsupported.macos_x86_64", (E, W),
       "This Python is an Intel (x86_64) build: torch stops at 2.2.2 for it",
       "An x86_64 Python on macOS (under Rosetta, or with torch wanted on an Intel Mac)",
       "Use a native arm64 Python, or torch 2.2.2 on an Intel Mac"),
    _e("python_unsupported.no_wheel_for_python", (E,),
       "The torch release asked for has no wheels for this Python",
       "pip finds no torch==X, and release X has no wheels for this Python",
       "Use a release that supports this Python, or create the environment with another"),
    _e("python_unsupported.too_new", (E,), "No torch release has wheels for this Python",
       "torch is missing or fails and the Python is newer than any torch release supports",
       "Create the environment with a supported Python"),
    _e("python_unsupported.too_old", (E, W), "This Python is too old for current torch",
       "The Python is older than torch releases support (or than the target inspection needs)",
       "Create the environment with a newer Python"),
    _e("python_unsupported.torch_not_built_for_python", (E,),
       "This torch was not built for this Python",
       "import torch fails and the installed release has no wheels for this Python",
       "Install a torch release built for this Python"),
    _e("python_unsupported.no_matching_distribution", (E,),
       "pip finds no torch for this platform",
       'pip says "No matching distribution found" for a torch-family package',
       "Install from the index that carries the build (envcheck recommend)", section=ERRORS),
    # platform
    _e("platform.small_shm", (W,), "/dev/shm is too small for DataLoader workers",
       "A container with a /dev/shm under 1 GiB",
       "Start the container with --shm-size or --ipc=host"),
    _e("platform.wsl1", (E, I), "WSL 1 has no GPU support",
       "The Linux runs under WSL 1",
       "Convert the distribution to WSL 2"),
    _e("platform.wsl2_linux_driver", (E,), "A Linux NVIDIA driver is installed inside WSL 2",
       "WSL 2 with a Linux NVIDIA driver package that hides the Windows driver's libcuda",
       "Remove the Linux driver packages and restart WSL"),
    _e("platform.wsl2_no_windows_driver", (E, W), "WSL 2 does not see a Windows NVIDIA driver",
       "WSL 2 without /usr/lib/wsl/lib/libcuda.so",
       "Install the current NVIDIA driver on Windows and update WSL"),
    _e("platform.wsl2_libcuda_path", (E,), "libcuda is not on the loader path inside WSL 2",
       "WSL 2 has the driver's libcuda, but the loader does not find it",
       "Put /usr/lib/wsl/lib on the loader path"),
    _e("platform.wsl_no_gpu", (E,), "This WSL distribution cannot reach the GPU",
       "Inside WSL, driver errors, with nothing known about the WSL driver's libcuda",
       "Convert the distribution to WSL 2, update WSL and the Windows driver"),
    _e("platform.docker_gpu_runtime_missing", (E,),
       "Docker on this host has no NVIDIA GPU runtime",
       "docker refuses --gpus (no NVIDIA Container Toolkit)",
       "Install the NVIDIA Container Toolkit, configure Docker and restart it", section=ERRORS),
    _e("platform.container_without_gpu", (E, I), "This container was started without GPU access",
       "Inside a container with no /dev/nvidia* and no driver library",
       "Start the container with --gpus all (the host needs the NVIDIA Container Toolkit)"),
    _e("platform.likely_container_without_gpu", (W,),
       "Most likely the container runs without GPU access",
       "A pasted report's GPU symptom with no named cause; the evidence points at a container",
       "Start the container with the GPUs; nvidia-smi inside it settles it", section=ERRORS),
    _e("platform.mig_enabled", (W, I), "MIG is enabled: a process uses one MIG instance",
       "MIG mode is on (a warning when CUDA_VISIBLE_DEVICES names whole GPUs)",
       "List the MIG instances and pick one by its UUID", section=DRIVER_GPUS),
    _e("platform.mig_no_instances", (W,), "MIG is enabled but no MIG instances exist",
       "MIG mode is on and no instance is configured",
       "Create instances (an administrator task), or disable MIG", section=DRIVER_GPUS),
    _e("platform.gpu_busy", (E,), "The GPU does not accept this process",
       "A prohibited or exclusive compute mode, or a busy/unavailable device error",
       "See which processes hold the GPU; allow its compute mode", section=DRIVER_GPUS),
    _e("platform.jetson_needs_jetpack_wheel", (E, W),
       "On a Jetson, torch must be NVIDIA's JetPack build",
       "A Jetson (Tegra) board without NVIDIA's JetPack torch",
       "Install the torch wheel NVIDIA built for the JetPack release"),
    _e("platform.macos_has_no_cuda", (E,), "macOS has no CUDA: use the MPS device instead",
       'On macOS, the code asks for CUDA ("Torch not compiled with CUDA enabled")',
       "Select the device portably: cuda, then mps, then cpu"),
    # torch
    _e("torch.not_installed", (E, W), "torch is not installed in this environment",
       "The target interpreter has no torch package",
       "Install the torch build for this machine", section=PACKAGES),
    _e("torch.import_failed", (E,), "import torch fails",
       "Importing torch raises, for no cause named by another finding",
       "Read the full error; reinstall torch"),
    _e("torch.dll_load_failed", (E,), "Windows cannot load one of torch's DLLs",
       "A WinError while loading a torch DLL",
       "Install the Microsoft Visual C++ Redistributable, then reinstall torch"),
    _e("torch.cuda_unknown_error", (E,), 'CUDA fails to initialise with "unknown error"',
       '"CUDA unknown error" when torch initialises CUDA',
       "Reload nvidia_uvm or reboot; check CUDA_VISIBLE_DEVICES"),
    _e("torch.cuda_unavailable", (E,), "torch cannot use CUDA, and nothing found explains why",
       "torch.cuda.is_available() is False with a GPU present and no other cause found",
       "Check that nvidia-smi answers; make CUDA raise its real error"),
    _e("torch.no_cuda_gpus", (E,), "CUDA sees no GPU",
       '"No CUDA GPUs are available" with no other cause found',
       "Check what nvidia-smi -L and CUDA_VISIBLE_DEVICES say", section=ERRORS),
    _e("torch.invalid_device_ordinal", (E,), "The code asks for a GPU index that does not exist",
       '"invalid device ordinal" with no other cause found',
       "List the devices the process sees; use an index below the count", section=ERRORS),
    _e("torch.kernel_failed", (E,), "A tiny CUDA kernel failed on the GPU",
       "envcheck's test kernel failed for no cause named by another finding",
       "Re-run with CUDA_LAUNCH_BLOCKING=1 to see the failing call"),
    _e("torch.out_of_memory", (W, I), "CUDA ran out of GPU memory",
       "CUDA reports out of memory (a warning when it stopped envcheck's test kernel)",
       "See which processes hold GPU memory; lower the batch size"),
    _e("torch.nccl_error", (W,), "NCCL (multi-GPU communication) reported an error",
       "An NCCL error in the report",
       "Re-run with NCCL_DEBUG=INFO to see the failing transport", section=ERRORS),
    _e("torch.unrecognised_error", (W,),
       "The report shows an error that envcheck does not recognise",
       "A pasted report shows a GPU symptom or an error and no cause fits it",
       "Run envcheck doctor where the error happens and paste its report", section=ERRORS),
    # target
    _e("target.unusable", (E,), "The Python environment to check cannot be inspected",
       "The chosen interpreter cannot run or cannot be inspected",
       "Leave or recreate the broken environment; point --python at a working interpreter"),
    # probe
    _e("probe.paste_unreadable", (I,), "Nothing in the paste says what the machine is",
       "A pasted report in which no format and no evidence was recognised",
       "Paste the output of nvidia-smi and of python -m torch.utils.collect_env"),
    _e("probe.<probe>_failed", (W,), "Could not check: <the probe's title>",
       "A probe raised an error, so what it inspects went unchecked",
       "Read the note; run envcheck doctor -v"),
    _e("probe.<probe>_timed_out", (W,), "Could not check: <the probe's title>",
       "A probe did not answer within its time limit",
       "Give it more time (--timeout; --torch-timeout for the torch check)"),
    # bench
    _e("bench.hw_throttle", (E,), "The GPU slowed itself down in hardware",
       "NVML reports hardware slowdown during the benchmark",
       "Check cooling, power cables and the power supply"),
    _e("bench.thermal_throttle", (W,), "The GPU was held back by its temperature",
       "Software thermal slowdown in most samples",
       "Improve cooling or airflow"),
    _e("bench.power_cap", (W,), "The GPU ran at its power limit most of the time",
       "Software power cap in most samples",
       "Check for a lowered power limit (nvidia-smi -q -d POWER)"),
    _e("bench.pcie_downgraded", (W,), "The PCIe link ran below its generation or width",
       "The link under load is slower than the card's maximum",
       "Check the slot, riser and BIOS PCIe setting; envcheck bench transfer"),
    _e("bench.low_utilisation", (W, I), "The GPU was busy only part of the time",
       "Median GPU utilisation below the threshold (info for the tiny MNIST CNN)",
       "Look for an input- or CPU-bound step, or a small batch"),
    _e("bench.loss_not_finite", (E,), "The training loss became NaN or infinite",
       "The loss is NaN or infinite on learnable synthetic data",
       "Suspect the GPU's numerics or the AMP setup"),
    _e("bench.loss_not_falling", (W,), "The training loss did not fall",
       "The loss did not fall over the measured steps",
       "Suspect the GPU's numerics or the training setup"),
    _e("bench.device_disagrees", (E,),
       "The GPU and the CPU compute different results for the same network",
       "GPU and CPU logits, loss or gradients differ beyond tolerance",
       "Suspect the GPU, its driver or the libraries; run envcheck doctor"),
    _e("bench.below_expected", (W,), "Throughput is below the reference for this GPU",
       "Images/s under the reference's expected range",
       "Read the telemetry findings; check other work on the GPU"),
    _e("bench.investigate", (E,), "Throughput is far below the reference for this GPU",
       "Images/s far under the reference",
       "Read the telemetry findings; run envcheck doctor"),
    _e("bench.transfer_slow", (W,), "Pinned copies reach under half the link's rate",
       "Host-to-device copies under half the PCIe link's theoretical rate",
       "Check the slot width and generation, and shared PCIe switches"),
    _e("bench.batch_halved", (I,), "The batch did not fit in memory and was halved",
       "The requested batch ran out of memory",
       "Nothing to do; the figure is for the smaller batch"),
    _e("bench.noisy", (I,), "Step times varied a lot",
       "The step times' IQR over median is above the threshold",
       "Run longer or on a quiet machine; the median is still reported"),
    _e("bench.interrupted", (I,), "Interrupted: figures are from the steps measured so far",
       "The benchmark was interrupted (Ctrl-C)",
       "Run it again to the end for a full measurement"),
)

CATALOGUE: Mapping[str, Entry] = MappingProxyType({entry.id: entry for entry in _ENTRIES})
"""Every public finding id (or ``<probe>`` family) → its declaration, in catalogue order."""

_FAMILIES = tuple(entry for entry in _ENTRIES if "<" in entry.id)


def entry(finding_id: str) -> Entry:
    """The declaration of ``finding_id``; KeyError names an undeclared id."""
    found = CATALOGUE.get(finding_id)
    if found is not None:
        return found
    for family in _FAMILIES:
        if family.pattern.match(finding_id):
            return family
    raise KeyError(f"finding id {finding_id!r} is not declared in envcheck/catalogue.py")


def section_of(finding_id: str, category: Category) -> str:
    """The report section for a finding: its entry's, or for an id this version does not
    declare (a report read back from another version), its category's."""
    try:
        return entry(finding_id).section
    except KeyError:
        return SECTION_OF_CATEGORY.get(category, SUMMARY)


def finding(
    id: str,
    severity: Severity,
    *,
    title: str | None = None,
    detail: str = "",
    evidence: tuple[str, ...] = (),
    fixes: tuple[Fix, ...] = (),
    consequences: tuple[str, ...] = (),
) -> Finding:
    """A :class:`Finding` of a declared id: category from the id, title from the catalogue.

    ``title`` overrides the catalogue's when the rule's title carries numbers. An undeclared
    id (KeyError), or a severity the declaration does not allow (ValueError), is a programming
    error:
    the tests make every id fire, so it shows there, not on a user's machine.
    """
    declared = entry(id)
    if severity not in declared.severities:
        raise ValueError(f"{id} is declared {sorted(s.label for s in declared.severities)}"
                         f", not {severity.label}")
    return Finding(
        id=id,
        severity=severity,
        category=declared.category,
        title=declared.title if title is None else title,
        detail=detail,
        evidence=evidence,
        fixes=fixes,
        consequences=consequences,
    )


def markdown(rules: Mapping[str, str]) -> str:
    """``docs/findings.md``: every public id with its severities, title, trigger and fix.

    ``rules`` maps an id to the rule(s) that report it (``driver.gpu_lost``), for the
    maintainer looking for the code; ids without one are reported by the bench.
    """
    lines = [
        "# Findings",
        "",
        "<!-- Generated from envcheck/catalogue.py by `python -m envcheck.catalogue "
        "docs/findings.md`; do not edit. -->",
        "",
        "Every finding envcheck can report. The id is public and stable: it appears in the JSON",
        "report (`findings[].id`), and its first part is the category (`findings[].category`).",
        "The title a report shows can carry the machine's numbers; the fix it shows names the",
        "exact commands for that machine. `probe.<probe>_…` stands for one id per probe",
        "(`probe.torch_runtime_timed_out`).",
        "",
    ]
    category: str | None = None
    for item in _ENTRIES:
        if item.category.value != category:
            category = item.category.value
            lines += [f"## {category}", "", "| id | severity | title | triggered by | fix | rule |",
                      "| --- | --- | --- | --- | --- | --- |"]
        severities = ", ".join(s.label for s in sorted(item.severities, reverse=True))
        cells = (severities, item.title, item.trigger, item.fix, rules.get(item.id, "bench"))
        lines.append(f"| `{item.id}` | " + " | ".join(_cell(c) for c in cells) + " |")
        nxt = _ENTRIES.index(item) + 1
        if nxt == len(_ENTRIES) or _ENTRIES[nxt].category.value != category:
            lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text safe in a markdown table cell (no column break, emphasis or HTML tag)."""
    for char, escaped in (("|", "\\|"), ("*", "\\*"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m envcheck.catalogue [PATH]``: write the catalogue (to stdout without PATH)."""
    import sys

    import envcheck.rules  # noqa: F401 - registers every rule
    from envcheck.rules.registry import rules_by_id

    args = sys.argv[1:] if argv is None else argv
    where = {key: ", ".join(r.name for r in found) for key, found in rules_by_id().items()}
    text = markdown(where)
    if args:
        with open(args[0], "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
