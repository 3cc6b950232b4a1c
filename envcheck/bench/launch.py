"""Start the benchmark worker in the target interpreter, stream its progress, sample NVML.

The worker (``worker.py``, torch only) prints ``ENVCHECK-BENCH <json>`` lines; :func:`parse_line`
reads them (pure). :func:`run_worker` launches it through
:func:`envcheck.system.run.stream_command` (``python -m torch.distributed.run`` for ``--ddp``),
forwards progress to a callback, and while the worker trains samples the GPU it uses from this
process with an injected :class:`~envcheck.system.nvml.Nvml`. Ctrl-C is forwarded to the worker,
which reports what it measured so far; the run then ends as ``interrupted``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from envcheck.bench.telemetry import TelemetrySample, TelemetrySampler, find_nvml_index
from envcheck.i18n import Msg
from envcheck.system.nvml import Nvml, NvmlError
from envcheck.system.run import CommandResult, stream_command

PREFIX = "ENVCHECK-BENCH "
WORKER = Path(__file__).resolve().parent / "worker.py"
BenchKind = Literal["train", "matmul", "transfer"]
Streamer = Callable[..., CommandResult]


@dataclass(frozen=True)
class Rendezvous:
    """torchrun's settings for one DDP run across several nodes (the same on every node)."""

    nnodes: int
    endpoint: str
    """``HOST:PORT`` of the node that hosts the rendezvous (reachable from every node)."""
    run_id: str = "envcheck-bench"
    """Shared by all nodes of one run, distinct between runs (a Slurm job id is both)."""

    def torchrun_args(self) -> list[str]:
        """The torchrun options replacing ``--standalone``."""
        return ["--nnodes", str(self.nnodes), "--rdzv_backend", "c10d",
                "--rdzv_endpoint", self.endpoint, "--rdzv_id", self.run_id]


FOLLOWER = "follower"
"""Error code of a node whose ranks trained but which printed nothing: only global rank 0
reports a multi-node run, so every other node's launcher ends without a result."""


@dataclass(frozen=True)
class BenchOptions:
    """What to benchmark and how (the CLI's options, resolved)."""

    kind: BenchKind = "train"
    model: str = "resnet50"
    device: str = "auto"
    precision: str = "auto"
    channels_last: bool | None = None
    """None: on for ResNets on CUDA, off elsewhere."""
    compile: bool = False
    batch: int | None = None
    """None: 256 for a ResNet on a GPU, 16 on a CPU, 64 for the MNIST CNN."""
    seconds: float = 30.0
    quick: bool = False
    ddp: int | None = None
    """Number of processes for a DDP run through torchrun (None: no DDP)."""
    rendezvous: Rendezvous | None = None
    """For a DDP run across nodes; None: one node (``torchrun --standalone``)."""
    image_size: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Further worker arguments (test knobs such as ``min_steps``, ``cpu_steps``)."""

    def worker_args(self) -> dict[str, Any]:
        """The JSON arguments the worker reads."""
        args: dict[str, Any] = {
            "kind": self.kind,
            "model": self.model,
            "device": self.device,
            "precision": self.precision,
            "channels_last": self.channels_last,
            "compile": self.compile,
            "batch": self.batch,
            "seconds": self.seconds,
            "classes": 10,
            "image_size": self.image_size,
        }
        if self.quick:
            args.update(cpu_steps=2, cpu_seconds=2.0, cpu_batch=16, max_warmup=15, min_steps=5)
        args.update(self.extra)
        return args


_DEVICE_RE = re.compile(r"auto|cpu|mps|cuda(?::\d+)?")
_OS_NAMES = {"linux": "Linux", "windows": "Windows", "darwin": "macOS"}


def device_problem(device: str, os_name: str) -> str | None:
    """Why ``--device`` cannot be used here (None when it can), checked before any worker
    starts: torch would otherwise fail on a typo with its own error, or take ``xpu`` for a
    device it may not have. ``os_name`` is ``linux``, ``windows`` or ``darwin``."""
    if not _DEVICE_RE.fullmatch(device):
        return Msg("--device must be auto, cpu, cuda, cuda:N or mps, not {device}",
                   device=repr(device))
    if device == "mps" and os_name != "darwin":
        where = _OS_NAMES.get(os_name, os_name)
        return Msg("--device mps: MPS (Apple's Metal backend) exists only on Apple-silicon "
                   "macOS, and this is {os}; use --device cuda or --device cpu", os=where)
    return None


WORKER_MESSAGES = (
    Msg("CUDA was asked for but {why}", why=Msg("this torch is a CPU-only build")),
    Msg("torch.cuda.is_available() is False"),
    Msg("MPS was asked for but is not available"),
    Msg("the transfer benchmark measures a CUDA GPU's host link; the device here is {device}",
        device="cpu"),
    Msg("out of memory at batch {batch}; retrying with {smaller}", batch=256, smaller=128),
)
"""What the worker says in words (its error messages and progress notes). The worker runs in
the target interpreter with torch alone and writes them in English; they are listed here, as
messages, so that the catalogue translates them where envcheck shows them
(:meth:`envcheck.i18n.Messages.translate` matches the worker's text against them)."""


@dataclass(frozen=True)
class WorkerMessage:
    """One protocol line from the worker: ``progress``, ``result`` or ``error``."""

    type: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class WorkerOutcome:
    """Everything one worker launch produced."""

    argv: tuple[str, ...]
    result: Mapping[str, Any] | None
    error_code: str | None = None
    error_message: str | None = None
    interrupted: bool = False
    samples: tuple[TelemetrySample, ...] = ()
    telemetry_note: str = ""
    driver_version: str | None = None
    """The NVIDIA driver version NVML reported (None off NVIDIA or without NVML)."""
    returncode: int | None = None
    stderr_tail: str = ""


def parse_line(line: str) -> WorkerMessage | None:
    """A protocol line as a message; None for anything else (warnings, torch chatter)."""
    if not line.startswith(PREFIX):
        return None
    try:
        data = json.loads(line[len(PREFIX):])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return None
    return WorkerMessage(str(data.pop("type")), data)


def worker_argv(python: str, options: BenchOptions, worker: Path = WORKER) -> list[str]:
    """The command line that runs the worker (under torchrun for DDP)."""
    payload = json.dumps(options.worker_args())
    if options.ddp:
        nodes = options.rendezvous.torchrun_args() if options.rendezvous else ["--standalone"]
        return [python, "-m", "torch.distributed.run", *nodes,
                "--nproc_per_node", str(options.ddp), str(worker), "--json-args", payload]
    return [python, str(worker), "--json-args", payload]


def run_worker(
    python: str,
    options: BenchOptions,
    *,
    nvml: Nvml | None = None,
    on_message: Callable[[WorkerMessage], None] = lambda _m: None,
    streamer: Streamer = stream_command,
    env: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
    sample_interval_s: float = 0.5,
) -> WorkerOutcome:
    """Run the worker to completion (or Ctrl-C) and collect its result and telemetry."""
    argv = worker_argv(python, options)
    state: dict[str, Any] = {"result": None, "error": None, "sampler": None, "note": "",
                             "driver": None}

    def on_line(line: str) -> None:
        message = parse_line(line)
        if message is None:
            return
        if message.type == "result":
            state["result"] = message.data
        elif message.type == "error":
            state["error"] = message.data
        elif message.type == "progress":
            _telemetry_hook(message, state, nvml, sample_interval_s)
        on_message(message)

    interrupted = False
    try:
        run = streamer(argv, on_line, env=env, timeout=timeout_s)
    except KeyboardInterrupt as stop:
        interrupted = True
        first = stop.args[0] if stop.args else None
        run = first if isinstance(first, CommandResult) else CommandResult(
            tuple(argv), None, "", ""
        )
    finally:
        sampler: TelemetrySampler | None = state["sampler"]
        samples = sampler.stop() if sampler is not None else ()
    error = state["error"] or {}
    code = error.get("code")
    message = error.get("message")
    if state["result"] is None and code is None:
        code, message = _launch_failure(run, interrupted)
        if options.rendezvous and options.ddp and run.returncode == 0 and not interrupted:
            code, message = FOLLOWER, Msg("this node's ranks trained; the node that got "
                                          "rank 0 prints the results")
    result = state["result"]
    if result is not None and result.get("interrupted"):
        interrupted = True
    return WorkerOutcome(
        argv=tuple(argv), result=result, error_code=code, error_message=message,
        interrupted=interrupted, samples=samples, telemetry_note=state["note"],
        driver_version=state["driver"],
        returncode=run.returncode, stderr_tail=run.stderr[-2000:],
    )


def _telemetry_hook(message: WorkerMessage, state: dict[str, Any], nvml: Nvml | None,
                    interval: float) -> None:
    phase = message.data.get("phase")
    sampler: TelemetrySampler | None = state["sampler"]
    if phase == "device":
        info = message.data.get("device") or {}
        if info.get("type") != "cuda":
            state["note"] = Msg("no telemetry: the benchmark does not run on an NVIDIA GPU")
        elif nvml is None:
            state["note"] = Msg("no telemetry: NVML not available to envcheck")
        elif sampler is None:
            index, why = find_nvml_index(nvml, info.get("uuid"), info.get("name"))
            if index is None:
                state["note"] = Msg("no telemetry: {why}", why=why)
            else:
                state["sampler"] = TelemetrySampler(nvml, index, interval).start()
                state["note"] = Msg("NVML GPU {index} ({why})", index=index, why=why)
                with contextlib.suppress(NvmlError):
                    driver = nvml.system("driver_version")
                    state["driver"] = driver if isinstance(driver, str) else None
    elif sampler is not None and phase in ("timed_start", "timed_end"):
        # The CPU comparison run leaves the GPU idle: its window is not the GPU's.
        sampler.set_timed(phase == "timed_start" and message.data.get("run") != "cpu")
        if phase == "timed_start":
            sampler.sample_now()  # short windows (transfer) may end before the first tick


def _launch_failure(run: CommandResult, interrupted: bool) -> tuple[str, str]:
    if interrupted:
        return "interrupted", Msg("interrupted before anything was measured")
    if run.error == "not_found":
        return "python_not_found", Msg("the target interpreter {python} does not exist",
                                       python=run.argv[0])
    if run.error is not None:
        return "launch_failed", run.describe_failure()
    tail = (run.stderr.strip().splitlines() or [""])[-1][:300]
    if "No module named torch" in run.stderr or "No module named 'torch'" in run.stderr:
        return "no_torch", tail
    return "worker_failed", (run.describe_failure() or tail
                             or Msg("the worker printed no result"))


def run_ddp(
    python: str,
    options: BenchOptions,
    **kwargs: Any,
) -> tuple[WorkerOutcome, WorkerOutcome | None]:
    """A DDP run plus its one-process baseline (for the scaling efficiency).

    Returns ``(ddp, single)``; ``single`` is None when the baseline failed or was interrupted
    (the DDP run is then skipped and ``ddp`` is the failed baseline).
    """
    base_extra = dict(options.extra, extra_row=False, cpu_compare=False, checks=False)
    if options.device == "cpu":
        # torchrun gives each rank one thread; the baseline must not have more.
        base_extra["threads"] = 1
    single = run_worker(python, replace(options, ddp=None, rendezvous=None, extra=base_extra),
                        **kwargs)
    if single.result is None or single.interrupted:
        return single, None
    ddp = run_worker(python, replace(options, extra=base_extra), **kwargs)
    return ddp, single


def scaling(ddp: Mapping[str, Any] | None, single: Mapping[str, Any] | None) -> dict[str, Any]:
    """Aggregate DDP images/s against N x one process (pure)."""
    dist = (ddp or {}).get("distributed") or {}
    runs: Sequence[Mapping[str, Any]] = (single or {}).get("runs") or []
    one = runs[0].get("images_per_s") if runs else None
    world = dist.get("world_size")
    agg = dist.get("aggregate_images_per_s")
    eff = agg / (world * one) if agg and world and one else None
    return {"single_images_per_s": one, "scaling_efficiency": eff}
