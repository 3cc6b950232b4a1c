"""``envcheck bench resnet|cnn|matmul|transfer``: prove the GPU accelerates training.

The work runs in the target interpreter (the same ``--python`` choice as the doctor) through
``envcheck/bench/worker.py``; this module shows progress on stderr, prints the report (text or
``--json``) on stdout and picks the exit status:

0 measured, nothing worse than a warning; 1 an error finding (throttling in hardware, wrong
numbers, far below the reference) or CUDA asked for but unavailable (then the doctor's findings
say why); 2 no torch in the target environment, no such interpreter, or a usage error; 130
interrupted (partial results printed); :class:`envcheck.cli_contract.ExitCode` names them.
With ``--json`` a failure is a JSON document too:
``{schema, tool, error: {code, message}, diagnosis: [findings]}``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from envcheck.cli_contract import (
    ExitCode,
    HiddenLangOpt,
    LangOpt,
    exit_with,
    lang_option,
    pick_format,
    target_option,
)
from envcheck.i18n import DEFAULT, Msg, messages
from envcheck.render import OutputFormat
from envcheck.system.nvml import Nvml

if TYPE_CHECKING:  # imported when a bench runs, not when the CLI starts
    from envcheck.bench.document import BenchResult
    from envcheck.bench.launch import BenchOptions, Rendezvous, WorkerMessage, WorkerOutcome
    from envcheck.context import TargetChoice
    from envcheck.model import Finding

DeviceOpt = Annotated[
    str, typer.Option("--device", help="auto (CUDA, then MPS, then CPU), cuda, cuda:N, mps, cpu.")
]
PythonOpt = Annotated[
    str | None,
    typer.Option("--python", help="Interpreter to benchmark (default: as for `envcheck doctor`)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json (schema 1).")]
FormatOpt = Annotated[
    OutputFormat | None, typer.Option("--format", "-f", help="Output format: text or json.")
]
PrecisionOpt = Annotated[
    str,
    typer.Option(
        "--precision",
        help="auto, fp32, tf32, amp-fp16 or amp-bf16 (auto: bf16 AMP on Ampere+, fp16 AMP with "
        "loss scaling on Volta/Turing, plus an FP32/TF32 row).",
    ),
]
QuickOpt = Annotated[bool, typer.Option("--quick", help="A short run (3 s budget).")]
DdpOpt = Annotated[
    int | None, typer.Option("--ddp", min=1, help="Train with DDP on N processes through torchrun.")
]
NnodesOpt = Annotated[int, typer.Option(
    "--nnodes", min=1, help="Nodes taking part in one DDP run (with --ddp and --rdzv-endpoint; "
    "start the same command on every node).")]
RdzvEndpointOpt = Annotated[str | None, typer.Option(
    "--rdzv-endpoint", help="HOST:PORT of the node hosting torchrun's rendezvous (--nnodes).")]
RdzvIdOpt = Annotated[str, typer.Option(
    "--rdzv-id", help="One id shared by every node of the run, new for each run.")]
PRECISIONS = ("auto", "fp32", "tf32", "amp-fp16", "amp-bf16")
_ENDPOINT = re.compile(r"^\[?[\w.:-]+\]?:\d{1,5}$")


@dataclass(frozen=True)
class _Target:
    python: str
    env: Mapping[str, str] | None
    nvml: Nvml | None


def _target(choice: TargetChoice) -> _Target:
    """The interpreter to benchmark, its environment, and NVML when this process has it."""
    from envcheck.context import Context

    try:
        ctx = Context.from_system(target=choice)
    except ImportError:  # the real NVML adapter is not installed: benchmark without telemetry
        return _Target(choice.python, None, None)
    return _Target(ctx.target_python or sys.executable, ctx.env, ctx.nvml)


def _echo(lang: str, text: str) -> None:
    """One line on stderr, in ``lang``."""
    typer.echo(messages(lang).say(text), err=True)


def _write(text: str) -> None:
    """Print the report on stdout as UTF-8, whatever the terminal's encoding (Chinese words
    must never fail to print), and flush."""
    from envcheck.textsafe import utf8_bytes

    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        sys.stdout.write(text)
    else:
        sys.stdout.flush()
        stream.write(utf8_bytes(text))
    sys.stdout.flush()


def _json_chosen(fmt: OutputFormat | None, as_json: bool) -> bool:
    """``--format text|json`` or ``--json``: whether the result is printed as JSON."""
    return pick_format(fmt, aliases=((OutputFormat.JSON, as_json),),
                       supported=(OutputFormat.TEXT, OutputFormat.JSON)) is OutputFormat.JSON


class _Progress:
    """Progress on stderr: a rich bar on a terminal, a few plain lines otherwise."""

    def __init__(self, title: str, lang: str = DEFAULT) -> None:
        self._title = title
        self._lang = lang
        self._bar: Any = None
        self._task: Any = None
        self._last_phase = ""
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True),
                                 transient=True)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(
                messages(self._lang).say(Msg("{title}: starting", title=self._title)),
                total=None)
        else:
            _echo(self._lang, Msg("envcheck bench: {title}: starting the worker",
                                  title=self._title))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, message: WorkerMessage) -> None:
        data = message.data
        if message.type != "progress" or data.get("phase") == "timed_end":
            return
        phase = str(data.get("phase"))
        text = messages(self._lang).say(_describe(phase, data))
        if self._bar is not None:
            total = data.get("seconds") if phase == "timed" else None
            done = data.get("elapsed_s") if phase == "timed" else None
            self._bar.update(self._task, description=f"{self._title}: {text}", total=total,
                             completed=done or 0)
        elif phase != self._last_phase:  # plain output: one line per phase
            _echo(self._lang, Msg("envcheck bench: {text}", text=text))
        self._last_phase = phase


def _describe(phase: str, data: Mapping[str, Any]) -> str:
    run = data.get("run", "")
    if phase == "device":
        info = data.get("device") or {}
        return Msg("running on {device}", device=f"{info.get('name') or info.get('type')}")
    if phase == "warmup":
        return Msg("{run}: warming up", run=f"{run}")
    if phase in ("timed_start", "timed"):
        return Msg("{run}: timing ({steps} steps)", run=f"{run}", steps=f"{data.get('steps', 0)}")
    if phase == "oom":
        return str(data.get("message"))
    if phase == "checks":
        return Msg("held-out accuracy")
    if phase == "agreement":
        return Msg("comparing the GPU with the CPU")
    return phase


_NEEDS_GPU = ("cuda_unavailable", "mps_unavailable", "needs_cuda")


def _fail(code: str | None, message: str | None, python: str, as_json: bool,
          lang: str = DEFAULT) -> ExitCode:
    """Explain why nothing was measured (the doctor's findings when the GPU was unusable);
    return the exit status."""
    diagnosis: tuple[Finding, ...] = ()
    if code in _NEEDS_GPU:
        # The doctor imports torch in the target again: seconds, so say what is happening.
        _echo(lang, Msg("envcheck bench: asking envcheck doctor why…"))
        diagnosis = _diagnose(python)
    if as_json:
        _emit_failure_json(code, message, diagnosis, lang)
    # The worker's words (and launch's) are translated where they are known messages.
    said = messages(lang).say(message) if message else message
    if code == "no_torch":
        _echo(lang, Msg("envcheck bench: torch is not installed for {python} ({message}).\n"
                        "  The bench never installs anything. To see the install command that "
                        "fits this machine, run:\n    envcheck recommend",
                        python=python, message=f"{said}"))
        return ExitCode.USAGE
    if code == "python_not_found":
        _echo(lang, Msg("envcheck bench: {message}", message=f"{said}"))
        return ExitCode.USAGE
    if code in _NEEDS_GPU:
        doctor = "envcheck doctor" + (f" --python {python}" if python != sys.executable else "")
        _echo(lang, Msg("envcheck bench: {message}.", message=f"{said}"))
        if diagnosis:
            from envcheck.render.text import render_findings

            color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
            _echo(lang, Msg("Why, according to `{doctor}`:", doctor=doctor))
            typer.echo(render_findings(diagnosis, color=color,
                                       lang=lang).rstrip("\n"), err=True)
        else:
            _echo(lang, Msg("  envcheck doctor found nothing to say; its full report:\n"
                            "    {doctor}", doctor=doctor))
        return ExitCode.FINDINGS
    if code == "interrupted":
        _echo(lang, Msg("envcheck bench: interrupted before anything was measured"))
        return ExitCode.INTERRUPTED
    _echo(lang, Msg("envcheck bench: the benchmark failed ({code}): {message}", code=f"{code}",
                    message=f"{said}"))
    return ExitCode.FINDINGS


def _diagnose(python: str) -> tuple[Finding, ...]:
    """The doctor's most important findings for the benchmarked interpreter (at most three):
    its warnings and errors, else its notes (a container started without GPU access, say)."""
    from envcheck.context import Context
    from envcheck.doctor import run_doctor
    from envcheck.model import Severity
    from envcheck.system.run import kill_running_commands

    try:
        report = run_doctor(Context.from_system(python=python))
    except Exception:  # noqa: BLE001 - the bench's own message still stands without it
        return ()
    finally:
        kill_running_commands(spare_streamed=True)
    serious = tuple(f for f in report.findings if f.severity >= Severity.WARNING)
    return (serious or report.findings)[:3]


def _emit_failure_json(code: str | None, message: str | None,
                       diagnosis: tuple[Finding, ...], lang: str = DEFAULT) -> None:
    from envcheck.bench.document import BenchFailure
    from envcheck.render.bench import render_bench_json

    _write(render_bench_json(BenchFailure(_tool_version(), code, message, diagnosis), lang))


def _finish(result: BenchResult, as_json: bool, interrupted: bool, lang: str = DEFAULT) -> None:
    from envcheck.bench.document import worst_severity
    from envcheck.model import Severity
    from envcheck.render.bench import render_bench_json, render_bench_text

    _write(render_bench_json(result, lang) if as_json else render_bench_text(result, lang))
    if interrupted:
        raise exit_with(ExitCode.INTERRUPTED)
    worst = worst_severity(result)
    failed = worst is not None and worst >= Severity.ERROR
    raise exit_with(ExitCode.FINDINGS if failed else ExitCode.OK)


def _run(options: BenchOptions, python: str | None, as_json: bool, title: str,
         build: Callable[[WorkerOutcome, WorkerOutcome | None], BenchResult],
         lang: str = DEFAULT) -> None:
    from envcheck.bench.launch import FOLLOWER, device_problem, run_ddp, run_worker
    from envcheck.context import PlatformInfo

    problem = device_problem(options.device, PlatformInfo.current().os_name)
    if problem:
        raise typer.BadParameter(problem)
    target = _target(target_option(python))
    with _Progress(title, lang) as progress:
        kwargs: dict[str, Any] = {"nvml": target.nvml, "on_message": progress, "env": target.env}
        single: WorkerOutcome | None = None
        if options.ddp:
            outcome, single = run_ddp(target.python, options, **kwargs)
        else:
            outcome = run_worker(target.python, options, **kwargs)
    if outcome.result is None and outcome.error_code == FOLLOWER:
        _follower(options, outcome.error_message or "", as_json, lang)
    if outcome.result is None:
        raise exit_with(_fail(outcome.error_code, outcome.error_message, target.python,
                              as_json, lang))
    _finish(build(outcome, single), as_json, outcome.interrupted, lang)


def _follower(options: BenchOptions, message: str, as_json: bool,
              lang: str = DEFAULT) -> NoReturn:
    """A node of a multi-node run that is not rank 0: say so (a JSON object with
    ``role: follower`` under --json, so per-node output files stay JSON) and exit 0."""
    rdzv = options.rendezvous
    if as_json:
        from envcheck.bench.document import FollowerNote
        from envcheck.render.bench import render_bench_json

        _write(render_bench_json(FollowerNote(
            _tool_version(), options.model, message, rdzv.nnodes if rdzv else None,
            rdzv.endpoint if rdzv else None, rdzv.run_id if rdzv else None), lang))
    else:
        _echo(lang, Msg("envcheck bench: {message}", message=message))
    raise exit_with(ExitCode.OK)


def _rendezvous(ddp: int | None, nnodes: int, endpoint: str | None,
                run_id: str) -> Rendezvous | None:
    """The multi-node settings, or None for one node; usage errors for half-given ones."""
    from envcheck.bench.launch import Rendezvous

    if nnodes == 1 and endpoint is None:
        return None
    if not ddp:
        raise typer.BadParameter(Msg("--nnodes and --rdzv-endpoint need --ddp N (processes per "
                                     "node)"))
    if endpoint is None:
        raise typer.BadParameter(Msg("--nnodes needs --rdzv-endpoint HOST:PORT (the same on "
                                     "every node)"))
    if not _ENDPOINT.match(endpoint):
        raise typer.BadParameter(Msg("--rdzv-endpoint must be HOST:PORT, not {endpoint}",
                                     endpoint=repr(endpoint)))
    return Rendezvous(nnodes, endpoint, run_id)


def _tool_version() -> str:
    from envcheck import __version__

    return __version__


def _train(model: str, device: str, precision: str, channels_last: bool | None,
           compile_: bool, batch: int | None, seconds: float | None, quick: bool,
           ddp: int | None, python: str | None, as_json: bool,
           rendezvous: Rendezvous | None = None, lang: str = DEFAULT) -> None:
    if precision not in PRECISIONS:
        raise typer.BadParameter(Msg("--precision must be one of {choices}",
                                     choices=", ".join(PRECISIONS)))
    default_s = 10.0 if model == "mnist_cnn" else 30.0
    secs = seconds if seconds is not None else (3.0 if quick else default_s)
    from envcheck.bench.launch import BenchOptions

    options = BenchOptions(kind="train", model=model, device=device, precision=precision,
                           channels_last=channels_last, compile=compile_, batch=batch,
                           seconds=secs, quick=quick, ddp=ddp, rendezvous=rendezvous)

    def build(outcome: WorkerOutcome, single: WorkerOutcome | None) -> BenchResult:
        from envcheck.bench.references import load_references
        from envcheck.bench.result import build_train_result
        from envcheck.recipes import RecipeError

        try:
            table = load_references()
        except (RecipeError, OSError) as exc:
            _echo(lang, Msg("envcheck bench: references unavailable: {why}", why=f"{exc}"))
            table = None
        return build_train_result(options, outcome, table, tool_version=_tool_version(),
                                  single=single)

    _run(options, python, as_json, model, build, lang)


def register(app: typer.Typer) -> None:
    """Add the ``bench`` command group to the envcheck app."""
    bench = typer.Typer(
        name="bench",
        help="Benchmarks that prove the GPU accelerates training, with a verdict against "
        "reference GPUs.",
        no_args_is_help=True,
        rich_markup_mode=None,
    )

    @bench.callback()
    def _bench(lang: HiddenLangOpt = None) -> None:
        # --lang accepted here too (envcheck bench --lang zh --help); the language is read
        # before parsing (envcheck.cli_help)
        return

    @bench.command("resnet")
    def resnet(
        model: Annotated[str, typer.Option("--model", help="resnet18, resnet34 or resnet50.")] = (
            "resnet50"),
        device: DeviceOpt = "auto",
        precision: PrecisionOpt = "auto",
        channels_last: Annotated[bool | None, typer.Option(
            "--channels-last/--no-channels-last",
            help="Memory format (default: channels_last on CUDA).")] = None,
        compile_: Annotated[bool, typer.Option(
            "--compile", help="torch.compile the model (compile time reported, not timed).")
        ] = False,
        batch: Annotated[int | None, typer.Option(
            "--batch", min=1, help="Images per step (default 256 on a GPU, 16 on a CPU; "
            "halved on out-of-memory).")] = None,
        seconds: Annotated[float | None, typer.Option(
            "--seconds", min=0.1, help="Timed budget per run (default 30).")] = None,
        quick: QuickOpt = False,
        ddp: DdpOpt = None,
        python: PythonOpt = None,
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
        nnodes: NnodesOpt = 1,
        rdzv_endpoint: RdzvEndpointOpt = None,
        rdzv_id: RdzvIdOpt = "envcheck-bench",
    ) -> None:
        """Train a ResNet on synthetic data and judge the throughput against reference GPUs."""
        if model not in ("resnet18", "resnet34", "resnet50"):
            raise typer.BadParameter(Msg("--model must be resnet18, resnet34 or resnet50"))
        _train(model, device, precision, channels_last, compile_, batch, seconds, quick, ddp,
               python, _json_chosen(fmt, as_json),
               _rendezvous(ddp, nnodes, rdzv_endpoint, rdzv_id), lang_option(lang))

    @bench.command("cnn")
    def cnn(
        device: DeviceOpt = "auto",
        precision: PrecisionOpt = "auto",
        compile_: Annotated[bool, typer.Option("--compile", help="torch.compile the model.")] = (
            False),
        batch: Annotated[int | None, typer.Option("--batch", min=1, help="Default 64.")] = None,
        seconds: Annotated[float | None, typer.Option(
            "--seconds", min=0.1, help="Timed budget per run (default 10).")] = None,
        quick: QuickOpt = False,
        ddp: DdpOpt = None,
        python: PythonOpt = None,
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
        nnodes: NnodesOpt = 1,
        rdzv_endpoint: RdzvEndpointOpt = None,
        rdzv_id: RdzvIdOpt = "envcheck-bench",
    ) -> None:
        """Train the classic MNIST CNN: a quick end-to-end check (launch-bound on GPUs)."""
        _train("mnist_cnn", device, precision, False, compile_, batch, seconds, quick, ddp,
               python, _json_chosen(fmt, as_json),
               _rendezvous(ddp, nnodes, rdzv_endpoint, rdzv_id), lang_option(lang))

    @bench.command("matmul")
    def matmul(
        device: DeviceOpt = "auto",
        size: Annotated[int | None, typer.Option(
            "--size", min=16, help="Matrix size n (default 8192 on a GPU, 1024 on a CPU).")
        ] = None,
        python: PythonOpt = None,
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Dense matrix-multiply TFLOP/s per dtype against the GPU's peak."""
        from envcheck.bench.launch import BenchOptions

        options = BenchOptions(kind="matmul", device=device, extra={"size": size})

        def build(outcome: WorkerOutcome, _single: WorkerOutcome | None) -> BenchResult:
            from envcheck.bench.references import load_references
            from envcheck.bench.result import build_matmul_result

            return build_matmul_result(outcome, load_references(), tool_version=_tool_version())

        _run(options, python, _json_chosen(fmt, as_json), "matmul", build, lang_option(lang))

    @bench.command("transfer")
    def transfer(
        device: DeviceOpt = "auto",
        python: PythonOpt = None,
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = None,
    ) -> None:
        """Host<->device copy GB/s, pinned and pageable, against the PCIe link's rate."""
        from envcheck.bench.launch import BenchOptions

        options = BenchOptions(kind="transfer", device=device)

        def build(outcome: WorkerOutcome, _single: WorkerOutcome | None) -> BenchResult:
            from envcheck.bench.result import build_transfer_result

            return build_transfer_result(outcome, tool_version=_tool_version())

        _run(options, python, _json_chosen(fmt, as_json), "transfer", build,
             lang_option(lang))

    app.add_typer(bench)
