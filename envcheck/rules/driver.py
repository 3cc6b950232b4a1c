"""The NVIDIA driver: missing, not loaded, mismatched with its libraries, or too old for torch.

Categories ``no_driver`` and ``driver_too_old``. Driver minimums come from
:mod:`envcheck.rules.tables` (NVIDIA's release notes, with minor-version compatibility).
"""

from __future__ import annotations

from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import ands
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_DRIVER_TOO_OLD, RANK_NO_DRIVER, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import URL_DRIVER, URL_MINOR_COMPAT, reinstall_fix
from envcheck.rules.registry import rule
from envcheck.rules.tables import (
    cuda_runs_on,
    driver_needed,
    major_minor,
    max_cuda_for_driver,
    native_driver_needed,
)

_GPU_DEAD = frozenset(
    {
        "cuda_unavailable",
        "kernel_not_run",
        "kernel_failed",
        "no_driver",
        "no_cuda_gpus",
        "cuda_unknown_error",
        "driver_missing",
        "nvml_mismatch",
        "invalid_device_ordinal",
    }
)
"""Symptoms any finding that leaves the process without a working driver explains."""

_CUDA_WANTED = frozenset(
    {"no_driver", "no_cuda_gpus", "cuda_unknown_error", "driver_too_old", "no_kernel_image"}
)
"""Signature kinds that, when the user hit them, show CUDA was wanted on this machine."""


def _driver_update_fix(view: FactsView, need: str | None) -> Fix:
    target = Msg("NVIDIA driver {need} or newer", need=need) if need else Msg(
        "a current NVIDIA driver"
    )
    if view.os_name == "windows" or view.wsl:
        return Fix(
            Msg("Install {target} on Windows (WSL uses the Windows driver)", target=target)
            if view.wsl
            else Msg("Install {target} on Windows", target=target),
            (),
            URL_DRIVER,
        )
    distro = (view.str_("os.distro") or "").lower()
    if "ubuntu" in distro or "pop!_os" in distro or "mint" in distro:
        commands: tuple[str, ...] = ("sudo ubuntu-drivers list", "sudo ubuntu-drivers install")
    else:
        commands = ()
    return Fix(
        Msg("Install {target}, then reboot", target=target), (*commands, "sudo reboot"), URL_DRIVER
    )



_STATUS_EVIDENCE = ("nvidia.nvml_status", "nvidia.nvml_error")


def _nvml_says(view: FactsView, status: str) -> bool:
    """NVML's status is ``status``, outside macOS, and no version mismatch overrides it."""
    return view.os_name != "darwin" and view.nvml_status == status and not _mismatch(view)


def _mismatch(view: FactsView) -> bool:
    return view.os_name != "darwin" and (
        view.nvml_status == "lib_rm_version_mismatch" or "nvml_mismatch" in view.signature_kinds
    )


@rule("no_driver.version_mismatch")
def version_mismatch(view: FactsView) -> list[Candidate]:
    """The kernel module and the driver libraries are of different versions."""
    if not _mismatch(view):
        return []
    module = view.str_("nvidia.kernel_module_version")
    evidence = _STATUS_EVIDENCE
    libs = view.str_("nvidia.smi_driver_version") or view.str_("nvidia.driver_version")
    if module and libs and module != libs:
        reports = Msg('NVML reports "Driver/library version mismatch" (kernel module {module}, '
                      "libraries {libs})", module=module, libs=libs)
    elif module:
        reports = Msg('NVML reports "Driver/library version mismatch" (the loaded kernel module '
                      "is {module})", module=module)
    else:
        reports = Msg('NVML reports "Driver/library version mismatch"')
    return [
        Candidate(
            finding(
                id="no_driver.version_mismatch",
                severity=Severity.ERROR,
                detail=Msg(
                    "{nvml}: the driver was upgraded (often by unattended upgrades) while the "
                    "old kernel module stayed loaded. Nothing can use the GPU until they match "
                    "again.",
                    nvml=reports,
                ),
                evidence=(*evidence, "nvidia.kernel_module_version", "errors.seen"),
                fixes=(
                    Fix("Reboot, so the new kernel module is loaded", ("sudo reboot",)),
                    Fix(
                        "Or reload the modules without rebooting (stop every GPU process "
                        "first; this fails while one holds the GPU)",
                        (
                            "sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia",
                            "sudo modprobe nvidia",
                            "nvidia-smi",
                        ),
                    ),
                ),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD,
        )
    ]


@rule("no_driver.not_loaded")
def not_loaded(view: FactsView) -> list[Candidate]:
    """The driver's libraries are there, its kernel module is not (outside WSL)."""
    if not _nvml_says(view, "driver_not_loaded") or view.wsl is not None:
        return []
    evidence = _STATUS_EVIDENCE
    return [
        Candidate(
            finding(
                id="no_driver.not_loaded",
                severity=Severity.ERROR,
                detail=Msg(
                    'NVML\'s library was found but reports "Driver Not Loaded". Usual '
                    "causes: a kernel update without the module rebuilt for it (DKMS), Secure "
                    "Boot refusing the unsigned module, or nouveau holding the GPU."
                ),
                evidence=evidence,
                fixes=(
                    Fix(
                        "Try loading the module and read why it fails",
                        ("sudo modprobe nvidia", "sudo dmesg | grep -iE 'nvidia|nouveau'"),
                    ),
                    Fix(
                        "If it was built for another kernel, rebuild it with DKMS and reboot",
                        ("dkms status", "sudo dkms autoinstall", "sudo reboot"),
                    ),
                    Fix(
                        "If Secure Boot is enabled, enrol the driver's signing key (MOK) or "
                        "disable Secure Boot",
                        ("mokutil --sb-state",),
                    ),
                ),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD,
        )
    ]


@rule("no_driver.gpu_lost")
def gpu_lost(view: FactsView) -> list[Candidate]:
    """NVML reports the GPU lost: hardware, power or PCIe."""
    if not _nvml_says(view, "gpu_lost"):
        return []
    evidence = _STATUS_EVIDENCE
    return [
        Candidate(
            finding(
                id="no_driver.gpu_lost",
                severity=Severity.ERROR,
                detail=Msg(
                    "NVML reports the GPU as lost (Xid 79 in the kernel log): a hardware, "
                    "power or PCIe problem, not a software one."
                ),
                evidence=evidence,
                fixes=(
                    Fix("Read the driver's Xid errors", ("sudo dmesg | grep -i xid",)),
                    Fix(
                        "Reboot; if it recurs check the power supply, cabling and seating",
                        ("sudo reboot",),
                    ),
                ),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD,
        )
    ]


@rule("no_driver.no_permission")
def no_permission(view: FactsView) -> list[Candidate]:
    """This user may not open /dev/nvidia*."""
    if not _nvml_says(view, "no_permission"):
        return []
    evidence = _STATUS_EVIDENCE
    return [
        Candidate(
            finding(
                id="no_driver.no_permission",
                severity=Severity.ERROR,
                detail=Msg(
                    'NVML reports "Insufficient Permissions": the /dev/nvidia* device '
                    "files are not readable and writable by this user."
                ),
                evidence=(*evidence, "os.nvidia_dev_nodes"),
                fixes=(
                    Fix("Check the device files' owner and mode", ("ls -l /dev/nvidia*",)),
                    Fix(
                        "Add yourself to the group that owns them (often video), then log "
                        "in again",
                        ('sudo usermod -aG video "$USER"',),
                    ),
                ),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD,
        )
    ]


@rule("no_driver.not_installed", "no_driver.no_gpu")
def not_installed(view: FactsView) -> list[Candidate]:
    """No NVML library: an error when a GPU is evidently there or wanted, else info/warning."""
    if view.os_name == "darwin" or _mismatch(view):
        return []
    status = view.nvml_status
    if status == "library_not_found" or (
        status is None and view.driver is None and "no_driver" in view.signature_kinds
    ):
        return _not_installed(view)
    return []


@rule("no_driver.fabric_manager")
def fabric_manager(view: FactsView) -> list[Candidate]:
    """CUDA error 802: an NVSwitch machine whose fabric manager is not running."""
    if view.os_name == "darwin" or "system_not_ready" not in view.signature_kinds:
        return []
    return [
        Candidate(
            finding(
                id="no_driver.fabric_manager",
                severity=Severity.ERROR,
                detail=Msg(
                    'CUDA error 802 "system not yet initialized": on NVSwitch machines '
                    "(HGX/DGX A100, H100, H200) CUDA waits for nvidia-fabricmanager, which must "
                    "run with the same version as the driver."
                ),
                evidence=("errors.seen", "torch.cuda_error", "nvidia.driver_version"),
                fixes=(
                    Fix(
                        "Install the fabric manager matching the driver branch and start it",
                        (
                            "systemctl status nvidia-fabricmanager",
                            "sudo systemctl enable --now nvidia-fabricmanager",
                        ),
                    ),
                ),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD | {"system_not_ready"},
        )
    ]


def _not_installed(view: FactsView) -> list[Candidate]:
    """An error when a GPU is evidently there or wanted; a warning with a CUDA torch; else info."""
    user_wanted = bool(view.user_signature_kinds & _CUDA_WANTED)
    module = view.str_("nvidia.kernel_module_version")
    cuda_torch = view.torch_cuda is not None
    evidence = ("nvidia.nvml_status", "os.nvidia_dev_nodes", "torch.cuda_build", "errors.seen")
    if view.has_gpu or module or user_wanted:
        where: list[str] = []
        if view.has_gpu:
            where.append(Msg("/dev/nvidia* device files exist"))
        if module:
            where.append(Msg("kernel module {module} is loaded", module=module))
        if user_wanted:
            where.append(Msg("torch reports no NVIDIA driver"))
        detail = Msg(
            "The NVIDIA driver's user-space library (libnvidia-ml / libcuda) is not installed or "
            "not on the loader path, although {evidence}.",
            evidence=ands(where),
        )
        severity = Severity.ERROR
    elif cuda_torch:
        detail = Msg(
            "No NVIDIA driver was found, and {torch} is a CUDA build: it runs on the "
            "CPU only. If this machine has an NVIDIA GPU, install its driver; if it has none, a "
            "CPU build of torch is a much smaller download.",
            torch=view.torch_text,
        )
        severity = Severity.WARNING
    else:
        return [
            Candidate(
                finding(
                    id="no_driver.no_gpu",
                    severity=Severity.INFO,
                    detail=Msg(
                        "No NVIDIA driver is installed. That is expected on a machine "
                        "without an NVIDIA GPU."
                    ),
                    evidence=("nvidia.nvml_status",),
                ),
                RANK_NO_DRIVER,
                symptom="driver_missing",
            )
        ]
    return [
        Candidate(
            finding(
                id="no_driver.not_installed",
                severity=severity,
                detail=detail,
                evidence=evidence,
                fixes=(_driver_update_fix(view, None),),
            ),
            RANK_NO_DRIVER,
            _GPU_DEAD,
            symptom="driver_missing",
        )
    ]


@rule("no_driver.uvm_missing")
def uvm_missing(view: FactsView) -> list[Candidate]:
    """CUDA failed while /dev/nvidia0 exists but /dev/nvidia-uvm does not."""
    if view.os_name == "darwin":
        return []
    nodes = view.strs("os.nvidia_dev_nodes")
    failed = (
        view.bool_("torch.cuda_available") is False or "cuda_unknown_error" in view.signature_kinds
    )
    if not nodes or "nvidia-uvm" in nodes or not view.has_gpu or not failed:
        return []
    if view.nvml_status not in (None, "ok"):
        return []
    return [
        Candidate(
            finding(
                id="no_driver.uvm_missing",
                severity=Severity.ERROR,
                detail=Msg(
                    "/dev/nvidia0 exists but /dev/nvidia-uvm does not: the nvidia_uvm module "
                    "(CUDA's memory manager) is not loaded or its device file was not created "
                    "(common after suspend/resume, and in containers started without it)."
                ),
                evidence=("os.nvidia_dev_nodes", "torch.cuda_available", "torch.cuda_error"),
                fixes=(
                    Fix(
                        "Load the module and create its device file",
                        ("sudo modprobe nvidia-uvm", "sudo nvidia-modprobe -u -c=0"),
                    ),
                ),
            ),
            RANK_NO_DRIVER + 1,
            _GPU_DEAD,
        )
    ]


@rule("driver_too_old.torch_cuda_newer_than_driver")
def driver_too_old(view: FactsView) -> list[Candidate]:
    """driver_too_old.torch_cuda_newer_than_driver: torch needs a newer driver than installed."""
    if view.os_name == "darwin":
        return []
    cuda = view.torch_cuda
    driver = view.driver
    sig = view.signature("driver_too_old")
    numbers_os = "windows" if (view.os_name == "windows" or view.wsl) else "linux"
    driver_max = view.version("nvidia.cuda_driver_max")
    source = "nvidia.cuda_driver_max"
    if driver_max is None and sig is not None and "found_cuda" in sig.data:
        driver_max = Version(sig.data["found_cuda"])
        source = "torch's warning"
    if driver_max is None and driver is not None:
        driver_max = max_cuda_for_driver(driver, numbers_os)
        source = "the driver table"
    need = driver_needed(cuda, numbers_os) if cuda is not None else None
    too_old: bool | None = None
    if cuda is not None and driver_max is not None:
        too_old = not cuda_runs_on(cuda, driver_max)
    if cuda is not None and driver is not None and need is not None and driver < need.driver:
        too_old = True
    reason = sig.data.get("reason") if sig is not None else None
    if sig is not None:
        # torch's own message is the ground truth (it asked libcuda); tables only estimate.
        too_old = True
    if not too_old:
        return []
    compat_missed = None
    if cuda is not None and driver is not None and need is not None and driver >= need.driver:
        # The driver meets the minor-version-compatibility minimum, yet torch says it is too
        # old: asking for that minimum again would name an older driver than the one installed.
        # Ask for the driver that runs this CUDA natively instead.
        native = native_driver_needed(cuda, numbers_os)
        if native is not None and driver < native.driver:
            compat_missed = need
            need = native
    shown = view.str_("nvidia.driver_version") or view.str_("nvidia.smi_driver_version")
    if driver_max is not None:
        supports = (
            Msg("Driver {driver} supports CUDA ≤ {cuda}", driver=shown, cuda=str(driver_max))
            if shown
            else Msg("The installed driver supports CUDA ≤ {cuda}", cuda=str(driver_max))
        )
    else:
        supports = (
            Msg("Driver {driver} is older than this torch needs", driver=shown)
            if shown
            else Msg("The installed driver is older than this torch needs")
        )
    if cuda is not None:
        built = (
            Msg("{torch} is built for CUDA {cuda}, which needs driver ≥ {need}",
                torch=view.torch_text, cuda=str(cuda), need=need.text)
            if need
            else Msg("{torch} is built for CUDA {cuda}", torch=view.torch_text, cuda=str(cuda))
        )
        detail = Msg("{driver}; {torch}.", driver=supports, torch=built)
    else:
        detail = Msg("{driver}.", driver=supports)
    compat = ""
    if compat_missed is not None and cuda is not None:
        compat = Msg(
            "(Minor-version compatibility, any CUDA {major}.x on a driver ≥ {compat}, did not "
            "cover it here; a driver with native CUDA {cuda} support does.)",
            major=cuda.major, compat=compat_missed.text, cuda=str(major_minor(cuda)),
        )
    elif cuda is not None and need is not None and need.how == "minor-version compat":
        compat = Msg(
            "(Any CUDA {major}.x build runs on a driver ≥ {need} through minor-version "
            "compatibility.)",
            major=cuda.major, need=need.text,
        )
    said = ""
    if reason == "ptx":
        said = Msg(
            'CUDA reports "the provided PTX was compiled with an unsupported toolchain": '
            "code was compiled by a newer CUDA than the driver understands."
        )
    elif reason == "forward_compat":
        said = Msg(
            'CUDA reports "forward compatibility was attempted on non supported HW": a '
            "cuda-compat package (common in container images) tried to run a newer CUDA on a "
            "GPU that does not support forward compatibility (GeForce/RTX)."
        )
    detail = sentences(detail, compat, said)
    fixes = [_driver_update_fix(view, need.text if need else None)]
    reinstall = reinstall_fix(view)
    commands = reinstall.commands
    if driver_max is not None and commands and all(
            c.startswith("envcheck recommend") and "--cuda" not in c for c in commands):
        # The planner had too little to go on; the driver's CUDA is what recommend needs.
        commands = tuple(f"{c} --cuda {driver_max}" for c in commands)
    fixes.append(
        Fix(
            Msg("Or install a torch built for CUDA ≤ {cuda}", cuda=str(driver_max))
            if driver_max is not None
            else Msg("Or install a torch built for an older CUDA"),
            commands,
            reinstall.url or URL_MINOR_COMPAT,
        )
    )
    return [
        Candidate(
            finding(
                id="driver_too_old.torch_cuda_newer_than_driver",
                severity=Severity.ERROR,
                detail=detail,
                evidence=tuple(
                    key
                    for key in (
                        "nvidia.driver_version",
                        source if source.startswith("nvidia.") else "",
                        "torch.cuda_build",
                        "torch.version",
                        "torch.cuda_error" if sig is not None else "",
                    )
                    if key
                ),
                fixes=tuple(fixes),
            ),
            RANK_DRIVER_TOO_OLD,
            frozenset(
                {
                    "cuda_unavailable",
                    "kernel_not_run",
                    "kernel_failed",
                    "driver_too_old",
                    "no_cuda_gpus",
                }
            ),
            # Resting on the message alone (no driver known), this finding is the symptom
            # itself: a root cause that explains it (no NVIDIA GPU at all) replaces it.
            symptom="driver_too_old" if driver is None and driver_max is None else None,
        )
    ]
