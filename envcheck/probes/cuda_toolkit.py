"""CUDA toolkits: the nvcc on PATH, every install found on disk, and the one builds would use.

Shell equivalent: ``nvcc --version; echo $CUDA_HOME; ls -d /usr/local/cuda*``.

The toolkit (nvcc) only matters for compiling CUDA code, e.g. PyTorch C++/CUDA extensions;
PyTorch wheels bring their own CUDA runtime. What goes wrong is a build picking a toolkit
that does not match torch's CUDA, so besides the PATH nvcc this probe works out which toolkit
``torch.utils.cpp_extension`` would pick (its ``_find_cuda_home``): CUDA_HOME, else
CUDA_PATH, else the directory above the nvcc on PATH, else /usr/local/cuda (on Windows the
first ``C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v*.*``).
Only that nvcc and the PATH nvcc are run; other installs are dated from their version files.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from envcheck.context import Context
from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import remarks
from envcheck.model import FactValue, ProbeOutcome
from envcheck.parsers.nvcc import parse_nvcc_release
from envcheck.parsers.versions import cuda_from_int, major_minor
from envcheck.probes.base import Facts, Probe
from envcheck.probes.env_vars import env_get

WINDOWS_TOOLKITS_DIR = r"C:\Program Files\NVIDIA GPU Computing Toolkit\CUDA"
MACOS_NO_CUDA = Msg("macOS has had no CUDA toolkit since CUDA 10.2 (torch uses MPS)")

_LEGACY_VERSION_RE = re.compile(r"CUDA\s+Version\s+(\d+\.\d+(?:\.\d+)*)", re.IGNORECASE | re.ASCII)
_CUDA_H_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+CUDA_VERSION[ \t]+(\d+)\b", re.M | re.ASCII)
_DIR_VERSION_RE = re.compile(r"^(?:cuda-|v)(\d+\.\d+)$", re.ASCII)
_LINUX_DIR_RE = re.compile(r"^cuda(?:-\d+(?:\.\d+)?)?$", re.ASCII)
_WINDOWS_DIR_RE = re.compile(r"^v\d+\.\d+$", re.ASCII)
_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.\d+)*", re.ASCII)


def parse_cuda_version_json(text: str) -> str | None:
    """The toolkit version in ``<cuda>/version.json`` (11.1+) or legacy ``version.txt``.

    ``{"cuda": {"version": "12.1.1"}}`` → "12.1.1"; "CUDA Version 10.2.89" → "10.2.89".
    Returns None for text that is neither.
    """
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        cuda = data.get("cuda")
        version = cuda.get("version") if isinstance(cuda, dict) else None
        if isinstance(version, str) and _VERSION_RE.fullmatch(version.strip()):
            return version.strip()
        return None
    match = _LEGACY_VERSION_RE.search(text)
    return match.group(1) if match else None


def parse_cuda_h_version(text: str) -> str | None:
    """The version in ``include/cuda.h``: ``#define CUDA_VERSION 12010`` → "12.1".

    A fallback for installs without a version file (pip-assembled toolkits, some distro
    packages); the macro is major * 1000 + minor * 10.
    """
    match = _CUDA_H_RE.search(text)
    if match is None or len(match.group(1)) > 9:
        return None
    return cuda_from_int(int(match.group(1)))


@dataclass(frozen=True)
class ToolkitInstall:
    """One toolkit directory found on the machine, and how its version was read."""

    path: str
    version: str | None
    """major.minor, e.g. "12.1" (comparable with nvcc_version and torch.cuda_build)."""
    source: str
    """Where it was found: PATH, CUDA_HOME, CUDA_PATH, conda, /usr/local, /opt or Program Files."""
    full_version: str | None = None
    version_from: str | None = None
    """The file or command the version came from, or why it is unknown."""

    def as_fact(self) -> dict[str, FactValue]:
        """The JSON object listed in ``cuda_toolkit.installs``."""
        return {
            "path": self.path,
            "version": self.version,
            "source": self.source,
            "full_version": self.full_version,
            "version_from": self.version_from,
        }


@dataclass(frozen=True)
class NvccRun:
    """What running one nvcc said."""

    version: str | None
    full_version: str | None
    why: str | None
    """Why the version is unknown (None when it is known)."""


class CudaToolkitProbe(Probe):
    """Find CUDA toolkits and the nvcc that PATH and extension builds would use.

    Emits ``cuda_toolkit.nvcc_version``, ``cuda_toolkit.nvcc_path``, ``cuda_toolkit.cuda_home``,
    ``cuda_toolkit.installs`` (objects {path, version, source, full_version, version_from}),
    ``cuda_toolkit.build_nvcc`` and ``cuda_toolkit.build_version``.
    """

    id = "cuda_toolkit"
    title = Msg("CUDA toolkit")
    inspects = Msg("the CUDA toolkit (nvcc) extension builds would use")

    def applies(self, ctx: Context) -> str | None:
        """Skipped on macOS: NVIDIA's last macOS toolkit was CUDA 10.2 (torch uses MPS)."""
        if ctx.os_name == "darwin":
            return MACOS_NO_CUDA
        return None

    def timeout(self, ctx: Context) -> float:
        """Up to two nvcc runs (PATH and build), each with the context's command limit."""
        return 2 * ctx.timeout_s + 5.0

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        pure = _pure_path(ctx)
        runs: dict[str, NvccRun] = {}

        nvcc_real = ctx.which("nvcc")
        nvcc_path = _as_machine_path(ctx, nvcc_real) if nvcc_real else None
        # The toolkit the PATH nvcc really belongs to (/usr/local/bin/nvcc is often a link).
        nvcc_resolved = _as_machine_path(ctx, _real(nvcc_real)) if nvcc_real else None
        path_run: NvccRun | None = None
        if nvcc_real is None or nvcc_path is None:
            facts.unknown("cuda_toolkit.nvcc_path", Msg("nvcc is not on PATH"))
            facts.unknown("cuda_toolkit.nvcc_version", Msg("nvcc is not on PATH"))
        else:
            facts.set("cuda_toolkit.nvcc_path", nvcc_path)
            path_run = _run_nvcc(ctx, nvcc_real)
            runs[_real(nvcc_real)] = path_run
            facts.set("cuda_toolkit.nvcc_version", path_run.version, path_run.why)

        cuda_home_var, cuda_home = _cuda_home_env(ctx)
        if cuda_home is None:
            facts.unknown("cuda_toolkit.cuda_home", Msg("neither CUDA_HOME nor CUDA_PATH is set"))
        else:
            facts.set("cuda_toolkit.cuda_home", cuda_home)

        installs = self._installs(ctx, pure, nvcc_resolved, path_run)
        facts.set("cuda_toolkit.installs", [install.as_fact() for install in installs])

        build_home, how = _build_cuda_home(ctx, pure, cuda_home_var, cuda_home, nvcc_path)
        if build_home is None:
            facts.unknown("cuda_toolkit.build_nvcc", how)
            facts.unknown("cuda_toolkit.build_version", how)
        else:
            exe = str(pure(build_home) / "bin" / _nvcc_name(ctx))
            if not ctx.exists(exe):
                why = Msg("{how}, but {path} does not exist", how=how, path=exe)
                facts.unknown("cuda_toolkit.build_nvcc", why)
                facts.unknown("cuda_toolkit.build_version", why)
            else:
                facts.set("cuda_toolkit.build_nvcc", exe, _missing_headers_note(ctx, pure, exe))
                key = _real(str(ctx.path(exe)))
                if key not in runs:
                    runs[key] = _run_nvcc(ctx, str(ctx.path(exe)))
                run = runs[key]
                facts.set("cuda_toolkit.build_version", run.version, run.why)

        return facts.outcome(_summary(facts.values, len(installs)))

    def _installs(
        self,
        ctx: Context,
        pure: type[PurePath],
        nvcc_path: str | None,
        path_run: NvccRun | None,
    ) -> list[ToolkitInstall]:
        """Every toolkit directory, most relevant first, each real directory once."""
        candidates: list[tuple[str, str]] = []
        if nvcc_path is not None:
            candidates.append((str(pure(nvcc_path).parent.parent), "PATH"))
        for var in ("CUDA_HOME", "CUDA_PATH"):
            value = env_get(ctx.env, var, ctx.os_name)
            if value:
                candidates.append((value, var))
        conda = env_get(ctx.env, "CONDA_PREFIX", ctx.os_name)
        if conda:
            root = pure(conda) / "Library" if ctx.os_name == "windows" else pure(conda)
            if ctx.exists(root / "bin" / _nvcc_name(ctx)):
                candidates.append((str(root), "conda"))
        if ctx.os_name == "windows":
            found = _list_dirs(ctx, pure, _win_dir(ctx), _WINDOWS_DIR_RE)
            candidates += [(d, "Program Files") for d in found]
        else:
            found = _list_dirs(ctx, pure, "/usr/local", _LINUX_DIR_RE)
            candidates += [(d, "/usr/local") for d in found]
            # Arch Linux's cuda package installs to /opt/cuda.
            candidates += [(d, "/opt") for d in _list_dirs(ctx, pure, "/opt", _LINUX_DIR_RE)]

        installs: list[ToolkitInstall] = []
        seen: set[str] = set()
        for path, source in candidates:
            if not ctx.exists(path):
                continue
            key = _real(str(ctx.path(path)))
            if key in seen:
                continue
            seen.add(key)
            if source == "PATH" and path_run is not None and path_run.version is not None:
                installs.append(
                    ToolkitInstall(
                        path, path_run.version, source, path_run.full_version, "nvcc --version"
                    )
                )
                continue
            full, short, origin = _read_install_version(ctx, pure, path, conda_prefix=conda)
            installs.append(ToolkitInstall(path, short, source, full, origin))
        return installs


def _pure_path(ctx: Context) -> type[PurePath]:
    return PureWindowsPath if ctx.os_name == "windows" else PurePosixPath


def _nvcc_name(ctx: Context) -> str:
    return "nvcc.exe" if ctx.os_name == "windows" else "nvcc"


def _win_dir(ctx: Context) -> str:
    program_files = env_get(ctx.env, "ProgramFiles", "windows")
    if program_files:
        return str(PureWindowsPath(program_files) / "NVIDIA GPU Computing Toolkit" / "CUDA")
    return WINDOWS_TOOLKITS_DIR


def _as_machine_path(ctx: Context, real: str) -> str:
    """Turn a real path (from ``ctx.which``) into a machine path under a fake root.

    With the real root this is the identity; under a test's temp root, a file inside the root
    gets the absolute machine path it stands for, so it can be read back through ``ctx``.
    """
    root = str(ctx.root)
    if root in ("/", "") or ctx.os_name == "windows":
        return real
    try:
        relative = PurePosixPath(real).relative_to(root)
    except ValueError:
        return real
    return str(PurePosixPath("/") / relative)


def _real(path: str) -> str:
    """A path with symlinks resolved, for telling whether two names are one directory."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def _list_dirs(
    ctx: Context, pure: type[PurePath], parent: str, pattern: re.Pattern[str]
) -> list[str]:
    """Machine paths of the directories in ``parent`` whose names match ``pattern``.

    Unversioned names (``cuda``, the usual symlink) sort first, then versions ascending.
    """
    try:
        names = [entry.name for entry in ctx.path(parent).iterdir() if entry.is_dir()]
    except OSError:
        return []
    picked = [name for name in names if pattern.match(name)]

    def order(name: str) -> tuple[tuple[int, ...], str]:
        return tuple(int(part) for part in re.findall(r"\d+", name)), name

    return [str(pure(parent) / name) for name in sorted(picked, key=order)]


def _read_install_version(
    ctx: Context, pure: type[PurePath], root: str, *, conda_prefix: str | None
) -> tuple[str | None, str | None, str]:
    """(full version, major.minor, where it came from) for a toolkit directory, without nvcc.

    Tries version.json, version.txt, include/cuda.h, conda-meta (for a conda env), then the
    directory name (cuda-12.1, v12.1); the last item says why when nothing worked.
    """
    base = pure(root)
    for name in ("version.json", "version.txt"):
        text, _ = ctx.try_read_text(base / name)
        if text is not None:
            full = parse_cuda_version_json(text)
            if full is not None:
                return full, major_minor(full), str(base / name)
    headers = [base / "include" / "cuda.h"]
    if ctx.os_name == "linux":
        headers.append(base / "targets" / f"{ctx.platform.machine}-linux" / "include" / "cuda.h")
    for header in headers:
        text, _ = ctx.try_read_text(header)
        short = parse_cuda_h_version(text) if text is not None else None
        if short is not None:
            return None, short, str(header)
    if conda_prefix:
        full, meta = _conda_nvcc_version(ctx, pure, conda_prefix)
        if full is not None and (base == pure(conda_prefix) or base.parent == pure(conda_prefix)):
            return full, major_minor(full), meta
    for name in (base.name, os.path.basename(_real(str(ctx.path(root))))):
        found = _DIR_VERSION_RE.match(name)
        if found is not None:
            return None, found.group(1), f"directory name {name}"
    return None, None, "no version.json, version.txt or include/cuda.h with a version"


def _conda_nvcc_version(ctx: Context, pure: type[PurePath], prefix: str) -> tuple[str | None, str]:
    """The cuda-nvcc package version recorded in ``<prefix>/conda-meta`` (file names only)."""
    meta = pure(prefix) / "conda-meta"
    try:
        names = sorted(entry.name for entry in ctx.path(meta).iterdir())
    except OSError:
        return None, str(meta)
    for name in names:
        # conda-meta files are named <name>-<version>-<build>.json
        if name.startswith("cuda-nvcc-") and name.endswith(".json"):
            parts = name[: -len(".json")].rsplit("-", 2)
            if len(parts) == 3 and parts[0] == "cuda-nvcc" and _VERSION_RE.fullmatch(parts[1]):
                return parts[1], str(meta / name)
    return None, str(meta)


def _cuda_home_env(ctx: Context) -> tuple[str | None, str | None]:
    """(variable name, value) of CUDA_HOME, else CUDA_PATH; empty values count as unset."""
    for var in ("CUDA_HOME", "CUDA_PATH"):
        value = env_get(ctx.env, var, ctx.os_name)
        if value:
            return var, value
    return None, None


def _build_cuda_home(
    ctx: Context,
    pure: type[PurePath],
    var: str | None,
    cuda_home: str | None,
    nvcc_path: str | None,
) -> tuple[str | None, str]:
    """The toolkit directory torch.utils.cpp_extension would use, and how it was chosen.

    Follows torch's ``_find_cuda_home`` order (environment, PATH nvcc, default location);
    returns (None, why) when it would find none.
    """
    if var is not None and cuda_home is not None:
        return cuda_home, f"{var}={cuda_home}"
    if nvcc_path is not None:
        return str(pure(nvcc_path).parent.parent), Msg("nvcc on PATH is {path}", path=nvcc_path)
    if ctx.os_name == "windows":
        versions = _list_dirs(ctx, pure, _win_dir(ctx), _WINDOWS_DIR_RE)
        if versions:
            # torch takes glob()'s first match, whose order the filesystem decides; sorted
            # order is the common NTFS answer.
            return versions[0], Msg("first toolkit in {path}", path=_win_dir(ctx))
        return None, Msg(
            "CUDA_HOME and CUDA_PATH are not set, nvcc is not on PATH and {path} holds no toolkit",
            path=_win_dir(ctx),
        )
    if ctx.exists("/usr/local/cuda"):
        return "/usr/local/cuda", Msg("default {path}", path="/usr/local/cuda")
    return None, Msg(
        "CUDA_HOME and CUDA_PATH are not set, nvcc is not on PATH and /usr/local/cuda "
        "does not exist"
    )


def _missing_headers_note(ctx: Context, pure: type[PurePath], exe: str) -> str | None:
    """Say so when the build toolkit directory has no include/cuda.h.

    torch takes CUDA_HOME/include as the CUDA include directory, so a CUDA home derived from
    a wrapper or link such as /usr/local/bin/nvcc (home /usr/local), or a conda env whose
    headers live under targets/, compiles nvcc but fails on ``#include <cuda_runtime.h>``.
    """
    home = pure(exe).parent.parent
    if ctx.exists(home / "include" / "cuda.h"):
        return None
    resolved = pure(_as_machine_path(ctx, _real(str(ctx.path(exe)))))
    hint = ""
    if resolved.parent.parent != home:
        hint = Msg("{exe} links to {target}, so CUDA_HOME={home} may fix it", exe=exe,
                   target=str(resolved), home=str(resolved.parent.parent))
    return remarks((Msg("builds take {home} as CUDA home, which has no include/cuda.h",
                        home=str(home)), hint))


def _run_nvcc(ctx: Context, exe: str) -> NvccRun:
    """Run ``exe --version`` and read the release; failures become a reason."""
    result = ctx.run([exe, "--version"])
    if not result.ok:
        return NvccRun(None, None, Msg("{exe} --version failed: {failure}", exe=exe,
                                       failure=result.describe_failure()))
    text = result.stdout + "\n" + result.stderr
    release = parse_nvcc_release(text)
    if release is None:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        shown = Msg(": {output}", output=repr(first[:120])) if first else Msg(" (no output)")
        return NvccRun(None, None, concat(
            Msg("{exe} --version printed no 'release X.Y'", exe=exe), shown))
    return NvccRun(release.version, release.full_version, None)


def _summary(values: dict[str, FactValue], install_count: int) -> str:
    parts: list[str] = []
    if values.get("cuda_toolkit.nvcc_version"):
        parts.append(Msg("nvcc {version} on PATH",
                         version=str(values["cuda_toolkit.nvcc_version"])))
    elif values.get("cuda_toolkit.nvcc_path"):
        parts.append(Msg("nvcc on PATH (version unknown)"))
    else:
        parts.append(Msg("no nvcc on PATH"))
    if values.get("cuda_toolkit.build_version"):
        parts.append(Msg("builds use {version}",
                         version=str(values["cuda_toolkit.build_version"])))
    parts.append(Msg("{count} toolkit found", count=install_count) if install_count == 1
                 else Msg("{count} toolkits found", count=install_count))
    return remarks(parts)
