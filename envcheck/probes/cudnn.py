"""System cuDNN copies: headers and libraries installed outside Python packages.

Shell equivalent: ``grep -A2 'define CUDNN_MAJOR' /usr/include/cudnn_version.h;
ls /usr/lib/x86_64-linux-gnu/libcudnn.so.* $LD_LIBRARY_PATH/libcudnn.so.*``.

PyTorch wheels load the cuDNN from their ``nvidia-cudnn-*`` wheel, but a system copy found
first through LD_LIBRARY_PATH can win and break them ("cuDNN version incompatibility"), and
extension builds compile against the system headers. This probe lists those copies; the
copies in Python packages and the one torch loads are reported by the Python probes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from envcheck.context import Context
from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import items
from envcheck.model import FactValue, ProbeOutcome
from envcheck.probes.base import Facts, Probe
from envcheck.probes.env_vars import env_get, split_search_path

_DEFINE_RE = {
    name: re.compile(rf"^[ \t]*#[ \t]*define[ \t]+{name}[ \t]+(\d+)\b", re.M | re.ASCII)
    for name in ("CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL")
}
# cudnn.h, cudnn_version.h, and Debian's versioned names (cudnn_v8.h, cudnn_version_v9.h).
_HEADER_RE = re.compile(r"^cudnn(?:_version)?(?:_v\d+)?\.h$", re.ASCII)
_SO_RE = re.compile(r"^libcudnn\.so\.(\d+(?:\.\d+)*)$", re.ASCII)
_DLL_RE = re.compile(r"^cudnn64_(\d+)\.dll$", re.ASCII | re.IGNORECASE)
_PACKAGE_DIRS = ("site-packages", "dist-packages")


def parse_cudnn_header(text: str) -> str | None:
    """The version in cudnn_version.h (8+) or cudnn.h (before 8): "8.9.2".

    Reads the CUDNN_MAJOR / CUDNN_MINOR / CUDNN_PATCHLEVEL macros; a missing patch level is
    taken as 0. Returns None when major or minor is missing (e.g. cuDNN 8's cudnn.h, which
    only includes cudnn_version.h).
    """
    found: dict[str, int] = {}
    for name, pattern in _DEFINE_RE.items():
        match = pattern.search(text)
        if match is not None:
            found[name] = int(match.group(1))
    if "CUDNN_MAJOR" not in found or "CUDNN_MINOR" not in found:
        return None
    return f"{found['CUDNN_MAJOR']}.{found['CUDNN_MINOR']}.{found.get('CUDNN_PATCHLEVEL', 0)}"


def parse_cudnn_lib_name(name: str) -> str | None:
    """The version in a cuDNN library file name, or None if it is not a versioned cuDNN.

    "libcudnn.so.8.9.2" → "8.9.2", "libcudnn.so.9" → "9", "cudnn64_8.dll" → "8";
    "libcudnn.so" (the unversioned development link) and the sub-libraries
    (libcudnn_ops.so.9 …) → None.
    """
    match = _SO_RE.match(name) or _DLL_RE.match(name)
    return match.group(1) if match else None


def keep_most_specific(versions: list[str]) -> list[str]:
    """Drop versions that only abbreviate another one in the list.

    A directory holding libcudnn.so.8 → libcudnn.so.8.9.2 is one copy, "8.9.2"; two real
    copies (8.9.2 and 9.1.0) both stay. Order is kept, duplicates removed.
    """
    unique = list(dict.fromkeys(versions))
    return [v for v in unique if not any(o != v and o.startswith(v + ".") for o in unique)]


@dataclass(frozen=True)
class CudnnCopy:
    """One cuDNN header or library found outside Python packages."""

    path: str
    version: str | None
    source: str
    """``header``, ``ld_library_path`` or ``system_lib``."""

    def as_fact(self) -> dict[str, FactValue]:
        """The JSON object listed in ``cudnn.system``."""
        return {"path": self.path, "version": self.version, "source": self.source}


class CudnnProbe(Probe):
    """List cuDNN headers and libraries outside Python packages.

    Emits ``cudnn.system``: objects {path, version, source}, headers first, then libraries
    in the order the loader would consider them (LD_LIBRARY_PATH, then system directories).
    """

    id = "cudnn"
    title = Msg("cuDNN")
    inspects = Msg("which cuDNN torch uses")

    def applies(self, ctx: Context) -> str | None:
        """Skipped on macOS, which has no CUDA and so no cuDNN (torch uses MPS)."""
        if ctx.os_name == "darwin":
            return Msg("macOS has no cuDNN: NVIDIA's last macOS CUDA was 10.2 (torch uses MPS)")
        return None

    def run(self, ctx: Context) -> ProbeOutcome:
        pure: type[PurePath] = PureWindowsPath if ctx.os_name == "windows" else PurePosixPath
        skipped: list[str] = []
        copies = self._headers(ctx, pure) + self._libraries(ctx, pure, skipped)
        facts = Facts()
        note = None
        if skipped:
            note = Msg(
                "left out copies inside Python packages (reported with the packages): {paths}",
                paths=items(skipped),
            )
        facts.set("cudnn.system", [copy.as_fact() for copy in copies], note)
        versions = sorted({c.version for c in copies if c.version})
        count = (Msg("{count} system cuDNN file", count=len(copies)) if len(copies) == 1
                 else Msg("{count} system cuDNN files", count=len(copies)))
        summary = concat(count, f" ({', '.join(versions)})" if versions else "")
        return facts.outcome(summary)

    def _toolkit_dirs(self, ctx: Context, pure: type[PurePath]) -> list[PurePath]:
        """CUDA_HOME, CUDA_PATH and /usr/local/cuda* toolkit roots (existing ones)."""
        roots: list[PurePath] = []
        for var in ("CUDA_HOME", "CUDA_PATH"):
            value = env_get(ctx.env, var, ctx.os_name)
            if value:
                roots.append(pure(value))
        if ctx.os_name != "windows":
            roots += [
                pure("/usr/local") / name
                for name in _names(ctx, "/usr/local")
                if name == "cuda" or name.startswith("cuda-")
            ]
        return [root for root in roots if ctx.exists(root)]

    def _headers(self, ctx: Context, pure: type[PurePath]) -> list[CudnnCopy]:
        dirs: list[PurePath] = []
        if ctx.os_name == "linux":
            dirs += [pure("/usr/include"), pure(f"/usr/include/{ctx.platform.machine}-linux-gnu")]
        dirs += [root / "include" for root in self._toolkit_dirs(ctx, pure)]
        if ctx.os_name == "windows":
            dirs += _windows_cudnn_dirs(ctx, "include")
        copies: list[CudnnCopy] = []
        for directory in _unique_dirs(ctx, dirs):
            names = sorted(n for n in _names(ctx, directory) if _HEADER_RE.match(n))
            found: list[CudnnCopy] = []
            for name in names:
                text, _ = ctx.try_read_text(directory / name)
                version = parse_cudnn_header(text) if text is not None else None
                if version is not None:
                    found.append(CudnnCopy(str(directory / name), version, "header"))
            if not found and names:
                found.append(CudnnCopy(str(directory / names[0]), None, "header"))
            # The same version in cudnn.h and cudnn_version.h is one copy.
            by_version = {c.version: c for c in reversed(found)}
            copies += [c for c in found if by_version[c.version] is c]
        return copies

    def _libraries(self, ctx: Context, pure: type[PurePath], skipped: list[str]) -> list[CudnnCopy]:
        dirs: list[tuple[PurePath, str]] = []
        if ctx.os_name == "windows":
            cuda_path = env_get(ctx.env, "CUDA_PATH", "windows")
            if cuda_path:
                dirs.append((pure(cuda_path) / "bin", "system_lib"))
            dirs += [(d, "system_lib") for d in _windows_cudnn_dirs(ctx, "bin")]
        else:
            ld_path = env_get(ctx.env, "LD_LIBRARY_PATH", ctx.os_name)
            for entry in split_search_path(ld_path, ctx.os_name):
                if not entry:
                    continue
                if any(part in _PACKAGE_DIRS for part in pure(entry).parts):
                    skipped.append(entry)
                    continue
                dirs.append((pure(entry), "ld_library_path"))
            system = [pure(f"/usr/lib/{ctx.platform.machine}-linux-gnu"), pure("/usr/lib64")]
            system += [root / "lib64" for root in self._toolkit_dirs(ctx, pure)]
            dirs += [(d, "system_lib") for d in system]
        copies: list[CudnnCopy] = []
        seen: set[str] = set()
        for directory, source in dirs:
            key = _real_key(ctx, directory)
            if key in seen or not ctx.exists(directory):
                continue
            seen.add(key)
            versions: dict[str, str] = {}
            for name in sorted(_names(ctx, directory)):
                version = parse_cudnn_lib_name(name)
                if version is not None:
                    versions.setdefault(version, name)
            for version in keep_most_specific(list(versions)):
                copies.append(CudnnCopy(str(directory / versions[version]), version, source))
        return copies


def _names(ctx: Context, directory: str | PurePath) -> list[str]:
    """File names in a machine directory; empty when it is missing or unreadable."""
    try:
        return [entry.name for entry in ctx.path(directory).iterdir()]
    except OSError:
        return []


def _real_key(ctx: Context, directory: PurePath) -> str:
    try:
        return str(ctx.path(directory).resolve())
    except (OSError, RuntimeError):
        return str(directory)


def _unique_dirs(ctx: Context, dirs: list[PurePath]) -> list[PurePath]:
    """Existing directories, each real directory once, first name kept."""
    seen: set[str] = set()
    unique: list[PurePath] = []
    for directory in dirs:
        key = _real_key(ctx, directory)
        if key not in seen and ctx.exists(directory):
            seen.add(key)
            unique.append(directory)
    return unique


def _windows_cudnn_dirs(ctx: Context, kind: str) -> list[PurePath]:
    """cuDNN 9's Windows installer layout: ``NVIDIA\\CUDNN\\v9.x\\<kind>\\<cuda version>``."""
    program_files = env_get(ctx.env, "ProgramFiles", "windows") or r"C:\Program Files"
    base = PureWindowsPath(program_files) / "NVIDIA" / "CUDNN"
    found: list[PurePath] = []
    for release in sorted(_names(ctx, base)):
        top = base / release / kind
        found.append(top)
        found += [
            top / sub
            for sub in sorted(_names(ctx, top))
            if not sub.lower().endswith((".h", ".dll", ".lib"))
        ]
    return found
