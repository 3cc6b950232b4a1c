"""``envcheck recommend``: print the command that installs a torch build that works here.

With no machine inputs it reads this machine (driver, its CUDA, GPUs, OS, CPU arch, the target
environment's Python, pip mirror) through the doctor's probes. Any of those can be given instead;
once a GPU-side input (``--cuda``, ``--variant``, ``--driver``, ``--gpu``, ``--cc``) or ``--os`` is
given, nothing slow is probed: only the OS, CPU arch and target Python of this machine fill in
what is missing, so explicit requests answer fast.

Exit status: 0 with a recommendation; 2 for a usage error or an impossible request (one line on
stderr, then what is possible instead); 3 if the recipe tables themselves are broken.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Annotated

import typer

from envcheck.cli_contract import ExitCode, LangOpt, exit_with, lang_option, pick_format
from envcheck.i18n import Msg, messages
from envcheck.render import OutputFormat

MachineReader = Callable[[bool], Mapping[str, object]]
"""Returns doctor facts about this machine; ``True`` asks for the full (slower) reading."""

def read_machine(full: bool) -> Mapping[str, object]:
    """Facts about this machine: all recommendation inputs, or just OS, arch and Python."""
    if full:
        from envcheck.context import Context
        from envcheck.doctor import merge_facts, run_probes
        from envcheck.probes import recommend_probes

        ctx = Context.from_system()
        probes = recommend_probes()
        facts, _notes = merge_facts(run_probes(ctx, probes))
        facts.setdefault("os.name", ctx.os_name)
        facts.setdefault("os.arch", ctx.platform.machine)
        return facts
    from envcheck.context import PlatformInfo, system_target

    plat = PlatformInfo.current()
    return {
        "os.name": plat.os_name,
        "os.arch": plat.machine,
        "python.version": _target_python_version(system_target(None).python),
    }


def _target_python_version(python: str) -> str | None:
    """The target interpreter's X.Y.Z: ours without a subprocess, another one by asking it."""
    import os

    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return ".".join(str(p) for p in sys.version_info[:3])
    from envcheck.system.run import run_command

    result = run_command(
        [python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"], timeout=5.0
    )
    text = result.stdout.strip() if result.ok else ""
    return text or None


def _same_os(asked: str, host: object) -> bool:
    """Whether ``--os`` names this host's OS (``macos``/``darwin``/``mac`` are one)."""
    from envcheck.recommend import os_key

    return isinstance(host, str) and os_key(asked) is not None and os_key(asked) == os_key(host)


def _fail(message: str, code: ExitCode, lang: str) -> typer.Exit:
    typer.echo(f"envcheck recommend: {messages(lang).say(message)}", err=True)
    return exit_with(code)


def register(app: typer.Typer, machine: MachineReader | None = None) -> None:
    """Add the ``recommend`` command to ``app`` (``machine`` is replaceable for tests)."""
    reader = machine or read_machine

    @app.command()
    def recommend(
        cuda: Annotated[
            str | None,
            typer.Option(
                "--cuda",
                help="The CUDA you have (nvidia-smi's 'CUDA Version' or nvcc's): picks the "
                "newest build that runs with it.",
            ),
        ] = None,
        variant: Annotated[
            str | None,
            typer.Option("--variant", help="Exactly this build: cu121, cu128, rocm6.0, cpu ..."),
        ] = None,
        driver: Annotated[
            str | None, typer.Option("--driver", help="NVIDIA driver version, e.g. 535.104.05.")
        ] = None,
        gpu: Annotated[
            str | None, typer.Option("--gpu", help='GPU model, e.g. "RTX 4090" (matched loosely).')
        ] = None,
        cc: Annotated[
            str | None, typer.Option("--cc", help="GPU compute capability, e.g. 8.9.")
        ] = None,
        python: Annotated[
            str | None,
            typer.Option("--python", help="Python version of the target env, e.g. 3.11."),
        ] = None,
        os_name: Annotated[
            str | None, typer.Option("--os", help="linux, windows or macos.")
        ] = None,
        arch: Annotated[
            str | None, typer.Option("--arch", help="CPU architecture: x86_64 or aarch64.")
        ] = None,
        torch: Annotated[
            str | None,
            typer.Option("--torch", help='torch version (2.2.1, 2.2) or specifier (">=2.4,<2.6").'),
        ] = None,
        manager: Annotated[str | None, typer.Option("--manager", help="pip, uv or conda.")] = None,
        mirror: Annotated[
            str | None,
            typer.Option("--mirror", help="tuna, aliyun, ustc, sjtu ... or none (default: pip's)."),
        ] = None,
        packages: Annotated[
            str | None,
            typer.Option("--packages", help="Comma-separated: torch,torchvision,torchaudio."),
        ] = None,
        fmt: Annotated[OutputFormat | None, typer.Option(
            "--format", "-f", help="Output format: text or json.")] = None,
        json_flag: Annotated[bool, typer.Option("--json", help="Same as --format json.")
                             ] = False,
        lang: LangOpt = None,
    ) -> None:
        """Print the command that installs a matching torch / torchvision / torchaudio, and why."""
        as_json = pick_format(fmt, aliases=((OutputFormat.JSON, json_flag),),
                              supported=(OutputFormat.TEXT, OutputFormat.JSON)
                              ) is OutputFormat.JSON
        from envcheck.recipes import RecipeError
        from envcheck.recommend import (
            ImpossibleRequest,
            RequestError,
            request_from_facts,
        )
        from envcheck.recommend import recommend as compute
        from envcheck.render.recommendation import (
            render_impossible_json,
            render_impossible_text,
            render_json,
            render_text,
        )

        language = lang_option(lang)
        gpu_side = any(v is not None for v in (cuda, variant, driver, gpu, cc))
        full = not gpu_side and os_name is None
        try:
            facts = reader(full)
        except Exception as exc:  # noqa: BLE001 - detection failing must not hide the answer
            said = messages(language).say(
                Msg("could not read this machine ({error})", error=str(exc)))
            typer.echo(f"envcheck recommend: {said}", err=True)
            facts = {}
        base = request_from_facts(facts)
        if gpu_side:
            base = replace(base, cuda=None, driver=None, cc=(), variant=None)
        if os_name is not None and not _same_os(os_name, facts.get("os.name")):
            # another OS than this host's: its Python and CPU arch say nothing about that one
            # (a Mac asked about from elsewhere is Apple silicon unless --arch says otherwise)
            base = replace(base, python=None, arch=None)
        overrides: dict[str, object] = {}
        for key, value in (
            ("cuda", cuda),
            ("variant", variant),
            ("driver", driver),
            ("gpu", gpu),
            ("python", python),
            ("os", os_name),
            ("arch", arch),
            ("torch", torch),
            ("manager", manager),
            ("mirror", mirror),
        ):
            if value is not None:
                overrides[key] = value
        if cc is not None:
            overrides["cc"] = (cc,)
        if packages is not None:
            overrides["packages"] = tuple(p for p in packages.split(",") if p.strip())
        request = replace(base, **overrides)  # type: ignore[arg-type]
        try:
            rec = compute(request)
        except RequestError as exc:
            raise _fail(exc.message, ExitCode.USAGE, language) from None
        except ImpossibleRequest as exc:
            if as_json:
                typer.echo(render_impossible_json(exc, request, language), nl=False)
            typer.echo(render_impossible_text(exc, language), err=True, nl=False)
            raise exit_with(ExitCode.USAGE) from None
        except RecipeError as exc:
            raise _fail(Msg("the recipe tables are broken: {error}", error=str(exc)),
                        ExitCode.INTERNAL, language) from None
        typer.echo(render_json(rec, language) if as_json else render_text(rec, lang=language),
                   nl=False)
