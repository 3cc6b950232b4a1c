"""Find every Python environment on this machine, for ``envcheck doctor --all-envs``.

A pure function of the Context's environment variables and filesystem root (plus the current
folder, passed in): nothing is run, nothing is imported from the environments found, so tests
build fake trees. The places looked at, in the order the rows come out:

1. the active environment: ``VIRTUAL_ENV``, then ``CONDA_PREFIX``;
2. venvs under the current folder: ``.venv``, ``venv``, ``env``;
3. conda: the prefixes in ``~/.conda/environments.txt`` (conda appends each env it creates),
   every env under the ``envs_dirs`` of ``.condarc`` files, a conda base (from ``CONDA_EXE``,
   ``_CONDA_ROOT`` or the usual install folders) and the ``envs/`` beside it;
4. pyenv versions (``$PYENV_ROOT/versions/*``, default ``~/.pyenv``; pyenv-win's
   ``~/.pyenv/pyenv-win`` on Windows);
5. uv-managed Pythons (``$UV_PYTHON_INSTALL_DIR``, default ``~/.local/share/uv/python``,
   ``%APPDATA%/uv/python`` on Windows);
6. the system Python (``/usr/bin/python3``, ``/usr/local/bin/python3``; none on Windows).

Paths are the context's OS's (Windows paths for a Windows context, mapped into the
fake root in tests).

Each environment is listed once (the first place that names it wins), keyed by its prefix's
real path. A place that names a prefix that is not there becomes a note, not a row.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath, PurePosixPath, PureWindowsPath

from envcheck.context import Context
from envcheck.i18n import Msg

_CONDA_BASE_NAMES = ("miniconda3", "anaconda3", "miniforge3", "mambaforge", "micromamba")
_SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
_VENV_NAMES = (".venv", "venv", "env")


@dataclass(frozen=True)
class FoundEnv:
    """One Python environment: where it is, its interpreter, and what pointed at it."""

    prefix: str
    python: str
    """The interpreter to inspect (a machine path)."""
    kind: str
    """What the place says it is: venv, conda, pyenv, uv or system (the inspection may refine
    it, e.g. a venv that uv made)."""
    found_by: str
    """The place that named it: ``VIRTUAL_ENV``, ``./.venv``, ``~/.conda/environments.txt``…"""
    name: str | None = None


@dataclass(frozen=True)
class Discovery:
    """The environments found, in display order, and notes about places that misled."""

    envs: tuple[FoundEnv, ...]
    notes: tuple[str, ...] = ()


def discover_envs(ctx: Context, cwd: str) -> Discovery:
    """Every Python environment the context's user has (see the module docstring)."""
    finder = _Finder(ctx)
    env = ctx.env
    if env.get("VIRTUAL_ENV"):
        finder.add_prefix(env["VIRTUAL_ENV"], "venv", "VIRTUAL_ENV", must_exist=True)
    if env.get("CONDA_PREFIX"):
        finder.add_prefix(env["CONDA_PREFIX"], "conda", "CONDA_PREFIX", must_exist=True)
    for name in _VENV_NAMES:
        finder.add_prefix(str(finder.pure(cwd) / name), "venv", f"./{name}", must_exist=False)
    _conda(finder)
    _pyenv(finder)
    _uv(finder)
    for python in () if ctx.os_name == "windows" else _SYSTEM_PYTHONS:
        if finder.is_file(python):
            prefix = str(PurePosixPath(python).parent.parent)
            finder.add(FoundEnv(prefix, python, "system", "system"), key=python)
    return Discovery(tuple(finder.found), tuple(finder.notes))


class _Finder:
    """Collects environments in order, once each, with notes for names that lead nowhere."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.found: list[FoundEnv] = []
        self.notes: list[str] = []
        self._seen: set[str] = set()
        self.pure: type[PurePath] = (
            PureWindowsPath if ctx.os_name == "windows" else PurePosixPath)
        """Machine paths follow the context's OS (a Windows tree is testable on Linux)."""

    def home(self) -> str | None:
        return self.ctx.env.get("HOME") or self.ctx.env.get("USERPROFILE") or None

    def expand(self, path: str) -> str:
        """``~`` and ``$VAR`` expanded against the context's environment, not ours."""
        home = self.home()
        if home and (path == "~" or path.startswith(("~/", "~\\"))):
            path = home + path[1:]
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.ctx.env.get(m.group(1), m.group(0)), path)

    def is_dir(self, path: str | PurePath) -> bool:
        try:
            return self.ctx.path(path).is_dir()
        except OSError:
            return False

    def is_file(self, path: str | PurePath) -> bool:
        try:
            return self.ctx.path(path).is_file()
        except OSError:
            return False

    def children(self, folder: str | PurePath) -> list[str]:
        """Sub-folders of a machine folder, sorted, as machine paths."""
        try:
            entries = sorted(self.ctx.path(folder).iterdir(), key=lambda e: _natural(e.name))
        except OSError:
            return []
        return [str(self.pure(folder) / entry.name) for entry in entries if entry.is_dir()]

    def interpreter(self, prefix: str) -> str | None:
        """``bin/python`` (or ``python3``), ``Scripts\\python.exe`` or ``python.exe``."""
        if self.ctx.os_name == "windows":
            # venvs keep python.exe in Scripts\; conda, pyenv-win and uv at the prefix root.
            candidates = ("Scripts/python.exe", "python.exe")
        else:
            candidates = ("bin/python", "bin/python3")
        for relative in candidates:
            python = str(self.pure(prefix) / relative)
            if self.is_file(python):
                return python
        return None

    def key(self, path: str) -> str:
        try:
            real = os.path.realpath(self.ctx.path(path))
        except OSError:
            real = path
        return real.lower() if self.ctx.os_name == "windows" else real

    def add(self, found: FoundEnv, key: str | None = None) -> None:
        marker = self.key(key or found.prefix)
        if marker not in self._seen:
            self._seen.add(marker)
            self.found.append(found)

    def add_prefix(self, prefix: str, kind: str, found_by: str, *, must_exist: bool,
                   name: str | None = None) -> None:
        """Add the environment at ``prefix`` when it has an interpreter; else maybe a note."""
        python = self.interpreter(prefix)
        if python is None:
            if must_exist:
                self.notes.append(
                    Msg("{found_by} names {prefix}, which does not exist", found_by=found_by,
                        prefix=prefix) if not self.is_dir(prefix)
                    else Msg("{found_by} names {prefix}, which has no Python interpreter",
                             found_by=found_by, prefix=prefix))
            return
        self.add(FoundEnv(prefix, python, kind, found_by, name or self.pure(prefix).name))


def _natural(name: str) -> list[tuple[int, int, str]]:
    """Sort key putting 3.9.18 before 3.10.13."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name) if part]


def _conda(finder: _Finder) -> None:
    home = finder.home()
    if home:
        listing = str(finder.pure(home) / ".conda" / "environments.txt")
        text, _ = finder.ctx.try_read_text(listing)
        for line in (text or "").splitlines():
            prefix = line.strip()
            if prefix and not prefix.startswith("#"):
                finder.add_prefix(finder.expand(prefix), "conda", "~/.conda/environments.txt",
                                  must_exist=True)
    bases = list(_conda_bases(finder))
    for condarc in _condarc_files(finder, bases):
        text, _ = finder.ctx.try_read_text(condarc)
        for folder in parse_envs_dirs(text or ""):
            for prefix in finder.children(finder.expand(folder)):
                if finder.is_dir(finder.pure(prefix) / "conda-meta"):
                    finder.add_prefix(prefix, "conda", f"envs_dirs in {condarc}",
                                      must_exist=False)
    for base in bases:
        finder.add_prefix(base, "conda", "conda base", must_exist=False, name="base")
        for prefix in finder.children(finder.pure(base) / "envs"):
            finder.add_prefix(prefix, "conda", f"{base}/envs", must_exist=False)


def _conda_bases(finder: _Finder) -> Iterator[str]:
    """Folders that are a conda install's base prefix (they hold ``conda-meta``)."""
    env = finder.ctx.env
    candidates: list[str] = []
    if env.get("CONDA_EXE"):
        candidates.append(str(finder.pure(env["CONDA_EXE"]).parent.parent))
    if env.get("_CONDA_ROOT"):
        candidates.append(env["_CONDA_ROOT"])
    home = finder.home()
    if home:
        candidates += [str(finder.pure(home) / name) for name in _CONDA_BASE_NAMES]
    candidates.append("/opt/conda")
    seen: set[str] = set()
    for base in candidates:
        if base not in seen and finder.is_dir(finder.pure(base) / "conda-meta"):
            seen.add(base)
            yield base


def _condarc_files(finder: _Finder, bases: list[str]) -> Iterator[str]:
    """The ``.condarc`` files conda reads, user's and each base's, that exist."""
    home = finder.home()
    names = [finder.ctx.env.get("CONDARC", "")]
    if home:
        names += [str(finder.pure(home) / ".condarc"),
                  str(finder.pure(home) / ".config" / "conda" / ".condarc")]
    names += [str(finder.pure(base) / ".condarc") for base in bases]
    for name in names:
        if name and finder.is_file(name):
            yield name


_KEY_RE = re.compile(r"^(\w+)\s*:\s*(.*)$")


def parse_envs_dirs(text: str) -> list[str]:
    """The ``envs_dirs`` entries of a ``.condarc`` (pure; a block list or a flow list).

    ``.condarc`` is YAML, but only this one key matters here, in the two shapes conda writes
    (``envs_dirs:`` then ``  - /path`` lines, or ``envs_dirs: [/a, /b]``), so a full YAML
    parser is not needed.
    """
    found: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _KEY_RE.match(line)
        if match:
            inside = match.group(1) == "envs_dirs"
            rest = match.group(2).strip()
            if inside and rest.startswith("["):
                found += [_unquote(item) for item in rest.strip("[]").split(",") if item.strip()]
                inside = False
            continue
        if inside and line.lstrip().startswith("- "):
            found.append(_unquote(line.lstrip()[2:]))
    return [item for item in found if item]


def _unquote(text: str) -> str:
    return text.strip().strip("'\"")


def _pyenv(finder: _Finder) -> None:
    # pyenv-win keeps its versions one level down (~\.pyenv\pyenv-win\versions).
    default = ".pyenv/pyenv-win" if finder.ctx.os_name == "windows" else ".pyenv"
    root = finder.ctx.env.get("PYENV_ROOT") or _under_home(finder, default)
    if root:
        for prefix in finder.children(finder.pure(root) / "versions"):
            finder.add_prefix(prefix, "pyenv", "pyenv", must_exist=False)


def _uv(finder: _Finder) -> None:
    env = finder.ctx.env
    root = env.get("UV_PYTHON_INSTALL_DIR")
    if not root and env.get("XDG_DATA_HOME"):
        root = str(finder.pure(env["XDG_DATA_HOME"]) / "uv" / "python")
    if not root and finder.ctx.os_name == "windows" and env.get("APPDATA"):
        root = str(finder.pure(env["APPDATA"]) / "uv" / "python")
    root = root or _under_home(finder, ".local/share/uv/python")
    if root:
        for prefix in finder.children(root):
            if not finder.pure(prefix).name.startswith("."):
                finder.add_prefix(prefix, "uv", "uv python", must_exist=False)


def _under_home(finder: _Finder, relative: str) -> str | None:
    home = finder.home()
    return str(finder.pure(home) / relative) if home else None
