"""The version facts the rules need, read from the recipe tables.

Every number comes from the TOML tables under ``recipes/`` (loaded and validated once per
process by :func:`envcheck.recipes.load_tables`; each row there names its ``source`` and
``confidence`` from ``/work/shared/facts/recipe-facts.md``). This module only shapes them for
the rules:

* driver minimums and a driver's newest CUDA: ``cuda_drivers.toml`` (``[[toolkit]]`` and
  ``[[compat]]``);
* GPU architectures: ``gpu_archs.toml``;
* arch lists of the official Linux x86_64 wheels: ``wheel_archs.toml``;
* torchvision/torchaudio pairing and Python wheels per torch line: ``torch_releases.toml``.

Nothing is read at import time: the tables load on the first lookup (``load_tables`` caches
them). Lookups return ``None`` when the tables do not know (a newer torch, an unlisted GPU):
rules then say nothing rather than guess.

Every policy (which driver minimum applies, whether an arch list may be borrowed from another
platform or rest on an unconfirmed row) belongs to :class:`envcheck.recipes.Tables`, which the
planner (:mod:`envcheck.recommend`) asks too, so the doctor and the recommendation cannot
disagree; the functions here say at each call which policy they want, and keep the names and
signatures the rules import.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from envcheck.i18n import Msg
from envcheck.recipes import (
    ArchRows,
    DriverNeed,
    GpuArch,
    Release,
    Tables,
    cuda_runs_on,
    cuda_variant,
    load_tables,
    platform_key,
    variant_cuda,
)

Arch = GpuArch
"""The rules' name for a compute capability's row (:class:`envcheck.recipes.GpuArch`)."""

__all__ = [
    "Arch",
    "DriverNeed",
    "VariantFacts",
    "arch_for",
    "arch_list_from_env",
    "cuda_runs_on",
    "cuda_variant",
    "driver_needed",
    "expected_torchaudio",
    "expected_torchvision",
    "major_minor",
    "max_cuda_for_driver",
    "native_driver_needed",
    "newest_torch",
    "newest_torch_for_python",
    "parse_version",
    "platform_key",
    "published_arch_list",
    "pypi_default_variant",
    "python_bounds",
    "python_range",
    "suggested_python",
    "torchaudio_fits",
    "torchvision_fits",
    "variant_facts",
]


def parse_version(text: object) -> Version | None:
    """A Version from text like ``'535.104.05'``/``'12.1'``/``'2.1.0+cu121'``; None if invalid."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def major_minor(version: Version) -> Version:
    """``12.1.105`` → ``12.1``."""
    return Version(f"{version.major}.{version.minor}")


def _tables() -> Tables:
    return load_tables()


# -- CUDA toolkit → minimum driver --------------------------------------------------------------
# cuda_drivers.toml: NVIDIA's toolkit/driver table and minor-version-compatibility ranges
# [S-NV-RN131, S-3P-NV132]; Windows 13.x compat minimum as used by light-the-torch/uv [S-LTT, S-UV].


def driver_needed(cuda: Version, os_name: str) -> DriverNeed | None:
    """The minimum driver for a binary built with CUDA ``cuda`` (None when unknown): the same
    answer the planner gives (:meth:`envcheck.recipes.Tables.min_driver` with minor-version
    compatibility; before CUDA 11, the toolkit's own minimum)."""
    return _tables().min_driver(cuda, "windows" if os_name == "windows" else "linux", compat=True)


def native_driver_needed(cuda: Version, os_name: str) -> DriverNeed | None:
    """The oldest driver that runs CUDA ``cuda`` natively (the toolkit table's minimum),
    without minor-version compatibility; None when unknown."""
    return _tables().min_driver(major_minor(cuda), os_name, compat=False)


def max_cuda_for_driver(driver: Version, os_name: str) -> Version | None:
    """The newest CUDA version a driver supports natively (what nvidia-smi shows), if known.

    NVIDIA lists no Windows minimum for CUDA 13.x toolkits; the Linux minimum of the same
    release stands in (see :meth:`envcheck.recipes.Tables.native_max_cuda`).
    """
    return _tables().native_max_cuda(driver, "windows" if os_name == "windows" else "linux")


# -- GPU architectures --------------------------------------------------------------------------
# gpu_archs.toml: compute capability → architecture, first/last CUDA that compiles for it
# [S-NV-RN131, S-PT-CMAKE, S-3P-ARCH].


def arch_for(cc: tuple[int, int]) -> GpuArch | None:
    """The architecture of compute capability ``cc`` (e.g. ``(8, 9)``), if listed."""
    return _tables().arch(Version(f"{cc[0]}.{cc[1]}"))


# -- Arch lists of the official Linux x86_64 wheels ---------------------------------------------
# wheel_archs.toml [S-BUILDER-x.y, S-PT-BUILDCUDA, S-RELMD, S-3P-ARCHLIST, S-MOI90].

_X86_64 = ("x86_64", "amd64", "x64")


def published_arch_list(torch: Version, cuda: Version, machine: str | None) -> tuple[str, ...]:
    """The arch list (``sm_XY``/``compute_XY``) of the official wheel, or () when unknown.

    Only x86_64 is answered, from the Linux x86_64 rows (the OS is not passed; Windows lists
    mostly match and were never published for torch >= 2.6); aarch64 and unknown releases give ().
    Strict rows only (:attr:`envcheck.recipes.ArchRows.STRICT`): a list assumed from an older
    release (``unconfirmed``) is not used, or the rules would report a missing architecture on
    the strength of a guess.
    """
    if machine and machine.lower() not in _X86_64:
        return ()
    base = Version(torch.base_version)
    row, _ = _tables().build_archs(
        base, cuda_variant(cuda), "linux", "x86_64", rows=ArchRows.STRICT
    )
    return _arch_names(row.sass, row.ptx) if row is not None else ()


def _arch_names(sass: Iterable[Version], ptx: Iterable[Version]) -> tuple[str, ...]:
    """SASS and PTX capabilities in TORCH_CUDA_ARCH_LIST order (``sm_120``, ``compute_120``)."""
    ptx_set = set(ptx)
    out: list[str] = []
    for cc in sass:
        tag = f"{cc.major}{cc.minor}"
        out.append(f"sm_{tag}")
        if cc in ptx_set:
            out.append(f"compute_{tag}")
            ptx_set.discard(cc)
    out.extend(f"compute_{cc.major}{cc.minor}" for cc in sorted(ptx_set))
    return tuple(out)


def arch_list_from_env(value: str) -> tuple[str, ...]:
    """``"8.0;9.0+PTX"`` (TORCH_CUDA_ARCH_LIST syntax) → ``('sm_80', 'sm_90', 'compute_90')``.

    Named architectures (``Ampere``) and malformed entries are skipped.
    """
    out: list[str] = []
    for raw in value.replace(",", ";").replace(" ", ";").split(";"):
        entry = raw.strip()
        if not entry:
            continue
        ptx = entry.upper().endswith("+PTX")
        number = entry[:-4] if ptx else entry
        parts = number.split(".")
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1][:1].isdigit():
            continue
        tag = f"{int(parts[0])}{parts[1]}"
        out.append(f"sm_{tag}")
        if ptx:
            out.append(f"compute_{tag}")
    return tuple(out)


# -- torch release lines ------------------------------------------------------------------------
# torch_releases.toml: torchvision/torchaudio of each release and their pins, Python wheels per
# platform [S-PYPI-META, S-PYPI-FILES].


def _line_of(version: Version) -> tuple[int, int]:
    return version.major, version.minor


def _line(torch: Version) -> tuple[Release, ...]:
    """The release rows of ``torch``'s major.minor line (oldest first), () when unknown."""
    want = _line_of(torch)
    return tuple(r for r in _tables().releases if _line_of(r.torch) == want)


def _requirement(release: Release) -> SpecifierSet | None:
    """The torch requirement of ``release``'s torchvision when it is not a pin, else None."""
    if not release.torchvision_requires:
        return None
    try:
        return SpecifierSet(release.torchvision_requires)
    except InvalidSpecifier:  # pragma: no cover - recipes.py validates it on load
        return None


def _vision_row(vision: Version) -> Release | None:
    """The release row of the torchvision ``vision`` (or the nearest older one of its line).

    A torchvision patch that no row names (0.15.0, a future 0.29.3) takes the requirement of
    the newest listed patch before it, else of the oldest one of its major.minor.
    """
    rows = [r for r in _tables().releases if _line_of(Version(r.torchvision)) == _line_of(vision)]
    if not rows:
        return None
    older = [r for r in rows if Version(r.torchvision) <= vision]
    if older:
        return max(older, key=lambda r: (Version(r.torchvision), r.torch))
    return min(rows, key=lambda r: (Version(r.torchvision), r.torch))


def torchvision_fits(torch: Version, vision: Version) -> bool | None:
    """Whether this torchvision is the one built for this torch (None when unknown).

    Pairs are judged by torch line: a torchvision that pins ``torch==2.1.0`` fits any 2.1.x.
    A torchvision whose requirement is a range (0.29.1/0.29.2: ``torch>=2.14.0``) fits the torch
    versions in that range.
    """
    if not _line(torch):
        return None
    row = _vision_row(vision)
    if row is None:
        return False
    spec = _requirement(row)
    if spec is None:
        return _line_of(row.torch) == _line_of(torch)
    return Version(torch.base_version) in spec


def expected_torchvision(torch: Version) -> str | None:
    """The torchvision line for this torch, e.g. ``0.16.x``, or None when unknown.

    When only some patches of a torchvision line fit (torch 2.15 takes 0.29.1 and 0.29.2, not
    0.29.0), the oldest fitting one is named: ``0.29.1 or later``.
    """
    if not _line(torch):
        return None
    known = sorted({Version(r.torchvision) for r in _tables().releases})
    fitting = [v for v in known if torchvision_fits(torch, v)]
    if not fitting:
        return None
    newest = _line_of(fitting[-1])
    same_line = [v for v in known if _line_of(v) == newest]
    fitting_line = [v for v in fitting if _line_of(v) == newest]
    if fitting_line == same_line:
        return f"{newest[0]}.{newest[1]}.x"
    return Msg("{version} or later", version=str(fitting_line[0]))


def _audio_line(torch: Version) -> tuple[int, int] | None:
    """The torchaudio major.minor that pairs with this torch line, or None when unknown.

    Releases with no torchaudio of their own (torch >= 2.12) record the one to use in
    ``torchaudio_fallback`` (2.11.0, the last torchaudio, which carries no torch pin). A torch
    line newer than the tables, of the same major, inherits that fallback while the newest
    listed release still has no torchaudio of its own: no newer torchaudio was published.
    """
    rows = _line(torch)
    if not rows:
        releases = _tables().releases
        newest = releases[-1]
        if (
            newest.torchaudio
            or torch.major != newest.torch.major
            or Version(torch.base_version) <= newest.torch
        ):
            return None
        rows = (newest,)
    lines = {_line_of(Version(r.torchaudio or r.torchaudio_fallback)) for r in rows}
    return lines.pop() if len(lines) == 1 else None


def torchaudio_fits(torch: Version, audio: Version) -> bool | None:
    """Whether this torchaudio pairs with this torch (None when unknown)."""
    line = _audio_line(torch)
    if line is None:
        return None
    return _line_of(audio) == line


def expected_torchaudio(torch: Version) -> str | None:
    """The torchaudio line for this torch, or None when unknown."""
    line = _audio_line(torch)
    return f"{line[0]}.{line[1]}.x" if line is not None else None


# -- Python versions with torch wheels -----------------------------------------------------------
# The Python tags with Linux x86_64 wheels, union over each line's patch releases (free-threaded
# ``3.13t`` counts as 3.13). Linux x86_64 has had every tag any platform had. Python 2.7 (torch
# 1.0-1.4) is left out: envcheck inspects Python 3.6+, and no fix should steer anyone to it.

_PLATFORM = "linux-x86_64"


@functools.cache
def _python_lines() -> tuple[tuple[Version, Version, Version], ...]:
    """(torch line, oldest Python, newest Python) per torch line, oldest line first."""
    pythons: dict[Version, set[Version]] = {}
    for release in _tables().releases:
        tags = {Version(p.rstrip("t")) for p in release.pythons_on(_PLATFORM)}
        tags = {t for t in tags if t.major >= 3}
        pythons.setdefault(major_minor(release.torch), set()).update(tags)
    return tuple((line, min(found), max(found)) for line, found in sorted(pythons.items()) if found)


def newest_torch() -> Version:
    """The newest torch line the tables know (e.g. ``2.15``)."""
    return _python_lines()[-1][0]


def python_range(torch: Version) -> tuple[Version, Version] | None:
    """(oldest, newest) Python with wheels for this torch line, or None when unknown."""
    line = major_minor(torch)
    for torch_line, low, high in _python_lines():
        if torch_line == line:
            return low, high
    return None


def newest_torch_for_python(python: Version) -> Version | None:
    """The newest known torch line with wheels for this Python (major.minor), or None."""
    wanted = major_minor(python)
    best: Version | None = None
    for torch_line, low, high in _python_lines():
        if low <= wanted <= high:
            best = torch_line
    return best


def suggested_python(lines: int = 3) -> Version:
    """The Python to suggest for a new environment: the newest one that each of the ``lines``
    newest torch lines has wheels for (so pinning a slightly older torch still works)."""
    return min(row[2] for row in _python_lines()[-lines:])


def python_bounds() -> tuple[Version, Version]:
    """The oldest and newest Python that any known torch line has wheels for."""
    rows = _python_lines()
    return min(row[1] for row in rows), max(row[2] for row in rows)


# -- One build of one release: what a pasted `torch 1.7.1` or `1.7.1+cu110` implies -------------
# torch_releases.toml (PyPI default build per platform, builds per platform), wheel_archs.toml
# (arch lists), cuda_drivers.toml (driver minimums) [S-PYPI-META, S-PREV, S-PREV-MEM, ...].

def pypi_default_variant(
    torch: str | Version, os_name: str = "linux", machine: str | None = "x86_64"
) -> str | None:
    """The build ``pip install torch==<torch>`` got from PyPI on that platform.

    ``pypi_default_variant("1.7.1")`` → ``"cu102"`` (no Ampere kernels); ``"2.5.1"`` → ``"cu124"``;
    Windows and macOS → ``"cpu"``. A local label in ``torch`` (``1.7.1+cu110``) is ignored: the
    label itself names the build. None for an unknown release or platform, or unknown there.
    """
    version = parse_version(str(torch))
    plat = platform_key(os_name, machine)
    if version is None or plat is None:
        return None
    return _tables().pypi_default_variant(version.base_version, plat)


@dataclass(frozen=True)
class VariantFacts:
    """What the tables say about one build (``cu110``, ``cpu``, ``rocm4.2``) of one release."""

    torch: Version
    variant: str
    platform: str
    published: bool | None
    """Whether this build of this release existed for the platform; None: release unknown."""
    arch_list: tuple[str, ...]
    """``sm_XY``/``compute_XY`` names as ``torch.cuda.get_arch_list()`` prints them; () when
    unknown or not a CUDA build."""
    arch_list_borrowed: bool
    """The list is the Linux x86_64 one, assumed for this platform (no list of its own)."""
    arch_list_confidence: str
    """H, M or L (the row's); empty when there is no list."""
    min_driver: DriverNeed | None
    """The oldest driver that runs the build on this OS (None for CPU/ROCm or unknown)."""


def variant_facts(
    torch: str | Version,
    variant: str,
    os_name: str = "linux",
    machine: str | None = "x86_64",
) -> VariantFacts | None:
    """Facts about ``torch``'s ``variant`` build on a platform, for diagnosing a pasted report.

    ``variant_facts("1.7.1", "cu110")`` → published, ``sm_37 … sm_80``, driver ≥ 450.36.06.
    ``torch`` may carry its label (``1.7.1+cu110``); ``variant`` wins. None when the torch
    version or the platform cannot be read.
    """
    version = parse_version(str(torch))
    plat = platform_key(os_name, machine)
    if version is None or plat is None:
        return None
    base = Version(version.base_version)
    tables = _tables()
    os_key, _, cpu = plat.partition("-")
    cuda = variant_cuda(variant)
    names: tuple[str, ...] = ()
    borrowed = False
    confidence = ""
    need: DriverNeed | None = None
    if cuda is not None and os_key != "macos":
        row, borrowed = tables.build_archs(
            base,
            variant,
            os_key,
            "aarch64" if cpu == "aarch64" else "x86_64",
            rows=ArchRows.BORROWED,  # a pasted report's build: say what the list rests on
        )
        if row is not None:
            names = _arch_names(row.sass, row.ptx)
            confidence = row.meta.confidence
        need = tables.min_driver(cuda, os_key, compat=True)
    published = tables.variant_published(base, variant, plat)
    if published is False:
        names, borrowed, confidence = (), False, ""  # no such build: no kernels to list
    return VariantFacts(
        torch=base,
        variant=variant,
        platform=plat,
        published=published,
        arch_list=names,
        arch_list_borrowed=borrowed and bool(names),
        arch_list_confidence=confidence,
        min_driver=need,
    )
