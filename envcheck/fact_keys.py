"""Every fact key envcheck knows: its section, label, JSON type and meaning.

This catalogue is the contract between probes (which emit these keys), rules and ``explain``
parsers (which read them) and renderers (which label them). A test checks that no probe emits
a key that is not listed here. Keys are public: they appear in ``--json`` output.

Types: ``str``, ``int``, ``float``, ``bool``, ``list`` or ``dict``; any fact may also be
``None`` (unknown), in which case the report carries a note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactSpec:
    """One fact key: where it is shown, what it is called and what it holds."""

    key: str
    section: str
    label: str
    type: str
    doc: str
    show: bool = True
    """Shown in the default text report (otherwise only with ``--verbose`` and in JSON)."""
    pasted_only: bool = False
    """Read from pasted reports only (``explain``); no probe emits it."""


SECTIONS: tuple[str, ...] = (
    "System",
    "NVIDIA driver & GPUs",
    "CUDA toolkit",
    "cuDNN",
    "Python environment",
    "Packages",
    "PyTorch runtime",
    "Environment variables",
    "Package index",
    "Errors seen",
)

_S, _N, _T, _D, _P, _K, _R, _E, _I, _X = SECTIONS

_SPECS: tuple[FactSpec, ...] = (
    # System
    FactSpec("os.name", _S, "OS", "str", "linux, windows or darwin"),
    FactSpec("os.distro", _S, "Distribution", "str", "pretty name, e.g. 'Ubuntu 22.04.4 LTS'"),
    FactSpec("os.kernel", _S, "Kernel", "str", "kernel release (uname -r) or Windows build"),
    FactSpec("os.arch", _S, "Architecture", "str", "x86_64, aarch64, arm64, AMD64 ..."),
    FactSpec("os.glibc", _S, "glibc", "str", "glibc version on Linux, e.g. '2.35'"),
    FactSpec(
        "os.wsl",
        _S,
        "WSL",
        "str",
        "'none', 'wsl1' or 'wsl2'; 'wsl' when a pasted report names WSL without its version",
    ),
    FactSpec(
        "os.wsl_libcuda",
        _S,
        "WSL libcuda",
        "bool",
        "whether /usr/lib/wsl/lib/libcuda.so exists (the Windows driver's CUDA shim)",
    ),
    FactSpec(
        "os.container",
        _S,
        "Container",
        "str",
        "'none', 'docker', 'podman', 'kubernetes', 'lxc', 'singularity' or 'container'",
    ),
    FactSpec(
        "os.nvidia_dev_nodes",
        _S,
        "/dev/nvidia*",
        "list",
        "NVIDIA device nodes present, e.g. ['nvidia0', 'nvidiactl', 'nvidia-uvm']",
        show=False,
    ),
    FactSpec("os.cpu_model", _S, "CPU", "str", "CPU model name"),
    FactSpec("os.cpu_cores", _S, "CPU cores", "int", "logical CPU count"),
    FactSpec("os.cpu_physical_cores", _S, "Physical cores", "int", "physical cores", show=False),
    FactSpec("os.ram_bytes", _S, "RAM", "int", "total memory in bytes"),
    FactSpec(
        "os.disk_free_bytes",
        _S,
        "Free disk (cache)",
        "int",
        "free bytes where pip/torch caches live (~/.cache)",
    ),
    FactSpec("os.shm_bytes", _S, "/dev/shm", "int", "size of /dev/shm in bytes (Linux)"),
    # NVIDIA driver & GPUs
    FactSpec(
        "nvidia.nvml_status",
        _N,
        "NVML",
        "str",
        "ok, library_not_found, driver_not_loaded, lib_rm_version_mismatch, no_permission, "
        "function_not_found, gpu_lost, unknown_error, not_applicable",
    ),
    FactSpec("nvidia.nvml_error", _N, "NVML error", "str", "the NVML error message, when any"),
    FactSpec("nvidia.driver_version", _N, "Driver", "str", "e.g. '535.104.05'"),
    FactSpec(
        "nvidia.driver_source",
        _N,
        "Driver read from",
        "str",
        "nvml, sysfs, procfs or nvidia-smi",
        show=False,
    ),
    FactSpec(
        "nvidia.kernel_module_version",
        _N,
        "Kernel module",
        "str",
        "version of the loaded nvidia kernel module (/sys/module/nvidia/version)",
        show=False,
    ),
    FactSpec(
        "nvidia.cuda_driver_max",
        _N,
        "Driver's max CUDA",
        "str",
        "highest CUDA version the driver supports, e.g. '12.4' (nvidia-smi's 'CUDA Version')",
    ),
    FactSpec("nvidia.gpu_count", _N, "GPUs", "int", "number of NVIDIA GPUs NVML sees"),
    FactSpec(
        "nvidia.gpus",
        _N,
        "GPU list",
        "list",
        "one object per GPU: index, name, uuid, memory_total_bytes, memory_used_bytes, "
        "compute_capability ('8.9'), pcie_gen_current, pcie_gen_max, pcie_width_current, "
        "pcie_width_max, temperature_c, power_draw_w, power_limit_w, sm_clock_mhz, "
        "sm_clock_max_mhz, throttle_reasons (list of str), persistence_mode (bool), "
        "compute_mode (str), mig_mode (bool), mig_instances (list of {uuid, name}), "
        "ecc_uncorrected (int); any field may be null",
    ),
    FactSpec("nvidia.smi_path", _N, "nvidia-smi", "str", "path of nvidia-smi", show=False),
    FactSpec(
        "nvidia.smi_driver_version",
        _N,
        "nvidia-smi driver",
        "str",
        "driver version as nvidia-smi reports it (cross-check)",
        show=False,
    ),
    # CUDA toolkit
    FactSpec("cuda_toolkit.nvcc_version", _T, "nvcc", "str", "nvcc on PATH, e.g. '12.1'"),
    FactSpec("cuda_toolkit.nvcc_path", _T, "nvcc path", "str", "path of nvcc on PATH"),
    FactSpec(
        "cuda_toolkit.cuda_home",
        _T,
        "CUDA_HOME",
        "str",
        "CUDA_HOME, else CUDA_PATH, as set in the environment",
    ),
    FactSpec(
        "cuda_toolkit.installs",
        _T,
        "Installs",
        "list",
        "toolkits found: objects {path, version, source} (PATH, CUDA_HOME, conda, /usr/local)",
    ),
    FactSpec(
        "cuda_toolkit.build_nvcc",
        _T,
        "Extension builds use",
        "str",
        "the nvcc torch.utils.cpp_extension would use (CUDA_HOME/bin, else PATH, else "
        "/usr/local/cuda)",
    ),
    FactSpec(
        "cuda_toolkit.build_version",
        _T,
        "Build toolkit version",
        "str",
        "CUDA version of build_nvcc, e.g. '11.8'",
    ),
    # cuDNN
    FactSpec(
        "cudnn.system",
        _D,
        "System cuDNN",
        "list",
        "cuDNN copies outside Python packages: objects {path, version}",
    ),
    FactSpec(
        "cudnn.wheels",
        _D,
        "cuDNN wheels",
        "list",
        "nvidia-cudnn-cu11/12/13 distributions in the target env: objects {name, version}",
    ),
    FactSpec(
        "cudnn.torch_version",
        _D,
        "cuDNN torch uses",
        "str",
        "torch.backends.cudnn.version() as 'major.minor.patch', e.g. '9.1.0'",
    ),
    FactSpec(
        "cudnn.loaded_path",
        _D,
        "cuDNN loaded from",
        "str",
        "the libcudnn file torch actually loaded (from /proc/self/maps)",
    ),
    # Python environment
    FactSpec("python.executable", _P, "Interpreter", "str", "path of the target interpreter"),
    FactSpec("python.version", _P, "Python", "str", "e.g. '3.11.7'"),
    FactSpec("python.bits", _P, "Bits", "int", "32 or 64", show=False),
    FactSpec("python.implementation", _P, "Implementation", "str", "CPython, PyPy", show=False),
    FactSpec(
        "python.platform_tag",
        _P,
        "Platform tag",
        "str",
        "sysconfig.get_platform(), e.g. 'linux-x86_64', 'win-amd64'",
        show=False,
    ),
    FactSpec(
        "python.env_type", _P, "Environment", "str", "venv, virtualenv, conda, uv, pyenv or system"
    ),
    FactSpec("python.env_name", _P, "Env name", "str", "conda env name or venv folder name"),
    FactSpec("python.prefix", _P, "Prefix", "str", "sys.prefix", show=False),
    FactSpec("python.base_prefix", _P, "Base prefix", "str", "sys.base_prefix", show=False),
    FactSpec("python.conda_base", _P, "Conda base", "str", "conda's base prefix", show=False),
    FactSpec("python.user_site_enabled", _P, "User site", "bool", "site.ENABLE_USER_SITE"),
    FactSpec("python.user_site", _P, "User site path", "str", "site.USER_SITE", show=False),
    FactSpec(
        "python.user_site_packages",
        _P,
        "Torch-family in user site",
        "list",
        "torch-family distributions installed in the user site: objects {name, version}",
    ),
    FactSpec(
        "python.chosen_by",
        _P,
        "Chosen by",
        "str",
        "--python, VIRTUAL_ENV, CONDA_PREFIX or current",
        show=False,
    ),
    # Packages
    FactSpec(
        "torch.version", _K, "torch", "str", "installed torch version incl. label, '2.1.0+cu121'"
    ),
    FactSpec(
        "torch.build_label",
        _K,
        "Build label",
        "str",
        "local version label: 'cpu', 'cu121', 'rocm6.0' or '' for PyPI default builds",
        show=False,
    ),
    FactSpec(
        "torch.cuda_build",
        _K,
        "Built for CUDA",
        "str",
        "torch.version.cuda read from torch/version.py without importing, e.g. '12.1'; null "
        "for CPU builds (note says so)",
    ),
    FactSpec("torch.hip_build", _K, "Built for ROCm", "str", "torch.version.hip", show=False),
    FactSpec("torch.installer", _K, "Installed by", "str", "pip, uv, conda ... (INSTALLER file)"),
    FactSpec(
        "torch.location", _K, "torch path", "str", "directory of the torch package", show=False
    ),
    FactSpec(
        "torch.copies",
        _K,
        "torch copies",
        "list",
        "every torch distribution on sys.path: objects {path, version, installer}",
    ),
    FactSpec("packages.torchvision", _K, "torchvision", "str", "version"),
    FactSpec("packages.torchaudio", _K, "torchaudio", "str", "version"),
    FactSpec("packages.xformers", _K, "xformers", "str", "version", show=False),
    FactSpec("packages.flash_attn", _K, "flash-attn", "str", "version", show=False),
    FactSpec("packages.triton", _K, "triton", "str", "version", show=False),
    FactSpec(
        "packages.nvidia",
        _K,
        "nvidia-* wheels",
        "list",
        "nvidia-* distributions: objects {name, version}",
        show=False,
    ),
    FactSpec(
        "packages.conda",
        _K,
        "conda packages",
        "list",
        "torch/CUDA related conda packages from conda-meta: objects {name, version, build, "
        "channel}",
    ),
    # PyTorch runtime
    FactSpec("torch.import_error", _R, "Import error", "str", "'Type: message' when import fails"),
    FactSpec(
        "torch.runtime_version", _R, "Runtime version", "str", "torch.__version__", show=False
    ),
    FactSpec("torch.cuda_available", _R, "CUDA available", "bool", "torch.cuda.is_available()"),
    FactSpec("torch.device_count", _R, "Devices", "int", "torch.cuda.device_count()"),
    FactSpec(
        "torch.arch_list",
        _R,
        "Arch list",
        "list",
        "torch.cuda.get_arch_list(), e.g. ['sm_50', ..., 'sm_90']",
    ),
    FactSpec(
        "torch.devices",
        _R,
        "Devices seen by torch",
        "list",
        "objects {index, name, capability ('8.9'), total_memory_bytes}",
    ),
    FactSpec(
        "torch.mps_available", _R, "MPS available", "bool", "torch.backends.mps.is_available()"
    ),
    FactSpec("torch.nccl_version", _R, "NCCL", "str", "torch.cuda.nccl.version() as 'x.y.z'"),
    FactSpec(
        "torch.kernel_ok",
        _R,
        "Tiny kernel",
        "bool",
        "a small matmul on device 0 matched the CPU result",
    ),
    FactSpec(
        "torch.kernel_error", _R, "Kernel error", "str", "'Type: message' from the kernel run"
    ),
    FactSpec(
        "torch.cuda_error",
        _R,
        "CUDA init error",
        "str",
        "the warning or error CUDA initialisation raised (e.g. 'found version 11040')",
    ),
    FactSpec(
        "torch.warnings",
        _R,
        "Warnings",
        "list",
        "warnings torch emitted while initialising CUDA (texts)",
        show=False,
    ),
    FactSpec(
        "torch.loaded_libs",
        _R,
        "CUDA libraries loaded",
        "list",
        "paths of libcuda/libcudart/libcudnn/libnccl/libcublas the process mapped",
        show=False,
    ),
    FactSpec(
        "torch.import_seconds", _R, "Import time (s)", "float", "time to import torch", show=False
    ),
    # Environment variables
    FactSpec(
        "env.cuda_visible_devices",
        _E,
        "CUDA_VISIBLE_DEVICES",
        "str",
        "raw value; null when unset (note says 'not set')",
    ),
    FactSpec(
        "env.cuda_visible_devices_parsed",
        _E,
        "CUDA_VISIBLE_DEVICES (parsed)",
        "dict",
        "{kind: unset|empty|indices|uuids|mig|mixed|invalid, entries: [str], "
        "valid_prefix: [str]} (the driver stops at the first invalid entry)",
        show=False,
    ),
    FactSpec("env.nvidia_visible_devices", _E, "NVIDIA_VISIBLE_DEVICES", "str", "raw value"),
    FactSpec("env.cuda_home", _E, "CUDA_HOME", "str", "raw value"),
    FactSpec("env.cuda_path", _E, "CUDA_PATH", "str", "raw value (Windows installers set it)"),
    FactSpec("env.ld_library_path", _E, "LD_LIBRARY_PATH", "list", "entries in order"),
    FactSpec("env.torch_cuda_arch_list", _E, "TORCH_CUDA_ARCH_LIST", "str", "raw value"),
    FactSpec("env.pytorch_cuda_alloc_conf", _E, "PYTORCH_CUDA_ALLOC_CONF", "str", "raw value"),
    FactSpec("env.cuda_launch_blocking", _E, "CUDA_LAUNCH_BLOCKING", "str", "raw value"),
    FactSpec(
        "env.cuda_device_order",
        _E,
        "CUDA_DEVICE_ORDER",
        "str",
        "raw value; PCI_BUS_ID numbers GPUs as nvidia-smi does (CUDA's default is FASTEST_FIRST)",
    ),
    # Package index
    FactSpec("pip.index_url", _I, "index-url", "str", "effective index URL (credentials masked)"),
    FactSpec("pip.extra_index_urls", _I, "extra-index-url", "list", "extra index URLs (masked)"),
    FactSpec("pip.find_links", _I, "find-links", "list", "find-links entries (masked)", show=False),
    FactSpec(
        "pip.mirror",
        _I,
        "Mirror",
        "str",
        "known mirror of the index: tuna, aliyun, ustc, sjtu, huawei, tencent, douban, bfsu, "
        "nju, pytorch (download.pytorch.org) or null",
    ),
    FactSpec(
        "pip.config_files",
        _I,
        "Config files",
        "list",
        "pip config files that exist, in pip's precedence order",
        show=False,
    ),
    FactSpec(
        "pip.index_source",
        _I,
        "Index set by",
        "str",
        "where index-url came from: PIP_INDEX_URL, a config file path, or 'default'",
        show=False,
    ),
)

_SPECS += (
    FactSpec(
        "errors.seen",
        _X,
        "Errors",
        "list",
        "error messages recognised (in torch's output or a pasted report): objects "
        "{kind, text, data}; kinds are listed in envcheck.signatures",
    ),
    FactSpec(
        "explain.formats",
        _X,
        "Recognised formats",
        "list",
        "formats explain recognised in the pasted text (collect_env, nvidia-smi, nvcc, ...)",
        show=False,
    ),
)

_SPECS += (
    FactSpec(
        "pip.torch_index_variant",
        _I,
        "PyTorch index variant",
        "str",
        "variant served by a PyTorch wheel index (or mirror of one) among index-url, "
        "extra-index-url and find-links, e.g. 'cu121', 'cpu', 'rocm6.0'; null when none",
    ),
)

# Read from pasted reports only (explain): evidence that has no probe of its own.
_SPECS += (
    FactSpec(
        "os.other_gpus",
        _S,
        "Other GPUs",
        "list",
        "non-NVIDIA GPUs a pasted report names (AMD Radeon, Intel Iris/UHD/Arc, Apple M-series)",
        pasted_only=True,
    ),
    FactSpec(
        "os.jetson",
        _S,
        "Jetson",
        "str",
        "the NVIDIA Jetson board or JetPack release a pasted report names, e.g. 'JetPack 5.1.2'",
        pasted_only=True,
    ),
    FactSpec(
        "os.docker_runs",
        _S,
        "docker run commands",
        "list",
        "docker/podman run commands in a pasted report: objects {gpus, line, text}; gpus says "
        "whether the command passes GPUs in (--gpus, --runtime=nvidia, a /dev/nvidia device)",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "python.executables_seen",
        _P,
        "Interpreters seen",
        "list",
        "interpreter or site-packages locations a pasted report shows (sys.executable prints, "
        "pip --version), in the order they appear",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "packages.requirement_conflicts",
        _K,
        "pip resolver conflicts",
        "list",
        "pip's 'X requires Y, but you have Z which is incompatible' lines: objects "
        "{package, version, requires, have, line}",
        pasted_only=True,
    ),
    FactSpec(
        "packages.torch_replaced",
        _K,
        "torch replaced",
        "dict",
        "an install log in which pip uninstalled one torch and installed another: {old, new}",
        pasted_only=True,
    ),
    FactSpec(
        "packages.conda_channels",
        _K,
        "conda channels",
        "list",
        "channels (-c) of a conda install/create command in a pasted report",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "explain.mentions_container",
        _X,
        "Mentions containers",
        "bool",
        "whether a pasted report talks about docker, podman, Kubernetes or containers",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "explain.claims",
        _X,
        "Statements",
        "list",
        "what the reporter says in their own words, recognised by the lenient reader: objects "
        "{claim, line, text}; claims: cpu_torch, torch_replaced, two_torch, nouveau, ext_build, "
        "jupyter, created_env, no_nvidia, no_gpu, gpu_unused, cuda_check (the reporter ran "
        "torch.cuda.is_available() and shows False), cuda_differs (True in one place, False in "
        "another), builds_differ (two torch build labels), cvd_after_init (CUDA_VISIBLE_DEVICES "
        "set in code after a call that starts CUDA)",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "explain.encoding",
        _X,
        "Encoding",
        "str",
        "the encoding the pasted file was read as (utf-8, utf-16-le, gb18030 ...)",
        show=False,
        pasted_only=True,
    ),
    FactSpec(
        "errors.unrecognised",
        _X,
        "Unrecognised errors",
        "list",
        "error lines in a pasted report that no known signature matches (exception lines, "
        "'error:' lines), first ones only",
        pasted_only=True,
    ),
)

CATALOGUE: dict[str, FactSpec] = {spec.key: spec for spec in _SPECS}
"""All known fact keys, in display order."""


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}


def type_ok(key: str, value: object) -> bool:
    """Whether ``value`` has the catalogue type of ``key`` (None is always allowed)."""
    spec = CATALOGUE.get(key)
    if spec is None:
        return False
    if value is None:
        return True
    if spec.type in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, _PY_TYPES[spec.type])
