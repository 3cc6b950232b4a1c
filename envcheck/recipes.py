"""The recipe tables: which torch builds exist, what they need, and where to get them.

The tables are TOML files under the repository's top-level ``recipes/`` folder (shipped inside the
wheel as ``envcheck/recipes``). Each file declares ``schema = 1``; every row carries ``source`` and
``confidence`` (H/M/L) and may be marked ``unconfirmed = true``. :func:`load_tables` parses and
validates them once per process; a malformed row raises :class:`RecipeError` naming the file and
the row, so a maintainer editing TOML learns exactly what to fix.

Versions are compared only through :mod:`packaging` (``Version``/``SpecifierSet``).
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from envcheck.parsers.versions import cuda_from_label

if TYPE_CHECKING:
    from importlib.abc import Traversable

SCHEMA = 1
CONFIDENCES = ("H", "M", "L")
PLATFORMS = ("linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64", "macos-x86_64")
"""Platform keys used by ``python_missing`` and ``platforms_missing`` (``<os>-<cpu arch>``)."""
MINOR_COMPAT_FROM = 11
"""The first CUDA major whose builds run on any driver of that major (minor-version compat)."""
INDEX_FLAGS = ("index-url", "extra-index-url", "find-links", "find-links-variant", "wheel-url")
"""How an install page pointed pip at download.pytorch.org, newest style first:
``--index-url whl/cuXYZ`` (≥2.0); ``+cuXYZ`` pins with ``--extra-index-url whl/cuXYZ`` (1.11–1.13);
``+cuXYZ`` pins with ``-f whl/torch_stable.html`` (1.2–1.9); every package ``+cuXYZ`` with
``-f whl/cuXYZ/torch_stable.html`` (1.10); the wheel's own URL under ``whl/cuXYZ/`` (1.0–1.1)."""
CONDA_STYLES = ("none", "cuda-package", "cudatoolkit", "pytorch-cuda")
"""How conda selected the CUDA build: ``cuda100`` packages (1.0.0), ``cudatoolkit=X`` (≤1.12),
``pytorch-cuda=X`` (1.13–2.5); none after 2.5."""


class DriverVersion(Version):
    """A driver version that prints as written: ``535.104.05`` stays ``535.104.05``.

    NVIDIA writes driver versions with zero-padded fields; :class:`Version` would print
    ``535.104.5``, which no one can find on NVIDIA's site. Comparison is unchanged.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._text = text.strip()

    def __str__(self) -> str:
        return self._text


class RecipeError(ValueError):
    """A recipe table is malformed; the message names the file and the row."""


@dataclass(frozen=True)
class RowMeta:
    """Where a row comes from and how sure the tables are about it."""

    where: str
    """``file [[table]] #n (label)``: names the row in messages."""
    source: str
    confidence: str
    unconfirmed: bool = False
    note: str = ""


@dataclass(frozen=True)
class Release:
    """One torch release with its companion packages and the builds published for it."""

    torch: Version
    torchvision: str
    torchvision_requires: str
    """torchvision's requirement on torch when it is not ``==torch`` (e.g. ``>=2.14.0``)."""
    torchaudio: str
    """Empty when no torchaudio was released for this torch (it stopped at 2.11.0)."""
    torchaudio_fallback: str
    python: tuple[str, ...]
    python_missing: Mapping[str, tuple[str, ...]]
    cuda: tuple[str, ...]
    cuda_unadvertised: tuple[str, ...]
    rocm: tuple[str, ...]
    pypi_default_cuda: str
    pypi_aarch64: str
    macos_x86_64: bool
    macos_min: str
    index_flag: str
    """How the release's install page wrote a download.pytorch.org build (see INDEX_FLAGS)."""
    conda: str
    conda_cuda: tuple[str, ...]
    conda_cuda_forge: tuple[str, ...]
    conda_torchvision: str
    conda_torchaudio: str
    released: str
    meta: RowMeta
    pypi_default_plain: bool = False
    """The install page wrote PyPI's default Linux build as a plain ``pip install`` (≤1.8)."""
    command_packages: tuple[str, ...] = ()
    """The packages the install page's command named, when not all three (≤1.6: no torchaudio)."""
    platforms_missing: tuple[str, ...] = ()
    """Platforms (``linux-aarch64``, ``macos-arm64`` ...) with no wheels of this release at all."""
    cuda_windows: tuple[str, ...] | None = None
    """Windows CUDA builds when they differ from ``cuda`` (None: the same)."""
    cuda_aarch64: tuple[str, ...] = ()
    """Linux aarch64 CUDA builds on download.pytorch.org (empty: none were published)."""
    cuda_aarch64_unconfirmed: tuple[str, ...] = ()
    """Linux aarch64 CUDA builds believed to exist on weaker evidence (offered, flagged)."""
    conda_cpu: str = "cpuonly"
    """How conda selected the CPU build: the ``cpuonly`` package, or ``pytorch-cpu`` (≤1.1)."""

    def pythons_on(self, platform: str) -> tuple[str, ...]:
        """The Python versions (``3.10``, ``3.13t``) with wheels for ``platform``."""
        if platform in self.platforms_missing:
            return ()
        if platform == "macos-x86_64" and not self.macos_x86_64:
            return ()
        missing = self.python_missing.get(platform, ())
        return tuple(p for p in self.python if p not in missing)

    def variants_on(self, os_name: str, cpu: str = "x86_64") -> tuple[str, ...]:
        """Accelerator builds on download.pytorch.org for ``linux``/``windows`` and a CPU arch.

        ROCm is Linux x86_64 only; Linux aarch64 has only the CUDA builds its rows list
        (confirmed first, then the unconfirmed ones); Windows has ``cuda_windows`` or ``cuda``.
        """
        if os_name == "linux" and cpu == "aarch64":
            return self.cuda_aarch64 + self.cuda_aarch64_unconfirmed
        if os_name == "linux":
            return self.cuda + self.rocm
        if os_name == "windows":
            return self.cuda if self.cuda_windows is None else self.cuda_windows
        return ()

    def pypi_default(self, platform: str) -> str | None:
        """The build plain ``pip install torch==X`` gets from PyPI on ``platform``.

        ``cu102`` style for Linux x86_64, ``cpu`` on Windows and macOS (MPS on Apple GPUs),
        the recorded build on Linux aarch64; None when there is no wheel there or it is unknown.
        """
        if not self.pythons_on(platform):
            return None
        if platform == "linux-x86_64":
            return self.pypi_default_cuda
        if platform == "linux-aarch64":
            return None if self.pypi_aarch64 == "unknown" else self.pypi_aarch64
        return "cpu"


@dataclass(frozen=True)
class ToolkitDriver:
    """The driver one CUDA toolkit release needs natively."""

    cuda: Version
    release: str
    linux: DriverVersion
    windows: DriverVersion | None
    meta: RowMeta


@dataclass(frozen=True)
class CompatDriver:
    """The lowest driver that runs every minor release of a CUDA major (minor-version compat)."""

    major: int
    linux: DriverVersion
    windows: DriverVersion
    meta: RowMeta


@dataclass(frozen=True)
class DriverNeed:
    """The oldest driver that runs a CUDA build, and which table row says so."""

    driver: DriverVersion
    """Prints as NVIDIA writes it (``450.80.02``)."""
    how: str
    """``minor-version compat`` (the major's ``[[compat]]`` row) or ``toolkit table``."""

    @property
    def text(self) -> str:
        """The version as NVIDIA writes it."""
        return str(self.driver)


class ArchRows(enum.Enum):
    """Which ``wheel_archs.toml`` rows an arch-list question may rest on; every caller says.

    ``STRICT``: the platform's own row, and only a confirmed one: a rule that reports a GPU
    missing from a build must not do so on the strength of a list assumed from another
    platform or an older release. ``BORROWED``: the platform's own row, else the Linux x86_64
    row of the same build (the answer says it was borrowed), unconfirmed rows included (their
    ``meta`` says so): the planner and the explain path flag what they rest on instead.
    """

    STRICT = "strict"
    BORROWED = "borrowed"


@dataclass(frozen=True)
class GpuArch:
    """One compute capability: architecture name, example GPUs, CUDA window."""

    cc: Version
    name: str
    examples: tuple[str, ...]
    first_cuda: Version
    last_cuda: Version | None
    meta: RowMeta

    @property
    def sm(self) -> str:
        """``sm_86`` style name."""
        return f"sm_{self.cc.major}{self.cc.minor}"


@dataclass(frozen=True)
class WheelArchs:
    """The GPU architectures one group of wheel variants carries kernels for."""

    torch: SpecifierSet
    variants: tuple[str, ...]
    os: tuple[str, ...]
    arch: str
    sass: tuple[Version, ...]
    ptx: tuple[Version, ...]
    meta: RowMeta

    def runs_on(self, cc: Version) -> bool:
        """Whether a GPU of capability ``cc`` has kernels here.

        SASS for sm_XY runs on the same major with minor >= Y; PTX JIT-compiles for any newer CC
        (https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/compute-capabilities.html).
        """
        if any(s.major == cc.major and s.minor <= cc.minor for s in self.sass):
            return True
        return any(p <= cc for p in self.ptx)


@dataclass(frozen=True)
class PypiMirror:
    """A mirror of PyPI (serves only PyPI's default torch build)."""

    key: str
    name: str
    url: str
    meta: RowMeta


@dataclass(frozen=True)
class WheelMirror:
    """A mirror of download.pytorch.org/whl; ``url`` takes ``{variant}``."""

    key: str
    name: str
    url: str
    flag: str
    meta: RowMeta

    stable_url: str = ""
    """The mirror's copy of ``whl/torch_stable.html`` (for torch ≤1.10's ``-f`` form), if any."""

    def url_for(self, variant: str) -> str:
        """The URL of one variant's wheels on this mirror."""
        return self.url.format(variant=variant)


@dataclass(frozen=True)
class BadDriver:
    """A driver range worth a warning."""

    versions: SpecifierSet
    applies_to: tuple[str, ...]
    reason: str
    meta: RowMeta


@dataclass(frozen=True)
class Tables:
    """All recipe tables, validated."""

    releases: tuple[Release, ...]
    """Oldest first."""
    toolkits: tuple[ToolkitDriver, ...]
    compat: tuple[CompatDriver, ...]
    archs: tuple[GpuArch, ...]
    builds: tuple[WheelArchs, ...]
    official_url: str
    pypi_mirrors: tuple[PypiMirror, ...]
    wheel_mirrors: tuple[WheelMirror, ...]
    bad_drivers: tuple[BadDriver, ...]

    def release(self, version: str | Version) -> Release | None:
        """The release row of one exact torch version, or None."""
        want = Version(str(version)) if not isinstance(version, Version) else version
        return next((r for r in self.releases if r.torch == want), None)

    def pypi_default_variant(self, torch: str | Version, platform: str) -> str | None:
        """The build ``pip install torch==X`` got from PyPI, e.g. ``cu102`` for ``1.7.1`` on
        ``linux-x86_64``; None for an unknown release, platform without wheels, or unknown."""
        rel = self.release(Version(str(torch)).base_version)
        return rel.pypi_default(platform) if rel is not None else None

    def variant_published(self, torch: str | Version, variant: str, platform: str) -> bool | None:
        """Whether download.pytorch.org (or PyPI) had a ``variant`` build of this torch for
        ``platform``; None when the release is unknown."""
        rel = self.release(Version(str(torch)).base_version)
        if rel is None:
            return None
        if not rel.pythons_on(platform):
            return False
        os_name, _, cpu = platform.partition("-")
        if os_name == "macos":
            return variant == "cpu"
        if variant == "cpu" or variant == rel.pypi_default(platform):
            return True
        extra = rel.cuda_unadvertised if platform == "linux-x86_64" else ()
        return variant in (*rel.variants_on(os_name, cpu), *extra)

    def cuda_min_driver(self, cuda: Version, os_name: str) -> DriverVersion | None:
        """The lowest driver that runs toolkit ``cuda`` (X.Y) natively, or None if unknown."""
        mins = [
            (t.windows if os_name == "windows" else t.linux)
            for t in self.toolkits
            if (t.cuda.major, t.cuda.minor) == (cuda.major, cuda.minor)
        ]
        known = [m for m in mins if m is not None]
        return min(known) if known else None

    def native_max_cuda(self, driver: Version, os_name: str) -> Version | None:
        """The newest CUDA X.Y whose toolkit driver minimum ``driver`` meets, or None.

        NVIDIA lists no Windows minimum for CUDA 13.x (the driver is no longer bundled); the
        Linux minimum of the same release stands in, as Windows drivers of a branch carry
        slightly higher numbers than the Linux ones.
        """
        ok = [
            t.cuda
            for t in self.toolkits
            if driver >= ((t.windows or t.linux) if os_name == "windows" else t.linux)
        ]
        return max(ok) if ok else None

    def compat_for(self, major: int) -> CompatDriver | None:
        """The minor-version-compatibility row of one CUDA major."""
        return next((c for c in self.compat if c.major == major), None)

    def min_driver(self, cuda: Version, os_name: str, *, compat: bool) -> DriverNeed | None:
        """The lowest driver that runs a binary built with CUDA ``cuda`` (X.Y or X.Y.Z).

        ``compat=False``: the toolkit table's own (native) minimum. ``compat=True``: from CUDA
        11 on (:data:`MINOR_COMPAT_FROM`) the major's minor-version-compatibility row, unless
        the toolkit's own minimum is lower (cu110 runs on 450.36.06, below 11.x's 450.80.02);
        before CUDA 11 there was no such compatibility, so the toolkit's own minimum (cu101:
        418.39) and never the ``[[compat]]`` row of CUDA 10 (which is 10.2's driver).
        None when the tables do not know the CUDA version.
        """
        own = self.cuda_min_driver(cuda, os_name)
        row = self.compat_for(cuda.major) if compat and cuda.major >= MINOR_COMPAT_FROM else None
        if row is not None:
            by_compat = row.windows if os_name == "windows" else row.linux
            if own is None or by_compat < own:
                return DriverNeed(by_compat, "minor-version compat")
        return DriverNeed(own, "toolkit table") if own is not None else None

    def variant_min_driver(self, variant: str, os_name: str) -> DriverVersion | None:
        """The lowest driver that runs a ``cuXYZ`` wheel: :meth:`min_driver` with
        minor-version compatibility; None for CPU/ROCm builds or an unknown CUDA."""
        cuda = variant_cuda(variant)
        need = self.min_driver(cuda, os_name, compat=True) if cuda is not None else None
        return need.driver if need is not None else None

    def compat_majors(self, driver: Version, os_name: str) -> tuple[int, ...]:
        """The CUDA majors (11 on) whose every minor ``driver`` runs by minor-version compat."""
        return tuple(
            c.major
            for c in self.compat
            if c.major >= MINOR_COMPAT_FROM
            and driver >= (c.windows if os_name == "windows" else c.linux)
        )

    def arch(self, cc: Version) -> GpuArch | None:
        """The architecture row of one compute capability."""
        return next((a for a in self.archs if a.cc == cc), None)

    def build_archs(
        self, torch: Version, variant: str, os_name: str, cpu_arch: str, *, rows: ArchRows
    ) -> tuple[WheelArchs | None, bool]:
        """The arch row for one wheel and whether it was borrowed from another platform.

        Windows rows for torch >= 2.6 and aarch64 rows before 2.12 were never published; with
        ``rows=ArchRows.BORROWED`` the Linux x86_64 row stands in and the second value says
        so. With ``ArchRows.STRICT`` only the platform's own, confirmed row answers.
        """
        for row in self.builds:
            if (
                variant in row.variants
                and os_name in row.os
                and row.arch == cpu_arch
                and torch in row.torch
            ):
                if rows is ArchRows.STRICT and row.meta.unconfirmed:
                    return None, False
                return row, False
        if rows is ArchRows.STRICT:
            return None, False
        for row in self.builds:
            if (
                variant in row.variants
                and row.arch == "x86_64"
                and "linux" in row.os
                and torch in row.torch
            ):
                return row, True
        return None, False

    def pypi_mirror(self, key: str) -> PypiMirror | None:
        """A PyPI mirror by key (``tuna``, ``aliyun`` ...)."""
        return next((m for m in self.pypi_mirrors if m.key == key), None)

    def wheel_mirror(self, key: str) -> WheelMirror | None:
        """A download.pytorch.org mirror by key (``aliyun``, ``sjtu``, ``nju``)."""
        return next((m for m in self.wheel_mirrors if m.key == key), None)

    def find_gpu(self, name: str) -> GpuArch | None:
        """The architecture of a GPU named loosely (``"GeForce RTX 4090"``, ``"a100-sxm4"``).

        Names are split into letter and digit tokens; an example matches when its tokens appear
        consecutively in the name's tokens, and the longest matching example wins (so ``A100`` is
        not taken for ``A10`` and ``L40S`` not for ``L4``).
        """
        tokens = gpu_tokens(name)
        best: tuple[int, GpuArch] | None = None
        for arch in self.archs:
            for example in arch.examples:
                ex = gpu_tokens(example)
                if ex and _contains(tokens, ex) and (best is None or len(ex) > best[0]):
                    best = (len(ex), arch)
        return best[1] if best else None


_NOISE = {"nvidia", "geforce", "tesla", "graphics", "gpu", "laptop", "edition", "generation"}


def gpu_tokens(name: str) -> tuple[str, ...]:
    """``"NVIDIA GeForce RTX 4090"`` → ``("rtx", "4090")``: lower-case letter/digit runs."""
    raw = re.findall(r"[a-z]+|\d+", name.lower())
    return tuple(t for t in raw if t not in _NOISE)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


OS_ALIASES = {
    "linux": "linux",
    "windows": "windows",
    "win": "windows",
    "win32": "windows",
    "macos": "macos",
    "darwin": "macos",
    "mac": "macos",
    "osx": "macos",
}
"""OS names as users, ``sys.platform`` and ``platform.system()`` write them → the tables' keys."""
CPU_ALIASES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}
"""CPU architectures as ``platform.machine()`` and users write them → ``x86_64``/``aarch64``."""


def platform_key(os_name: str, machine: str | None = None) -> str | None:
    """The tables' platform key (see :data:`PLATFORMS`): ``("linux", "AMD64")`` →
    ``linux-x86_64``, ``("darwin", "arm64")`` → ``macos-arm64``; None for an OS or CPU the
    tables do not describe. A missing machine means x86_64, except on macOS, where it means
    Apple silicon. The doctor's rules and the planner read platforms through this one map.
    """
    os_key = OS_ALIASES.get(os_name.strip().lower())
    cpu = CPU_ALIASES.get((machine or ("arm64" if os_key == "macos" else "x86_64")).strip().lower())
    if os_key is None or cpu is None:
        return None
    if os_key == "macos":
        return "macos-arm64" if cpu == "aarch64" else "macos-x86_64"
    return f"{os_key}-{cpu}"


def variant_cuda(variant: str) -> Version | None:
    """``cu121`` → ``Version("12.1")``; None for cpu/rocm (read by the shared label parser)."""
    if not re.fullmatch(r"cu\d{2,3}", variant):
        return None
    cuda = cuda_from_label(variant)
    return Version(cuda) if cuda is not None else None


def cuda_runs_on(build: Version, have: Version) -> bool:
    """Whether a binary built for CUDA ``build`` runs where the driver offers CUDA ``have``
    (nvidia-smi's "CUDA Version").

    A newer driver always runs older binaries; from CUDA 11 on, any minor of the driver's
    major runs too (minor-version compatibility); before CUDA 11 only builds of at most
    ``have`` (cu102 needs a 10.2 driver).
    """
    build_xy = Version(f"{build.major}.{build.minor}")
    if have >= build_xy:
        return True
    return build.major >= MINOR_COMPAT_FROM and have.major == build.major


def cuda_variant(cuda: Version) -> str:
    """``Version("12.1")`` → ``cu121``."""
    return f"cu{cuda.major}{cuda.minor}"


def parse_tables(folder: Traversable) -> Tables:
    """Read and validate every table in ``folder`` (uncached; tests point it at bad copies).

    The parsing lives in :mod:`envcheck.recipes_load`; it is imported here, on first use, so
    that module can import the row types from this one.
    """
    from envcheck.recipes_load import parse_tables as parse

    return parse(folder)


def recipes_folder() -> Traversable:
    """Where the tables live: ``envcheck/recipes`` when installed, else the repo's ``recipes/``.

    A wheel installed on disk has the folder next to this module, which is what
    ``importlib.resources`` would return; checking that path first skips importing
    ``importlib.resources`` (about 15 ms) on every run. Zipped installs still go through it.
    """
    here = Path(__file__).resolve().parent
    if (here / "recipes").is_dir():
        return here / "recipes"
    repo = here.parent / "recipes"
    if repo.is_dir():
        return repo
    from importlib import resources

    return resources.files("envcheck").joinpath("recipes")


@functools.cache
def load_tables() -> Tables:
    """The validated tables, parsed once per process."""
    return parse_tables(recipes_folder())
