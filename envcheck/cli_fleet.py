"""The commands for many environments and many machines: ``doctor --all-envs`` and
``fleet summarize``. Parse, call the core (:mod:`envcheck.all_envs`, :mod:`envcheck.fleet`),
render, print, choose the exit code; nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from envcheck.cli_contract import (
    ExitCode,
    HiddenLangOpt,
    exit_with,
    output_option,
    pick_format,
)
from envcheck.render import OutputFormat


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


def doctor_all_envs(
    *,
    as_json: bool,
    markdown: bool,
    timeout: float,
    torch_timeout: float | None,
    budget: float | None,
    redact: bool | None,
    output: Path | None,
    fail_on_threshold: int | None,
    lang: str = "en",
) -> NoReturn:
    """``envcheck doctor --all-envs``: discover, inspect each environment, print one row each.

    ``fail_on_threshold`` is the severity (as an int) at or above which the exit is 1; None
    never fails.
    """
    from envcheck.all_envs import redact_all_envs, run_all_envs
    from envcheck.context import Context
    from envcheck.envs import discover_envs

    ctx = Context.from_system(timeout_s=timeout, torch_timeout_s=torch_timeout, budget_s=budget)
    discovery = discover_envs(ctx, str(Path.cwd()))
    result = run_all_envs(ctx, discovery)
    if redact if redact is not None else markdown:
        result = redact_all_envs(result)
    if as_json:
        from envcheck.render.all_envs import render_all_envs_json

        text = render_all_envs_json(result, lang)
    elif markdown:
        from envcheck.render.all_envs import render_all_envs_markdown

        text = render_all_envs_markdown(result, lang)
    else:
        from envcheck.render.all_envs import render_all_envs_text

        text = render_all_envs_text(result, lang)
    _emit(text, output)
    worst = result.worst
    failed = fail_on_threshold is not None and worst is not None and worst >= fail_on_threshold
    raise exit_with(ExitCode.FINDINGS if failed else ExitCode.OK)


def register(app: typer.Typer) -> None:
    """Add the ``fleet`` command group to the envcheck app."""
    fleet = typer.Typer(
        name="fleet",
        help="Compare many machines' envcheck reports (collected with Slurm, pdsh, Ansible or "
        "Kubernetes; see docs/cluster.md).",
        no_args_is_help=True,
        rich_markup_mode=None,
    )

    @fleet.callback()
    def _fleet(lang: HiddenLangOpt = None) -> None:
        # --lang accepted here too (envcheck fleet --lang zh --help); the language is read
        # before parsing (envcheck.cli_help)
        return

    @fleet.command("summarize")
    def summarize(
        reports: Annotated[list[str], typer.Argument(
            help="Report files, folders (every *.json below) or quoted glob patterns: "
            "`doctor --json` and `bench --json` outputs.")],
        fmt: Annotated[OutputFormat | None, typer.Option(
            "--format", "-f", help="Output format: text, json or markdown.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")
                           ] = False,
        markdown: Annotated[bool, typer.Option("--markdown", help="Same as --format markdown.")
                            ] = False,
        output: Annotated[Path | None, typer.Option(
            "--output", "-o", help="Write the summary to this file.")] = None,
        lang: HiddenLangOpt = None,
    ) -> None:
        """One row per node; what differs across nodes; which nodes stand out; findings by
        how many nodes have them. Exits 1 when any node has an error finding."""
        chosen = pick_format(
            fmt, aliases=((OutputFormat.JSON, as_json), (OutputFormat.MARKDOWN, markdown)),
            supported=(OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN))
        output_option(output)
        from envcheck.fleet import summarize as build_summary
        from envcheck.fleet_load import FleetInputError, expand_inputs, load_documents

        try:
            files = expand_inputs(reports)
        except FleetInputError as exc:
            raise typer.BadParameter(str(exc)) from None
        documents, skipped = load_documents(files)
        summary = build_summary(documents, skipped)
        if not summary.nodes:
            raise typer.BadParameter(
                f"no envcheck report among the {len(files)} file(s) given"
                + (f" ({summary.skipped[0]})" if summary.skipped else ""))
        if chosen is OutputFormat.JSON:
            from envcheck.render.fleet import render_fleet_json

            text = render_fleet_json(summary)
        elif chosen is OutputFormat.MARKDOWN:
            from envcheck.render.fleet import render_fleet_markdown

            text = render_fleet_markdown(summary)
        else:
            from envcheck.render.fleet import render_fleet_text

            text = render_fleet_text(summary)
        _emit(text, output)
        raise exit_with(ExitCode.FINDINGS if summary.has_error else ExitCode.OK)

    app.add_typer(fleet)
