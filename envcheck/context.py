"""The one injected view of the machine: commands, NVML, environment, filesystem, target python.

Probes never touch ``os.environ``, ``subprocess``, ``pynvml`` or absolute paths directly; they
go through a :class:`Context`. :meth:`Context.from_system` builds the real one (the only place
that reads ``os.environ``); tests build contexts over fake runners, fake NVML and temp trees.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath, PureWindowsPath
from typing import TypeVar

from envcheck.i18n import Msg
from envcheck.system.nvml import Nvml
from envcheck.system.run import CommandResult, CommandRunner, run_command

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_TORCH_TIMEOUT_S = 60.0
_WINDOWS_PATHEXT = ".COM;.EXE;.BAT;.CMD"
"""What Windows searches for when PATHEXT is unset (as shutil.which assumes)."""


@dataclass(frozen=True)
class PlatformInfo:
    """The OS as ``platform`` reports it (injected so Windows/macOS paths are testable)."""

    system: str = "Linux"
    """``Linux``, ``Windows`` or ``Darwin`` (platform.system())."""
    machine: str = "x86_64"
    release: str = ""

    @property
    def os_name(self) -> str:
        """``linux``, ``windows``, ``darwin`` (lower-case ``system``)."""
        return self.system.lower()

    @classmethod
    def current(cls) -> PlatformInfo:
        """The platform this process runs on."""
        return cls(platform.system() or "Linux", platform.machine(), platform.release())


class _Memo:
    """Thread-safe once-only cache shared by probes (e.g. the target-interpreter inspection)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._values: dict[str, object] = {}

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]  # type: ignore[return-value]


@dataclass(frozen=True)
class Context:
    """Everything a probe may use to look at the machine."""

    runner: CommandRunner
    nvml: Nvml
    env: Mapping[str, str]
    root: Path = Path("/")
    """Filesystem root for absolute paths probes read (a temp tree in tests)."""
    platform: PlatformInfo = field(default_factory=PlatformInfo)
    target_python: str | None = None
    """The interpreter whose environment is inspected (None: none could be chosen)."""
    target_chosen_by: str = "current"
    timeout_s: float = DEFAULT_TIMEOUT_S
    """Default limit for one command, and for one probe."""
    torch_timeout_s: float = DEFAULT_TORCH_TIMEOUT_S
    """Limit for the torch runtime probe (a cold CUDA import can take tens of seconds)."""
    budget_s: float | None = None
    """Limit for the whole doctor run; probes still running then are reported as timed out."""
    host: str | None = None
    memo: _Memo = field(default_factory=_Memo, compare=False, repr=False)

    @property
    def os_name(self) -> str:
        """``linux``, ``windows`` or ``darwin``."""
        return self.platform.os_name

    def path(self, path: str | PurePath) -> Path:
        """Map an absolute machine path to the (possibly fake) filesystem root."""
        text = str(path)
        if str(self.root) in ("/", ""):
            return Path(text)
        pure = PureWindowsPath(text) if self.os_name == "windows" else PurePath(text)
        parts = [p for p in pure.parts if p not in (pure.anchor, "/", "\\")]
        drive = pure.drive.rstrip(":") if isinstance(pure, PureWindowsPath) else ""
        return self.root.joinpath(*([drive] if drive else []), *parts)

    def read_text(self, path: str | PurePath, limit: int = 1_000_000) -> str:
        """Read a machine file as text (replacing bad bytes); raises OSError."""
        with self.path(path).open("rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")

    def try_read_text(self, path: str | PurePath) -> tuple[str | None, str | None]:
        """``(text, None)`` or ``(None, reason)``: never raises."""
        try:
            return self.read_text(path), None
        except FileNotFoundError:
            return None, Msg("{path} does not exist", path=str(path))
        except PermissionError:
            return None, Msg("{path} is not readable (permission denied)", path=str(path))
        except OSError as exc:
            return None, Msg("{path} could not be read: {error}", path=str(path),
                             error=str(exc.strerror or exc))

    def exists(self, path: str | PurePath) -> bool:
        """Whether a machine path exists (never raises)."""
        try:
            return self.path(path).exists()
        except OSError:
            return False

    def which(self, name: str) -> str | None:
        """Find an executable on the context's PATH (``where`` semantics on Windows).

        On Windows the search follows the context, not the host: ``;``-separated entries of
        ``PATH`` (any case, as Windows spells it ``Path``), each tried with the ``PATHEXT``
        extensions, looked up through :meth:`path`; the machine path is returned
        (``C:\\...\\nvcc.exe``). Elsewhere it is ``shutil.which`` on the context's PATH.
        """
        if self.os_name != "windows":
            return shutil.which(name, path=self.env.get("PATH", ""))
        upper = {key.upper(): value for key, value in self.env.items()}
        exts = [e.lower() for e in upper.get("PATHEXT", _WINDOWS_PATHEXT).split(";") if e]
        has_ext = any(name.lower().endswith(ext) for ext in exts)
        names = [name] if has_ext else [name + ext for ext in exts]
        for entry in upper.get("PATH", "").split(";"):
            entry = entry.strip().strip('"')
            if not entry:
                continue
            for candidate in names:
                found = PureWindowsPath(entry) / candidate
                try:
                    if self.path(found).is_file():
                        return str(found)
                except OSError:
                    continue
        return None

    def for_target(self, python: str, chosen_by: str) -> Context:
        """The same machine with another interpreter to inspect, and a fresh memo (so each
        interpreter's inspection is its own); used by ``doctor --all-envs``."""
        return replace(self, target_python=python, target_chosen_by=chosen_by, memo=_Memo())

    def run(
        self, argv: Sequence[str], *, timeout: float | None = None, stdin_text: str | None = None
    ) -> CommandResult:
        """Run a command with the context's environment and a timeout; never raises."""
        return self.runner(
            list(argv), timeout=timeout or self.timeout_s, env=self.env, stdin_text=stdin_text
        )

    @classmethod
    def from_system(
        cls,
        *,
        python: str | None = None,
        target: TargetChoice | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        torch_timeout_s: float | None = None,
        budget_s: float | None = None,
    ) -> Context:
        """The real machine: os.environ, subprocesses, real NVML, chosen target interpreter.

        ``target`` is an interpreter already resolved (:func:`system_target`); otherwise
        ``python`` is resolved here, and a ``--python`` that does not exist raises
        :class:`NoSuchInterpreter`.
        """
        from envcheck.system.nvml_real import RealNvml

        env = dict(os.environ)
        plat = PlatformInfo.current()
        chosen = target or resolve_target(python, env=env, os_name=plat.os_name,
                                          current=sys.executable)
        return cls(
            runner=run_command,
            nvml=RealNvml(),
            env=env,
            platform=plat,
            target_python=chosen.python,
            target_chosen_by=chosen.chosen_by,
            timeout_s=timeout_s,
            torch_timeout_s=torch_timeout_s or max(DEFAULT_TORCH_TIMEOUT_S, timeout_s),
            budget_s=budget_s,
            host=platform.node() or None,
        )


def env_python(prefix: str, os_name: str) -> str:
    """The interpreter inside an environment prefix (``Scripts\\python.exe`` on Windows venvs)."""
    if os_name == "windows":
        scripts = PureWindowsPath(prefix) / "Scripts" / "python.exe"
        # conda on Windows keeps python.exe at the prefix root; venvs keep it in Scripts.
        root_exe = PureWindowsPath(prefix) / "python.exe"
        return str(scripts) if Path(str(scripts)).exists() else str(root_exe)
    return str(PurePath(prefix) / "bin" / "python")


def choose_target(
    env: Mapping[str, str], os_name: str, explicit: str | None, current: str
) -> tuple[str, str]:
    """Pick the interpreter to inspect and say why: --python, active venv, conda env, or ours.

    An active virtualenv wins over conda because activating a venv inside a conda env is the
    usual way to layer them; ``CONDA_PREFIX`` is the conda env that is active.
    """
    if explicit:
        return explicit, "--python"
    venv = env.get("VIRTUAL_ENV")
    if venv:
        return env_python(venv, os_name), "VIRTUAL_ENV"
    conda = env.get("CONDA_PREFIX")
    if conda:
        return env_python(conda, os_name), "CONDA_PREFIX"
    return current, "current"


@dataclass(frozen=True)
class TargetChoice:
    """The interpreter whose environment is inspected, and why it was chosen (``--python``,
    ``VIRTUAL_ENV``, ``CONDA_PREFIX`` or ``current``)."""

    python: str
    chosen_by: str


class NoSuchInterpreter(ValueError):
    """``--python`` names a file that does not exist (a usage error, found before probing)."""


def resolve_target(
    explicit: str | None, *, env: Mapping[str, str], os_name: str, current: str
) -> TargetChoice:
    """THE place that chooses the target interpreter, for every command.

    ``explicit`` (``--python``) must exist: a path is checked as a path (a dangling symlink
    counts as existing: a venv whose base Python was removed is the ``target.unusable``
    finding, not a usage error), a bare name is looked up on ``env``'s PATH. The active venv
    or conda env is not checked here: a stale one is a finding the doctor explains.
    """
    python, chosen_by = choose_target(env, os_name, explicit, current)
    if explicit and not _interpreter_exists(explicit, env):
        raise NoSuchInterpreter(Msg("--python {python} does not exist", python=explicit))
    return TargetChoice(python, chosen_by)


def system_target(explicit: str | None) -> TargetChoice:
    """:func:`resolve_target` on this machine (its environment, OS and interpreter)."""
    return resolve_target(explicit, env=os.environ, os_name=PlatformInfo.current().os_name,
                          current=sys.executable)


def _interpreter_exists(python: str, env: Mapping[str, str]) -> bool:
    if os.sep in python or (os.altsep and os.altsep in python):
        return os.path.lexists(python)
    return os.path.lexists(python) or shutil.which(python, path=env.get("PATH", "")) is not None
