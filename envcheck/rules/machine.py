"""What kind of machine it is, when that alone decides whether CUDA can work.

These findings rest on facts a live probe rarely needs but a pasted report often only has in
words: the GPU is an AMD, Intel or Apple one; the NVIDIA card is held by ``nouveau``; the board
is a Jetson; the Linux runs under WSL; the program runs in a container started without GPUs.
Each is a root cause that no reinstall of torch fixes, so each ranks before the torch-build
findings and explains their symptoms.

Categories ``no_driver`` and ``platform``.
"""

from __future__ import annotations

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import items
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_NO_DRIVER, RANK_PLATFORM_HOST, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import URL_CONTAINER_TOOLKIT, URL_WSL
from envcheck.rules.registry import rule

ALL_GPU_SYMPTOMS = frozenset(
    {
        "cuda_unavailable",
        "kernel_not_run",
        "kernel_failed",
        "driver_missing",
        "no_driver",
        "driver_too_old",
        "no_cuda_gpus",
        "not_compiled_with_cuda",
        "cuda_unavailable_msg",
        "smi_not_found",
        "wsl_no_gpu",
        "docker_no_gpu",
        "invalid_device_ordinal",
        "cuda_unknown_error",
    }
)
"""Everything that goes wrong when there is no usable NVIDIA GPU at all."""

_GPU_FAILURE_KINDS = ALL_GPU_SYMPTOMS - {"cuda_unavailable", "kernel_not_run", "kernel_failed"}

URL_JETSON = "https://docs.nvidia.com/deeplearning/frameworks/install-pytorch-jetson-platform/"
URL_NOUVEAU = "https://docs.nvidia.com/cuda/cuda-installation-guide-linux/"


def gpu_trouble(view: FactsView) -> bool:
    """Whether the facts show CUDA failing or being asked for in vain.

    ``is_available() == False`` counts only in a pasted report (someone showing it because
    it is a problem); on a live CPU-only machine it is simply true.
    """
    return (
        (
            view.pasted
            and view.bool_("torch.cuda_available") is False
            and view.os_name != "darwin"  # a Mac has no CUDA by design
            and not ("no_gpu" in view.claims and not view.nvidia_evidence)  # nor a CPU server
            # An env dump of a machine without a GPU is not a complaint; a check the reporter
            # ran, an NVIDIA GPU or a CUDA build of torch makes it one.
            and ("cuda_check" in view.claims or view.nvidia_evidence or view.torch_cuda is not None)
        )
        or bool(view.user_signature_kinds & _GPU_FAILURE_KINDS)
        or "gpu_unused" in view.claims
        or "cuda_differs" in view.claims
    )


@rule("no_driver.no_nvidia_gpu")
def no_nvidia_gpu(view: FactsView) -> list[Candidate]:
    """A GPU failure where the only GPUs are not NVIDIA's (or the reporter says there is none)."""
    others = view.other_gpus
    said = "no_nvidia" in view.claims
    if view.os_name == "darwin" or not (others or said) or view.nvidia_evidence:
        return []
    if not gpu_trouble(view) and view.torch_cuda is None:
        return []
    names = (
        Msg("The report names {gpus} and nothing shows an NVIDIA GPU or driver.",
            gpus=items(others))
        if others
        else Msg("The report names no NVIDIA GPU (as the report says) and nothing shows an "
                 "NVIDIA GPU or driver.")
    )
    return [
        Candidate(
            finding(
                id="no_driver.no_nvidia_gpu",
                severity=Severity.ERROR,
                detail=sentences(
                    names,
                    Msg(
                        'CUDA runs only on NVIDIA GPUs; messages such as "driver version is '
                        'insufficient" or "Torch not compiled with CUDA enabled" follow from '
                        "that, and no reinstall of torch or of a driver changes it."
                    ),
                ),
                evidence=("os.other_gpus", "explain.claims", "nvidia.gpus"),
                fixes=(
                    Fix(
                        "Run on the CPU (or choose the device that exists), e.g. in your code",
                        ('device = "cuda" if torch.cuda.is_available() else "cpu"',),
                    ),
                    Fix(
                        "For an AMD GPU, use torch's ROCm build on Linux (envcheck recommend "
                        "--variant rocm shows the command); on Windows use WSL 2 or the CPU",
                        ("envcheck recommend --os linux --variant rocm6.4",),
                        "https://pytorch.org/get-started/locally/",
                    ),
                ),
            ),
            RANK_PLATFORM_HOST + 5,
            ALL_GPU_SYMPTOMS,
        )
    ]


@rule("no_driver.nouveau")
def nouveau(view: FactsView) -> list[Candidate]:
    """The reporter says nouveau drives the GPU."""
    if "nouveau" not in view.claims:
        return []
    if (view.driver is not None and view.gpus) or view.bool_("torch.cuda_available") is True:
        return []  # the NVIDIA driver answers: nouveau is out of the way
    broken = bool(view.signature_kinds & {"no_driver", "smi_not_found"}) or gpu_trouble(view)
    return [
        Candidate(
            finding(
                id="no_driver.nouveau",
                severity=Severity.ERROR if broken else Severity.WARNING,
                detail=sentences(
                    Msg(
                        "The report mentions nouveau: when it is loaded it claims the NVIDIA "
                        "GPU at boot, the nvidia kernel module cannot bind to it, and CUDA "
                        "finds no driver."
                    ),
                    Msg('The report says: "{text}"', text=view.claim_text("nouveau"))
                    if view.claim_text("nouveau")
                    else "",
                ),
                evidence=("explain.claims",),
                fixes=(
                    Fix(
                        "Blacklist nouveau, rebuild the initramfs and reboot",
                        (
                            'echo -e "blacklist nouveau\\noptions nouveau modeset=0" | sudo tee '
                            "/etc/modprobe.d/blacklist-nouveau.conf",
                            "sudo update-initramfs -u   # Fedora/RHEL: sudo dracut --force",
                            "sudo reboot",
                            "lsmod | grep -E 'nouveau|nvidia'",
                        ),
                        URL_NOUVEAU,
                    ),
                ),
            ),
            RANK_NO_DRIVER - 1,
            ALL_GPU_SYMPTOMS - {"not_compiled_with_cuda"},
        )
    ]


@rule("platform.jetson_needs_jetpack_wheel")
def jetson(view: FactsView) -> list[Candidate]:
    """A Jetson board, where only NVIDIA's JetPack torch has CUDA."""
    board = view.str_("os.jetson")
    if board is None or not (gpu_trouble(view) or view.torch is not None):
        return []
    return [
        Candidate(
            finding(
                id="platform.jetson_needs_jetpack_wheel",
                severity=Severity.ERROR if gpu_trouble(view) else Severity.WARNING,
                detail=Msg(
                    "This is an NVIDIA Jetson ({board}). The torch wheels on PyPI and "
                    "download.pytorch.org for aarch64 are built for servers, not for Jetson's "
                    "integrated GPU, so they see no CUDA device; NVIDIA publishes wheels per "
                    "JetPack release, each for one Python version (JetPack 5: Python 3.8; "
                    "JetPack 6: Python 3.10).",
                    board=board,
                ),
                evidence=("os.jetson", "os.arch", "torch.version", "python.version"),
                fixes=(
                    Fix(
                        "Install the torch wheel NVIDIA built for your JetPack release and its "
                        "Python (or build torch from source for another Python)",
                        (
                            "cat /etc/nv_tegra_release",
                            "pip3 uninstall -y torch",
                        ),
                        URL_JETSON,
                    ),
                ),
            ),
            RANK_PLATFORM_HOST,
            ALL_GPU_SYMPTOMS,
        )
    ]


@rule("platform.wsl_no_gpu")
def wsl_no_driver(view: FactsView) -> list[Candidate]:
    """Inside WSL, driver errors with nothing known about the Windows driver's libcuda."""
    wsl = view.str_("os.wsl")
    if wsl not in ("wsl", "wsl2") or view.bool_("os.wsl_libcuda") is not None:
        return []
    if not view.signature_kinds & {"no_driver", "smi_not_found", "no_cuda_gpus"}:
        return []
    return [
        Candidate(
            finding(
                id="platform.wsl_no_gpu",
                severity=Severity.ERROR,
                detail=Msg(
                    "Under WSL the GPU comes from the Windows NVIDIA driver (through "
                    "/usr/lib/wsl/lib); no Linux driver is installed inside. Finding no driver "
                    "there means the distribution runs under WSL 1 (which has no GPU, whatever "
                    "the Windows version), or the Windows driver or WSL is too old for GPU "
                    "support."
                ),
                evidence=("os.wsl", "errors.seen"),
                fixes=(
                    Fix(
                        "In Windows PowerShell: check the WSL version of the distribution, "
                        "convert it to WSL 2, update WSL",
                        ("wsl -l -v", "wsl --set-version <distribution> 2", "wsl --update"),
                        URL_WSL,
                    ),
                    Fix(
                        "Then, inside WSL, the Windows driver's libraries must be there",
                        ("ls -l /usr/lib/wsl/lib/libcuda.so*", "nvidia-smi"),
                    ),
                ),
            ),
            RANK_PLATFORM_HOST,
            ALL_GPU_SYMPTOMS,
        )
    ]


@rule("platform.container_without_gpu")
def container_in_paste(view: FactsView) -> list[Candidate]:
    """A pasted report from a container started without GPUs."""
    if view.container is not None:
        return []  # platform.container_without_gpu from live facts covers it
    # (A GPU named in the report is the host's: the container is the question.)
    runs = view.dicts("os.docker_runs")
    without = [run for run in runs if run.get("gpus") is False]
    in_container = view.bool_("explain.mentions_container") is True
    smi_missing = "smi_not_found" in view.signature_kinds
    if not ((in_container and smi_missing) or (without and gpu_trouble(view))):
        return []
    why = (
        Msg("the container is started with `{command}`, which passes no GPU in",
            command=str(without[0].get("text", "")).strip())
        if without
        else Msg("nvidia-smi is missing inside the container although the host has the driver")
    )
    return [
        Candidate(
            finding(
                id="platform.container_without_gpu",
                severity=Severity.ERROR,
                detail=Msg(
                    "The program runs in a container and {why}: without --gpus (and the "
                    "NVIDIA Container Toolkit on the host) there are no /dev/nvidia* devices "
                    "and no driver libraries inside, so CUDA is unavailable.",
                    why=why,
                ),
                evidence=("os.docker_runs", "explain.mentions_container", "errors.seen"),
                fixes=(
                    Fix(
                        "Start the container with the GPUs (compose: deploy.resources."
                        "reservations.devices with capabilities [gpu])",
                        ("docker run --gpus all ...",),
                        URL_CONTAINER_TOOLKIT,
                    ),
                ),
            ),
            RANK_PLATFORM_HOST,
            ALL_GPU_SYMPTOMS,
        )
    ]


__all__ = ["ALL_GPU_SYMPTOMS", "gpu_trouble"]
