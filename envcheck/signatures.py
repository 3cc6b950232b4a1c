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
    a libcudnn library or DLL that cannot be loaded, or "cuDNN version incompatibility".
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

Time is bounded on any input: every line is cut to :data:`MAX_LINE` characters, a cheap
substring test gates each pattern, and the patterns have no nested or unbounded repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from envcheck.parsers.versions import cuda_from_int, cudnn_from_int

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
    "torch_missing",
    "undefined_symbol",
    "nccl_error",
    "smi_not_found",
    "cuda_header_missing",
    "nvcc_not_found",
    "no_wheel_for_platform",
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


_Extract = Callable[["re.Match[str]"], dict[str, str]]


@dataclass(frozen=True)
class _Pattern:
    kind: str
    gate: str
    """Lower-case substring that must occur before the regex is tried (cheap filter)."""
    regex: re.Pattern[str]
    extract: _Extract | None = None


def _no_data(_: re.Match[str]) -> dict[str, str]:
    return {}


def _found(match: re.Match[str]) -> dict[str, str]:
    number = match.group(1)
    data = {"found": number}
    # cudaDriverGetVersion's encoding: 1000 * major + 10 * minor (11040 is CUDA 11.4).
    cuda = cuda_from_int(int(number))
    if cuda is not None:
        data["found_cuda"] = cuda
    return data


def _arch(match: re.Match[str]) -> dict[str, str]:
    data = {"sm": match.group("sm")}
    supported = match.groupdict().get("supported")
    if supported:
        data["supported"] = " ".join(supported.split())
    return data


def _old_arch(match: re.Match[str]) -> dict[str, str]:
    data = {"sm": f"sm_{match.group('major')}{match.group('minor')}"}
    gpu = match.group("gpu").strip()
    if gpu:
        data["gpu"] = gpu
    return data


def _tuple_version(text: str) -> str:
    """``(8, 9, 2)`` → ``8.9.2``; ``8902`` (cuDNN's integer) → ``8.9.2``."""
    digits = re.findall(r"\d+", text)
    if len(digits) > 1:
        return ".".join(digits)
    if not digits:
        return text
    return cudnn_from_int(int(digits[0])) or digits[0]


def _cudnn_versions(match: re.Match[str]) -> dict[str, str]:
    return {
        "compiled": _tuple_version(match.group("compiled")),
        "runtime": _tuple_version(match.group("runtime")),
    }


def _lib(match: re.Match[str]) -> dict[str, str]:
    return {"lib": match.group("lib").rstrip(".")}


def _named(*names: str) -> _Extract:
    def extract(match: re.Match[str]) -> dict[str, str]:
        groups = match.groupdict()
        return {name: groups[name] for name in names if groups.get(name)}

    return extract


def _distribution(match: re.Match[str]) -> dict[str, str]:
    return {"package": match.group("package").lower(), "spec": (match.group("spec") or "").strip()}


def _p(kind: str, gate: str, pattern: str, extract: _Extract | None = None) -> _Pattern:
    return _Pattern(kind, gate, re.compile(pattern, re.IGNORECASE), extract)


_VERSION = r"\d+(?:\.\d+){0,3}"
# An apostrophe as pastes carry it: ASCII, or the curly/modifier ones that blogs and word
# processors substitute ("couldn‘t communicate").
_APOS = "['\u2018\u2019\u02bc\u2032]"
_CUDNN_VER = r"\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)|\d+"

_PATTERNS: tuple[_Pattern, ...] = (
    _p(
        "driver_too_old",
        "driver on your system is too old",
        r"NVIDIA driver on your system is too old \(found version (\d{1,6})\)",
        _found,
    ),
    _p(
        "driver_too_old",
        "driver on your system is too old",
        r"NVIDIA driver on your system is "
        r"too old(?! \(found)",
        _no_data,
    ),
    _p(
        "driver_too_old",
        "insufficient for cuda runtime",
        r"CUDA driver version is insufficient for CUDA runtime version",
        _no_data,
    ),
    _p(
        "driver_too_old",
        "unsupported toolchain",
        r"the provided PTX was compiled with an unsupported toolchain",
        lambda m: {"reason": "ptx"},
    ),
    _p(
        "driver_too_old",
        "forward compatibility was attempted",
        r"forward compatibility was attempted on non supported HW",
        lambda m: {"reason": "forward_compat"},
    ),
    _p("no_kernel_image", "no kernel image", r"no kernel image is available for execution"),
    _p(
        "arch_incompatible",
        "is not compatible with the current pytorch",
        r"with CUDA capability (?P<sm>sm_\d{2,3}[a-z]?) is not "
        r"compatible with the current PyTorch installation\.?"
        r"(?:\s*The current PyTorch install supports CUDA capabilities"
        r"(?P<supported>(?:\s+(?:sm|compute)_\d{2,3}[a-z]?){1,40}))?",
        _arch,
    ),
    _p(
        "arch_incompatible",
        "which is of cuda capability",
        r"Found GPU\d{1,3}\s+(?P<gpu>[^\n]{0,120}?)\s+which is of cuda capability "
        r"(?P<major>\d{1,2})\.(?P<minor>\d)",
        _old_arch,
    ),
    _p("nvml_mismatch", "driver/library version mismatch", r"Driver/library version mismatch"),
    _p(
        "nvml_mismatch",
        "unsupported display driver",
        r"system has unsupported display driver / cuda driver combination",
    ),
    _p("no_driver", "found no nvidia driver", r"Found no NVIDIA driver on your system"),
    _p(
        "no_driver",
        "communicate with the nvidia driver",
        rf"NVIDIA-SMI has failed because it couldn{_APOS}t communicate with the NVIDIA driver",
    ),
    _p(
        "no_driver",
        "libcuda.so.1",
        r"libcuda\.so\.1: cannot open shared object file",
    ),
    _p("no_driver", "nvml shared library not found", r"NVML Shared Library Not Found"),
    _p(
        "no_driver",
        "find libnvidia-ml",
        rf"NVIDIA-SMI couldn{_APOS}t find libnvidia-ml\.so library",
    ),
    _p("system_not_ready", "system not yet initialized", r"system not yet initiali[sz]ed"),
    _p("cuda_unknown_error", "unknown error", r"CUDA unknown error|CUDA error: unknown error"),
    _p("no_cuda_gpus", "no cuda gpus", r"No CUDA GPUs are available"),
    _p("no_cuda_gpus", "no cuda-capable device", r"no CUDA-capable device is detected"),
    _p(
        "no_cuda_gpus",
        "cuda driver initialization failed",
        r"CUDA driver initiali[sz]ation failed, you might not have a CUDA gpu",
    ),
    _p(
        "device_busy",
        "busy or unavailable",
        r"CUDA-capable device\(s\) (?:is/are|are|is) busy or unavailable",
    ),
    _p(
        "not_compiled_with_cuda",
        "not compiled with cuda",
        r"Torch not compiled with CUDA enabled",
    ),
    _p("invalid_device_ordinal", "invalid device ordinal", r"invalid device ordinal"),
    _p(
        "cudnn_load",
        "cudnn",
        r"(?P<lib>libcudnn[A-Za-z0-9_]{0,40}\.so[0-9.]{0,20}): cannot open shared object file",
        _lib,
    ),
    _p(
        "cudnn_load",
        "could not load library",
        r"Could not load library (?P<lib>(?:lib)?cudnn[A-Za-z0-9_.]{0,60})",
        _lib,
    ),
    _p(
        "cudnn_load",
        "unable to load any of",
        r"Unable to load any of \{(?P<lib>libcudnn[A-Za-z0-9_]{0,40}\.so[0-9.]{0,20})",
        _lib,
    ),
    _p(
        "cudnn_load",
        "cudnn version",
        r"cuDNN version (?:incompatibility|mismatch): PyTorch was compiled\s+against\s+"
        rf"(?P<compiled>{_CUDNN_VER})\s+but\s+(?:found runtime version|linked against)\s+"
        rf"(?P<runtime>{_CUDNN_VER})",
        _cudnn_versions,
    ),
    _p(
        "cuda_version_mismatch_ext",
        "mismatches the version that was used to compile",
        rf"detected CUDA version \((?P<detected>{_VERSION})\) mismatches the version that was "
        rf"used to compile\s+PyTorch \((?P<torch>{_VERSION})\)",
        _named("detected", "torch"),
    ),
    _p("cuda_home_not_set", "cuda_home", r"CUDA_HOME environment variable is not set"),
    _p(
        "nvcc_unsupported_arch",
        "unsupported gpu architecture",
        r"Unsupported gpu architecture '(?:compute|sm)_(?P<arch>\d{2,3}[a-z]?)'",
        _named("arch"),
    ),
    _p(
        "host_compiler_unsupported",
        "unsupported gnu version",
        r"unsupported GNU version! gcc versions later than (?P<newest>\d{1,2}) are not supported",
        lambda m: {"compiler": "gcc", "newest": m.group("newest")},
    ),
    _p(
        "host_compiler_unsupported",
        "unsupported clang version",
        r"unsupported clang version! clang version must be less than (?P<below>\d{1,2})",
        lambda m: {"compiler": "clang", "newest": str(int(m.group("below")) - 1)},
    ),
    _p(
        "host_compiler_unsupported",
        "unsupported microsoft visual studio version",
        r"unsupported Microsoft Visual Studio version!",
        lambda m: {"compiler": "msvc"},
    ),
    _p(
        "no_matching_distribution",
        "no matching distribution found for",
        r"No matching distribution found for (?P<package>[A-Za-z0-9][A-Za-z0-9._-]{0,80})"
        r"(?P<spec>\s*(?:\[[^\]\n]{0,80}\])?\s*(?:[=<>!~]=?=?\s*[A-Za-z0-9.*+!_-]{1,40}"
        r"\s*,?\s*){0,4})",
        _distribution,
    ),
    _p(
        "no_matching_distribution",
        "could not find a version that satisfies",
        r"Could not find a version that satisfies the requirement "
        r"(?P<package>[A-Za-z0-9][A-Za-z0-9._-]{0,80})"
        r"(?P<spec>\s*(?:[=<>!~]=?=?\s*[A-Za-z0-9.*+!_-]{1,40}\s*,?\s*){0,4})",
        _distribution,
    ),
    _p("torchvision_nms", "torchvision::nms", r"operator torchvision::nms does not exist"),
    _p(
        "torchvision_cuda_mismatch",
        "compiled with different cuda",
        r"PyTorch and torchvision were compiled with different CUDA (?:major )?versions\.?"
        rf"(?:\s*PyTorch has CUDA Version\s*=\s*(?P<torch>{_VERSION})\s*and torchvision has "
        rf"CUDA Version\s*=\s*(?P<torchvision>{_VERSION}))?",
        _named("torch", "torchvision"),
    ),
    _p(
        "docker_no_gpu",
        "could not select device driver",
        r"could not select device driver \"[^\"\n]{0,40}\" with capabilities: \[\[gpu\]\]",
    ),
    _p("docker_no_gpu", "invalid runtime name", r"unknown or invalid runtime name: nvidia"),
    _p(
        "dll_load",
        "winerror",
        r"\[WinError (?P<winerror>\d{1,5})\][^\n]{0,300}?Error loading \"?"
        r"(?P<dll>[^\"\n]{1,300}?\.dll)",
        _named("winerror", "dll"),
    ),
    _p("torch_missing", "no module named", r"No module named '?torch'?(?![._A-Za-z0-9])"),
    _p(
        "undefined_symbol",
        "undefined symbol",
        r"undefined symbol: (?P<symbol>[A-Za-z0-9_$.@]{1,300})",
        _named("symbol"),
    ),
    _p(
        "nccl_error",
        "nccl",
        r"\bnccl(?P<code>UnhandledCudaError|SystemError|InternalError|InvalidArgument|"
        r"InvalidUsage|RemoteError|InProgress)\b",
        _named("code"),
    ),
    _p("nccl_error", "nccl error", r"NCCL error\b", _no_data),
    _p(
        "oom",
        "out of memory",
        r"(?:CUDA|MPS backend) out of memory\.?(?:\s*Tried to allocate "
        r"(?P<tried>\d{1,9}(?:\.\d{1,3})? ?[KMGT]i?B))?",
        _named("tried"),
    ),
    _p("oom", "out of memory", r"CUDA error: out of memory", _no_data),
    _p(
        "smi_not_found",
        "nvidia-smi",
        r"nvidia-smi: (?:command )?not found|'nvidia-smi' is not recognized as an internal|"
        r"The term 'nvidia-smi' is not recognized|nvidia-smi: 未找到命令",
    ),
    _p(
        "cuda_header_missing",
        "no such file or directory",
        r"fatal error: (?P<header>(?:cuda|cublas|cusolver|cusparse|curand|cufft|nvToolsExt|"
        r"cuda_runtime|cuda_fp16|cudnn|nvrtc|thrust/)[A-Za-z0-9_/]{0,40}\.(?:h|hpp|cuh)):"
        r" No such file or directory",
        _named("header"),
    ),
    _p(
        "cuda_header_missing",
        "cannot find -lcud",
        r"cannot find -l(?P<header>cudart|cublas|cuda|cusolver|cusparse|curand|cufft)\b",
        _named("header"),
    ),
    _p(
        "nvcc_not_found",
        "nvcc",
        r"nvcc: (?:command )?not found|'nvcc' is not recognized as an internal|"
        r"No such file or directory: '[^'\n]{0,200}nvcc(?:\.exe)?'",
    ),
    _p(
        "no_wheel_for_platform",
        "wheel for the current platform",
        r"`?(?P<package>[A-Za-z0-9][A-Za-z0-9._-]{0,80})(?:==[^\s`@]{1,40})?(?: @ [^`\n]{0,200})?`?"
        r" can't be installed because it doesn't have a source distribution or wheel for the "
        r"current platform",
        lambda m: {"package": m.group("package").lower()},
    ),
    _p(
        "no_wheel_for_platform",
        "is not a supported wheel on this platform",
        r"(?P<package>[A-Za-z0-9][A-Za-z0-9_.]{0,80})-[^\s]{1,200}\.whl is not a supported wheel "
        r"on this platform",
        lambda m: {"package": m.group("package").lower()},
    ),
    _p(
        "torchvision_cuda_backend",
        "with arguments from the 'cuda' backend",
        r"Could not run '(?P<op>torchvision::\w{1,60})' with arguments from the 'CUDA' backend",
        _named("op"),
    ),
    _p(
        "cuda_unavailable_msg",
        "is_available() is false",
        r"Attempting to deserialize object on (?:a )?CUDA device but torch\.cuda\.is_available\(\)"
        r" is False",
    ),
    _p(
        "cuda_unavailable_msg",
        "invalid cuda",
        r"Invalid CUDA '?device=[\w,]{1,40}'? requested",
    ),
    _p(
        "cuda_unavailable_msg",
        "not able to use gpu",
        r"Torch is not able to use GPU",
    ),
    _p(
        "cuda_unavailable_msg",
        "failed to infer device type",
        r"Failed to infer device type",
    ),
    _p(
        "cuda_unavailable_msg",
        "cuda is not available",
        r"\bCUDA (?:is )?not available\b|\bCUDA unavailable\b",
    ),
    _p(
        "module_missing",
        "no module named",
        r"No module named '?(?P<module>(?!torch'|torch$|torch\b(?!\.))[A-Za-z_][\w.]{0,80}?)'?"
        r"(?=[\s'\"]|$)",
        _named("module"),
    ),
)

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

    for pattern in _PATTERNS:
        if pattern.gate not in lowered:
            continue
        extract = pattern.extract or _no_data
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
