"""The table of error messages :func:`envcheck.signatures.classify` recognises.

One :class:`Pattern` per message shape: its kind (see the kinds listed in
:mod:`envcheck.signatures`), a lower-case substring that must occur before the regular
expression is tried (a cheap gate, so a huge paste stays linear), the expression, and how to
pull numbers out of a match. Expressions have no nested or unbounded repetition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from envcheck.parsers.versions import cuda_from_int, cudnn_from_int

Extract = Callable[["re.Match[str]"], dict[str, str]]


@dataclass(frozen=True)
class Pattern:
    kind: str
    gate: str
    """Lower-case substring that must occur before the regex is tried (cheap filter)."""
    regex: re.Pattern[str]
    extract: Extract | None = None


def no_data(_: re.Match[str]) -> dict[str, str]:
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


def _named(*names: str) -> Extract:
    def extract(match: re.Match[str]) -> dict[str, str]:
        groups = match.groupdict()
        return {name: groups[name] for name in names if groups.get(name)}

    return extract


def _distribution(match: re.Match[str]) -> dict[str, str]:
    return {"package": match.group("package").lower(), "spec": (match.group("spec") or "").strip()}


def _p(kind: str, gate: str, pattern: str, extract: Extract | None = None) -> Pattern:
    return Pattern(kind, gate, re.compile(pattern, re.IGNORECASE), extract)


_VERSION = r"\d+(?:\.\d+){0,3}"
# An apostrophe as pastes carry it: ASCII, or the curly/modifier ones that blogs and word
# processors substitute ("couldn‘t communicate").
_APOS = "['\u2018\u2019\u02bc\u2032]"
_CUDNN_VER = r"\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)|\d+"

PATTERNS: tuple[Pattern, ...] = (
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
        no_data,
    ),
    _p(
        "driver_too_old",
        "insufficient for cuda runtime",
        r"CUDA driver version is insufficient for CUDA runtime version",
        no_data,
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
    _p(
        "driver_too_old",
        "unsatisfied condition: cuda",
        r"unsatisfied condition: cuda\s{0,2}>=\s{0,2}(?P<need>\d{1,2}\.\d{1,2})",
        lambda m: {"reason": "container", "need_cuda": m.group("need")},
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
        "undefined symbol",
        r"(?P<lib>libcudnn[A-Za-z0-9_]{0,40}\.so[0-9.]{0,20}): undefined symbol",
        _lib,
    ),
    _p(
        "cudnn_load",
        "zlibwapi",
        # cuDNN 8.x on Windows loads zlibwapi.dll; guides that copy cuDNN DLLs forget it
        r"Could not (?:locate|load) (?:library )?(?P<lib>zlibwapi\.dll)",
        _lib,
    ),
    _p(
        "cudnn_load",
        "could not locate",
        r"Could not (?:locate|find) (?P<lib>(?:lib)?cudnn[A-Za-z0-9_.]{0,60})",
        _lib,
    ),
    _p(
        "cudnn_load",
        "cudnn_status_",
        r"CUDNN_STATUS_(?P<status>SUBLIBRARY_VERSION_MISMATCH|VERSION_MISMATCH|"
        r"SUBLIBRARY_LOADING_FAILED)",
        _named("status"),
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
        "cuda_home_not_set",
        "cuda_home",
        # setup.py files that read CUDA_HOME and fail on None: get_cuda_bare_metal_version
        r"get_cuda_bare_metal_version\(\s{0,2}CUDA_HOME\s{0,2}\)|"
        r"No CUDA runtime is found, using CUDA_HOME",
    ),
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
    _p(
        "extension_torch_mismatch",
        "built for",
        r"(?P<ext>xFormers|[A-Za-z][\w-]{1,40}) (?:was|were|is) built for:?\s{0,8}PyTorch "
        r"(?P<built>\d[\w.+]{0,30})[^\n]{0,80}?\(you have (?P<have>\d[\w.+]{0,30})\)",
        _named("ext", "built", "have"),
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
    _p("nccl_error", "nccl error", r"NCCL error\b", no_data),
    _p(
        "oom",
        "out of memory",
        r"(?:CUDA|MPS backend) out of memory\.?(?:\s*Tried to allocate "
        r"(?P<tried>\d{1,9}(?:\.\d{1,3})? ?[KMGT]i?B))?",
        _named("tried"),
    ),
    _p("oom", "out of memory", r"CUDA error: out of memory", no_data),
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
        "conda_python_conflict",
        "python",
        r"(?P<package>pytorch|torch|torchvision|torchaudio)[-= ](?P<version>\d{1,2}\.\d{1,2}"
        r"(?:\.\d{1,3})?)[^\s]{0,60}\s{1,4}(?:would\s{1,4})?requires?[\s\u2500-\u257f]{1,20}"
        r"python\s{0,2}(?P<python>[<>=!][^\s,]{1,20}(?:,\s?[<>=][^\s,]{1,20})?)",
        lambda m: {
            "package": m.group("package").lower(),
            "spec": f"=={m.group('version')}",
            "python": m.group("python"),
        },
    ),
    _p(
        "conda_python_conflict",
        "-> python",
        r"(?P<package>pytorch|torch|torchvision|torchaudio)(?:={1,2}(?P<version>\d{1,2}\.\d{1,2}"
        r"(?:\.\d{1,3})?))?\S{0,30}\s{0,2}->\s{0,2}python\[version='(?P<python>[^'\n]{1,80})'\]",
        lambda m: {
            "package": m.group("package").lower(),
            "spec": f"=={m.group('version')}" if m.group("version") else "",
            "python": m.group("python"),
        },
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
        # not a condition the program handles ("falls back to the CPU when CUDA is not available")
        r"(?<!when )(?<!if )(?<!unless )(?<!whether )(?<!in case )"
        r"(?:\bCUDA (?:is )?not available\b|\bCUDA unavailable\b)",
    ),
    _p(
        "module_missing",
        "no module named",
        r"No module named '?(?P<module>(?!torch'|torch$|torch\b(?!\.))[A-Za-z_][\w.]{0,80}?)'?"
        r"(?=[\s'\"]|$)",
        _named("module"),
    ),
)

