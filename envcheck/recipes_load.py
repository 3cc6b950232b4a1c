"""Loading and validating the recipe tables (the TOML files under ``recipes/``).

Split from :mod:`envcheck.recipes` (which holds the typed rows and the lookups) so each module
stays readable: this one turns TOML into those rows, and every malformed row becomes a
:class:`~envcheck.recipes.RecipeError` naming the file and the row.
"""

from __future__ import annotations

import re
import sys
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from envcheck.recipes import (
    CONDA_STYLES,
    CONFIDENCES,
    INDEX_FLAGS,
    PLATFORMS,
    SCHEMA,
    BadDriver,
    CompatDriver,
    DriverVersion,
    GpuArch,
    PypiMirror,
    RecipeError,
    Release,
    RowMeta,
    Tables,
    ToolkitDriver,
    WheelArchs,
    WheelMirror,
)

if TYPE_CHECKING:
    from importlib.abc import Traversable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

_VARIANT_RE = re.compile(r"^(cu\d{2,3}|rocm\d+(\.\d+)*|cpu)$")
_PY_RE = re.compile(r"^(2\.7|3\.\d+t?)$")


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
    documented = row.strs("command_packages")
    if not torchaudio and not fallback and (not documented or "torchaudio" in documented):
        raise row.fail(
            "'torchaudio' is empty: give 'torchaudio_fallback', or command_packages without it"
        )
    index_flag = row.str_("index_flag")
    if index_flag not in INDEX_FLAGS:
        raise row.fail(f"'index_flag' must be one of {', '.join(INDEX_FLAGS)}, got {index_flag!r}")
    conda = row.str_("conda")
    if conda not in CONDA_STYLES:
        raise row.fail(f"'conda' must be one of {', '.join(CONDA_STYLES)}, got {conda!r}")
    conda_cuda = row.strs("conda_cuda")
    if conda != "none" and not conda_cuda:
        raise row.fail("'conda_cuda' must list CUDA versions when 'conda' is not none")
    conda_cpu = row.str_("conda_cpu", "cpuonly")
    if conda_cpu not in ("cpuonly", "pytorch-cpu"):
        raise row.fail(f"'conda_cpu' must be cpuonly or pytorch-cpu, got {conda_cpu!r}")
    command_packages = row.strs("command_packages")
    if command_packages and (
        command_packages[0] != "torch"
        or any(p not in ("torch", "torchvision", "torchaudio") for p in command_packages)
    ):
        raise row.fail("'command_packages' must start with torch and name torch/vision/audio only")
    platforms_missing = row.strs("platforms_missing")
    for plat in platforms_missing:
        if plat not in PLATFORMS:
            raise row.fail(f"'platforms_missing': unknown platform {plat!r}")
    windows_raw = row.raw("cuda_windows", False)
    cuda_windows = (
        _variants(row, "cuda_windows", row.strs("cuda_windows"))
        if windows_raw is not None
        else None
    )
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
        pypi_default_plain=row.bool_("pypi_default_plain", False),
        command_packages=command_packages,
        platforms_missing=platforms_missing,
        cuda_windows=cuda_windows,
        cuda_aarch64=_variants(row, "cuda_aarch64", row.strs("cuda_aarch64")),
        cuda_aarch64_unconfirmed=_variants(
            row, "cuda_aarch64_unconfirmed", row.strs("cuda_aarch64_unconfirmed")
        ),
        conda_cpu=conda_cpu,
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
        stable_url=row.str_("stable_url", ""),
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


TableRow = _Row
"""One validated TOML row (public for the other shipped tables: ``bench_references.toml``)."""
table_rows = _rows
"""The rows of one ``[[table]]``, each a :data:`TableRow` whose errors name file and row."""
