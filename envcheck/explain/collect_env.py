"""``python -m torch.utils.collect_env`` output, from PyTorch 1.x to 2.x, on Linux/Windows/macOS.

The report is a list of ``Label: value`` lines; some values continue on the following lines
(the GPU list, the cuDNN candidates, the ``CPU:`` block, ``Versions of relevant libraries:``).
"Could not collect", "N/A", "None" and "No CUDA" mean unknown, never a value.

Two labels are easy to misread: "CUDA runtime version" is the version of ``nvcc`` on PATH
(collect_env runs ``nvcc --version``), so it maps to ``cuda_toolkit.nvcc_version``; and
"cuDNN version" lists libcudnn files found on the system, not the cuDNN torch loads, so it
maps to ``cudnn.system``. See torch/utils/collect_env.py
(https://github.com/pytorch/pytorch/blob/main/torch/utils/collect_env.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from envcheck.explain import conda_list, pip_list
from envcheck.explain.common import (
    Found,
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
    first_version,
    is_unknown,
    merge_parsed,
    torch_version_facts,
)
from envcheck.i18n import Msg
from envcheck.parsers.versions import major_minor

SOURCE = "collect_env"

_KEY_RE = re.compile(r"^\s{0,4}([A-Za-z][A-Za-z0-9_ ./()-]{1,60}?)\s{0,4}:(?:\s(.*))?$")
_GPU_LINE_RE = re.compile(r"^\s{0,4}GPU (\d{1,3}): (.{1,200}?)(?:\s+\(UUID: [^)]{0,100}\))?\s*$")
_MIG_LINE_RE = re.compile(r"^\s{1,8}MIG (\S{1,40})\s+Device\s+(\d{1,3})\s*:?")
_NOT_NVIDIA_RE = re.compile(r"\b(?:AMD|Radeon|Instinct|Intel)\b|gfx\d", re.IGNORECASE)
_NVIDIA_RE = re.compile(r"NVIDIA|GeForce|Tesla|Quadro|TITAN|\bRTX|\bGTX", re.IGNORECASE)
_LIB_LINE_RE = re.compile(r"^\s{0,4}\[(pip3?|conda)\]\s+(.*)$")
_CUDNN_FILE_RE = re.compile(
    r"(?:libcudnn\.so\.|libcudnn\.|cudnn64_|cudnn_\w{1,20}64_)(\d{1,2}(?:\.\d{1,3}){0,2})",
    re.IGNORECASE,
)
_CUDNN_MAIN_RE = re.compile(r"(?:libcudnn\.so\.|libcudnn\.\d|cudnn64_)", re.IGNORECASE)
_PLATFORM_LINUX_RE = re.compile(
    r"^Linux-(.{1,120}?)-(x86_64|aarch64|ppc64le|s390x|armv7l|i686)(?:-with.*)?$"
)
_BITS_RE = re.compile(r"\((\d{2})-bit runtime\)")
_OS_ARCH_RE = re.compile(r"^(.{1,150}?)\s*\((x86_64|aarch64|arm64|ppc64le|s390x|AMD64|i386)\)\s*$")
_GLIBC_RE = re.compile(r"glibc-?(\d{1,2}\.\d{1,3})")
_PY_VERSION_RE = re.compile(r"^(\d\.\d{1,2}(?:\.\d{1,3})?(?:[abrc]{1,2}\d{0,2})?)")

# Labels collect_env prints whose values envcheck has no use for: understood, nothing to take.
_IGNORED = frozenset(
    {
        "is debug build",
        "gcc version",
        "clang version",
        "cmake version",
        "hip runtime version",
        "miopen runtime version",
        "is xnnpack available",
        "is xpu available",
        "cuda_module_loading set to",
        "caching allocator config",
        "is cuda available (per torch)",
        "xpu used to build pytorch",
        "intel gpu driver version",
        "intel gpu models onboard",
        "intel gpu models detected",
    }
)

_Handler = Callable[[ParsedBuilder, str, int], None]


def _says(value: str) -> str:
    """The note on a value collect_env printed without giving it (``'Could not collect'``)."""
    return Msg("collect_env says {value}", value=repr(value))


def _torch_version(b: ParsedBuilder, value: str, i: int) -> None:
    if is_unknown(value):
        b.unknown("torch.version", i,
                  Msg("collect_env could not import torch (PyTorch version: N/A)"))
        return
    torch_version_facts(b, value.split()[0], i)


def _cuda_build(b: ParsedBuilder, value: str, i: int) -> None:
    version = first_version(value)
    if version is None:
        if value.strip().lower() == "none":
            b.unknown("torch.cuda_build", i,
                      Msg("CPU-only build (CUDA used to build PyTorch: None)"))
        else:
            b.unknown("torch.cuda_build", i, _says(value.strip() or "nothing"))
        return
    b.add("torch.cuda_build", major_minor(version), i)


def _rocm_build(b: ParsedBuilder, value: str, i: int) -> None:
    version = first_version(value)
    if version is not None:
        b.add("torch.hip_build", version, i)


def _os(b: ParsedBuilder, value: str, i: int) -> None:
    if is_unknown(value):
        return
    text = value.strip()
    match = _OS_ARCH_RE.match(text)
    distro = match.group(1) if match else text
    if match:
        b.add("os.arch", match.group(2), i)
    lowered = distro.lower()
    if "windows" in lowered:
        b.add("os.name", "windows", i)
    elif "mac" in lowered or "darwin" in lowered:
        b.add("os.name", "darwin", i)
    else:
        b.add("os.name", "linux", i)
    b.add("os.distro", distro, i)


def _libc(b: ParsedBuilder, value: str, i: int) -> None:
    match = _GLIBC_RE.search(value)
    if match:
        b.add("os.glibc", match.group(1), i)


def _python_version(b: ParsedBuilder, value: str, i: int) -> None:
    match = _PY_VERSION_RE.match(value.strip())
    if match:
        b.add("python.version", match.group(1), i)
    if "(AMD64)" in value:
        b.add("os.arch", "AMD64", i)
    bits = _BITS_RE.search(value)
    if bits:
        b.add("python.bits", int(bits.group(1)), i)


def _python_platform(b: ParsedBuilder, value: str, i: int) -> None:
    text = value.strip()
    linux = _PLATFORM_LINUX_RE.match(text)
    if linux:
        kernel = linux.group(1)
        b.add("os.name", "linux", i)
        b.add("os.kernel", kernel, i)
        b.add("os.arch", linux.group(2), i)
        glibc = _GLIBC_RE.search(text)
        if glibc:
            b.add("os.glibc", glibc.group(1), i)
        lowered = kernel.lower()
        if "microsoft" in lowered:
            # WSL2 kernels say "microsoft-standard"; WSL1 reports the Windows build as
            # "4.4.0-19041-Microsoft" (https://github.com/microsoft/WSL/issues/4071).
            b.add("os.wsl", "wsl2" if "standard" in lowered or "wsl2" in lowered else "wsl1", i)
        else:
            b.add("os.wsl", "none", i)
    elif text.startswith("Windows-"):
        b.add("os.name", "windows", i)
        b.add("os.kernel", text.split("-")[2] if text.count("-") >= 2 else text, i)
    elif text.startswith(("macOS-", "Darwin-")):
        b.add("os.name", "darwin", i)
        if "arm64" in text:
            b.add("os.arch", "arm64", i)
        elif "x86_64" in text:
            b.add("os.arch", "x86_64", i)


def _cuda_available(b: ParsedBuilder, value: str, i: int) -> None:
    word = value.strip().lower()
    if word in ("true", "yes"):
        b.add("torch.cuda_available", True, i)
    elif word in ("false", "no"):
        b.add("torch.cuda_available", False, i)
    else:
        b.unknown("torch.cuda_available", i, _says(value.strip()))


def _nvcc(b: ParsedBuilder, value: str, i: int) -> None:
    version = first_version(value)
    if version is None:
        b.unknown(
            "cuda_toolkit.nvcc_version",
            i,
            Msg("collect_env found no nvcc (its 'CUDA runtime version' is nvcc's version)"),
        )
    else:
        b.add("cuda_toolkit.nvcc_version", major_minor(version), i)


def _driver(b: ParsedBuilder, value: str, i: int) -> None:
    version = first_version(value)
    if version is None:
        b.unknown("nvidia.driver_version", i, _says(value.strip()))
    else:
        b.add("nvidia.driver_version", version, i)


def _cpu_model(b: ParsedBuilder, value: str, i: int) -> None:
    if not is_unknown(value):
        b.add("os.cpu_model", value.strip(), i)


_HANDLERS: dict[str, _Handler] = {
    "pytorch version": _torch_version,
    "cuda used to build pytorch": _cuda_build,
    "rocm used to build pytorch": _rocm_build,
    "os": _os,
    "libc version": _libc,
    "python version": _python_version,
    "python platform": _python_platform,
    "is cuda available": _cuda_available,
    "cuda runtime version": _nvcc,
    "nvidia driver version": _driver,
}
_MULTILINE = (
    "gpu models and configuration",
    "cudnn version",
    "cpu",
    "versions of relevant libraries",
    "version of relevant libraries",
)
_KNOWN = frozenset(_HANDLERS) | _IGNORED | frozenset(_MULTILINE)
_DISTINCTIVE = frozenset(
    {
        "pytorch version",
        "is debug build",
        "cuda used to build pytorch",
        "rocm used to build pytorch",
        "python platform",
        "is cuda available",
        "cuda runtime version",
        "gpu models and configuration",
        "nvidia driver version",
        "cudnn version",
        "versions of relevant libraries",
        "version of relevant libraries",
        "cuda_module_loading set to",
        "is xnnpack available",
    }
)


def _label(text: str) -> tuple[str, str] | None:
    match = _KEY_RE.match(text)
    if match is None:
        return None
    return match.group(1).strip().lower(), (match.group(2) or "")


def _gpu_block(b: ParsedBuilder, lines: Sequence[Line], start: int, first: str) -> int:
    """Read the GPU list that follows "GPU models and configuration:"; return the next index."""
    gpus: list[dict[str, object]] = []
    i = start

    def take(text: str, at: int) -> bool:
        match = _GPU_LINE_RE.match(text)
        if match and _NOT_NVIDIA_RE.search(match.group(2)):
            return True  # a ROCm/XPU build lists AMD or Intel GPUs here: not nvidia.gpus
        if match:
            gpus.append(
                {
                    "index": int(match.group(1)),
                    "name": match.group(2).strip(),
                    "compute_capability": None,
                    "mig_mode": None,
                    "mig_instances": [],
                }
            )
            return True
        mig = _MIG_LINE_RE.match(text)
        if mig and gpus:
            gpus[-1]["mig_mode"] = True
            instances = gpus[-1]["mig_instances"]
            assert isinstance(instances, list)
            instances.append({"uuid": None, "name": f"MIG {mig.group(1)}"})
            return True
        return False

    if first.strip() and is_unknown(first):
        b.unknown("nvidia.gpus", start - 1, _says(first.strip()))
        return start
    if first.strip() and not take(first, start - 1) and _NVIDIA_RE.search(first):
        # Old reports: "GPU models and configuration: GeForce GTX 1080 Ti" (no index).
        gpus.append({"index": 0, "name": first.strip(), "compute_capability": None})
    while i < len(lines) and take(lines[i].text, i):
        b.consume(i)
        i += 1
    if gpus:
        b.add("nvidia.gpus", gpus, start - 1)
        b.add("nvidia.gpu_count", len(gpus), start - 1)
    return i


def _cudnn_block(b: ParsedBuilder, lines: Sequence[Line], start: int, first: str) -> int:
    """Read cuDNN candidates: one path or version on the line, or a list that follows."""
    paths: list[str] = []
    i = start
    value = first.strip()
    if value and is_unknown(value):
        b.unknown("cudnn.system", start - 1, _says(value))
        return start
    if value and not value.lower().startswith("probably one of"):
        paths.append(value)
    else:
        while i < len(lines):
            text = lines[i].text.strip()
            if "cudnn" not in text.lower():
                break
            paths.append(text)
            b.consume(i)
            i += 1
    entries: list[dict[str, object]] = []
    plain = [p for p in paths if "site-packages" not in p and "dist-packages" not in p]
    main = [p for p in plain if _CUDNN_MAIN_RE.search(p)] or plain
    for path in main:
        match = _CUDNN_FILE_RE.search(path)
        if match:
            entries.append({"path": path, "version": match.group(1)})
        elif first_version(path) is not None and "/" not in path and "\\" not in path:
            entries.append({"path": None, "version": first_version(path)})
        else:
            entries.append({"path": path, "version": None})
    if entries:
        b.add("cudnn.system", entries, start - 1)
    return i


def _cpu_block(b: ParsedBuilder, lines: Sequence[Line], start: int) -> int:
    """Skip the lscpu (Linux), wmic (Windows) or sysctl (macOS) block after "CPU:".

    The block has no blank lines; it ends at the first blank line or collect_env label.
    """
    i = start
    while i < len(lines):
        text = lines[i].text
        label = _label(text)
        if not text.strip() or (label is not None and label[0] in _DISTINCTIVE):
            break
        if label is not None and label[0] in ("model name", "name"):
            _cpu_model(b, label[1], i)
        elif text.startswith("Name="):
            _cpu_model(b, text[5:], i)
        b.consume(i)
        i += 1
    return i


def _libraries(lines: Sequence[Line], start: int, b: ParsedBuilder) -> tuple[int, Parsed]:
    """Read "[pip3] torch==2.1.0" / "[conda] pytorch 2.1.0 py3.10_cuda12.1_..." lines."""
    pip: list[Line] = []
    conda: list[Line] = []
    pip_at: list[int] = []
    conda_at: list[int] = []
    i = start
    while i < len(lines):
        match = _LIB_LINE_RE.match(lines[i].text)
        if match is None:
            break
        b.consume(i)
        rest = match.group(2)
        if not is_unknown(rest):
            if match.group(1) == "conda":
                conda.append(Line(rest))
                conda_at.append(i)
            else:
                pip.append(Line(rest))
                pip_at.append(i)
        i += 1
    parts = []
    if pip:
        parts.append(_relocate(pip_list.parse_pip_list(pip, listed=True), pip_at))
    if conda:
        parts.append(_relocate(conda_list.parse_conda_list(conda, listed=True), conda_at))
    return i, merge_parsed(parts)


def _relocate(parsed: Parsed, at: Sequence[int]) -> Parsed:
    """Map line numbers of a sub-parse back to the paste (and name collect_env as source)."""
    found = tuple(
        Found(f.key, f.value, at[f.line] if f.line < len(at) else at[-1], SOURCE, f.note)
        for f in parsed.found
    )
    return Parsed(found, frozenset(), ())


def parse_collect_env(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read every collect_env section in the paste. Pure; never raises on any text.

    The format is recognised once two of its distinctive labels appear ("PyTorch version",
    "Is CUDA available", ...), so a lone "OS: Linux" in prose is not taken for it.
    Emits torch.version/build_label/cuda_build/hip_build/cuda_available, os.*,
    python.version/bits, cuda_toolkit.nvcc_version, nvidia.driver_version/gpus/gpu_count,
    cudnn.system, os.cpu_model, and the package facts of its library list.
    """
    rows = as_lines(lines)
    labels = [_label(line.text) for line in rows]
    distinctive = {lab[0] for lab in labels if lab is not None and lab[0] in _DISTINCTIVE}
    b = ParsedBuilder(SOURCE)
    if len(distinctive) < 2:
        return b.build()
    b.recognise()
    extra: list[Parsed] = []
    i = 0
    while i < len(rows):
        text = rows[i].text
        if text.strip().startswith("Collecting environment information"):
            b.consume(i)
            i += 1
            continue
        label = labels[i]
        if label is None or label[0] not in _KNOWN:
            i += 1
            continue
        key, value = label
        b.consume(i)
        if key in _HANDLERS:
            _HANDLERS[key](b, value, i)
            i += 1
        elif key == "gpu models and configuration":
            i = _gpu_block(b, rows, i + 1, value)
        elif key == "cudnn version":
            i = _cudnn_block(b, rows, i + 1, value)
        elif key == "cpu":
            i = _cpu_block(b, rows, i + 1)
        elif key in ("versions of relevant libraries", "version of relevant libraries"):
            i, libs = _libraries(rows, i + 1, b)
            extra.append(libs)
        else:
            i += 1
    return merge_parsed([b.build(), *extra])
