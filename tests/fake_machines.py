"""Named fake machines (one `Scenario` each) for end-to-end doctor tests; the fact sets that
rule tests start from are `tests/rules/scenarios.py`.

Each scenario is a whole machine seen through the Context: a FakeNvml, a filesystem tree under
tmp_path (/proc, /sys, /dev, /etc ...), environment variables, fake executables on a PATH the test
builds, and the target interpreter's answers. The target's inspection and torch runtime answers
are the real scripts' output formats: recorded outputs from tests/data where one fits, otherwise
the recorded venv inspection edited to hold the torch build the scenario needs.

Windows and macOS machines are the same Context with ``PlatformInfo(system="Windows"/"Darwin")``:
a :class:`Layout` gives the target record that OS's paths (``Scripts\\python.exe``,
``Lib\\site-packages``, ``macosx-*`` tags), Windows files live under ``<root>/C/...``, and
``commands`` answers the few OS tools a probe runs there (``sw_vers``, ``sysctl``, ``nvcc.exe``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from envcheck.context import Context, PlatformInfo
from envcheck.system.nvml import NvmlError, NvmlStatus
from envcheck.system.run import CommandResult
from tests.fakes import DATA, FAKEBIN, ByStdin, FakeGpu, FakeNvml, FakeRunner, data

TARGET_PYTHON = "/home/ana/proj/.venv/bin/python"
SITE = "/home/ana/proj/.venv/lib/python3.11/site-packages"
TARGET_BEGIN = "@@envcheck-target-begin@@"
TARGET_END = "@@envcheck-target-end@@"
TORCH_MARK = "@@envcheck-torch@@"


def _base_target() -> dict[str, Any]:
    text = data("target/venv_torch_cpu.txt")
    start = text.rfind(TARGET_BEGIN) + len(TARGET_BEGIN)
    record: dict[str, Any] = json.loads(text[start : text.find(TARGET_END, start)])
    return record


@dataclass(frozen=True)
class Layout:
    """Where an interpreter and its environment live, as the target script would report them.

    ``stdlib`` holds the ``sys.path`` entries before site-packages; None fields keep the
    recorded Linux venv's values (so the default layout is exactly what the Linux scenarios
    have always used).
    """

    executable: str = TARGET_PYTHON
    prefix: str = "/home/ana/proj/.venv"
    site: str = SITE
    user_site: str = "/home/ana/.local/lib/python3.11/site-packages"
    env: Mapping[str, str | None] = field(
        default_factory=lambda: {"VIRTUAL_ENV": "/home/ana/proj/.venv"}
    )
    base_prefix: str | None = None
    stdlib: Sequence[str] | None = None
    platform_tag: str | None = None
    version: str | None = None
    cwd: str | None = None
    exec_realpath: str | None = None
    pyvenv_cfg: Mapping[str, str] | bool | None = True
    """True keeps the recorded pyvenv.cfg; None means the prefix has none (conda, system)."""
    conda: Mapping[str, Any] | None = None
    windows: bool = False

    def join(self, *parts: str) -> str:
        pure = PureWindowsPath if self.windows else PurePosixPath
        return str(pure(*parts))


LINUX_VENV = Layout()


def target_output(
    torch: str | None,
    cuda: str | None,
    *,
    extra: Sequence[tuple[str, str]] = (),
    user_site: Sequence[tuple[str, str]] = (),
    conda_packages: Sequence[Mapping[str, str]] | None = None,
    installer: str = "pip",
    shadow_cuda: str | None = None,
    layout: Layout = LINUX_VENV,
) -> str:
    """The target script's output for an environment laid out as ``layout`` (by default the
    Linux venv at TARGET_PYTHON) holding the given torch build."""
    record = copy.deepcopy(_base_target())
    record["executable"] = layout.executable
    record["prefix"] = layout.prefix
    record["env"].update(layout.env)
    if layout.stdlib is not None:
        record["path"] = list(layout.stdlib)
    else:
        record["path"] = [p for p in record["path"] if "site-packages" not in p]
    for key in ("base_prefix", "platform_tag", "version", "cwd", "exec_realpath"):
        if getattr(layout, key) is not None:
            record[key] = getattr(layout, key)
    if layout.version is not None:
        record["version_info"] = [int(part) for part in layout.version.split(".")]
    if layout.pyvenv_cfg is not True:
        record["pyvenv_cfg"] = layout.pyvenv_cfg
    if layout.conda is not None:
        record["conda"] = dict(layout.conda)
    site = layout.site
    record["user_site"] = layout.user_site
    if user_site:
        record["enable_user_site"] = True
        record["path"].append(record["user_site"])
    record["path"].append(site)
    index = {p: i for i, p in enumerate(record["path"])}
    dists: list[dict[str, Any]] = []

    def dist(name: str, version: str, where: str, inst: str = installer) -> None:
        dists.append(
            {
                "installer": inst,
                "key": name.lower(),
                "location": where,
                "metadata_dir": layout.join(where, f"{name}-{version}.dist-info"),
                "name": name,
                "path_index": index[where],
                "version": version,
            }
        )

    for name, version in user_site:
        dist(name, version, record["user_site"], "pip")
    if torch is not None:
        dist("torch", torch, site)
    for name, version in extra:
        dist(name, version, site)
    record["distributions"] = dists
    if torch is None:
        record["torch"] = None
    else:
        where = record["user_site"] if any(n == "torch" for n, _ in user_site) else site
        shadow = next((v for n, v in user_site if n == "torch"), torch)
        record["torch"] = {
            "location": where,
            "package_dir": layout.join(where, "torch"),
            "path_index": index[where],
            "version_py": {
                "__version__": shadow,
                "cuda": cuda if shadow == torch else shadow_cuda,
                "git_version": "0" * 40,
                "hip": None,
            },
        }
    if conda_packages is not None and layout.conda is None:
        record["conda"] = {
            "envs_base": None,
            "has_condabin": False,
            "in_envs_dir": False,
            "meta_dir": True,
        }
    if conda_packages is not None:
        record["conda_packages"] = list(conda_packages)
    return f"{TARGET_BEGIN}{json.dumps(record)}{TARGET_END}\n"


def torch_output(
    recorded: str | None = None, *, no_proc_maps: bool = False, **changes: Any
) -> str:
    """A torch runtime output: a recorded one, or the RTX 4090 cu121 one with stages edited.

    ``changes`` replace keys of whichever stage record holds them (``runtime_version`` lives in
    ``imported``; ``cuda_available``, ``cuda_error``, ``devices`` ... in ``cuda_done``). When CUDA
    is made unavailable the kernel stages are dropped, as the real script skips them.
    ``no_proc_maps`` makes the last stage say what the script says on Windows and macOS, which
    have no /proc/self/maps to list loaded libraries from.
    """
    text = data(f"torch/{recorded or 'cu121_rtx4090.txt'}")
    cuda_keys = {"cuda_available", "cuda_error", "devices", "device_count", "arch_list"}
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(TORCH_MARK) and (changes or no_proc_maps):
            record = json.loads(line[len(TORCH_MARK) :])
            stage = record.get("stage")
            if stage == "done" and no_proc_maps:
                record.pop("loaded_libs", None)
                record["loaded_libs_error"] = "no /proc/self/maps on this system"
            if stage in ("kernel", "kernel_done") and changes.get("cuda_available") is False:
                continue
            for key, value in changes.items():
                if key in record or (stage == "cuda_done" and key in cuda_keys):
                    record[key] = value
            line = TORCH_MARK + json.dumps(record)
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class Scenario:
    """One fake machine and what the doctor must conclude about it."""

    name: str
    nvml: FakeNvml
    target: str | None
    torch_runtime: str | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    fakebin: Sequence[str] = ()
    system: str = "Linux"
    expect_verdict: str = "ok"
    expect_primary: str | None = None
    """Category of the first finding (the primary cause), when there must be one."""
    expect_categories: Sequence[str] = ()
    forbid_categories: Sequence[str] = ()
    forbid_text: Sequence[str] = ()
    """Text that must appear in no rendering (a Linux path or command on another OS ...)."""
    expect_text: Sequence[str] = ()
    """Text the text rendering must hold (e.g. the driver minimum for this OS)."""
    machine: str = "x86_64"
    """``platform.machine()``: ``AMD64`` on Windows, ``arm64`` on Apple silicon."""
    release: str = "6.5.0-35-generic"
    target_python: str = TARGET_PYTHON
    chosen_by: str = "VIRTUAL_ENV"
    python_version: str = "3.11.7"
    base_env: Mapping[str, str] = field(
        default_factory=lambda: {"HOME": "/home/ana", "VIRTUAL_ENV": "/home/ana/proj/.venv"}
    )
    """The environment before ``env`` (Windows has USERPROFILE, not HOME)."""
    commands: Mapping[str, str] = field(default_factory=dict)
    """Other commands' stdout, keyed by the argv joined with spaces, argv[0] by its basename."""

    def context(self, root: Path) -> Context:
        for path, content in self.files.items():
            if self.system == "Windows":
                drive, _, rest = path.partition(":")
                target = root.joinpath(drive, *PureWindowsPath(rest).parts[1:])
            else:
                target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        # Fake executables are host scripts; a Windows machine's Path is in base_env/env.
        fakebin = ":".join(str(FAKEBIN / b) for b in self.fakebin)
        env = {
            **({} if self.system == "Windows" else {"PATH": fakebin}),
            **self.base_env,
            **self.env,
        }
        return Context(
            runner=self.runner(),
            nvml=self.nvml,
            env=env,
            root=root,
            platform=PlatformInfo(self.system, self.machine, self.release),
            target_python=self.target_python,
            target_chosen_by=self.chosen_by,
            timeout_s=10.0,
            host="ana-box",
        )

    def runner(self) -> FakeRunner:
        """The machine's commands: the target interpreter's two scripts (told apart by the
        torch script's marker), ``commands``, and the fakebin scripts run for real."""
        runner = FakeRunner(real_under=(FAKEBIN,))
        for line, stdout in self.commands.items():
            runner.add(line.split(" "), stdout)
        python = self.target_python
        runner.add((python, "--version"), f"Python {self.python_version}\n")
        if self.target is None:
            missing = CommandResult((python, "-"), None, "", "", 0.0, "not_found", "no such file")
            runner.add((python, "-"), missing)
        else:
            torch = ((TORCH_MARK, self.torch_runtime or ""),)
            runner.add((python, "-"), ByStdin(torch, self.target))
        return runner


def gpu(name: str, cc: tuple[int, int], mem_gib: int = 24, **kw: Any) -> FakeGpu:
    return FakeGpu(
        name=name, cuda_compute_capability=cc, memory=(mem_gib * 1024**3, 500 * 1024**2), **kw
    )


def nvml(driver: str, cuda: int, *gpus: FakeGpu) -> FakeNvml:
    return FakeNvml(driver_version=driver, cuda_driver_version=cuda, gpus=list(gpus))


RTX4090 = gpu("NVIDIA GeForce RTX 4090", (8, 9))
PROC_VERSION_550 = (
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22 01:44:30 UTC 2024\n"
    "GCC version:  gcc version 12.3.0 (Ubuntu 12.3.0-1ubuntu1~22.04)\n"
)
DEV_NODES = {"/dev/nvidia0": "", "/dev/nvidiactl": "", "/dev/nvidia-uvm": ""}
UBUNTU = {"/etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nID=ubuntu\nVERSION_ID="22.04"\n'}

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "no_gpu_cpu_torch",
        FakeNvml.no_driver(),
        target_output("2.13.0+cpu", None),
        torch_output("cpu_build_linux.txt"),
        files=UBUNTU,
        expect_verdict="ok",
        forbid_categories=("cpu_build", "no_driver_error"),
    ),
    Scenario(
        "driver_470_cu124_wheel",
        nvml("470.82.01", 11040, gpu("NVIDIA GeForce RTX 3090", (8, 6))),
        target_output("2.4.0+cu124", "12.4"),
        torch_output("driver_too_old.txt"),
        files={**UBUNTU, **DEV_NODES},
        expect_verdict="error",
        expect_primary="driver_too_old",
    ),
    Scenario(
        "healthy_h100_cu130",
        nvml("580.65.06", 13000, gpu("NVIDIA H100 80GB HBM3", (9, 0), 80)),
        target_output("2.9.0+cu130", "13.0"),
        torch_output("cu130_h100.txt"),
        files={**UBUNTU, **DEV_NODES},
        expect_verdict="ok",
    ),
    Scenario(
        "rtx5090_cu124_wheel",
        nvml("575.57.08", 12090, gpu("NVIDIA GeForce RTX 5090", (12, 0), 32)),
        target_output("2.5.1+cu124", "12.4"),
        torch_output("sm120_no_kernel_image.txt"),
        files={**UBUNTU, **DEV_NODES},
        expect_verdict="error",
        expect_primary="arch_unsupported",
    ),
    Scenario(
        "cpu_wheel_on_gpu_machine",
        nvml("550.54.14", 12040, RTX4090),
        target_output("2.13.0+cpu", None),
        torch_output("cpu_build_linux.txt"),
        files={**UBUNTU, **DEV_NODES},
        expect_verdict="error",
        expect_primary="cpu_build",
    ),
    Scenario(
        "wsl2_healthy",
        nvml("550.54.14", 12040, RTX4090),
        target_output("2.3.1+cu121", "12.1"),
        torch_output("cu121_rtx4090.txt"),
        files={
            "/proc/version": "Linux version 5.15.153.1-microsoft-standard-WSL2 "
            "(root@941d701f84f1) (gcc (GCC) 12.2.0) #1 SMP Fri Mar 29 23:14:13 UTC 2024\n",
            "/usr/lib/wsl/lib/libcuda.so": "",
            "/dev/dxg": "",
            **UBUNTU,
        },
        env={"WSL_DISTRO_NAME": "Ubuntu", "WSL_INTEROP": "/run/WSL/1_interop"},
        expect_verdict="ok",
    ),
    Scenario(
        "docker_without_gpus_flag",
        FakeNvml.no_driver(),
        target_output("2.3.1+cu121", "12.1"),
        torch_output(
            cuda_available=False, device_count=0, devices=[], arch_list=[], cuda_error=None
        ),
        files={"/.dockerenv": "", "/proc/1/cgroup": "0::/\n", **UBUNTU},
        expect_verdict="error",
        expect_categories=("platform",),
    ),
    Scenario(
        "a100_mig_enabled",
        nvml(
            "535.104.05",
            12020,
            gpu(
                "NVIDIA A100-SXM4-40GB",
                (8, 0),
                40,
                mig_mode=(True, True),
                mig_devices=[("MIG-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "1g.5gb")],
            ),
        ),
        target_output("2.3.1+cu121", "12.1"),
        torch_output(
            devices=[
                {
                    "capability": "8.0",
                    "index": 0,
                    "name": "NVIDIA A100-SXM4-40GB",
                    "total_memory_bytes": 5_000_000_000,
                }
            ]
        ),
        files={**UBUNTU, **DEV_NODES},
        env={"CUDA_VISIBLE_DEVICES": "MIG-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"},
        expect_verdict="ok",
    ),
    Scenario(
        "driver_library_mismatch",
        FakeNvml.failing(NvmlStatus.LIB_RM_VERSION_MISMATCH, "Driver/library version mismatch"),
        target_output("2.3.1+cu121", "12.1"),
        torch_output(
            cuda_available=False,
            device_count=0,
            devices=[],
            arch_list=[],
            cuda_error="CUDA initialization: CUDA unknown error - this may be due to an "
            "incorrectly set up environment, e.g. changing env variable "
            "CUDA_VISIBLE_DEVICES after program start. Setting the available devices to "
            "be zero.",
        ),
        files={"/proc/driver/nvidia/version": PROC_VERSION_550, **UBUNTU, **DEV_NODES},
        expect_verdict="error",
        expect_primary="no_driver",
    ),
    Scenario(
        "nvcc_118_with_cu121_torch",
        nvml("550.54.14", 12040, RTX4090),
        target_output("2.3.1+cu121", "12.1"),
        torch_output("cu121_rtx4090.txt"),
        files={**UBUNTU, **DEV_NODES},
        fakebin=("nvcc-11.8",),
        expect_verdict="warning",
        expect_categories=("nvcc_mismatch",),
    ),
    Scenario(
        "user_site_torch_shadows_venv",
        nvml("550.54.14", 12040, RTX4090),
        target_output("2.3.1+cu121", "12.1", user_site=[("torch", "2.0.1")], shadow_cuda="11.7"),
        torch_output(runtime_version="2.0.1"),
        files={**UBUNTU, **DEV_NODES},
        expect_primary="env_conflict",
        expect_verdict="error",
    ),
    Scenario(
        "cuda_visible_devices_empty",
        nvml("550.54.14", 12040, RTX4090),
        target_output("2.3.1+cu121", "12.1"),
        torch_output(
            cuda_available=False, device_count=0, devices=[], arch_list=[], cuda_error=None
        ),
        files={**UBUNTU, **DEV_NODES},
        env={"CUDA_VISIBLE_DEVICES": ""},
        expect_verdict="error",
        expect_primary="cuda_visible_devices",
    ),
    Scenario(
        "conda_env_with_pip_torch_over_conda_pytorch",
        nvml("550.54.14", 12040, RTX4090),
        target_output(
            "2.3.1+cu121",
            "12.1",
            conda_packages=[
                {
                    "name": "pytorch",
                    "version": "2.3.1",
                    "build": "py3.11_cuda12.1_cudnn8.9.2_0",
                    "channel": "pytorch",
                },
                {
                    "name": "pytorch-cuda",
                    "version": "12.1",
                    "build": "ha16c6d3_5",
                    "channel": "pytorch",
                },
            ],
        ),
        torch_output("cu121_rtx4090.txt"),
        files={**UBUNTU, **DEV_NODES},
        env={"CONDA_PREFIX": "/home/ana/proj/.venv", "CONDA_DEFAULT_ENV": "train"},
        expect_categories=("env_conflict",),
        expect_verdict="warning",
    ),
)


# -- Windows --------------------------------------------------------------------------------

WIN_VENV = r"C:\Users\ana\proj\.venv"
WIN_PYTHON = WIN_VENV + r"\Scripts\python.exe"
WIN_BASE = r"C:\Users\ana\AppData\Local\Programs\Python\Python311"
WIN_SITE = WIN_VENV + r"\Lib\site-packages"
WIN_CUDA = r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1"
WINDOWS_VENV = Layout(
    executable=WIN_PYTHON,
    prefix=WIN_VENV,
    site=WIN_SITE,
    user_site=r"C:\Users\ana\AppData\Roaming\Python\Python311\site-packages",
    env={"VIRTUAL_ENV": WIN_VENV},
    base_prefix=WIN_BASE,
    stdlib=(
        WIN_VENV + r"\Scripts",
        WIN_BASE + r"\python311.zip",
        WIN_BASE + r"\DLLs",
        WIN_BASE + r"\Lib",
        WIN_BASE,
        WIN_VENV,
    ),
    platform_tag="win-amd64",
    cwd=r"C:\Users\ana\proj",
    exec_realpath=WIN_PYTHON,
    pyvenv_cfg={
        "home": WIN_BASE,
        "include-system-site-packages": "false",
        "version": "3.11.7",
        "executable": WIN_BASE + r"\python.exe",
        "command": WIN_BASE + r"\python.exe -m venv " + WIN_VENV,
    },
    windows=True,
)
WIN_PATH = (
    WIN_VENV + r"\Scripts",
    r"C:\Windows\System32",
    r"C:\Windows",
    r"C:\Windows\System32\WindowsPowerShell\v1.0",
    r"C:\Users\ana\AppData\Local\Microsoft\WindowsApps",
)
WINDOWS_ENV = {
    "Path": ";".join(WIN_PATH),
    "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
    "USERPROFILE": r"C:\Users\ana",
    "LOCALAPPDATA": r"C:\Users\ana\AppData\Local",
    "APPDATA": r"C:\Users\ana\AppData\Roaming",
    "ProgramFiles": r"C:\Program Files",
    "SystemRoot": r"C:\Windows",
    "NUMBER_OF_PROCESSORS": "24",
    "PROCESSOR_IDENTIFIER": "Intel64 Family 6 Model 183 Stepping 1, GenuineIntel",
    "VIRTUAL_ENV": WIN_VENV,
}
WINDOWS_FILES = {
    r"C:\Windows\System32\nvidia-smi.exe": "MZ",
    r"C:\Windows\System32\nvml.dll": "MZ",
    r"C:\Users\ana\AppData\Local\placeholder": "",
}
WINDOWS_TORCH = {
    "executable": WIN_PYTHON,
    "torch_file": WIN_SITE + r"\torch\__init__.py",
}
DRIVER_TOO_OLD_531 = (
    "CUDA initialization: The NVIDIA driver on your system is too old (found version 12010). "
    "Please update your GPU driver by downloading and installing a new version from the URL: "
    "http://www.nvidia.com/Download/index.aspx Alternatively, go to: https://pytorch.org to "
    "install a PyTorch version that has been compiled with your version of the CUDA driver. "
    "(Triggered internally at C:\\actions-runner\\_work\\pytorch\\pytorch\\builder\\windows\\"
    "pytorch\\c10\\cuda\\CUDAFunctions.cpp:108.)"
)
LINUX_ONLY_TEXT = ("sudo ", "apt ", "apt-get", "/usr/local/cuda", "modprobe", "/home/", "ldconfig")


WIN_CONDA = r"C:\Users\ana\miniconda3\envs\train"
WIN_CONDA_PYTHON = WIN_CONDA + r"\python.exe"
WINDOWS_CONDA = Layout(
    executable=WIN_CONDA_PYTHON,
    prefix=WIN_CONDA,
    site=WIN_CONDA + r"\Lib\site-packages",
    user_site=r"C:\Users\ana\AppData\Roaming\Python\Python311\site-packages",
    env={
        "VIRTUAL_ENV": None,
        "CONDA_PREFIX": WIN_CONDA,
        "CONDA_DEFAULT_ENV": "train",
        "CONDA_EXE": r"C:\Users\ana\miniconda3\Scripts\conda.exe",
        "CONDA_PYTHON_EXE": r"C:\Users\ana\miniconda3\python.exe",
    },
    base_prefix=WIN_CONDA,
    stdlib=(
        "",
        WIN_CONDA + r"\python311.zip",
        WIN_CONDA + r"\DLLs",
        WIN_CONDA + r"\Lib",
        WIN_CONDA,
    ),
    platform_tag="win-amd64",
    version="3.11.9",
    cwd=r"C:\Users\ana\proj",
    exec_realpath=WIN_CONDA_PYTHON,
    pyvenv_cfg=None,
    conda={
        "envs_base": r"C:\Users\ana\miniconda3",
        "has_condabin": False,
        "in_envs_dir": True,
        "meta_dir": True,
    },
    windows=True,
)
WIN_CONDA_ENV = {
    **{k: v for k, v in WINDOWS_ENV.items() if k != "VIRTUAL_ENV"},
    "Path": ";".join(
        (WIN_CONDA, WIN_CONDA + r"\Library\bin", WIN_CONDA + r"\Scripts", *WIN_PATH[1:])
    ),
    "CONDA_PREFIX": WIN_CONDA,
    "CONDA_DEFAULT_ENV": "train",
    "CONDA_EXE": r"C:\Users\ana\miniconda3\Scripts\conda.exe",
}


# -- macOS ----------------------------------------------------------------------------------

MAC_CONDA = "/Users/lea/miniforge3/envs/ml"
MAC_CONDA_PYTHON = MAC_CONDA + "/bin/python"
MAC_CONDA_SITE = MAC_CONDA + "/lib/python3.11/site-packages"
MACOS_CONDA = Layout(
    executable=MAC_CONDA_PYTHON,
    prefix=MAC_CONDA,
    site=MAC_CONDA_SITE,
    user_site="/Users/lea/.local/lib/python3.11/site-packages",
    env={
        "VIRTUAL_ENV": None,
        "CONDA_PREFIX": MAC_CONDA,
        "CONDA_DEFAULT_ENV": "ml",
        "CONDA_EXE": "/Users/lea/miniforge3/bin/conda",
        "CONDA_PYTHON_EXE": "/Users/lea/miniforge3/bin/python",
    },
    base_prefix=MAC_CONDA,
    stdlib=(
        "",
        MAC_CONDA + "/lib/python311.zip",
        MAC_CONDA + "/lib/python3.11",
        MAC_CONDA + "/lib/python3.11/lib-dynload",
    ),
    platform_tag="macosx-11.0-arm64",
    version="3.11.9",
    cwd="/Users/lea/proj",
    exec_realpath=MAC_CONDA + "/bin/python3.11",
    pyvenv_cfg=None,
    conda={
        "envs_base": "/Users/lea/miniforge3",
        "has_condabin": False,
        "in_envs_dir": True,
        "meta_dir": True,
    },
)
MAC_ENV = {
    "HOME": "/Users/lea",
    "CONDA_PREFIX": MAC_CONDA,
    "CONDA_DEFAULT_ENV": "ml",
    "CONDA_EXE": "/Users/lea/miniforge3/bin/conda",
}
MAC_SYSCTL = "sysctl -n machdep.cpu.brand_string hw.logicalcpu hw.physicalcpu hw.memsize"
MAC_FILES = {"/Users/lea/Library/Caches/placeholder": ""}
MACOS_NO_NVML = FakeNvml.failing(
    NvmlStatus.LIBRARY_NOT_FOUND,
    "NVML Shared Library Not Found",
)
"""What pynvml raises on a Mac: there is no libnvidia-ml to load."""

MAC_INTEL_VENV = "/Users/lea/proj/.venv"
MAC_INTEL_PYTHON = MAC_INTEL_VENV + "/bin/python"
MAC_INTEL_BASE = "/usr/local/opt/python@3.12/Frameworks/Python.framework/Versions/3.12"
MACOS_INTEL_VENV = Layout(
    executable=MAC_INTEL_PYTHON,
    prefix=MAC_INTEL_VENV,
    site=MAC_INTEL_VENV + "/lib/python3.12/site-packages",
    user_site="/Users/lea/Library/Python/3.12/lib/python/site-packages",
    env={"VIRTUAL_ENV": MAC_INTEL_VENV},
    base_prefix=MAC_INTEL_BASE,
    stdlib=(
        "",
        MAC_INTEL_BASE + "/lib/python312.zip",
        MAC_INTEL_BASE + "/lib/python3.12",
        MAC_INTEL_BASE + "/lib/python3.12/lib-dynload",
    ),
    platform_tag="macosx-13.0-x86_64",
    version="3.12.4",
    cwd="/Users/lea/proj",
    exec_realpath=MAC_INTEL_BASE + "/bin/python3.12",
    pyvenv_cfg={
        "home": "/usr/local/opt/python@3.12/bin",
        "include-system-site-packages": "false",
        "version": "3.12.4",
        "executable": MAC_INTEL_BASE + "/bin/python3.12",
        "command": MAC_INTEL_BASE + "/bin/python3.12 -m venv " + MAC_INTEL_VENV,
    },
)
NVIDIA_ON_MAC_TEXT = ("NVIDIA driver", "nvidia-smi", "+cu1", "/whl/cu", "CUDA wheel")

OTHER_OS_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "windows_venv_healthy_rtx4090_cu121",
        nvml("551.61", 12040, RTX4090),
        target_output("2.3.1+cu121", "12.1", layout=WINDOWS_VENV),
        torch_output("cu121_rtx4090.txt", no_proc_maps=True, **WINDOWS_TORCH),
        files={
            **WINDOWS_FILES,
            WIN_CUDA + r"\bin\nvcc.exe": "MZ",
            WIN_CUDA + r"\version.json": data("cuda/version-12.1.json"),
        },
        system="Windows",
        machine="AMD64",
        release="11",
        target_python=WIN_PYTHON,
        base_env=WINDOWS_ENV,
        env={
            "Path": ";".join(
                (WIN_PATH[0], WIN_CUDA + r"\bin", WIN_CUDA + r"\libnvvp", *WIN_PATH[1:])
            ),
            "CUDA_PATH": WIN_CUDA,
            "CUDA_PATH_V12_1": WIN_CUDA,
        },
        commands={"nvcc.exe --version": data("nvcc/nvcc-12.1-windows.txt")},
        expect_verdict="ok",
        forbid_categories=("platform", "no_driver"),
        expect_text=(
            r"Interpreter: C:\Users\ana\proj\.venv\Scripts\python.exe",
            r"nvcc path: C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA\v12.1\bin\nvcc.exe",
            r"torch copies: C:\Users\ana\proj\.venv\Lib\site-packages",
        ),
        forbid_text=LINUX_ONLY_TEXT,
    ),
    Scenario(
        "windows_driver_too_old_cu124",
        nvml("531.79", 12010, RTX4090),
        target_output("2.4.0+cu124", "12.4", layout=WINDOWS_VENV),
        torch_output(
            "driver_too_old.txt",
            no_proc_maps=True,
            cuda_error=DRIVER_TOO_OLD_531,
            warnings=[DRIVER_TOO_OLD_531],
            executable=WIN_PYTHON,
            torch_file=WIN_SITE + r"\torch\__init__.py",
        ),
        files={
            **WINDOWS_FILES,
            # pip's user config on Windows: %APPDATA%\pip\pip.ini
            r"C:\Users\ana\AppData\Roaming\pip\pip.ini": "[global]\n"
            "index-url = https://pypi.tuna.tsinghua.edu.cn/simple\n",
        },
        system="Windows",
        machine="AMD64",
        release="11",
        target_python=WIN_PYTHON,
        base_env=WINDOWS_ENV,
        expect_verdict="error",
        expect_primary="driver_too_old",
        # 531.79 already meets CUDA 12's Windows compat minimum (528.33): the fix names the
        # Windows driver that runs CUDA 12.4 natively, not a Linux number, not one it has.
        expect_text=("Install NVIDIA driver 551.61 or newer on Windows", "Mirror: tuna"),
        forbid_text=(*LINUX_ONLY_TEXT, "550.54.14", "525.60.13", "528.33 or newer", "WSL uses"),
    ),
    Scenario(
        "windows_conda_env_pytorch_cuda",
        nvml("551.61", 12040, RTX4090),
        target_output(
            "2.3.1",
            "12.1",
            installer="conda",
            conda_packages=[
                {
                    "name": "pytorch",
                    "version": "2.3.1",
                    "build": "py3.11_cuda12.1_cudnn8_0",
                    "channel": "pytorch",
                },
                {"name": "pytorch-cuda", "version": "12.1", "build": "hde6ce7c_5",
                 "channel": "pytorch"},
            ],
            layout=WINDOWS_CONDA,
        ),
        torch_output(
            "cu121_rtx4090.txt",
            no_proc_maps=True,
            runtime_version="2.3.1",
            executable=WIN_CONDA_PYTHON,
            torch_file=WIN_CONDA + r"\Lib\site-packages\torch\__init__.py",
        ),
        files=WINDOWS_FILES,
        system="Windows",
        machine="AMD64",
        release="11",
        target_python=WIN_CONDA_PYTHON,
        chosen_by="CONDA_PREFIX",
        python_version="3.11.9",
        base_env=WIN_CONDA_ENV,
        expect_verdict="ok",
        expect_text=("Environment: conda", "Env name: train", "Installed by: conda"),
        forbid_text=LINUX_ONLY_TEXT,
    ),
    Scenario(
        "macos_apple_silicon_mps",
        MACOS_NO_NVML,
        target_output("2.5.1", None, conda_packages=[], layout=MACOS_CONDA),
        torch_output("mps_macos.txt"),
        files=MAC_FILES,
        system="Darwin",
        machine="arm64",
        release="23.5.0",
        target_python=MAC_CONDA_PYTHON,
        chosen_by="CONDA_PREFIX",
        python_version="3.11.9",
        base_env=MAC_ENV,
        commands={
            "sw_vers -productVersion": "14.5\n",
            MAC_SYSCTL: "Apple M2 Pro\n12\n12\n34359738368\n",
        },
        expect_verdict="ok",
        forbid_categories=("no_driver", "driver_too_old", "cpu_build", "platform"),
        expect_text=("MPS available: yes", "Tiny kernel: yes", "Environment: conda"),
        forbid_text=(*NVIDIA_ON_MAC_TEXT, "CPU-only"),
    ),
    Scenario(
        "macos_intel_x86_64_new_torch_missing",
        MACOS_NO_NVML,
        target_output(None, None, layout=MACOS_INTEL_VENV),
        files={"/Users/lea/Library/Caches/placeholder": ""},
        system="Darwin",
        machine="x86_64",
        release="22.6.0",
        target_python=MAC_INTEL_PYTHON,
        python_version="3.12.4",
        base_env={"HOME": "/Users/lea", "VIRTUAL_ENV": MAC_INTEL_VENV},
        commands={
            "sw_vers -productVersion": "13.6.7\n",
            MAC_SYSCTL: "Intel(R) Core(TM) i9-9880H CPU @ 2.30GHz\n16\n8\n34359738368\n",
        },
        expect_verdict="error",
        expect_primary="python_unsupported",
        # An Intel Mac cannot run an arm64 Python: the fix is the last x86_64 torch.
        expect_text=("torch==2.2.2",),
        forbid_text=(*NVIDIA_ON_MAC_TEXT, "arm64 Python"),
    ),
    Scenario(
        "macos_intel_universal2_python_torch_missing",
        MACOS_NO_NVML,
        target_output(
            None,
            None,
            layout=dataclasses.replace(MACOS_INTEL_VENV, platform_tag="macosx-10.9-universal2"),
        ),
        files={"/Users/lea/Library/Caches/placeholder": ""},
        system="Darwin",
        machine="x86_64",
        release="22.6.0",
        target_python=MAC_INTEL_PYTHON,
        python_version="3.12.4",
        base_env={"HOME": "/Users/lea", "VIRTUAL_ENV": MAC_INTEL_VENV},
        expect_verdict="error",
        expect_primary="python_unsupported",
        # python.org's universal2 Python runs as x86_64 on an Intel Mac.
        expect_text=("torch==2.2.2",),
        forbid_text=(*NVIDIA_ON_MAC_TEXT, "arm64 Python"),
    ),
)

SCENARIOS = SCENARIOS + OTHER_OS_SCENARIOS


def scenario(name: str) -> Scenario:
    """Look a scenario up by name."""
    found = next(s for s in SCENARIOS if s.name == name)
    return dataclasses.replace(found)


__all__ = ["DATA", "SCENARIOS", "NvmlError", "Scenario", "scenario"]
