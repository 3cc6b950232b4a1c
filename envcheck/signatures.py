"""Recognise the error messages a broken GPU stack produces, by regular expression.

:func:`classify` is pure and shared by the rules (which read ``torch.import_error``,
``torch.cuda_error``, ``torch.kernel_error``, ``torch.warnings`` and ``errors.seen``) and by
the ``explain`` parsers (which read pasted tracebacks). Both paths therefore reach the same
findings from the same text.

Kinds (public and stable; they appear in the ``errors.seen`` fact as ``{kind, text, data}``):

``driver_too_old``
    "The NVIDIA driver on your system is too old (found version 11040)", "CUDA driver version
    is insufficient for CUDA runtime version", "the provided PTX was compiled with an
    unsupported toolchain", "forward compatibility was attempted on non supported HW".
    data: ``found`` (``"11040"``) and ``found_cuda`` (``"11.4"``) when the number is given;
    ``reason`` (``ptx`` or ``forward_compat``) for the last two.
    Docker's "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=12.4" is
    the same verdict from the container runtime: data ``reason`` ``container``, ``need_cuda``.
``no_kernel_image``
    "no kernel image is available for execution on the device".
``arch_incompatible``
    "... with CUDA capability sm_120 is not compatible with the current PyTorch installation.
    The current PyTorch install supports CUDA capabilities sm_50 ...", and the older "Found
    GPU0 ... which is of cuda capability 3.0" warnings. data: ``sm`` (``"sm_120"``),
    ``supported`` (space-separated, when listed), ``gpu`` (name, when given).
``nvml_mismatch``
    "Driver/library version mismatch", "system has unsupported display driver / cuda driver
    combination" (CUDA error 803): the user-space driver differs from the loaded kernel module.
``no_driver``
    "Found no NVIDIA driver on your system", "NVIDIA-SMI has failed because it couldn't
    communicate with the NVIDIA driver", "libcuda.so.1: cannot open shared object file",
    "NVML Shared Library Not Found", "NVIDIA-SMI couldn't find libnvidia-ml.so library".
``system_not_ready``
    "system not yet initialized" (CUDA error 802; on NVSwitch machines the fabric manager
    is not running).
``cuda_unknown_error``
    "CUDA unknown error" / "CUDA error: unknown error".
``no_cuda_gpus``
    "No CUDA GPUs are available", "no CUDA-capable device is detected", "CUDA driver
    initialization failed, you might not have a CUDA gpu".
``not_compiled_with_cuda``
    "Torch not compiled with CUDA enabled".
``invalid_device_ordinal``
    "invalid device ordinal".
``cudnn_load``
    a libcudnn library or DLL that cannot be loaded or located, "cuDNN version
    incompatibility", and cuDNN's own CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH (data ``status``).
    data: ``lib`` (the library named), or ``compiled`` and ``runtime`` (``"8.9.2"``).
``cuda_version_mismatch_ext``
    "The detected CUDA version (11.8) mismatches the version that was used to compile
    PyTorch (12.1)". data: ``detected``, ``torch``.
``cuda_home_not_set``
    "CUDA_HOME environment variable is not set".
``nvcc_unsupported_arch``
    "nvcc fatal : Unsupported gpu architecture 'compute_120'": the toolkit building an extension
    is older than the GPU (or than an entry of TORCH_CUDA_ARCH_LIST). data: ``arch`` (``"120"``).
``host_compiler_unsupported``
    "#error -- unsupported GNU version! gcc versions later than 13 are not supported!" (also
    clang and Microsoft Visual Studio): nvcc refuses the host C++ compiler. data: ``compiler``
    (``gcc``, ``clang`` or ``msvc``), ``newest`` (the newest major it accepts, when given).
``device_busy``
    "CUDA-capable device(s) is/are busy or unavailable": the GPU is in exclusive-process compute
    mode and taken, or prohibited, or held by a hung process.
``no_matching_distribution``
    "No matching distribution found for torch==2.1.0", "Could not find a version that
    satisfies the requirement torch". data: ``package`` (lower-case name), ``spec`` (may be
    empty).
``torchvision_nms``
    "operator torchvision::nms does not exist".
``torchvision_cuda_mismatch``
    "Detected that PyTorch and torchvision were compiled with different CUDA major versions".
    data: ``torch``, ``torchvision`` (CUDA versions, when given).
``docker_no_gpu``
    'could not select device driver "" with capabilities: [[gpu]]', "unknown or invalid
    runtime name: nvidia" (the host has no NVIDIA container runtime configured).
``wsl_no_gpu``
    under WSL (the text mentions ``/usr/lib/wsl`` or ``/dev/dxg``): libcuda cannot be
    opened, or ``/dev/dxg`` is missing.
``dll_load``
    Windows "[WinError 126] ... Error loading "...\\torch\\lib\\c10.dll"". data: ``winerror``,
    ``dll``.
``extension_torch_mismatch``
    a compiled extension that says which torch it was built for: "xFormers was built for:
    PyTorch 2.2.0+cu121 ... (you have 2.1.2+cu121)". data: ``ext``, ``built``, ``have``.
``torch_missing``
    "No module named 'torch'".
``undefined_symbol``
    "undefined symbol: ..." from a compiled extension (usually built against another torch).
    data: ``lib`` (the file, when named), ``symbol``.
``nccl_error``
    "NCCL error", ``ncclUnhandledCudaError`` and the other NCCL result codes. data: ``code``.
``smi_not_found``
    "nvidia-smi: command not found" and Windows' "'nvidia-smi' is not recognized": the driver's
    tools are not on this machine (or not inside this container).
``cuda_header_missing``
    "fatal error: cusolverDn.h: No such file or directory" (any CUDA header) and "cannot find
    -lcudart" while building an extension: no full CUDA toolkit for the build. data: ``header``.
``nvcc_not_found``
    "nvcc: command not found", "No such file or directory: '/usr/local/cuda/bin/nvcc'".
``no_wheel_for_platform``
    uv's "can't be installed because it doesn't have a source distribution or wheel for the
    current platform", pip's "is not a supported wheel on this platform". data: ``package``.
``conda_python_conflict``
    conda's solver refusing a torch for this Python: "package pytorch-1.13.1-py3.10_... requires
    python >=3.10,<3.11.0a0", "pytorch 1.13.1 would require python >=3.10,<3.11.0a0",
    "pytorch==1.13.1 -> python[version='>=3.10,<3.11.0a0']". data: ``package``, ``spec``
    (``==1.13.1``, when given), ``python`` (the constraint).
``torchvision_cuda_backend``
    "Could not run 'torchvision::nms' with arguments from the 'CUDA' backend": torchvision is a
    CPU build beside a CUDA torch. data: ``op``.
``cuda_unavailable_msg``
    tools and torch saying CUDA is unusable in their own words: "Attempting to deserialize
    object on a CUDA device but torch.cuda.is_available() is False", Ultralytics' "Invalid CUDA
    'device=0' requested", the Stable Diffusion web UI's "Torch is not able to use GPU", vLLM's
    "Failed to infer device type", "CUDA is not available".
``module_missing``
    "No module named 'xyz'" for a module other than torch. data: ``module``.
``oom``
    "CUDA out of memory" / "CUDA error: out of memory" / "MPS backend out of memory": not an
    environment fault. data: ``tried`` (e.g. ``"20.00 MiB"``), when given.

The message table is :mod:`envcheck.signature_patterns`. Time is bounded on any input: every
line is cut to :data:`MAX_LINE` characters, a cheap substring test gates each pattern, and the
patterns have no nested or unbounded repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from envcheck.signature_patterns import PATTERNS, no_data

MAX_LINE = 2000
"""Characters kept per line; messages are shorter, and this keeps every search linear."""
MAX_RESULTS = 64
"""At most this many signatures are returned (the first ones in the text)."""
_MAX_MATCHES = 256
"""Matches examined per pattern (repeats of one message add nothing after the first)."""
_MAX_TEXT = 600
"""Characters of context kept in :attr:`ErrorSignature.text`."""

KINDS: tuple[str, ...] = (
    "driver_too_old",
    "no_kernel_image",
    "arch_incompatible",
    "nvml_mismatch",
    "no_driver",
    "system_not_ready",
    "cuda_unknown_error",
    "no_cuda_gpus",
    "not_compiled_with_cuda",
    "invalid_device_ordinal",
    "cudnn_load",
    "cuda_version_mismatch_ext",
    "cuda_home_not_set",
    "nvcc_unsupported_arch",
    "host_compiler_unsupported",
    "device_busy",
    "no_matching_distribution",
    "torchvision_nms",
    "torchvision_cuda_mismatch",
    "docker_no_gpu",
    "wsl_no_gpu",
    "dll_load",
    "extension_torch_mismatch",
    "torch_missing",
    "undefined_symbol",
    "nccl_error",
    "smi_not_found",
    "cuda_header_missing",
    "nvcc_not_found",
    "no_wheel_for_platform",
    "conda_python_conflict",
    "torchvision_cuda_backend",
    "cuda_unavailable_msg",
    "module_missing",
    "oom",
)
"""Every kind :func:`classify` can return."""


@dataclass(frozen=True)
class ErrorSignature:
    """One recognised error: its kind, the text it was found in, and numbers pulled out."""

    kind: str
    text: str
    data: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    def as_fact(self) -> dict[str, object]:
        """The ``errors.seen`` entry for this signature."""
        return {"kind": self.kind, "text": self.text, "data": dict(self.data)}


_WSL_MARKERS = ("/usr/lib/wsl", "/dev/dxg", "microsoft-standard", "wsl2")
_WSL_LIBCUDA = re.compile(
    r"libcuda\.so(?:\.1)?: cannot open shared object file|"
    r"/dev/dxg[^\n]{0,80}(?:No such file|not found|does not exist|missing)|"
    r"(?:No such file|cannot access|missing)[^\n]{0,80}/dev/dxg",
    re.IGNORECASE,
)


def _gpu_before(prefix: str) -> str:
    """The GPU name that precedes "with CUDA capability" on its line, without log prefixes."""
    name = prefix.strip()
    if ": " in name:
        name = name.rsplit(": ", 1)[1]
    return name[-120:].strip()


def _lib_before(prefix: str) -> str:
    """The shared object named just before ": undefined symbol" (string ops: linear time)."""
    words = prefix.rstrip().rstrip(":").split()
    if not words:
        return ""
    word = words[-1].strip("'\"")
    return word[-300:] if ".so" in word else ""


_FROM_PREFIX: dict[str, tuple[str, Callable[[str], str]]] = {
    "arch_incompatible": ("gpu", _gpu_before),
    "undefined_symbol": ("lib", _lib_before),
}


def _prepare(text: str) -> str:
    """The text with every line cut to MAX_LINE characters (what patterns search)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= MAX_LINE or all(len(line) <= MAX_LINE for line in text.split("\n")):
        return text
    return "\n".join(line[:MAX_LINE] for line in text.split("\n"))


def _line_at(text: str, start: int, end: int) -> str:
    """The full line(s) around a match, trimmed to a readable length."""
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    snippet = text[left : right if right != -1 else len(text)].strip()
    if len(snippet) > _MAX_TEXT:
        snippet = snippet[: _MAX_TEXT - 1] + "…"
    return snippet


def classify(text: str) -> list[ErrorSignature]:
    """Every known error signature in ``text``, in order of appearance, without duplicates.

    Pure and total: any string is accepted and the time is linear in its length.
    Signatures with the same kind and data are reported once (the first occurrence).
    """
    if not text:
        return []
    prepared = _prepare(text)
    lowered = prepared.lower()
    wsl = any(marker in lowered for marker in _WSL_MARKERS)
    found: list[tuple[int, ErrorSignature]] = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

    def add(position: int, kind: str, snippet: str, data: Mapping[str, str]) -> None:
        key = (kind, tuple(sorted(data.items())))
        if key in seen:
            return
        seen.add(key)
        found.append((position, ErrorSignature(kind, snippet, data)))

    for pattern in PATTERNS:
        if pattern.gate not in lowered:
            continue
        extract = pattern.extract or no_data
        for count, match in enumerate(pattern.regex.finditer(prepared)):
            if count >= _MAX_MATCHES or len(found) >= MAX_RESULTS:
                break
            data = {k: v for k, v in extract(match).items() if v}
            if pattern.kind in _FROM_PREFIX and _FROM_PREFIX[pattern.kind][0] not in data:
                name, read = _FROM_PREFIX[pattern.kind]
                line_start = prepared.rfind("\n", 0, match.start()) + 1
                value = read(prepared[line_start : match.start()])
                if value:
                    data[name] = value
            add(match.start(), pattern.kind, _line_at(prepared, match.start(), match.end()), data)
    if wsl:
        hit = _WSL_LIBCUDA.search(prepared)
        if hit is not None:
            add(hit.start(), "wsl_no_gpu", _line_at(prepared, hit.start(), hit.end()), {})
    found.sort(key=lambda item: item[0])
    return [signature for _, signature in found[:MAX_RESULTS]]


def kinds_in(text: str) -> frozenset[str]:
    """The set of kinds :func:`classify` finds in ``text``."""
    return frozenset(signature.kind for signature in classify(text))
