"""User-facing text shared by the rules: symptom descriptions, common fixes, command helpers.

Each finding's title, trigger and fix in one line are declared in :mod:`envcheck.catalogue`;
its details and concrete fix commands live in the rule that proves it (they carry that rule's
numbers); what several rules say the same way lives here, so it is said once.
"""

from __future__ import annotations

import shlex
from types import MappingProxyType

from envcheck.i18n import Joined, Msg, WrittenText
from envcheck.model import Fix
from envcheck.rules.facts_view import FactsView

SYMPTOMS: dict[str, str] = {
    "cuda_unavailable": Msg("CUDA is not available to torch (torch.cuda.is_available() is False)"),
    "kernel_failed": Msg("the tiny test kernel failed on the GPU"),
    "kernel_not_run": Msg("the tiny test kernel could not run on the GPU"),
    "import_failed": Msg("import torch fails"),
    "torch_missing": Msg("torch is not installed in this environment"),
    "driver_missing": Msg("no NVIDIA driver is visible"),
    "driver_too_old": Msg("torch reports the driver as too old"),
    "no_kernel_image": Msg('"no kernel image is available for execution on the device"'),
    "arch_incompatible": Msg("torch warns that the GPU's compute capability is not supported"),
    "nvml_mismatch": Msg('"Driver/library version mismatch" from NVML or CUDA'),
    "no_driver": Msg("torch or nvidia-smi cannot find the NVIDIA driver"),
    "system_not_ready": Msg('CUDA error 802 "system not yet initialized"'),
    "cuda_unknown_error": Msg('"CUDA unknown error" when torch initialises CUDA'),
    "no_cuda_gpus": Msg('"No CUDA GPUs are available"'),
    "not_compiled_with_cuda": Msg('"Torch not compiled with CUDA enabled"'),
    "invalid_device_ordinal": Msg('"invalid device ordinal"'),
    "cudnn_load": Msg("cuDNN fails to load"),
    "cuda_version_mismatch_ext": Msg(
        'extension builds stop with "The detected CUDA version '
        'mismatches the version that was used to compile PyTorch"'
    ),
    "cuda_home_not_set": Msg(
        'extension builds stop with "CUDA_HOME environment variable is not set"'
    ),
    "nvcc_unsupported_arch": Msg('nvcc stops with "Unsupported gpu architecture"'),
    "host_compiler_unsupported": Msg("nvcc refuses the host C++ compiler"),
    "device_busy": Msg('"CUDA-capable device(s) is/are busy or unavailable"'),
    "no_matching_distribution": Msg('pip says "No matching distribution found" for torch'),
    "torchvision_nms": Msg('"operator torchvision::nms does not exist"'),
    "torchvision_cuda_mismatch": Msg("torchvision refuses to load (compiled with another CUDA)"),
    "docker_no_gpu": Msg("docker cannot start the container with --gpus"),
    "wsl_no_gpu": Msg("libcuda cannot be loaded inside WSL"),
    "dll_load": Msg("a torch DLL fails to load (WinError)"),
    "undefined_symbol": Msg("a compiled extension fails with an undefined symbol"),
    "nccl_error": Msg("NCCL reports an error"),
    "oom": Msg("CUDA runs out of memory"),
    "smi_not_found": Msg("nvidia-smi is not found"),
    "cuda_header_missing": Msg("the extension build cannot find the CUDA headers or libraries"),
    "nvcc_not_found": Msg("nvcc is not found"),
    "no_wheel_for_platform": Msg("the installer finds no torch wheel for this platform"),
    "conda_python_conflict": Msg("conda finds no torch build for this Python"),
    "torchvision_cuda_backend": Msg("torchvision has no CUDA kernels for its ops"),
    "cuda_unavailable_msg": Msg("the program reports that CUDA is not available"),
    "module_missing": Msg("a module is missing in the Python that runs the code"),
    "extension_torch_mismatch": Msg("a compiled extension was built for another torch"),
}
"""What each symptom looks like to the user; attached to the finding that explains it."""

RECOMMEND_FALLBACK = Fix(
    "Install the torch build that matches this machine; envcheck recommend prints the exact "
    "command for it.",
    ("envcheck recommend",),
)

URL_DRIVER = "https://www.nvidia.com/Download/index.aspx"
URL_WSL = "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"
URL_CONTAINER_TOOLKIT = (
    "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"
)
URL_MINOR_COMPAT = "https://docs.nvidia.com/deploy/cuda-compatibility/"
URL_TOOLKIT_ARCHIVE = "https://developer.nvidia.com/cuda-toolkit-archive"
URL_PREVIOUS = "https://pytorch.org/get-started/previous-versions/"
URL_MIG = "https://docs.nvidia.com/datacenter/tesla/mig-user-guide/"


def reinstall_fix(view: FactsView) -> Fix:
    """The fix that installs a torch that fits the machine, from the planner the caller of
    :func:`envcheck.rules.diagnose` handed over; the generic ``envcheck recommend`` fix when
    there is none, or when it finds nothing that fits."""
    writer = view.fix_writer
    fix = writer.fix(view.facts) if writer is not None else None
    if fix is None or not fix.commands:
        return RECOMMEND_FALLBACK
    cpu = writer is not None and (writer.variant(view.facts) == "cpu" or any(
        "/whl/cpu" in command for command in fix.commands))
    if view.nvidia_evidence and cpu:
        # Never the CPU build for a machine with an NVIDIA GPU (the planner could not tell
        # which CUDA build fits: an unknown GPU model, say).
        gpu = next((g.name for g in view.gpus), None)
        return Fix(
            "Install a CUDA build of torch that has kernels for this GPU; envcheck recommend "
            "prints the command once it knows the GPU and driver",
            (f'envcheck recommend --gpu "{gpu}"' if gpu else "envcheck recommend",),
        )
    if view.cuda_wanted and cpu:
        # The code asks for CUDA but nothing shows a GPU (a one-line log): the CPU build
        # would reinstall the problem. Which CUDA build fits depends on the GPU and driver.
        return Fix(
            "On the machine with the NVIDIA GPU, install a CUDA build of torch: envcheck "
            "recommend, run there, prints the command for its GPU and driver (with no NVIDIA "
            "GPU, run the code on the CPU instead)",
            ("envcheck recommend",),
        )
    return fix


def reinstall_torch(view: FactsView) -> str | None:
    """The torch version :func:`reinstall_fix` installs (None when it falls back), so a
    finding's text can name the same release as its fix."""
    writer = view.fix_writer
    return writer.torch(view.facts) if writer is not None else None


def quote(arg: str, os_name: str) -> str:
    """Quote one argument for the user's shell (cmd/PowerShell style on Windows)."""
    if os_name == "windows":
        return f'"{arg}"' if (" " in arg or not arg) else arg
    return shlex.quote(arg)


def python_cmd(view: FactsView) -> str:
    """How to call the target interpreter in a copy-pasteable command."""
    exe = view.str_("python.executable")
    if not exe:
        return "python"
    return quote(exe, view.os_name)


def pip_cmd(view: FactsView) -> str:
    """``<target python> -m pip``: the pip of the inspected environment, never a guess."""
    return f"{python_cmd(view)} -m pip"


def upper_first(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case "PyPI").

    A message stays a message: its English starts with a capital, and it is said in another
    language as before (where letters have no case, the translation needs no change).
    """
    upper = text[:1].upper() + text[1:]
    if upper == text:
        return text
    if isinstance(text, Joined):
        return Joined(text.sep, (upper_first(text.parts[0]), *text.parts[1:]))
    if isinstance(text, WrittenText):
        return WrittenText(text.msgid, upper)
    if isinstance(text, Msg):
        return _same_message(text, upper)
    return upper


def short(text: str, limit: int = 160) -> str:
    """One line of ``text``, cut to ``limit`` characters (``text`` itself, a message kept,
    when it is one line already and short enough)."""
    line = " ".join(text.split())
    if len(line) > limit:
        return line[: limit - 1] + "…"
    return text if line == text else line


def _same_message(message: Msg | None, english: str) -> Msg:
    """A message whose English is ``english``: ``message``'s id and values, or, without one,
    ``english`` itself as the id."""
    out = str.__new__(Msg, english)
    out.msgid = message.msgid if message is not None else english
    out.values = message.values if message is not None else MappingProxyType({})
    return out
