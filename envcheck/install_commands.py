"""Write the install command for one chosen build, in the form its release's install page used.

Pure string building: the planner in :mod:`envcheck.recommend` decides *which* build (torch
release, variant, packages) fits; this module writes *how* to install it. The form follows the
release row's ``index_flag`` (see :data:`envcheck.recipes.INDEX_FLAGS`), so torch 1.7.1 gets
``torch==1.7.1+cu110 ... -f https://download.pytorch.org/whl/torch_stable.html`` as its page gave
it, and torch 2.x gets ``--index-url https://download.pytorch.org/whl/cu121``. Every URL comes from
the tables (``mirrors.toml``), none is typed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from packaging.version import Version

from envcheck.i18n import Msg
from envcheck.recipes import (
    PypiMirror,
    Release,
    RowMeta,
    Tables,
    WheelMirror,
    platform_key,
    variant_cuda,
)

Pins = Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Written:
    """A command, the index or link URL it uses, the pins as written, and what it rests on."""

    command: str
    url: str | None
    pins: tuple[tuple[str, str], ...]
    uses: tuple[RowMeta, ...] = ()
    """Table rows the command relies on (the planner reports the unconfirmed ones)."""
    warnings: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """Where the command runs: OS, CPU arch, Python (may be unknown), manager, mirrors."""

    os: str
    cpu: str
    python: str | None
    manager: str
    pypi_mirror: PypiMirror | None
    wheel_mirror: WheelMirror | None

    @property
    def head(self) -> str:
        """``pip install`` or ``uv pip install``."""
        return "uv pip install" if self.manager == "uv" else "pip install"


def default_build(rel: Release, os_name: str, cpu: str) -> str:
    """The build plain ``pip install torch`` gets from PyPI (or a PyPI mirror) here: the
    table layer's :meth:`~envcheck.recipes.Release.pypi_default`, ``unknown`` where the tables
    do not know it (the doctor's rules ask the same method)."""
    key = platform_key(os_name, cpu)
    return (rel.pypi_default(key) if key is not None else None) or "unknown"


def _args(pins: Pins) -> str:
    return " ".join(f"{n}=={v}" for n, v in pins)


def _plain(rel: Release, variant: str, target: Target) -> bool:
    """Whether the build comes from PyPI (or a PyPI mirror) with a plain ``pip install``."""
    modern = rel.index_flag in ("index-url", "extra-index-url")
    if target.os == "macos":
        return True
    if target.os == "windows":
        # PyPI's Windows wheel is CPU-only; the old pages sent even CPU to torch_stable.html
        return variant == "cpu" and modern
    default = default_build(rel, target.os, target.cpu)
    if variant != default:
        return False
    if target.cpu == "aarch64" and not modern:
        return True  # 1.8-1.10 aarch64 wheels were on PyPI only, with no +cpu label
    return target.pypi_mirror is not None or (rel.pypi_default_plain and target.cpu == "x86_64")


def pip_command(tables: Tables, rel: Release, variant: str, pins: Pins, target: Target) -> Written:
    """The pip (or ``uv pip``) command installing ``pins`` of ``rel``'s ``variant`` build."""
    head, pypi = target.head, target.pypi_mirror
    if _plain(rel, variant, target):
        if pypi is not None:
            command = f"{head} {_args(pins)} -i {pypi.url}"
            return Written(command, pypi.url, tuple(pins), (pypi.meta,))
        return Written(f"{head} {_args(pins)}", None, tuple(pins))
    if rel.index_flag in ("find-links", "find-links-variant", "wheel-url"):
        return _legacy(tables, rel, variant, pins, target)
    mirror = target.wheel_mirror
    uses: tuple[RowMeta, ...] = ()
    if mirror is not None:
        uses = (mirror.meta,)
        url = mirror.url_for(variant)
        if mirror.flag == "find-links":
            labelled = tuple(
                (n, v if (n == "torchaudio" and not rel.torchaudio) else f"{v}+{variant}")
                for n, v in pins
            )
            tail = f" -i {pypi.url}" if pypi is not None else ""
            return Written(f"{head} {_args(labelled)} -f {url}{tail}", url, labelled, uses)
    else:
        url = tables.official_url.format(variant=variant)
    if rel.index_flag == "extra-index-url":
        labelled = tuple((n, v if n == "torchaudio" else f"{v}+{variant}") for n, v in pins)
        return Written(f"{head} {_args(labelled)} --extra-index-url {url}", url, labelled, uses)
    return Written(f"{head} {_args(pins)} --index-url {url}", url, tuple(pins), uses)


def _legacy(tables: Tables, rel: Release, variant: str, pins: Pins, target: Target) -> Written:
    """torch ≤ 1.10: ``+cuXYZ`` pins with ``-f`` a torch_stable.html page, or (≤ 1.1) the wheel's
    own URL. The default build of ≤ 1.8 had no label: its pins stay bare."""
    head, mirror, pypi = target.head, target.wheel_mirror, target.pypi_mirror
    bare = rel.pypi_default_plain and variant == rel.pypi_default_cuda
    every = rel.index_flag == "find-links-variant"
    written = tuple(
        (n, v if bare or (n == "torchaudio" and not every) else f"{v}+{variant}") for n, v in pins
    )
    uses: tuple[RowMeta, ...] = (mirror.meta,) if mirror is not None else ()
    folder = mirror.url_for(variant) if mirror else tables.official_url.format(variant=variant)
    warnings: list[str] = []
    unconfirmed: list[str] = []
    if bare and target.os == "windows":
        warnings.append(Msg(
            "PyPI has Windows wheels of torch {torch} too (without CUDA): check "
            '`python -c "import torch; print(torch.version.cuda)"` after installing',
            torch=str(rel.torch),
        ))
    if rel.index_flag == "wheel-url":
        tag = wheel_tag(target.python, target.os)
        if tag is not None:
            wheel = f"{folder}/torch-{rel.torch}-{tag}.whl"
            rest = [(n, v) for n, v in pins if n != "torch"]
            command = f"{head} {wheel}" + (f" {_args(rest)}" if rest else "")
            return Written(command, folder, tuple(pins), uses, tuple(warnings))
        unconfirmed.append(Msg(
            "torch {torch} wheels carry no +{variant} label, so pip may take PyPI's build of "
            "the same version instead; give --python for the wheel's own URL",
            torch=str(rel.torch), variant=variant,
        ))
        url = f"{folder}/torch_stable.html"
    elif mirror is not None:
        url = mirror.stable_url or folder
    elif every:
        url = f"{folder}/torch_stable.html"
    else:
        url = tables.official_url.format(variant="torch_stable.html")
    tail = f" -i {pypi.url}" if pypi is not None and mirror is not None else ""
    return Written(
        f"{head} {_args(written)} -f {url}{tail}",
        url,
        written,
        uses,
        tuple(warnings),
        tuple(unconfirmed),
    )


def wheel_tag(python: str | None, os_name: str) -> str | None:
    """``cp36-cp36m-linux_x86_64`` for the wheels of torch ≤ 1.1 (Python 2.7 on Linux: ``mu``)."""
    if python is None or python.endswith("t") or os_name not in ("linux", "windows"):
        return None
    version = Version(python)
    tag = f"cp{version.major}{version.minor}"
    if version.major == 2 and os_name == "linux":
        abi = tag + "mu"  # CPython 2.7's wide-unicode ABI, which manylinux Pythons use
    elif version < Version("3.8"):
        abi = tag + "m"
    else:
        abi = tag
    plat = "linux_x86_64" if os_name == "linux" else "win_amd64"
    return f"{tag}-{abi}-{plat}"


def conda_command(rel: Release, variant: str, pins: Pins, os_name: str) -> str:
    """The official pytorch-channel conda command (torch ≤ 2.5.x) for ``variant``."""
    vc = variant_cuda(variant)
    cpu_pkgs = vc is None and os_name != "macos" and rel.conda_cpu == "pytorch-cpu"
    suffix = "-cpu" if cpu_pkgs else ""
    args = " ".join(
        f"{'pytorch' if n == 'torch' else n}{suffix if n != 'torchaudio' else ''}=={v}"
        for n, v in pins
    )
    if os_name == "macos" or cpu_pkgs:
        tail = "-c pytorch"
    elif vc is None:
        tail = "cpuonly -c pytorch"
    elif rel.conda == "cuda-package":
        tail = f"cuda{vc.major}{vc.minor} -c pytorch"
    elif rel.conda == "cudatoolkit":
        forge = str(vc) in rel.conda_cuda_forge
        tail = f"cudatoolkit={vc} -c pytorch" + (" -c conda-forge" if forge else "")
    else:
        tail = f"pytorch-cuda={vc} -c pytorch -c nvidia"
    return f"conda install {args} {tail}"
