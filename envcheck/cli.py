"""The command line: parse, build a Context, call the core, render, choose the exit code.

The only module (with its ``cli_*`` siblings) that prints. The contract every command keeps
(exit statuses, formats, the target interpreter, usage errors before probing) is in
:mod:`envcheck.cli_contract`. Usage errors are one line on stderr and exit 2; an unexpected
internal error is one line plus where to report it, exit 3. Whatever way envcheck ends, no
process it started outlives it (:func:`main`).
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from envcheck import __version__
from envcheck.cli_contract import (
    ExitCode,
    HiddenLangOpt,
    LangOpt,
    lang_option,
    output_option,
    pick_format,
    target_option,
)
from envcheck.cli_help import LocalizedGroup
from envcheck.render import Appendix, OutputFormat

if TYPE_CHECKING:
    from envcheck.context import TargetChoice
    from envcheck.model import Report
    from envcheck.redact import Identity

T = TypeVar("T")
__all__ = ["ExitCode", "app", "main"]


class FailOn(str, enum.Enum):
    """Which severity makes ``doctor``/``explain`` exit 1."""

    WARNING = "warning"
    ERROR = "error"
    NEVER = "never"


app = typer.Typer(
    name="envcheck",
    help="Does this machine's deep-learning GPU stack work end to end? What is wrong, and what "
    "command fixes it?",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=LocalizedGroup,  # --help in the language of each invocation (envcheck.cli_help)
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"envcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    lang: HiddenLangOpt = None,
) -> None:
    """envcheck: diagnose the NVIDIA driver, CUDA, cuDNN, PyTorch and Python environment."""


def _exit_for(report_worst: int | None, fail_on: FailOn) -> ExitCode:
    from envcheck.model import Severity

    if fail_on is FailOn.NEVER or report_worst is None:
        return ExitCode.OK
    threshold = Severity.WARNING if fail_on is FailOn.WARNING else Severity.ERROR
    return ExitCode.FINDINGS if report_worst >= threshold else ExitCode.OK


def _pick_format(fmt: OutputFormat | None, as_json: bool, markdown: bool,
                 supported: tuple[OutputFormat, ...] = tuple(OutputFormat)) -> OutputFormat:
    """``--format``, or its aliases ``--json``/``--markdown``; more than one must agree."""
    return pick_format(fmt, aliases=((OutputFormat.JSON, as_json),
                                     (OutputFormat.MARKDOWN, markdown)), supported=supported)


def _publish(report: Report, *, fmt: OutputFormat, verbose: bool, redact: bool,
             show_redactions: bool, identity: Identity | None, output: Path | None,
             fail_on: FailOn, appendix: tuple[Appendix, ...] = (), lang: str = "en") -> NoReturn:
    """Redact, render the report in the chosen format, write it, and exit by its worst finding.

    The exit code comes from the report as diagnosed: redaction changes text, never findings.
    """
    from envcheck.redact import redact_with_ledger, redactor_for

    shown = report
    if redact:
        red = redactor_for(report, identity)
        shown, _ = redact_with_ledger(report, redactor=red)
        appendix = tuple(
            Appendix(a.name, red.text(a.title), red.text(a.text),
                     red.value(dict(a.data)) if a.data is not None else None)
            for a in appendix
        )
        replaced = red.replacements()
        if show_redactions:
            for item in replaced:
                typer.echo(f"envcheck: redacted {item.kind} {item.original!r} as "
                           f"{item.placeholder} ({item.count}x)", err=True)
            if not replaced:
                typer.echo("envcheck: nothing needed redacting", err=True)
    elif show_redactions:
        typer.echo("envcheck: nothing redacted (--no-redact)", err=True)
    _emit(_render(shown, fmt=fmt, verbose=verbose, appendix=appendix, lang=lang), output)
    raise typer.Exit(_exit_for(report.worst, fail_on))


def _emit(text: str, output: Path | None) -> None:
    """Write UTF-8 bytes whatever the terminal's encoding (a report must always parse)."""
    from envcheck.textsafe import utf8_bytes

    data = utf8_bytes(text)
    if output is None:
        stream = getattr(sys.stdout, "buffer", None)
        if stream is None:
            sys.stdout.write(data.decode("utf-8"))
        else:
            sys.stdout.flush()
            stream.write(data)
        sys.stdout.flush()
        return
    from envcheck.output_file import write_output

    try:
        written = write_output(output, data.decode("utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"{output}: cannot write ({exc.strerror or exc})") from None
    typer.echo(f"envcheck: report written to {written}", err=True)


def _render(report: Report, *, fmt: OutputFormat, verbose: bool,
            appendix: tuple[Appendix, ...] = (), lang: str = "en") -> str:
    from envcheck.render import RenderOptions, render_report

    color = fmt is OutputFormat.TEXT and sys.stdout.isatty() and not _no_color()
    return render_report(report, fmt, RenderOptions(verbose=verbose, color=color,
                                                    appendix=appendix, lang=lang))


def _no_color() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option("--format", "-f", help="Output format: text, json, markdown or html."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json (schema 1).")]
MarkdownOpt = Annotated[bool, typer.Option("--markdown", help="Same as --format markdown.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show every fact.")]
FailOnOpt = Annotated[
    FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe.")
]
RedactOpt = Annotated[
    bool,
    typer.Option(
        "--redact/--no-redact",
        help="Hide user and home, host, GPU UUIDs and serials, MAC and IP addresses, secrets "
        "and URL credentials (default: on, in every format).",
    ),
]
ShowRedactionsOpt = Annotated[
    bool, typer.Option("--show-redactions", help="List on stderr what was hidden, and as what.")
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file (%N: this node's host "
                 "name)."),
]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help="Interpreter whose environment to inspect (default: the "
        "active venv or conda env, else envcheck's own).",
    ),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Per-probe time limit in seconds.")
]
TorchTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--torch-timeout",
        min=0.1,
        help="Limit for importing torch and running a tiny kernel (default 60 s).",
    ),
]
BudgetOpt = Annotated[
    float | None,
    typer.Option(
        "--budget",
        min=0.1,
        help="Limit for the whole run in seconds; what is still running then is reported "
        "as timed out (default: each probe's own limit).",
    ),
]


def run_doctor_here(target: TargetChoice, timeout: float, torch_timeout: float | None,
                    budget: float | None) -> tuple[Report, Identity]:
    """Run the doctor on this machine; also return who and where it is, for redaction."""
    from envcheck.context import Context
    from envcheck.doctor import run_doctor
    from envcheck.redact import Identity
    from envcheck.system.run import kill_running_commands

    ctx = Context.from_system(target=target, timeout_s=timeout, torch_timeout_s=torch_timeout,
                              budget_s=budget)
    try:
        report = _with_spinner("Checking the GPU stack…", lambda: run_doctor(ctx))
    finally:
        # What still runs belongs to probes reported as timed out (the --budget ran out):
        # their process groups go now, not when envcheck exits (report --bench runs next).
        kill_running_commands(spare_streamed=True)
    return report, Identity.from_env(ctx.env, ctx.host)


@app.command()
def doctor(
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    markdown: MarkdownOpt = False,
    python: PythonOpt = None,
    timeout: TimeoutOpt = 10.0,
    torch_timeout: TorchTimeoutOpt = None,
    budget: BudgetOpt = None,
    fail_on: FailOnOpt = FailOn.ERROR,
    verbose: VerboseOpt = False,
    redact: RedactOpt = True,
    show_redactions: ShowRedactionsOpt = False,
    output: OutputOpt = None,
    lang: LangOpt = None,
    all_envs: Annotated[
        bool,
        typer.Option("--all-envs", help="Inspect every Python environment found (venvs, conda, "
                     "pyenv, uv, system): one row each, the machine probed once."),
    ] = False,
) -> None:
    """Check the NVIDIA driver, GPUs, CUDA, cuDNN, torch and the Python environment."""
    if all_envs:
        if python:
            raise typer.BadParameter("--all-envs inspects every environment; drop --python")
        chosen = _pick_format(fmt, as_json, markdown, supported=(
            OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN))
        output_option(output)
        from envcheck.cli_fleet import doctor_all_envs
        from envcheck.model import Severity

        threshold = {FailOn.WARNING: Severity.WARNING, FailOn.ERROR: Severity.ERROR}
        doctor_all_envs(as_json=chosen is OutputFormat.JSON,
                        markdown=chosen is OutputFormat.MARKDOWN, timeout=timeout,
                        torch_timeout=torch_timeout, budget=budget, redact=redact,
                        output=output, fail_on_threshold=threshold.get(fail_on),
                        lang=lang_option(lang))
    chosen = _pick_format(fmt, as_json, markdown)
    output_option(output)
    report, identity = run_doctor_here(target_option(python), timeout, torch_timeout, budget)
    _publish(report, fmt=chosen, verbose=verbose, redact=redact,
             show_redactions=show_redactions, identity=identity, output=output, fail_on=fail_on,
             lang=lang_option(lang))


@app.command()
def explain(
    source: Annotated[
        str, typer.Argument(help="A file holding the pasted report, or - for standard input.")
    ] = "-",
    fmt: FormatOpt = None,
    as_json: JsonOpt = False,
    markdown: MarkdownOpt = False,
    fail_on: FailOnOpt = FailOn.ERROR,
    verbose: VerboseOpt = False,
    redact: RedactOpt = True,
    show_redactions: ShowRedactionsOpt = False,
    output: OutputOpt = None,
    lang: LangOpt = None,
) -> None:
    """Diagnose a report someone pasted (collect_env, nvidia-smi, pip/conda list, tracebacks,
    or envcheck's own JSON, markdown or HTML report, which is read back exactly)."""
    chosen = _pick_format(fmt, as_json, markdown)
    output_option(output)
    data = read_source_bytes(source)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        where = "standard input" if source == "-" else source
        raise typer.BadParameter(f"{where}: the paste is empty")
    from envcheck.explain_report import explain_report

    report = explain_report(data)
    _publish(report, fmt=chosen, verbose=verbose, redact=redact,
             show_redactions=show_redactions, identity=None, output=output, fail_on=fail_on,
             lang=lang_option(lang))


def read_source_bytes(source: str) -> bytes:
    """The bytes of a report file, or of standard input for ``-`` (one-line errors)."""
    if source == "-":
        if sys.stdin.isatty():
            raise typer.BadParameter("paste the report on standard input, or give a file name")
        stream = getattr(sys.stdin, "buffer", None)
        return stream.read() if stream else sys.stdin.read().encode("utf-8", "replace")
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise typer.BadParameter(f"{source}: no such file") from None
    except IsADirectoryError:
        raise typer.BadParameter(f"{source}: is a directory, not a report") from None
    except OSError as exc:
        raise typer.BadParameter(f"{source}: cannot read ({exc.strerror or exc})") from None


def read_source(source: str) -> str:
    """The text of a report file or of standard input, in whatever encoding it was saved
    (UTF-8, UTF-16 from PowerShell, GB18030 from a Chinese console; see explain.decode)."""
    from envcheck.explain.decode import decode_paste

    return decode_paste(read_source_bytes(source)).text


def _with_spinner(message: str, work: Callable[[], T]) -> T:
    """Run ``work`` with a spinner on stderr when stderr is a terminal."""
    if not sys.stderr.isatty():
        return work()
    from rich.console import Console

    with Console(stderr=True).status(message):
        return work()


def _register_subcommands() -> None:
    """Add the commands that live in the ``cli_*`` modules, once (typer would list a command
    registered twice twice, and build it on every run)."""
    if any(getattr(info.callback, "__name__", "") == "recommend"
           for info in app.registered_commands):
        return
    from envcheck import cli_bench, cli_fleet, cli_recommend, cli_report

    cli_recommend.register(app)
    cli_bench.register(app)
    cli_report.register(app)
    cli_fleet.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; turn usage errors into one line and exit 2.

    However it ends (a result, an error, Ctrl-C, SIGTERM), the process groups of the commands
    still running (a torch check past the ``--budget``) are killed before it returns.
    """
    from envcheck.system.run import kill_running_commands, stop_on_termination

    _register_subcommands()
    _INTERRUPTED.clear()
    restore_term = stop_on_termination()
    restore_int = _note_interrupts()
    try:
        _main(argv)
    finally:
        kill_running_commands()
        restore_int()
        restore_term()


_INTERRUPTED: list[bool] = []
"""Set when Ctrl-C reached envcheck (typer turns it into a silent exit status 130)."""


def _note_interrupts() -> Callable[[], None]:
    """Ctrl-C kills the doctor's commands, then interrupts as usual; return what puts the
    previous handler back."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        return lambda: None  # ignored (a background job) or handled by whoever embeds us

    def interrupt(_signum: int, _frame: object) -> None:
        # Kill the doctor's commands first: a KeyboardInterrupt can be swallowed where Python
        # ignores exceptions (a weakref callback), and a bench worker reports partial results.
        from envcheck.system.run import kill_running_commands

        _INTERRUPTED.append(True)
        kill_running_commands(0.0, spare_streamed=True)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)

    def restore() -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)

    return restore


def _usage_language(argv: list[str] | None) -> str:
    """The language of envcheck's own error lines: ``--lang`` as written on the command line
    (read before parsing, for errors the parser itself finds), else the locale's."""
    import os

    from envcheck.cli_help import language_of

    return language_of(sys.argv[1:] if argv is None else argv, os.environ)


def _say(argv: list[str] | None, line: str) -> None:
    """Print one of envcheck's own lines on stderr, in the user's language."""
    from envcheck.i18n import messages

    typer.echo(messages(_usage_language(argv)).translate(line), err=True)


def _main(argv: list[str] | None) -> None:
    try:
        result = app(args=argv, prog_name="envcheck", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors (typer's vendored click exceptions)
        help_ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and help_ctx is not None:
            typer.echo(help_ctx.get_help())
            sys.exit(ExitCode.OK)
        _say(argv, f"envcheck: error: {exc.format_message()}")
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _say(argv, "envcheck: interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - never show users a traceback
        typer.echo(
            f"envcheck: internal error: {type(exc).__name__}: {exc} (please report this at the "
            "envcheck issue tracker with `envcheck doctor --markdown`)",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)
    if _INTERRUPTED:  # typer turns Ctrl-C into a silent 130; it may also have been swallowed
        _say(argv, "envcheck: interrupted")
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(result if isinstance(result, int) else ExitCode.OK)
