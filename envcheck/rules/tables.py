"""The few version numbers the rules need, with their sources.

Every number here comes from ``/work/shared/facts/recipe-facts.md`` (research of 2026-11-24),
whose source keys are cited per table. ``envcheck/recipes.py`` holds the full, validated
tables for ``recommend``; these are a small, typed copy so the rules do not depend on it while
both are written. They should be switched to ``envcheck.recipes`` once its API settles.

Lookups return ``None`` when the tables do not know (a newer torch, an unlisted GPU): rules
then say nothing rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

# -- CUDA toolkit → minimum driver ------------------------------------------------------------
# NVIDIA CUDA 13.1 release notes, Table 3 "CUDA Toolkit and Corresponding Driver Versions"
# (GA rows), https://docs.nvidia.com/cuda/archive/13.1.0/cuda-toolkit-release-notes/
# [S-NV-RN131]; 13.1–13.3 from third-party copies of later notes [S-3P-NV132] (confidence M).
# Windows has no bundled driver from 13.0; light-the-torch and uv use 580 [S-LTT, S-UV].
_TOOLKIT_DRIVER: tuple[tuple[str, str, str | None], ...] = (
    # (CUDA, Linux x86_64 minimum, Windows minimum)
    ("10.2", "440.33", "441.22"),
    ("11.0", "450.51.05", "451.48"),
    ("11.1", "455.23", "456.38"),
    ("11.2", "460.27.03", "460.82"),
    ("11.3", "465.19.01", "465.89"),
    ("11.4", "470.42.01", "471.11"),
    ("11.5", "495.29.05", "496.04"),
    ("11.6", "510.39.01", "511.23"),
    ("11.7", "515.43.04", "516.01"),
    ("11.8", "520.61.05", "520.06"),
    ("12.0", "525.60.13", "527.41"),
    ("12.1", "530.30.02", "531.14"),
    ("12.2", "535.54.03", "536.25"),
    ("12.3", "545.23.06", "545.84"),
    ("12.4", "550.54.14", "551.61"),
    ("12.5", "555.42.02", "555.85"),
    ("12.6", "560.28.03", "560.76"),
    ("12.8", "570.26", "570.65"),
    ("12.9", "575.51.03", "576.02"),
    ("13.0", "580.65.06", "580.0"),
    ("13.1", "590.44.01", None),
    ("13.2", "595.45.04", None),
    ("13.3", "610.43.02", None),
)

# Minor-version compatibility: a binary built with any CUDA X.y runs on a driver at least
# this new (NVIDIA 13.1 release notes, "Driver Range for Minor Version Compatibility"
# [S-NV-RN131]; Windows values as used by light-the-torch/uv [S-LTT, S-UV]). PyTorch's CUDA
# wheels rely on it.
_COMPAT_MIN: dict[int, tuple[str, str]] = {
    11: ("450.80.02", "452.39"),
    12: ("525.60.13", "528.33"),
    13: ("580.65.06", "580.0"),
}


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


@dataclass(frozen=True)
class DriverNeed:
    """The oldest driver that runs a CUDA build, and the rule that says so."""

    driver: Version
    text: str
    """The version as NVIDIA writes it (``450.80.02``; Version would print ``450.80.2``)."""
    how: str
    """``minor-version compatibility`` or ``toolkit table``."""


def driver_needed(cuda: Version, os_name: str) -> DriverNeed | None:
    """The minimum driver for a binary built with CUDA ``cuda`` (None when unknown)."""
    windows = os_name == "windows"
    compat = _COMPAT_MIN.get(cuda.major)
    if compat is not None:
        minimum = compat[1] if windows else compat[0]
        return DriverNeed(Version(minimum), minimum, "minor-version compat")
    wanted = major_minor(cuda)
    for toolkit, linux, win in _TOOLKIT_DRIVER:
        if Version(toolkit) == wanted:
            listed = win if windows else linux
            return DriverNeed(Version(listed), listed, "toolkit table") if listed else None
    return None


def max_cuda_for_driver(driver: Version, os_name: str) -> Version | None:
    """The newest CUDA version a driver supports natively (what nvidia-smi shows), if known."""
    best: Version | None = None
    for toolkit, linux, win in _TOOLKIT_DRIVER:
        text = win if os_name == "windows" else linux
        if text is not None and driver >= Version(text):
            best = Version(toolkit)
    return best


def cuda_runs_on(cuda: Version, driver_max: Version) -> bool:
    """Whether a binary built with ``cuda`` runs on a driver whose max CUDA is ``driver_max``.

    From CUDA 11 on, any minor of the same major runs (minor-version compatibility); a newer
    driver always runs older binaries.
    """
    if driver_max >= major_minor(cuda):
        return True
    return cuda.major >= 11 and driver_max.major == cuda.major


# -- GPU architectures --------------------------------------------------------------------------
# Compute capability → (architecture, first CUDA that compiles for it, last CUDA that does).
# recipe-facts (c1): NVIDIA release notes [S-NV-RN131], PyTorch cmake gates [S-PT-CMAKE].


@dataclass(frozen=True)
class Arch:
    """One compute capability's architecture and the CUDA toolkits that can build for it."""

    name: str
    first_cuda: Version
    last_cuda: Version | None


_ARCHS: dict[str, tuple[str, str, str | None]] = {
    "3.5": ("Kepler", "6.5", "11.8"),
    "3.7": ("Kepler", "6.5", "11.8"),
    "5.0": ("Maxwell", "6.5", "12.9"),
    "5.2": ("Maxwell", "6.5", "12.9"),
    "5.3": ("Maxwell", "6.5", "12.9"),
    "6.0": ("Pascal", "8.0", "12.9"),
    "6.1": ("Pascal", "8.0", "12.9"),
    "6.2": ("Pascal", "8.0", "12.9"),
    "7.0": ("Volta", "9.0", "12.9"),
    "7.2": ("Volta", "10.0", "12.9"),
    "7.5": ("Turing", "10.0", None),
    "8.0": ("Ampere", "11.0", None),
    "8.6": ("Ampere", "11.1", None),
    "8.7": ("Ampere (Orin)", "11.4", None),
    "8.9": ("Ada Lovelace", "11.8", None),
    "9.0": ("Hopper", "11.8", None),
    "10.0": ("Blackwell", "12.8", None),
    "10.3": ("Blackwell Ultra", "12.9", None),
    "11.0": ("Blackwell (Thor)", "13.0", None),
    "12.0": ("Blackwell", "12.8", None),
    "12.1": ("Blackwell (GB10)", "12.9", None),
}


def arch_for(cc: tuple[int, int]) -> Arch | None:
    """The architecture of compute capability ``cc`` (e.g. ``(8, 9)``), if listed."""
    row = _ARCHS.get(f"{cc[0]}.{cc[1]}")
    if row is None:
        return None
    name, first, last = row
    return Arch(name, Version(first), Version(last) if last else None)


# -- Arch lists of the official Linux x86_64 wheels ----------------------------------------------
# recipe-facts (c2): builder/pytorch build scripts [S-BUILDER-x.y, S-PT-BUILDCUDA], RELEASE.md
# [S-RELMD], observed get_arch_list() [S-3P-ARCHLIST], conda cuobjdump [S-MOI90].
# Rows: (torch >=, torch <, variants, TORCH_CUDA_ARCH_LIST). First matching row wins.
_K37 = "3.7;5.0;6.0;7.0;7.5;8.0;8.6"
_LEGACY = "5.0;6.0;7.0;7.5;8.0;8.6;9.0"
_WHEEL_ARCHS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("1.12", "1.13", ("cu102",), "3.7;5.0;6.0;7.0"),
    ("1.12", "2.0", ("cu113", "cu116", "cu117"), _K37),
    ("2.0", "2.1", ("cu117",), _K37),
    ("2.0", "2.8", ("cu118",), _K37 + ";9.0"),
    ("2.1", "2.7", ("cu121", "cu124"), _LEGACY),
    ("2.6", "2.15", ("cu126",), _LEGACY),
    ("2.7", "2.8", ("cu128",), "7.5;8.0;8.6;9.0;10.0;12.0"),
    ("2.8", "2.11", ("cu128",), "7.0;7.5;8.0;8.6;9.0;10.0;12.0"),
    ("2.11", "2.12", ("cu128",), "7.5;8.0;8.6;9.0;10.0;12.0"),
    ("2.8", "2.14", ("cu129",), "7.0;7.5;8.0;8.6;9.0;10.0;12.0+PTX"),
    ("2.9", "2.15", ("cu130", "cu132"), "7.5;8.0;8.6;9.0;10.0;12.0+PTX"),
)


def cuda_variant(cuda: Version) -> str:
    """``12.1`` → ``cu121``."""
    return f"cu{cuda.major}{cuda.minor}"


def published_arch_list(torch: Version, cuda: Version, machine: str | None) -> tuple[str, ...]:
    """The arch list (``sm_XY``/``compute_XY``) of the official wheel, or () when unknown.

    Only Linux/Windows x86_64 builds are listed; aarch64 and unknown releases give ().
    """
    if machine and machine.lower() not in ("x86_64", "amd64", "x64"):
        return ()
    base = Version(torch.base_version)
    variant = cuda_variant(cuda)
    for low, high, variants, archs in _WHEEL_ARCHS:
        if variant in variants and Version(low) <= base < Version(high):
            return arch_list_from_env(archs)
    return ()


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


# -- Companion packages --------------------------------------------------------------------------
# recipe-facts (a1 notes): torchvision 0.(m+15) pins torch 2.m for m ≤ 14; 0.29.1/0.29.2 pin only
# torch>=2.14; 0.13/0.14 pair with 1.12/1.13. torchaudio 2.m pairs with torch 2.m up to 2.10;
# 2.11.0 (the last release) carries no pin and is used with later torch. [S-PYPI-META]


def torchvision_fits(torch: Version, vision: Version) -> bool | None:
    """Whether this torchvision is the one built for this torch (None when unknown)."""
    if torch.major == 1 and torch.minor in (12, 13):
        return vision.major == 0 and vision.minor == torch.minor + 1
    if torch.major != 2:
        return None
    if torch.minor <= 13:
        return vision.major == 0 and vision.minor == torch.minor + 15
    if torch.minor in (14, 15):
        # 0.29.0 pins 2.14.0; 0.29.1/0.29.2 accept any torch >= 2.14.
        if vision.major == 0 and vision.minor == 29:
            return torch.minor == 14 or vision.micro >= 1
        return False
    return None


def expected_torchvision(torch: Version) -> str | None:
    """The torchvision line for this torch, e.g. ``0.16.x``, or None when unknown."""
    if torch.major == 1 and torch.minor in (12, 13):
        return f"0.{torch.minor + 1}.x"
    if torch.major == 2 and torch.minor <= 14:
        return f"0.{torch.minor + 15}.x"
    if torch.major == 2 and torch.minor == 15:
        return "0.29.1 or later"
    return None


def torchaudio_fits(torch: Version, audio: Version) -> bool | None:
    """Whether this torchaudio pairs with this torch (None when unknown)."""
    if torch.major == 1 and torch.minor in (12, 13):
        return audio.major == 0 and audio.minor == torch.minor
    if torch.major != 2:
        return None
    if torch.minor <= 10:
        return audio.major == 2 and audio.minor == torch.minor
    # torchaudio stopped at 2.11.0 (no torch pin): the best available for torch >= 2.11.
    return audio.major == 2 and audio.minor == 11


def expected_torchaudio(torch: Version) -> str | None:
    """The torchaudio line for this torch, or None when unknown."""
    if torch.major == 1 and torch.minor in (12, 13):
        return f"0.{torch.minor}.x"
    if torch.major == 2:
        return f"2.{min(torch.minor, 11)}.x"
    return None


# -- Python versions with torch wheels ---------------------------------------------------------
# recipe-facts (a1, "Python wheels on PyPI", union over platforms) [S-PYPI-FILES].
_PYTHONS: tuple[tuple[str, str, str], ...] = (
    # (torch minor line, oldest Python, newest Python)
    ("1.12", "3.7", "3.10"),
    ("1.13", "3.7", "3.11"),
    ("2.0", "3.8", "3.11"),
    ("2.1", "3.8", "3.11"),
    ("2.2", "3.8", "3.12"),
    ("2.3", "3.8", "3.12"),
    ("2.4", "3.8", "3.12"),
    ("2.5", "3.9", "3.13"),
    ("2.6", "3.9", "3.13"),
    ("2.7", "3.9", "3.13"),
    ("2.8", "3.9", "3.13"),
    ("2.9", "3.10", "3.14"),
    ("2.10", "3.10", "3.14"),
    ("2.11", "3.10", "3.14"),
    ("2.12", "3.10", "3.14"),
    ("2.13", "3.10", "3.14"),
    ("2.14", "3.10", "3.14"),
    ("2.15", "3.11", "3.15"),
)
NEWEST_TORCH = Version(_PYTHONS[-1][0])
"""The newest torch line these tables know."""


def python_range(torch: Version) -> tuple[Version, Version] | None:
    """(oldest, newest) Python with wheels for this torch line, or None when unknown."""
    line = major_minor(torch)
    for torch_line, low, high in _PYTHONS:
        if Version(torch_line) == line:
            return Version(low), Version(high)
    return None


def newest_torch_for_python(python: Version) -> Version | None:
    """The newest known torch line with wheels for this Python (major.minor), or None."""
    wanted = major_minor(python)
    best: Version | None = None
    for torch_line, low, high in _PYTHONS:
        if Version(low) <= wanted <= Version(high):
            best = Version(torch_line)
    return best


def suggested_python(lines: int = 3) -> Version:
    """The Python to suggest for a new environment: the newest one that each of the ``lines``
    newest torch lines has wheels for (so pinning a slightly older torch still works)."""
    return min(Version(row[2]) for row in _PYTHONS[-lines:])


def python_bounds() -> tuple[Version, Version]:
    """The oldest and newest Python that any known torch line has wheels for."""
    return min(Version(row[1]) for row in _PYTHONS), max(Version(row[2]) for row in _PYTHONS)
