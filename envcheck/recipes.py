"""The recipe tables: which torch builds exist, what they need, and where to get them.

The tables are TOML files under the repository's top-level ``recipes/`` folder (shipped inside the
wheel as ``envcheck/recipes``). Each file declares ``schema = 1``; every row carries ``source`` and
``confidence`` (H/M/L) and may be marked ``unconfirmed = true``. :func:`load_tables` parses and
validates them once per process; a malformed row raises :class:`RecipeError` naming the file and
the row, so a maintainer editing TOML learns exactly what to fix.

Versions are compared only through :mod:`packaging` (``Version``/``SpecifierSet``).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from importlib.abc import Traversable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

SCHEMA = 1
CONFIDENCES = ("H", "M", "L")
PLATFORMS = ("linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64", "macos-x86_64")
"""Platform keys used by ``python_missing`` (``<os>-<cpu arch>``)."""

_VARIANT_RE = re.compile(r"^(cu\d{3}|rocm\d+(\.\d+)*|cpu)$")
_PY_RE = re.compile(r"^3\.\d+t?$")


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
    conda: str
    conda_cuda: tuple[str, ...]
    conda_cuda_forge: tuple[str, ...]
    conda_torchvision: str
    conda_torchaudio: str
    released: str
    meta: RowMeta

    def pythons_on(self, platform: str) -> tuple[str, ...]:
        """The Python versions (``3.10``, ``3.13t``) with wheels for ``platform``."""
        missing = self.python_missing.get(platform, ())
        return tuple(p for p in self.python if p not in missing)

    def variants_on(self, os_name: str) -> tuple[str, ...]:
        """Advertised accelerator variants for ``linux``/``windows`` (ROCm is Linux-only)."""
        if os_name == "linux":
            return self.cuda + self.rocm
        if os_name == "windows":
            return self.cuda
        return ()


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

    def variant_min_driver(self, variant: str, os_name: str) -> DriverVersion | None:
        """The lowest driver that runs a ``cuXYZ`` wheel (its major's minor-version compat row)."""
        cuda = variant_cuda(variant)
        if cuda is None:
            return None
        row = self.compat_for(cuda.major)
        if row is not None:
            return row.windows if os_name == "windows" else row.linux
        return self.cuda_min_driver(cuda, os_name)

    def arch(self, cc: Version) -> GpuArch | None:
        """The architecture row of one compute capability."""
        return next((a for a in self.archs if a.cc == cc), None)

    def build_archs(
        self, torch: Version, variant: str, os_name: str, cpu_arch: str
    ) -> tuple[WheelArchs | None, bool]:
        """The arch row for one wheel and whether it was borrowed from another platform.

        Windows rows for torch >= 2.6 and aarch64 rows before 2.12 were never published; the Linux
        x86_64 row stands in, and the second value says so.
        """
        for row in self.builds:
            if (
                variant in row.variants
                and os_name in row.os
                and row.arch == cpu_arch
                and torch in row.torch
            ):
                return row, False
        for row in self.builds:
            if variant in row.variants and row.arch == "x86_64" and torch in row.torch:
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


def variant_cuda(variant: str) -> Version | None:
    """``cu121`` → ``Version("12.1")``; None for cpu/rocm."""
    m = re.fullmatch(r"cu(\d+)(\d)", variant)
    return Version(f"{m.group(1)}.{m.group(2)}") if m else None


def cuda_variant(cuda: Version) -> str:
    """``Version("12.1")`` → ``cu121``."""
    return f"cu{cuda.major}{cuda.minor}"


# --- loading and validation -------------------------------------------------------------------


class _Row:
    """Typed access to one TOML row; every error names the file and the row."""

    def __init__(self, file: str, table: str, index: int, data: Any, label_key: str) -> None:
        label = data.get(label_key) if isinstance(data, dict) else None
        suffix = f" ({label_key} {label})" if label else ""
        self.where = f"{file} [[{table}]] #{index + 1}{suffix}"
        if not isinstance(data, dict):
            raise RecipeError(f"{self.where}: expected a table")
        self.data: dict[str, Any] = data
        self.used: set[str] = set()

    def fail(self, message: str) -> RecipeError:
        return RecipeError(f"{self.where}: {message}")

    def raw(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.fail(f"missing required key {key!r}")
            return None
        return self.data[key]

    def str_(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, default is None)
        if value is None:
            return default or ""
        if not isinstance(value, str):
            raise self.fail(f"{key!r} must be a string, got {value!r}")
        return value

    def strs(self, key: str, required: bool = False) -> tuple[str, ...]:
        value = self.raw(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key!r} must be a list of strings, got {value!r}")
        return tuple(value)

    def bool_(self, key: str, default: bool) -> bool:
        value = self.raw(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false, got {value!r}")
        return value

    def int_(self, key: str) -> int:
        value = self.raw(key, True)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{key!r} must be an integer, got {value!r}")
        return value

    def version(self, key: str, text: str | None = None) -> Version:
        raw = self.str_(key) if text is None else text
        try:
            return Version(raw)
        except InvalidVersion:
            raise self.fail(f"{key!r}: {raw!r} is not a version") from None

    def driver(self, key: str, text: str | None = None) -> DriverVersion:
        raw = self.str_(key) if text is None else text
        if not re.fullmatch(r"\d+(\.\d+)+", raw):
            raise self.fail(f"{key!r}: {raw!r} is not a driver version like 535.104.05")
        return DriverVersion(raw)

    def specifier(self, key: str) -> SpecifierSet:
        raw = self.str_(key)
        try:
            return SpecifierSet(raw)
        except InvalidSpecifier:
            raise self.fail(f"{key!r}: {raw!r} is not a version specifier") from None

    def meta(self) -> RowMeta:
        source = self.str_("source")
        if not source.strip():
            raise self.fail("'source' must not be empty")
        confidence = self.str_("confidence")
        if confidence not in CONFIDENCES:
            raise self.fail(f"'confidence' must be H, M or L, got {confidence!r}")
        return RowMeta(
            where=self.where,
            source=source,
            confidence=confidence,
            unconfirmed=self.bool_("unconfirmed", False),
            note=self.str_("note", ""),
        )

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(unknown)}")


def _variants(row: _Row, key: str, values: tuple[str, ...]) -> tuple[str, ...]:
    for v in values:
        if not _VARIANT_RE.match(v):
            raise row.fail(f"{key!r}: {v!r} is not a variant like cu121, rocm6.0 or cpu")
    return values


def _rows(doc: dict[str, Any], file: str, table: str, label: str) -> list[_Row]:
    items = doc.get(table)
    if not isinstance(items, list) or not items:
        raise RecipeError(f"{file}: needs at least one [[{table}]] row")
    return [_Row(file, table, i, item, label) for i, item in enumerate(items)]


def _parse_release(row: _Row) -> Release:
    torch = row.version("torch")
    python = row.strs("python", required=True)
    for p in python:
        if not _PY_RE.match(p):
            raise row.fail(f"'python': {p!r} is not like 3.10 or 3.13t")
    missing_raw = row.raw("python_missing", False) or {}
    if not isinstance(missing_raw, dict):
        raise row.fail("'python_missing' must be a table of platform = [versions]")
    missing: dict[str, tuple[str, ...]] = {}
    for plat, pys in missing_raw.items():
        if plat not in PLATFORMS:
            known = ", ".join(PLATFORMS)
            raise row.fail(f"'python_missing': unknown platform {plat!r} (use {known})")
        if not isinstance(pys, list) or not all(isinstance(p, str) and p in python for p in pys):
            raise row.fail(f"'python_missing.{plat}' must list versions from 'python'")
        missing[plat] = tuple(pys)
    for key in ("torchvision",):
        row.version(key)
    torchaudio = row.str_("torchaudio")
    if torchaudio:
        row.version("torchaudio", torchaudio)
    fallback = row.str_("torchaudio_fallback", "")
    if not torchaudio and not fallback:
        raise row.fail("'torchaudio' is empty: give 'torchaudio_fallback'")
    index_flag = row.str_("index_flag")
    if index_flag not in ("index-url", "extra-index-url"):
        raise row.fail(f"'index_flag' must be index-url or extra-index-url, got {index_flag!r}")
    conda = row.str_("conda")
    if conda not in ("none", "cudatoolkit", "pytorch-cuda"):
        raise row.fail(f"'conda' must be none, cudatoolkit or pytorch-cuda, got {conda!r}")
    conda_cuda = row.strs("conda_cuda")
    if conda != "none" and not conda_cuda:
        raise row.fail("'conda_cuda' must list CUDA versions when 'conda' is not none")
    requires = row.str_("torchvision_requires", "")
    if requires:
        row.specifier("torchvision_requires")
    pypi_default = row.str_("pypi_default_cuda")
    _variants(row, "pypi_default_cuda", (pypi_default,))
    aarch64 = row.str_("pypi_aarch64")
    if aarch64 != "unknown":
        _variants(row, "pypi_aarch64", (aarch64,))
    release = Release(
        torch=torch,
        torchvision=row.str_("torchvision"),
        torchvision_requires=requires,
        torchaudio=torchaudio,
        torchaudio_fallback=fallback,
        python=python,
        python_missing=MappingProxyType(missing),
        cuda=_variants(row, "cuda", row.strs("cuda", required=True)),
        cuda_unadvertised=_variants(row, "cuda_unadvertised", row.strs("cuda_unadvertised")),
        rocm=_variants(row, "rocm", row.strs("rocm")),
        pypi_default_cuda=pypi_default,
        pypi_aarch64=aarch64,
        macos_x86_64=row.bool_("macos_x86_64", False),
        macos_min=row.str_("macos_min"),
        index_flag=index_flag,
        conda=conda,
        conda_cuda=conda_cuda,
        conda_cuda_forge=row.strs("conda_cuda_forge"),
        conda_torchvision=row.str_("conda_torchvision", ""),
        conda_torchaudio=row.str_("conda_torchaudio", ""),
        released=row.str_("released"),
        meta=row.meta(),
    )
    row.done()
    return release


def _parse_toolkit(row: _Row) -> ToolkitDriver:
    windows = row.str_("windows", "")
    result = ToolkitDriver(
        cuda=row.version("cuda"),
        release=row.str_("release"),
        linux=row.driver("linux"),
        windows=row.driver("windows", windows) if windows else None,
        meta=row.meta(),
    )
    row.done()
    return result


def _parse_compat(row: _Row) -> CompatDriver:
    result = CompatDriver(
        major=row.int_("major"),
        linux=row.driver("linux"),
        windows=row.driver("windows"),
        meta=row.meta(),
    )
    row.done()
    return result


def _parse_arch(row: _Row) -> GpuArch:
    last = row.str_("last_cuda", "")
    examples = row.strs("examples", required=True)
    if not examples:
        raise row.fail("'examples' must name at least one GPU")
    result = GpuArch(
        cc=row.version("cc"),
        name=row.str_("name"),
        examples=examples,
        first_cuda=row.version("first_cuda"),
        last_cuda=row.version("last_cuda", last) if last else None,
        meta=row.meta(),
    )
    row.done()
    return result


def _parse_build(row: _Row) -> WheelArchs:
    os_names = row.strs("os", required=True)
    if not os_names or any(o not in ("linux", "windows") for o in os_names):
        raise row.fail(f"'os' must list linux and/or windows, got {list(os_names)!r}")
    arch = row.str_("arch")
    if arch not in ("x86_64", "aarch64"):
        raise row.fail(f"'arch' must be x86_64 or aarch64, got {arch!r}")
    sass = tuple(row.version("sass", s) for s in row.strs("sass", required=True))
    ptx = tuple(row.version("ptx", p) for p in row.strs("ptx"))
    result = WheelArchs(
        torch=row.specifier("torch"),
        variants=_variants(row, "variants", row.strs("variants", required=True)),
        os=os_names,
        arch=arch,
        sass=sass,
        ptx=ptx,
        meta=row.meta(),
    )
    row.done()
    return result


def _parse_pypi_mirror(row: _Row) -> PypiMirror:
    result = PypiMirror(
        key=row.str_("key"), name=row.str_("name"), url=row.str_("url"), meta=row.meta()
    )
    if not result.url.startswith("https://"):
        raise row.fail(f"'url' must be https, got {result.url!r}")
    row.done()
    return result


def _parse_wheel_mirror(row: _Row) -> WheelMirror:
    result = WheelMirror(
        key=row.str_("key"),
        name=row.str_("name"),
        url=row.str_("url"),
        flag=row.str_("flag"),
        meta=row.meta(),
    )
    if "{variant}" not in result.url:
        raise row.fail("'url' must contain {variant}")
    if result.flag not in ("index-url", "find-links"):
        raise row.fail(f"'flag' must be index-url or find-links, got {result.flag!r}")
    row.done()
    return result


def _parse_bad_driver(row: _Row) -> BadDriver:
    result = BadDriver(
        versions=row.specifier("versions"),
        applies_to=_variants(row, "applies_to", row.strs("applies_to")),
        reason=row.str_("reason"),
        meta=row.meta(),
    )
    row.done()
    return result


def _read(folder: Traversable, name: str) -> dict[str, Any]:
    try:
        text = folder.joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise RecipeError(f"{name}: cannot read ({exc})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{name}: not valid TOML ({exc})") from None
    if doc.get("schema") != SCHEMA:
        raise RecipeError(f"{name}: 'schema' must be {SCHEMA}, got {doc.get('schema')!r}")
    return doc


def parse_tables(folder: Traversable) -> Tables:
    """Read and validate every table in ``folder`` (uncached; tests point it at bad copies)."""
    f = "torch_releases.toml"
    releases = tuple(_parse_release(r) for r in _rows(_read(folder, f), f, "release", "torch"))
    seen: set[Version] = set()
    for prev, rel in zip((None, *releases), releases, strict=False):
        if rel.torch in seen:
            raise RecipeError(f"{rel.meta.where}: torch {rel.torch} is listed twice")
        if prev is not None and rel.torch < prev.torch:
            raise RecipeError(f"{rel.meta.where}: releases must be listed oldest first")
        seen.add(rel.torch)
    f = "cuda_drivers.toml"
    doc = _read(folder, f)
    toolkits = tuple(_parse_toolkit(r) for r in _rows(doc, f, "toolkit", "release"))
    compat = tuple(_parse_compat(r) for r in _rows(doc, f, "compat", "major"))
    f = "gpu_archs.toml"
    archs = tuple(_parse_arch(r) for r in _rows(_read(folder, f), f, "arch", "cc"))
    f = "wheel_archs.toml"
    builds = tuple(_parse_build(r) for r in _rows(_read(folder, f), f, "build", "torch"))
    f = "mirrors.toml"
    doc = _read(folder, f)
    official = doc.get("official")
    if not isinstance(official, dict) or "{variant}" not in str(official.get("url", "")):
        raise RecipeError(f"{f} [official]: needs url containing {{variant}}")
    pypi = tuple(_parse_pypi_mirror(r) for r in _rows(doc, f, "pypi", "key"))
    wheels = tuple(_parse_wheel_mirror(r) for r in _rows(doc, f, "wheels", "key"))
    f = "known_bad_drivers.toml"
    bad = tuple(_parse_bad_driver(r) for r in _rows(_read(folder, f), f, "driver", "versions"))
    return Tables(
        releases=releases,
        toolkits=toolkits,
        compat=compat,
        archs=archs,
        builds=builds,
        official_url=str(official["url"]),
        pypi_mirrors=pypi,
        wheel_mirrors=wheels,
        bad_drivers=bad,
    )


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
