"""``conda list`` output: ``name version build channel`` rows under a ``# Name`` header.

What the build string of ``pytorch`` says matters most: the pytorch channel writes
``py3.10_cuda12.1_cudnn8.9.2_0`` or ``py3.10_cpu_0``; conda-forge writes
``cuda120_py310h…_300`` or ``cpu_py310h…_0``. ``cpuonly`` and ``pytorch-mutex … cpu`` select
CPU builds. Rows from the ``pypi`` channel are pip installs that conda sees; they are read as
pip rows, and a pip ``torch`` next to a conda ``pytorch`` means two copies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import (
    Line,
    Parsed,
    ParsedBuilder,
    as_lines,
)
from envcheck.explain.pip_list import PackageRows
from envcheck.i18n import Msg
from envcheck.parsers.versions import normalise_name

SOURCE = "conda list"

# conda: "# packages in environment at /path:"; mamba/micromamba: 'List of packages in
# environment: "/path"', a header without "#", and a rule of box-drawing dashes.
_ENV_RE = re.compile(
    r"^(?:#\s*packages in environment at\s+(.{1,500}?):?|"
    r"List of packages in environment:\s+\"?(.{1,500}?)\"?)\s*$"
)
_HEADER_RE = re.compile(r"^(?:#\s*|\s{0,4})Name\s+Version\s+Build(?:\s+Channel)?\s*$")
_BOX_RULE_RE = re.compile(r"^\s*[\u2500-]{10,}\s*$")
_ROW_RE = re.compile(
    r"^\s*([A-Za-z0-9_][A-Za-z0-9._-]{0,100})\s+(\d[\w.+!-]{0,60}|\w[\w.+!-]{0,60})"
    r"\s+([\w.+-]{1,120})(?:\s+([\w./:@+-]{1,200}))?\s*$"
)
_CUDA_DOTTED_RE = re.compile(r"cuda(\d{1,2}\.\d{1,2})")
_CUDA_PACKED_RE = re.compile(r"cuda(\d{2,3})(?=[_a-z]|$)")
_CUDNN_RE = re.compile(r"cudnn(\d{1,2}\.\d{1,2}\.\d{1,3})")
_CPU_BUILD_RE = re.compile(r"(?:^|_)cpu(?:_|$)")
_PY_RE = re.compile(r"^\d\.\d{1,2}\.\d{1,3}$")

_RELATED_PREFIXES = ("cuda-", "libcu", "libnv", "libnccl", "magma-cuda", "nvidia-", "pytorch")
_RELATED = frozenset(
    {
        "pytorch",
        "torchvision",
        "torchaudio",
        "cpuonly",
        "cudatoolkit",
        "cudatoolkit-dev",
        "cudnn",
        "nccl",
        "libtorch",
        "torch",
        "cuda",
        "xformers",
        "triton",
    }
)


def related(name: str) -> bool:
    """Whether a conda package is part of the torch/CUDA stack (kept in packages.conda)."""
    return name in _RELATED or name.startswith(_RELATED_PREFIXES)


def cuda_from_build(build: str) -> str | None:
    """CUDA version in a pytorch build string (``py3.10_cuda12.1_…`` or ``cuda120_py310…``)."""
    dotted = _CUDA_DOTTED_RE.search(build)
    if dotted:
        return dotted.group(1)
    packed = _CUDA_PACKED_RE.search(build)
    if packed:
        digits = packed.group(1)
        return f"{int(digits[:-1])}.{digits[-1]}"
    return None


def _pytorch(b: ParsedBuilder, version: str, build: str, line: int) -> None:
    b.add("torch.version", version, line)
    b.add("torch.installer", "conda", line)
    cuda = cuda_from_build(build)
    if cuda is not None:
        b.add("torch.cuda_build", cuda, line)
    elif _CPU_BUILD_RE.search(build):
        b.unknown("torch.cuda_build", line, Msg("CPU-only conda build ({build})", build=build))
    cudnn = _CUDNN_RE.search(build)
    if cudnn:
        b.add("cudnn.torch_version", cudnn.group(1), line)


def parse_conda_list(
    lines: Sequence[Line] | Sequence[str] | str, *, listed: bool = False
) -> Parsed:
    """Read conda list output anywhere in the paste. Pure; never raises.

    Rows are taken under a ``# Name Version Build Channel`` header (or every row when
    ``listed``, for collect_env's ``[conda]`` lines); elsewhere only rows of torch/CUDA
    packages with a build string. Emits packages.conda, torch.version/installer/cuda_build,
    cudnn.torch_version, python.version, python.env_type/env_name/prefix, torch.copies when
    pip and conda each installed torch, and pip facts for ``pypi`` rows.
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    pip_rows = PackageRows(b)
    in_table = False
    records: list[dict[str, object]] = []
    first_record: int | None = None
    torches: list[dict[str, object]] = []
    rows_seen = [m for line in rows if "torch" in line.text and (m := _ROW_RE.match(line.text))]
    has_conda_torch = any(
        m.group(1).lower() == "pytorch" and m.group(4) != "pypi" for m in rows_seen
    )
    has_pip_torch = any(
        m.group(1).lower() == "torch" and (m.group(4) == "pypi" or m.group(3).startswith("pypi_"))
        for m in rows_seen
    )
    for i, line in enumerate(rows):
        text = line.text
        env = _ENV_RE.match(text)
        if env is not None:
            prefix = (env.group(1) or env.group(2) or "").strip()
            b.consume(i)
            b.recognise()
            b.add("python.env_type", "conda", i)
            b.add("python.prefix", prefix, i)
            parts = [p for p in re.split(r"[/\\]", prefix) if p]
            if len(parts) >= 2 and parts[-2] == "envs":
                b.add("python.env_name", parts[-1], i)
            elif parts:
                b.add("python.env_name", "base", i)
            in_table = True
            continue
        if _HEADER_RE.match(text):
            b.consume(i)
            b.recognise()
            in_table = True
            continue
        if in_table and (text.strip() == "#" or _BOX_RULE_RE.match(text)):
            b.consume(i)
            continue
        match = _ROW_RE.match(text)
        if match is None:
            if text.strip():
                in_table = False
            continue
        name, version, build, channel = match.groups()
        name = name.lower()
        if not (in_table or listed or related(name)):
            continue
        if not (in_table or listed) and channel is None and not build[:1].isalpha():
            continue  # "torch 2.1.0 12" is not a conda row; conda builds start with a letter
        b.consume(i)
        b.recognise()
        if channel == "pypi" or build.startswith("pypi_"):
            if normalise_name(name) == "torch":
                torches.append({"path": None, "version": version, "installer": "pip"})
            pip_rows.row(name, version, i, SOURCE)
            if normalise_name(name) == "torch" and has_conda_torch:
                b.add(
                    "torch.installer",
                    "pip",
                    i,
                    Msg("conda list shows conda's pytorch and a pip torch; pip installs over "
                        "conda's files, so the torch that imports is taken to be pip's"),
                )
            if related(name):
                records.append(
                    {"name": name, "version": version, "build": build, "channel": "pypi"}
                )
                first_record = i if first_record is None else first_record
            continue
        if name == "python" and _PY_RE.match(version):
            b.add("python.version", version, i)
        elif name in ("pytorch", "pytorch-gpu", "pytorch-cpu") and version[:1].isdigit():
            if name == "pytorch":
                if not has_pip_torch:
                    _pytorch(b, version, build, i)
                torches.append({"path": None, "version": version, "installer": "conda"})
        elif name in ("torchvision", "torchaudio"):
            b.add(f"packages.{name}", version, i)
        if related(name):
            records.append({"name": name, "version": version, "build": build, "channel": channel})
            first_record = i if first_record is None else first_record
    pip_rows.finish()
    if records and first_record is not None:
        b.add("packages.conda", records, first_record)
    if len(torches) > 1:
        b.add(
            "torch.copies",
            torches,
            first_record or 0,
            Msg("conda list shows torch installed by both conda and pip"),
        )
    return b.build()
