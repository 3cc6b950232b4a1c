"""Where the process runs: WSL, containers, MIG, compute modes, /dev/shm.

Category ``platform`` (the kind of machine in a pasted report: :mod:`.machine`;
CUDA_VISIBLE_DEVICES: :mod:`.visible_devices`).
"""

from __future__ import annotations

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import clauses, items
from envcheck.model import Fix, Severity
from envcheck.rules.engine import (
    RANK_INFO,
    RANK_MIG,
    RANK_PLATFORM_HOST,
    Candidate,
)
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import URL_CONTAINER_TOOLKIT, URL_MIG, URL_WSL
from envcheck.rules.registry import rule

_NO_GPU_HERE = frozenset(
    {
        "driver_missing",
        "no_driver",
        "cuda_unavailable",
        "kernel_not_run",
        "kernel_failed",
        "no_cuda_gpus",
        "wsl_no_gpu",
        "docker_no_gpu",
    }
)
GIB = 1024**3


def _cuda_wanted(view: FactsView) -> bool:
    """Whether the user evidently wants CUDA here (a CUDA torch, or CUDA errors they hit)."""
    return view.torch_cuda is not None or bool(
        view.user_signature_kinds
        & {"no_driver", "no_cuda_gpus", "wsl_no_gpu", "docker_no_gpu", "not_compiled_with_cuda"}
    )


@rule(
    "platform.wsl1",
    "platform.wsl2_linux_driver",
    "platform.wsl2_no_windows_driver",
    "platform.wsl2_libcuda_path",
)
def wsl(view: FactsView) -> list[Candidate]:
    wsl = view.wsl
    if wsl == "wsl1":
        wanted = _cuda_wanted(view)
        return [
            Candidate(
                finding(
                    id="platform.wsl1",
                    severity=Severity.ERROR if wanted else Severity.INFO,
                    detail=Msg(
                        "This Linux runs under WSL 1, which cannot reach the GPU; CUDA works "
                        "only under WSL 2."
                    ),
                    evidence=("os.wsl",),
                    fixes=(
                        Fix(
                            "Convert the distribution to WSL 2 (in Windows PowerShell)",
                            ("wsl -l -v", "wsl --set-version <distribution> 2"),
                            URL_WSL,
                        ),
                    ),
                ),
                RANK_PLATFORM_HOST,
                _NO_GPU_HERE | {"nvml_mismatch"},
            )
        ]
    if wsl != "wsl2":
        # A pasted WSL error proves WSL 2 even when the report says nothing else about it.
        return _wsl_libcuda_path(view) if "wsl_no_gpu" in view.signature_kinds else []
    out: list[Candidate] = []
    module = view.str_("nvidia.kernel_module_version")
    status = view.nvml_status
    linux_driver = module is not None or status in ("driver_not_loaded", "lib_rm_version_mismatch")
    if linux_driver:
        why = (
            Msg("an nvidia kernel module ({module}) is loaded", module=module)
            if module
            else Msg("NVML loads a Linux driver library that fails with {status}", status=status)
        )
        out.append(
            Candidate(
                finding(
                    id="platform.wsl2_linux_driver",
                    severity=Severity.ERROR,
                    detail=Msg(
                        "Under WSL 2 the Windows driver provides the GPU through "
                        "/usr/lib/wsl/lib; here {why}, so its libraries shadow the WSL ones. "
                        "NVIDIA says not to install a Linux display driver inside WSL.",
                        why=why,
                    ),
                    evidence=("os.wsl", "nvidia.kernel_module_version", "nvidia.nvml_status"),
                    fixes=(
                        Fix(
                            "Remove the Linux driver packages (keep the CUDA toolkit), then "
                            "restart WSL from Windows",
                            (
                                "dpkg -l | grep -iE 'nvidia-(driver|utils|compute)|libnvidia'",
                                "sudo apt-get purge 'nvidia-driver-*' 'libnvidia-*'",
                                "wsl --shutdown",
                            ),
                            URL_WSL,
                        ),
                    ),
                ),
                RANK_PLATFORM_HOST,
                _NO_GPU_HERE | {"nvml_mismatch"},
            )
        )
    elif view.bool_("os.wsl_libcuda") is False and (_cuda_wanted(view) or status != "ok"):
        out.append(
            Candidate(
                finding(
                    id="platform.wsl2_no_windows_driver",
                    severity=Severity.ERROR if _cuda_wanted(view) else Severity.WARNING,
                    detail=Msg(
                        "/usr/lib/wsl/lib/libcuda.so is missing: the Windows NVIDIA driver is "
                        "not installed, too old for WSL, or WSL itself is out of date."
                    ),
                    evidence=("os.wsl", "os.wsl_libcuda", "nvidia.nvml_status"),
                    fixes=(
                        Fix(
                            "Install the current NVIDIA driver on Windows, update WSL and "
                            "restart it (in PowerShell)",
                            ("wsl --update", "wsl --shutdown"),
                            URL_WSL,
                        ),
                    ),
                ),
                RANK_PLATFORM_HOST,
                _NO_GPU_HERE,
            )
        )
    elif "wsl_no_gpu" in view.signature_kinds or (
        "no_driver" in view.signature_kinds and view.bool_("os.wsl_libcuda") is True
    ):
        out.extend(_wsl_libcuda_path(view))
    return out


def _wsl_libcuda_path(view: FactsView) -> list[Candidate]:
    """libcuda could not be opened under WSL 2 although the Windows driver provides it."""
    return [
        Candidate(
            finding(
                id="platform.wsl2_libcuda_path",
                severity=Severity.ERROR,
                detail=Msg(
                    "The Windows driver's libcuda is in /usr/lib/wsl/lib, but the process "
                    "could not open it: that folder is missing from the loader path (or its "
                    "libcuda.so symlink is broken)."
                ),
                evidence=("os.wsl", "os.wsl_libcuda", "errors.seen"),
                fixes=(
                    Fix(
                        "Put the WSL driver folder on the loader path",
                        (
                            'export LD_LIBRARY_PATH=/usr/lib/wsl/lib:"$LD_LIBRARY_PATH"',
                            "sudo ldconfig",
                        ),
                        URL_WSL,
                    ),
                ),
            ),
            RANK_PLATFORM_HOST,
            _NO_GPU_HERE | {"cudnn_load"},
        )
    ]


@rule("platform.docker_gpu_runtime_missing", "platform.container_without_gpu")
def container(view: FactsView) -> list[Candidate]:
    out: list[Candidate] = []
    if "docker_no_gpu" in view.signature_kinds:
        out.append(
            Candidate(
                finding(
                    id="platform.docker_gpu_runtime_missing",
                    severity=Severity.ERROR,
                    detail=Msg(
                        "Docker cannot honour --gpus / --runtime=nvidia: the NVIDIA Container "
                        "Toolkit is not installed or not configured for Docker on the host."
                    ),
                    evidence=("errors.seen",),
                    fixes=(
                        Fix(
                            "Install the NVIDIA Container Toolkit on the host, then configure "
                            "Docker and restart it",
                            (
                                "sudo nvidia-ctk runtime configure --runtime=docker",
                                "sudo systemctl restart docker",
                                "docker run --rm --gpus all ubuntu nvidia-smi",
                            ),
                            URL_CONTAINER_TOOLKIT,
                        ),
                    ),
                ),
                RANK_PLATFORM_HOST,
                _NO_GPU_HERE,
            )
        )
    kind = view.container
    nodes = view.list_("os.nvidia_dev_nodes")
    if (
        kind is not None
        and view.wsl is None
        and not any(str(n).startswith("nvidia") for n in nodes or [])
        and view.nvml_status in ("library_not_found", None)
        and not view.has_gpu
    ):
        wanted = _cuda_wanted(view)
        if kind == "kubernetes":
            fix = Fix(
                "Request a GPU in the pod spec (needs the NVIDIA device plugin on the cluster)",
                ("resources:\n  limits:\n    nvidia.com/gpu: 1",),
            )
        else:
            fix = Fix(
                "Start the container with the GPUs (the host needs the NVIDIA Container Toolkit)",
                ("docker run --gpus all ...",),
                URL_CONTAINER_TOOLKIT,
            )
        out.append(
            Candidate(
                finding(
                    id="platform.container_without_gpu",
                    severity=Severity.ERROR if wanted else Severity.INFO,
                    detail=Msg(
                        "Inside a {kind} container there are no /dev/nvidia* devices and no "
                        "NVIDIA driver library: the container runtime did not pass the GPUs in.",
                        kind=kind,
                    ),
                    evidence=("os.container", "os.nvidia_dev_nodes", "nvidia.nvml_status"),
                    fixes=(fix,),
                ),
                RANK_PLATFORM_HOST,
                _NO_GPU_HERE,
            )
        )
    return out


@rule("platform.mig_no_instances", "platform.mig_enabled")
def mig(view: FactsView) -> list[Candidate]:
    mig_gpus = [gpu for gpu in view.gpus if gpu.mig_mode]
    if not mig_gpus:
        return []
    parsed = view.dict_("env.cuda_visible_devices_parsed") or {}
    kind = parsed.get("kind") if isinstance(parsed.get("kind"), str) else None
    instances = [uuid for gpu in mig_gpus for uuid in gpu.mig_instances]
    names = items(f"GPU {g.index} {g.name}" for g in mig_gpus)
    if not instances:
        return [
            Candidate(
                finding(
                    id="platform.mig_no_instances",
                    severity=Severity.WARNING,
                    detail=Msg(
                        "MIG mode is on for {gpus} and no GPU/compute instances are "
                        "created, so CUDA cannot use that GPU.",
                        gpus=names,
                    ),
                    evidence=("nvidia.gpus",),
                    fixes=(
                        Fix(
                            "Create instances (an administrator task), or disable MIG",
                            ("sudo nvidia-smi mig -lgip", "sudo nvidia-smi -mig 0"),
                            URL_MIG,
                        ),
                    ),
                ),
                RANK_MIG,
                frozenset({"no_cuda_gpus"}),
            )
        ]
    listed = parsed.get("entries")
    entries = listed if isinstance(listed, list) else []
    # CUDA enumerates one MIG instance per process: listing several, or starting several
    # ranks on one MIG GPU, ends in "invalid device ordinal" (or NCCL errors) on the others.
    hit = view.user_signature_kinds & {"invalid_device_ordinal", "nccl_error", "no_cuda_gpus"}
    several = kind == "mig" and len(entries) > 1
    if kind == "mig" and not (several or hit):
        return []
    wrong_selector = kind in ("indices", "uuids", "mixed")
    severity = Severity.WARNING if wrong_selector or several or hit else Severity.INFO
    return [
        Candidate(
            finding(
                id="platform.mig_enabled",
                severity=severity,
                detail=sentences(
                    Msg("{gpus} is split into {count} MIG instance(s).", gpus=names,
                        count=len(instances)),
                    Msg("CUDA gives a process only one instance; choose it with "
                        "CUDA_VISIBLE_DEVICES=MIG-<uuid> (it is now set to GPU indices or UUIDs).")
                    if wrong_selector
                    else Msg("CUDA gives a process only one instance; choose it with "
                             "CUDA_VISIBLE_DEVICES=MIG-<uuid> (listing several gives a process "
                             "only the first).")
                    if several
                    else Msg("CUDA gives a process only one instance; choose it with "
                             "CUDA_VISIBLE_DEVICES=MIG-<uuid>."),
                    Msg("Multi-process training needs one instance per process: give each rank "
                        "its own MIG UUID (NCCL does not run across MIG instances).")
                    if hit or several
                    else "",
                ),
                evidence=("nvidia.gpus", "env.cuda_visible_devices"),
                fixes=(
                    Fix(
                        "List the instances and pick one",
                        ("nvidia-smi -L", f"export CUDA_VISIBLE_DEVICES={instances[0]}"),
                        URL_MIG,
                    ),
                ),
            ),
            RANK_MIG,
            frozenset({"invalid_device_ordinal", "nccl_error", "no_cuda_gpus"}),
        )
    ]


_RESTRICTED = {"prohibited": "Prohibited", "exclusive_process": "Exclusive Process",
               "exclusive_thread": "Exclusive Thread"}


@rule("platform.gpu_busy")
def compute_mode(view: FactsView) -> list[Candidate]:
    """platform.gpu_busy: a GPU no process may use (Prohibited), or CUDA reporting the device
    busy or unavailable (an exclusive compute mode with the GPU taken, or a hung process)."""
    busy = view.signature("device_busy")
    restricted = [
        (g.get("index"), _RESTRICTED[str(g.get("compute_mode"))])
        for g in view.dicts("nvidia.gpus")
        if str(g.get("compute_mode")) in _RESTRICTED
    ]
    prohibited = [(i, m) for i, m in restricted if m == "Prohibited"]
    if busy is None and not prohibited:
        return []
    shown = prohibited or restricted
    if shown:
        modes = clauses([Msg("GPU {index} is in {mode} compute mode", index=str(i), mode=m)
                            for i, m in shown])
        cause = (Msg("{modes}: no process may create a CUDA context on it.", modes=modes)
                 if prohibited else
                 Msg("{modes}: only one process may use it at a time, and another holds it.",
                     modes=modes))
    else:
        cause = Msg("CUDA reports the device busy or unavailable: its compute mode is exclusive "
                    "and another process holds it, or it is Prohibited, or a hung process still "
                    "holds it.")
    sudo = "" if view.os_name == "windows" else "sudo "
    index = f" -i {shown[0][0]}" if shown and isinstance(shown[0][0], int) else ""
    return [
        Candidate(
            finding(
                id="platform.gpu_busy",
                severity=Severity.ERROR,
                detail=cause,
                evidence=("nvidia.gpus", "errors.seen"),
                fixes=(
                    Fix("See which processes hold the GPU, and its compute mode",
                        ("nvidia-smi", "nvidia-smi --query-gpu=index,compute_mode --format=csv")),
                    Fix("Allow shared use again (an administrator's decision on shared machines)",
                        (f"{sudo}nvidia-smi{index} -c DEFAULT",)),
                ),
            ),
            RANK_PLATFORM_HOST,
            frozenset({"device_busy", "cuda_unavailable", "kernel_failed"}),
        )
    ]


@rule("platform.small_shm")
def small_shm(view: FactsView) -> list[Candidate]:
    """A container whose /dev/shm is too small for DataLoader workers."""
    out: list[Candidate] = []
    shm = view.int_("os.shm_bytes")
    if view.container and shm is not None and shm < GIB:
        out.append(
            Candidate(
                finding(
                    id="platform.small_shm",
                    severity=Severity.WARNING,
                    detail=Msg(
                        "/dev/shm is {size} MiB in this {kind} "
                        "container (Docker's default is 64 MiB); DataLoader workers pass batches "
                        'through it and die with "bus error" when it fills.',
                        size=f"{shm / 1024**2:.0f}",
                        kind=view.container,
                    ),
                    evidence=("os.shm_bytes", "os.container"),
                    fixes=(
                        Fix(
                            "Start the container with a larger /dev/shm, or share the host's",
                            ("docker run --shm-size=8g ...", "docker run --ipc=host ..."),
                        ),
                    ),
                ),
                RANK_INFO,
            )
        )
    return out
