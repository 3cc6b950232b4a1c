"""The command line: parse, build a Context, call the core, render, choose the exit code.

The only module (with its ``cli_*`` siblings) that prints. Usage errors are one line on stderr
and exit 2; an unexpected internal error is one line plus where to report it, exit 3.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from envcheck import __version__

if TYPE_CHECKING:
    from envcheck.model import Report

T = TypeVar("T")


class ExitCode(enum.IntEnum):
    """Process exit statuses (documented in the README)."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INTERNAL = 3


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
) -> None:
    """envcheck: diagnose the NVIDIA driver, CUDA, cuDNN, PyTorch and Python environment."""


def _exit_for(report_worst: int | None, fail_on: FailOn) -> ExitCode:
    from envcheck.model import Severity

    if fail_on is FailOn.NEVER or report_worst is None:
        return ExitCode.OK
    threshold = Severity.WARNING if fail_on is FailOn.WARNING else Severity.ERROR
    return ExitCode.FINDINGS if report_worst >= threshold else ExitCode.OK


def _one_format(as_json: bool, markdown: bool) -> None:
    if as_json and markdown:
        raise typer.BadParameter("choose one of --json and --markdown")


def _publish(report: Report, *, as_json: bool, markdown: bool, verbose: bool,
             redact: bool | None, output: Path | None, fail_on: FailOn) -> NoReturn:
    """Render the report in the chosen format, write it, and exit by its worst finding."""
    _emit(_render(report, as_json=as_json, markdown=markdown, verbose=verbose, redact=redact),
          output)
    raise typer.Exit(_exit_for(report.worst, fail_on))


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from envcheck.output_file import write_output

        try:
            written = write_output(output, text)
        except OSError as exc:
            raise typer.BadParameter(f"cannot write {output}: {exc.strerror or exc}") from None
        typer.echo(f"envcheck: report written to {written}", err=True)


def _render(
    report: Report,
    *,
    as_json: bool,
    markdown: bool,
    verbose: bool,
    redact: bool | None,
) -> str:
    from envcheck.redact import redact_report

    if redact if redact is not None else markdown:
        report = redact_report(report)
    if as_json:
        from envcheck.render.json import render_json

        return render_json(report)
    if markdown:
        from envcheck.render.markdown import render_markdown

        return render_markdown(report, verbose=verbose)
    from envcheck.render.text import render_text

    color = sys.stdout.isatty() and not _no_color()
    return render_text(report, verbose=verbose, color=color)


def _no_color() -> bool:
    import os

    return bool(os.environ.get("NO_COLOR"))


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON (schema 1).")]
MarkdownOpt = Annotated[
    bool, typer.Option("--markdown", help="Print a redacted markdown report for a bug report.")
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Show every fact.")]
FailOnOpt = Annotated[
    FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at least this severe.")
]
RedactOpt = Annotated[
    bool | None,
    typer.Option(
        "--redact/--no-redact",
        help="Hide host, user names, home paths and GPU UUIDs (default: on for markdown).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file (%N: this node's host "
                 "name)."),
]


@app.command()
def doctor(
    as_json: JsonOpt = False,
    markdown: MarkdownOpt = False,
    python: Annotated[
        str | None,
        typer.Option(
            "--python",
            help="Interpreter whose environment to inspect (default: the "
            "active venv or conda env, else envcheck's own).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Per-probe time limit in seconds.")
    ] = 10.0,
    torch_timeout: Annotated[
        float | None,
        typer.Option(
            "--torch-timeout",
            min=0.1,
            help="Limit for importing torch and running a tiny kernel (default 60 s).",
        ),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            min=0.1,
            help="Limit for the whole run in seconds; what is still running then is reported "
            "as timed out (default: each probe's own limit).",
        ),
    ] = None,
    fail_on: FailOnOpt = FailOn.ERROR,
    verbose: VerboseOpt = False,
    redact: RedactOpt = None,
    output: OutputOpt = None,
    all_envs: Annotated[
        bool,
        typer.Option("--all-envs", help="Inspect every Python environment found (venvs, conda, "
                     "pyenv, uv, system): one row each, the machine probed once."),
    ] = False,
) -> None:
    """Check the NVIDIA driver, GPUs, CUDA, cuDNN, torch and the Python environment."""
    _one_format(as_json, markdown)
    if all_envs:
        if python:
            raise typer.BadParameter("--all-envs inspects every environment; drop --python")
        from envcheck.cli_fleet import doctor_all_envs
        from envcheck.model import Severity

        threshold = {FailOn.WARNING: Severity.WARNING, FailOn.ERROR: Severity.ERROR}
        doctor_all_envs(as_json=as_json, markdown=markdown, timeout=timeout,
                        torch_timeout=torch_timeout, budget=budget, redact=redact,
                        output=output, fail_on_threshold=threshold.get(fail_on))
    from envcheck.context import Context
    from envcheck.doctor import run_doctor

    ctx = Context.from_system(python=python, timeout_s=timeout, torch_timeout_s=torch_timeout,
                              budget_s=budget)
    report = _with_spinner("Checking the GPU stack…", lambda: run_doctor(ctx))
    _publish(report, as_json=as_json, markdown=markdown, verbose=verbose, redact=redact,
             output=output, fail_on=fail_on)


@app.command()
def explain(
    source: Annotated[
        str, typer.Argument(help="A file holding the pasted report, or - for standard input.")
    ] = "-",
    as_json: JsonOpt = False,
    markdown: MarkdownOpt = False,
    fail_on: FailOnOpt = FailOn.ERROR,
    verbose: VerboseOpt = False,
    redact: RedactOpt = None,
    output: OutputOpt = None,
) -> None:
    """Diagnose a report someone pasted (collect_env, nvidia-smi, pip/conda list, tracebacks)."""
    _one_format(as_json, markdown)
    if source == "-":
        if sys.stdin.isatty():
            raise typer.BadParameter("paste the report on standard input, or give a file name")
        data = sys.stdin.buffer.read()
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise typer.BadParameter(f"{source}: no such file") from None
        except IsADirectoryError:
            raise typer.BadParameter(f"{source}: is a directory, not a report") from None
        except OSError as exc:
            raise typer.BadParameter(f"{source}: cannot read ({exc.strerror or exc})") from None
    from envcheck.explain_report import explain_report

    report = explain_report(data)
    _publish(report, as_json=as_json, markdown=markdown, verbose=verbose, redact=redact,
             output=output, fail_on=fail_on)


def _with_spinner(message: str, work: Callable[[], T]) -> T:
    """Run ``work`` with a spinner on stderr when stderr is a terminal."""
    if not sys.stderr.isatty():
        return work()
    from rich.console import Console

    with Console(stderr=True).status(message):
        return work()


def _register_subcommands() -> None:
    from envcheck import cli_bench, cli_fleet, cli_recommend

    cli_recommend.register(app)
    cli_bench.register(app)
    cli_fleet.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; turn usage errors into one line and exit 2."""
    _register_subcommands()
    try:
        result = app(args=argv, prog_name="envcheck", standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors (typer's vendored click exceptions)
        help_ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and help_ctx is not None:
            typer.echo(help_ctx.get_help())
            sys.exit(ExitCode.OK)
        typer.echo(f"envcheck: error: {exc.format_message()}", err=True)
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("envcheck: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - never show users a traceback
        typer.echo(
            f"envcheck: internal error: {type(exc).__name__}: {exc} (please report this at the "
            "envcheck issue tracker with `envcheck doctor --markdown`)",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(result if isinstance(result, int) else ExitCode.OK)
