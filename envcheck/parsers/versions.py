"""Version strings: major.minor, torch build labels and the CUDA they name, package names.

Shared by the probes (versions read from files and metadata) and the explain parsers (versions
read from pasted text), so ``12.1.105``, ``2.1.0+cu121`` and ``Flash_Attn`` mean the same on
both paths.
"""

from __future__ import annotations

import re

_MAJOR_MINOR_RE = re.compile(r"(\d+)\.(\d+)(?:\.\d+)*", re.ASCII)
_LABEL_CUDA_RE = re.compile(r"cu(\d{2,3})(?:\.|$)", re.ASCII)
_LABEL_ROCM_RE = re.compile(r"rocm(\d{1,2}(?:\.\d{1,3}){0,2})", re.ASCII)
_NAME_SEPARATORS_RE = re.compile(r"[-_.]+")


def _number(digits: str) -> str:
    """ASCII digits without leading zeros (``int()`` without its length limit)."""
    return digits.lstrip("0") or "0"


def major_minor(version: str | None) -> str | None:
    """``'12.1.105'`` → ``'12.1'`` (CUDA versions are compared by major.minor).

    The first dotted version in the text counts, without leading zeros (``'12.01'`` →
    ``'12.1'``); None for None or text without a dotted version.
    """
    if version is None:
        return None
    match = _MAJOR_MINOR_RE.search(version)
    if match is None:
        return None
    return f"{_number(match.group(1))}.{_number(match.group(2))}"


def build_label(version: str) -> str:
    """The local version label: ``'2.1.0+cu121'`` → ``'cu121'``; ``''`` when there is none."""
    return version.partition("+")[2]


def cuda_from_label(label: str) -> str | None:
    """CUDA version of a wheel label: ``cu121`` → ``'12.1'``, ``cu92`` → ``'9.2'``; else None.

    The last digit is the minor version: no CUDA minor has reached 10. PyPI's 1.13/2.0
    wheels carried ``cu117.with.pypi.cudnn``, read as ``cu117``.
    """
    match = _LABEL_CUDA_RE.match(label)
    if match is None:
        return None
    digits = match.group(1)
    return f"{int(digits[:-1])}.{digits[-1]}"


def rocm_from_label(label: str) -> str | None:
    """ROCm version of a wheel label: ``rocm6.1`` → ``'6.1'``; None for any other label."""
    match = _LABEL_ROCM_RE.fullmatch(label)
    return match.group(1) if match else None


def normalise_name(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-``, ``_`` and ``.`` become ``-``."""
    return _NAME_SEPARATORS_RE.sub("-", name).lower()


def cuda_from_int(value: object) -> str | None:
    """CUDA's integer version as text: 12040 → ``'12.4'``, 13000 → ``'13.0'``.

    The encoding is major * 1000 + minor * 10, shared by ``cudaDriverGetVersion``, NVML's
    CUDA driver version and cuda.h's ``CUDA_VERSION``; None for values that cannot be one
    (below 1000, negative, not an int).
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 1000:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def cudnn_from_int(value: int) -> str | None:
    """``torch.backends.cudnn.version()`` as text: 8902 → '8.9.2', 90100 → '9.1.0'.

    cuDNN 9 changed the encoding from major*1000+minor*100+patch to major*10000+minor*100+patch
    (https://docs.nvidia.com/deeplearning/cudnn/latest/api/cudnn-graph-library.html); both are
    the ``CUDNN_VERSION`` macro of that release's ``cudnn_version.h``. None for numbers that
    are neither.
    """
    if value >= 90000:
        return f"{value // 10000}.{value % 10000 // 100}.{value % 100}"
    if 1000 <= value < 10000:
        return f"{value // 1000}.{value % 1000 // 100}.{value % 100}"
    return None
