"""Named fake machines for end-to-end doctor tests.

Each scenario is a whole machine seen through the Context: a FakeNvml, a filesystem tree under
tmp_path (/proc, /sys, /dev, /etc ...), environment variables, fake executables on a PATH the test
builds, and the target interpreter's answers. The target's inspection and torch runtime answers
are the real scripts' output formats: recorded outputs from tests/data where one fits, otherwise
the recorded venv inspection edited to hold the torch build the scenario needs.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envcheck.context import Context, PlatformInfo
from envcheck.system.nvml import NvmlError, NvmlStatus
from envcheck.system.run import CommandResult, run_command
from tests.fakes import DATA, FAKEBIN, FakeGpu, FakeNvml, data

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


def target_output(
    torch: str | None,
    cuda: str | None,
    *,
    extra: Sequence[tuple[str, str]] = (),
    user_site: Sequence[tuple[str, str]] = (),
    conda_packages: Sequence[Mapping[str, str]] | None = None,
    installer: str = "pip",
    shadow_cuda: str | None = None,
) -> str:
    """The target script's output for a venv at TARGET_PYTHON holding the given torch build."""
    record = copy.deepcopy(_base_target())
    record["executable"] = TARGET_PYTHON
    record["prefix"] = "/home/ana/proj/.venv"
    record["env"]["VIRTUAL_ENV"] = "/home/ana/proj/.venv"
    record["path"] = [p for p in record["path"] if "site-packages" not in p]
    record["user_site"] = "/home/ana/.local/lib/python3.11/site-packages"
    if user_site:
        record["enable_user_site"] = True
        record["path"].append(record["user_site"])
    record["path"].append(SITE)
    index = {p: i for i, p in enumerate(record["path"])}
    dists: list[dict[str, Any]] = []

    def dist(name: str, version: str, where: str, inst: str = installer) -> None:
        dists.append(
            {
                "installer": inst,
                "key": name.lower(),
                "location": where,
                "metadata_dir": f"{where}/{name}-{version}.dist-info",
                "name": name,
                "path_index": index[where],
                "version": version,
            }
        )

    for name, version in user_site:
        dist(name, version, record["user_site"], "pip")
    if torch is not None:
        dist("torch", torch, SITE)
    for name, version in extra:
        dist(name, version, SITE)
    record["distributions"] = dists
    if torch is None:
        record["torch"] = None
    else:
        where = record["user_site"] if any(n == "torch" for n, _ in user_site) else SITE
        shadow = next((v for n, v in user_site if n == "torch"), torch)
        record["torch"] = {
            "location": where,
            "package_dir": f"{where}/torch",
            "path_index": index[where],
            "version_py": {
                "__version__": shadow,
                "cuda": cuda if shadow == torch else shadow_cuda,
                "git_version": "0" * 40,
                "hip": None,
            },
        }
    if conda_packages is not None:
        record["conda"] = {
            "envs_base": None,
            "has_condabin": False,
            "in_envs_dir": False,
            "meta_dir": True,
        }
        record["conda_packages"] = list(conda_packages)
    return f"{TARGET_BEGIN}{json.dumps(record)}{TARGET_END}\n"


def torch_output(recorded: str | None = None, **changes: Any) -> str:
    """A torch runtime output: a recorded one, or the RTX 4090 cu121 one with stages edited.

    ``changes`` replace keys of whichever stage record holds them (``runtime_version`` lives in
    ``imported``; ``cuda_available``, ``cuda_error``, ``devices`` ... in ``cuda_done``). When CUDA
    is made unavailable the kernel stages are dropped, as the real script skips them.
    """
    text = data(f"torch/{recorded or 'cu121_rtx4090.txt'}")
    cuda_keys = {"cuda_available", "cuda_error", "devices", "device_count", "arch_list"}
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(TORCH_MARK) and changes:
            record = json.loads(line[len(TORCH_MARK) :])
            stage = record.get("stage")
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

    def context(self, root: Path) -> Context:
        for path, content in self.files.items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        env = {
            "PATH": ":".join(str(FAKEBIN / b) for b in self.fakebin),
            "HOME": "/home/ana",
            "VIRTUAL_ENV": "/home/ana/proj/.venv",
            **self.env,
        }
        return Context(
            runner=self._runner,
            nvml=self.nvml,
            env=env,
            root=root,
            platform=PlatformInfo(self.system, "x86_64", "6.5.0-35-generic"),
            target_python=TARGET_PYTHON,
            target_chosen_by="VIRTUAL_ENV",
            timeout_s=10.0,
            host="ana-box",
        )

    def _runner(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        stdin_text: str | None = None,
    ) -> CommandResult:
        args = tuple(argv)
        if args and args[0] == TARGET_PYTHON:
            if args[1:] == ("--version",):
                return CommandResult(args, 0, "Python 3.11.7\n", "")
            if self.target is None:
                return CommandResult(args, None, "", "", 0.0, "not_found", "no such file")
            if stdin_text is not None and TORCH_MARK in stdin_text:
                return CommandResult(args, 0, self.torch_runtime or "", "")
            return CommandResult(args, 0, self.target, "")
        if args and Path(args[0]).is_absolute() and str(FAKEBIN) in args[0]:
            return run_command(args, timeout=timeout, env=env)
        return CommandResult(args, None, "", "", 0.0, "not_found", f"{args[0]}: not found")


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


def scenario(name: str) -> Scenario:
    """Look a scenario up by name."""
    found = next(s for s in SCENARIOS if s.name == name)
    return dataclasses.replace(found)


__all__ = ["DATA", "SCENARIOS", "NvmlError", "Scenario", "scenario"]
