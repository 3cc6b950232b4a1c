"""``envcheck report`` (the doctor's report for a bug tracker) and ``envcheck diff A B``.

``report`` runs the doctor once and writes markdown by default: the verdict and the problems
with their fixes first, the facts folded away, redacted, within an issue body's limit.
``diff`` reads two envcheck reports (JSON, markdown or HTML) and says what changed.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from envcheck.cli import (
    BudgetOpt,
    FailOn,
    FormatOpt,
    JsonOpt,
    LangOpt,
    MarkdownOpt,
    OutputOpt,
    PythonOpt,
    RedactOpt,
    ShowRedactionsOpt,
    TimeoutOpt,
    TorchTimeoutOpt,
    VerboseOpt,
    _emit,
    _publish,
    read_source,
    run_doctor_here,
)
from envcheck.cli_contract import (
    ExitCode,
    HiddenLangOpt,
    exit_with,
    lang_option,
    output_option,
    pick_format,
    target_option,
)
from envcheck.i18n import Msg, messages
from envcheck.render import Appendix, OutputFormat

if TYPE_CHECKING:
    from envcheck.context import TargetChoice


def quick_bench(target_choice: TargetChoice, lang: str = "en") -> Appendix:
    """A short MNIST CNN training run in the target interpreter, to show with the report.

    Same worker as ``envcheck bench cnn --quick``; when nothing can be measured the appendix
    says why instead (the report itself already holds the diagnosis).
    """
    from envcheck import __version__
    from envcheck.bench.launch import BenchOptions, run_worker
    from envcheck.bench.references import load_references
    from envcheck.bench.result import build_train_result
    from envcheck.context import Context
    from envcheck.recipes import RecipeError
    from envcheck.render.bench import render_bench_text

    ctx = Context.from_system(target=target_choice)
    target = ctx.target_python or sys.executable
    options = BenchOptions(kind="train", model="mnist_cnn", seconds=3.0, quick=True)
    say = messages(lang).say
    typer.echo(say(Msg("envcheck report: running a quick bench (MNIST CNN, a few seconds)…")),
               err=True)
    outcome = run_worker(target, options, nvml=ctx.nvml, env=ctx.env)
    title = say(Msg("Quick bench: MNIST CNN training"))
    if outcome.result is None:
        error = {"code": outcome.error_code, "message": outcome.error_message}
        return Appendix("bench", title, say(Msg(
            "Nothing measured ({code}): {message}", code=outcome.error_code or "?",
            message=outcome.error_message or "")), {"error": error})
    try:
        table = load_references()
    except (RecipeError, OSError):
        table = None
    result = build_train_result(options, outcome, table, tool_version=__version__)
    return Appendix("bench", title, render_bench_text(result, lang), result.to_dict())


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``diff`` to ``app``."""

    @app.command()
    def report(
        fmt: FormatOpt = None,
        as_json: JsonOpt = False,
        markdown: MarkdownOpt = False,
        python: PythonOpt = None,
        timeout: TimeoutOpt = 10.0,
        torch_timeout: TorchTimeoutOpt = None,
        budget: BudgetOpt = None,
        fail_on: Annotated[
            FailOn, typer.Option("--fail-on", help="Exit 1 when a finding is at least this "
                                 "severe (default never: the report is the result).")
        ] = FailOn.NEVER,
        verbose: VerboseOpt = False,
        redact: RedactOpt = True,
        show_redactions: ShowRedactionsOpt = False,
        output: OutputOpt = None,
        bench: Annotated[bool, typer.Option(
            "--bench", help="Append a quick training bench (MNIST CNN, a few seconds).")] = False,
        lang: LangOpt = None,
    ) -> None:
        """Write a report to paste into a bug report (markdown unless --format says otherwise)."""
        chosen = pick_format(fmt, aliases=((OutputFormat.JSON, as_json),
                                           (OutputFormat.MARKDOWN, markdown)),
                             default=OutputFormat.MARKDOWN)
        output_option(output)
        target = target_option(python)
        found, identity = run_doctor_here(target, timeout, torch_timeout, budget)
        language = lang_option(lang)
        appendix = (quick_bench(target, language),) if bench else ()
        _publish(found, fmt=chosen, verbose=verbose, redact=redact,
                 show_redactions=show_redactions, identity=identity, output=output,
                 fail_on=fail_on, appendix=appendix, lang=language)

    @app.command()
    def diff(
        before: Annotated[str, typer.Argument(help="The first report (JSON, markdown or HTML).")],
        after: Annotated[str, typer.Argument(help="The second report.")],
        fmt: Annotated[OutputFormat | None, typer.Option(
            "--format", "-f", help="Output format: text or json.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")]
        = False,
        output: OutputOpt = None,
        lang: HiddenLangOpt = None,
    ) -> None:
        """What changed between two envcheck reports, the changes most likely to matter first."""
        chosen = pick_format(fmt, aliases=((OutputFormat.JSON, as_json),),
                             supported=(OutputFormat.TEXT, OutputFormat.JSON))
        output_option(output)
        from envcheck.diff import diff_reports
        from envcheck.explain.envcheck_report import read_envcheck_report
        from envcheck.explain_report import explain_report
        from envcheck.render.diff import render_diff_json, render_diff_text

        if before == after == "-":
            raise typer.BadParameter("only one of the two reports can come from standard input")
        reports = []
        for source in (before, after):
            text = read_source(source)
            if read_envcheck_report(text) is None:
                raise typer.BadParameter(f"{source}: not an envcheck report (JSON, or markdown/"
                                         "HTML written by envcheck 0.1 or later)")
            reports.append(explain_report(text))
        changes = diff_reports(reports[0], reports[1])
        json_out = chosen is OutputFormat.JSON
        _emit(render_diff_json(changes) if json_out else render_diff_text(changes, before, after),
              output)
        raise exit_with(ExitCode.OK)

