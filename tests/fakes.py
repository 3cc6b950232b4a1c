"""Fakes at the machine boundary: commands, NVML, and a context over a temp filesystem tree.

Use these instead of patching os.environ, subprocess or pynvml: every probe takes a Context.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path, PureWindowsPath
from typing import Any

from envcheck.context import Context, PlatformInfo
from envcheck.system.nvml import NvmlError, NvmlStatus
from envcheck.system.run import CommandResult, run_command

DATA = Path(__file__).parent / "data"
FAKEBIN = Path(__file__).parent / "fakebin"


def data(name: str) -> str:
    """A recorded output from tests/data."""
    return (DATA / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class ByStdin:
    """One command's answers told apart by what is piped to it (the target interpreter runs
    both inspection scripts as ``python -``): the first ``(marker, answer)`` whose marker the
    stdin holds, else ``default``. Answers are what :class:`FakeRunner` tables hold."""

    cases: tuple[tuple[str, object], ...]
    default: object


@dataclass
class FakeRunner:
    """Answers commands from a table keyed by argv (argv[0] compared by basename too, with
    Windows or POSIX separators).

    Values are CommandResult, a str (stdout, exit 0), a callable(argv) -> CommandResult, or
    :class:`ByStdin`. Unknown commands are "not found". ``calls`` records every argv, to assert
    on. The one fake command runner of the tests (scenarios build theirs with it).
    """

    table: dict[tuple[str, ...], object] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    passthrough: bool = False
    """Run commands not in the table for real (for fakebin scripts and real interpreters)."""
    real_under: tuple[Path, ...] = ()
    """Run commands not in the table for real when their executable lies under one of these
    folders (a scenario's fakebin scripts); anything else stays "not found"."""

    def add(self, argv: Sequence[str], result: object) -> FakeRunner:
        self.table[tuple(argv)] = result
        return self

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        stdin_text: str | None = None,
    ) -> CommandResult:
        args = tuple(str(a) for a in argv)
        self.calls.append(args)
        key = (PureWindowsPath(args[0]).name, *args[1:]) if args else args
        for candidate in (args, key):
            if candidate in self.table:
                return _answer(self.table[candidate], args, stdin_text)
        if self.passthrough or (args and _under(args[0], self.real_under)):
            return run_command(args, timeout=timeout, env=env, stdin_text=stdin_text)
        return CommandResult(args, None, "", "", 0.0, "not_found", f"{args[0]}: not found")


def _answer(value: object, args: tuple[str, ...], stdin_text: str | None) -> CommandResult:
    if isinstance(value, ByStdin):
        picked = next((a for m, a in value.cases if m in (stdin_text or "")), value.default)
        return _answer(picked, args, stdin_text)
    if isinstance(value, CommandResult):
        return value
    if callable(value):
        return value(args)  # type: ignore[no-any-return]
    return CommandResult(args, 0, str(value), "")


def _under(executable: str, folders: tuple[Path, ...]) -> bool:
    path = Path(executable)
    return path.is_absolute() and any(path.is_relative_to(f) for f in folders)


def ok(stdout: str, stderr: str = "") -> CommandResult:
    return CommandResult(("fake",), 0, stdout, stderr)


def failed(code: int, stderr: str = "", stdout: str = "") -> CommandResult:
    return CommandResult(("fake",), code, stdout, stderr)


def timed_out() -> CommandResult:
    return CommandResult(("fake",), None, "", "", 10.0, "timeout", "no answer within 10 s")


@dataclass
class FakeGpu:
    """One GPU as NVML would describe it. Any field may be an NvmlError to raise."""

    name: object = "NVIDIA GeForce RTX 4090"
    uuid: object = "GPU-6d1c2b1e-1f1a-4c47-9d47-1b2c3d4e5f60"
    memory: object = (25_757_220_864, 1_000_000)
    cuda_compute_capability: object = (8, 9)
    pcie_gen_current: object = 4
    pcie_gen_max: object = 4
    pcie_width_current: object = 16
    pcie_width_max: object = 16
    temperature: object = 41
    power_usage_mw: object = 30_000
    power_limit_mw: object = 450_000
    sm_clock: object = 210
    sm_clock_max: object = 3105
    throttle_reasons: object = 1
    persistence_mode: object = False
    compute_mode: object = "default"
    mig_mode: object = NvmlError(NvmlStatus.NOT_SUPPORTED, "Not Supported")
    mig_devices: object = ()
    ecc_uncorrected: object = NvmlError(NvmlStatus.NOT_SUPPORTED, "Not Supported")
    utilization: object = (0, 0)


@dataclass
class FakeNvml:
    """An NVML per scenario: driver, max CUDA, GPUs, or an error at init or any query."""

    driver_version: object = "550.54.14"
    cuda_driver_version: object = 12040
    nvml_version: object = "12.550.54.14"
    gpus: list[FakeGpu] = field(default_factory=lambda: [FakeGpu()])
    init_error: NvmlError | None = None
    errors: dict[str, NvmlError] = field(default_factory=dict)
    """Query name -> error raised for that query (system or any device)."""
    calls: list[str] = field(default_factory=list)

    @classmethod
    def failing(cls, status: NvmlStatus, message: str) -> FakeNvml:
        return cls(init_error=NvmlError(status, message), gpus=[])

    @classmethod
    def no_driver(cls) -> FakeNvml:
        return cls.failing(NvmlStatus.LIBRARY_NOT_FOUND, "NVML Shared Library Not Found")

    @classmethod
    def from_dump(cls, source: Path | Mapping[str, Any]) -> FakeNvml:
        """The scenario a real machine recorded with ``benchmarks/nvml_dump.py``.

        Every answer is replayed as recorded: values (JSON lists back to tuples) or the
        NvmlError with its status. A query the dump lacks (an older dump) raises
        FUNCTION_NOT_FOUND rather than falling back to a made-up default.
        """
        doc = (json.loads(source.read_text(encoding="utf-8")) if isinstance(source, Path)
               else source)
        if doc.get("format") != "envcheck-nvml-dump":
            raise ValueError(f"not an NVML dump: format {doc.get('format')!r}")
        init = doc.get("init")
        if init:
            return cls.failing(_status(init.get("status")), str(init.get("message")))
        system = doc.get("system") or {}
        errors: dict[str, NvmlError] = {}
        count = _replay(system.get("device_count"))
        if isinstance(count, NvmlError):
            errors["device_count"] = count
        gpu_fields = [f.name for f in fields(FakeGpu)]
        gpus = [
            FakeGpu(**{name: _replay(device.get(name)) for name in gpu_fields})
            for device in doc.get("devices") or []
        ]
        return cls(
            driver_version=_replay(system.get("driver_version")),
            cuda_driver_version=_replay(system.get("cuda_driver_version")),
            nvml_version=_replay(system.get("nvml_version")),
            gpus=gpus,
            errors=errors,
        )

    def init(self) -> None:
        self.calls.append("init")
        if self.init_error is not None:
            raise self.init_error

    def shutdown(self) -> None:
        self.calls.append("shutdown")

    def system(self, query: str) -> object:
        self.calls.append(query)
        if query in self.errors:
            raise self.errors[query]
        value = {
            "driver_version": self.driver_version,
            "cuda_driver_version": self.cuda_driver_version,
            "nvml_version": self.nvml_version,
            "device_count": len(self.gpus),
        }[query]
        if isinstance(value, NvmlError):
            raise value
        return value

    def device(self, index: int, query: str) -> object:
        self.calls.append(f"{query}[{index}]")
        if query in self.errors:
            raise self.errors[query]
        if index >= len(self.gpus):
            raise NvmlError(NvmlStatus.UNKNOWN_ERROR, "Invalid Argument")
        value = getattr(self.gpus[index], query)
        if isinstance(value, NvmlError):
            raise value
        return value


def _status(text: object) -> NvmlStatus:
    try:
        return NvmlStatus(str(text))
    except ValueError:
        return NvmlStatus.UNKNOWN_ERROR


def _tuples(value: object) -> object:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _replay(entry: object) -> object:
    """One recorded answer: its value, or the NvmlError to raise."""
    if not isinstance(entry, Mapping):
        return NvmlError(NvmlStatus.FUNCTION_NOT_FOUND, "not in the recorded dump")
    if "error" in entry:
        error = entry["error"] or {}
        return NvmlError(_status(error.get("status")), str(error.get("message")))
    return _tuples(entry.get("value"))


def make_ctx(
    *,
    runner: Callable[..., CommandResult] | None = None,
    nvml: object | None = None,
    env: Mapping[str, str] | None = None,
    root: Path | None = None,
    system: str = "Linux",
    machine: str = "x86_64",
    target_python: str | None = None,
    timeout_s: float = 10.0,
) -> Context:
    """A context for tests: fakes by default, nothing from the real machine."""
    return Context(
        runner=runner or FakeRunner(),  # type: ignore[arg-type]
        nvml=nvml or FakeNvml.no_driver(),  # type: ignore[arg-type]
        env=dict(env or {"PATH": ""}),
        root=root or Path("/nonexistent-envcheck-root"),
        platform=PlatformInfo(system, machine, "6.5.0"),
        target_python=target_python,
        timeout_s=timeout_s,
        host="testhost",
    )
