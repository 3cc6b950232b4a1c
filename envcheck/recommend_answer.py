"""Write the answer for a chosen build: pins, the command, trap warnings and alternatives.

Pure functions of the checked inputs, the tables and the chosen (release, variant): each
returns what it says (:class:`Said`, a :class:`~envcheck.install_commands.Written`, a tuple of
:class:`~envcheck.recommend_request.Alternative`) and records nothing, so the planner decides
what of it reaches the answer (the alternatives' own warnings do not). The command text itself
is :mod:`envcheck.install_commands`'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from packaging.version import Version

from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import items
from envcheck.install_commands import (
    Pins,
    Target,
    Written,
    conda_command,
    default_build,
    pip_command,
)
from envcheck.recipes import (
    ArchRows,
    PypiMirror,
    Release,
    RowMeta,
    Tables,
    WheelMirror,
    variant_cuda,
)
from envcheck.recommend_choice import (
    Choice,
    covers_gpu,
    label,
    offered,
    offered_conda,
    table_text,
    variant_runs,
    wants_cuda,
)
from envcheck.recommend_request import PACKAGES, Alternative, Inputs, Mainland


@dataclass(frozen=True)
class Said:
    """What one step adds to the answer: warnings, unconfirmed rows, and the table rows it
    rests on (the planner lists the unconfirmed ones among them)."""

    warnings: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()
    uses: tuple[RowMeta, ...] = ()


@dataclass(frozen=True)
class Packages:
    """(package, version) pins for a release, and what choosing them says."""

    pins: tuple[tuple[str, str], ...]
    said: Said


def packages_for(inp: Inputs, rel: Release) -> Packages:
    """The packages to install with ``rel`` and their versions; the torchaudio trap (none
    after 2.11.0, none before 1.2) is handled here."""
    wanted = inp.packages or rel.command_packages or PACKAGES
    names = ["torch", *[p for p in PACKAGES[1:] if p in wanted]]
    warnings: list[str] = []
    unconfirmed: list[str] = []
    if inp.packages is not None and "torch" not in inp.packages:
        warnings.append(Msg("torch added: torchvision and torchaudio must match its version"))
    conda = inp.manager == "conda"
    out: list[tuple[str, str]] = []
    for name in names:
        if name == "torch":
            out.append((name, str(rel.torch)))
        elif name == "torchvision":
            out.append((name, (conda and rel.conda_torchvision) or rel.torchvision))
            if rel.torchvision_requires:
                warnings.append(Msg(
                    "torchvision {torchvision} requires only torch{requires}, not torch "
                    "{torch}: keep torch pinned in the same command, or pip may move torch to "
                    "another (PyPI default) build",
                    torchvision=rel.torchvision, requires=rel.torchvision_requires,
                    torch=str(rel.torch),
                ))
        elif rel.torchaudio:
            out.append((name, (conda and rel.conda_torchaudio) or rel.torchaudio))
            if rel.command_packages and "torchaudio" not in rel.command_packages:
                warnings.append(Msg(
                    "torchaudio {torchaudio} pairs with torch {torch}, but that release's "
                    "install page left it out of its command: added as asked",
                    torchaudio=rel.torchaudio, torch=str(rel.torch),
                ))
        elif not rel.torchaudio_fallback:
            warnings.append(Msg("no torchaudio wheels were published for torch {torch}: left out",
                                torch=str(rel.torch)))
        elif inp.packages is not None:
            out.append((name, rel.torchaudio_fallback))
            warnings.append(Msg(
                "torchaudio stopped at {torchaudio}, which has no torch pin: with torch {torch} "
                "it is best effort — check `import torchaudio`",
                torchaudio=rel.torchaudio_fallback, torch=str(rel.torch),
            ))
            unconfirmed.append(Msg(
                "torchaudio {torchaudio} with torch {torch}: validated by the PyTorch release "
                "tooling for 2.12.1 only; a failure with 2.13 is reported",
                torchaudio=rel.torchaudio_fallback, torch=str(rel.torch),
            ))
        else:
            warnings.append(Msg(
                "torchaudio stopped at {torchaudio} and is left out for torch {torch} (ask with "
                "--packages torch,torchvision,torchaudio: best effort)",
                torchaudio=rel.torchaudio_fallback, torch=str(rel.torch),
            ))
    return Packages(tuple(out), Said(tuple(warnings), tuple(unconfirmed)))


def write_command(
    inp: Inputs, tables: Tables, rel: Release, variant: str, pins: Pins, manager: str
) -> Written:
    """The command installing ``pins`` of ``rel``'s ``variant`` build with ``manager``."""
    if manager == "conda":
        return Written(conda_command(rel, variant, pins, inp.os), None, tuple(pins))
    target = Target(
        os=inp.os,
        cpu=inp.cpu,
        python=inp.python,
        manager=manager,
        pypi_mirror=tables.pypi_mirror(inp.mirror) if inp.mirror else None,
        wheel_mirror=tables.wheel_mirror(inp.mirror) if inp.mirror else None,
    )
    return pip_command(tables, rel, variant, pins, target)


def _no_ampere(inp: Inputs, tables: Tables, rel: Release, variant: str) -> tuple[str, ...]:
    """With no GPU given, say when the chosen CUDA build cannot run on Ampere or newer
    (torch ≤ 1.10's default cu102 build: "sm_86 is not compatible" on every RTX 30xx)."""
    if inp.archs or variant_cuda(variant) is None:
        return ()
    ampere = tables.arch(Version("8.6"))
    row, _ = tables.build_archs(rel.torch, variant, inp.os, inp.cpu, rows=ArchRows.BORROWED)
    if ampere is None or row is None or row.runs_on(ampere.cc):
        return ()
    newer: list[str] = []
    for v in offered(inp, rel):
        other, _ = tables.build_archs(rel.torch, v, inp.os, inp.cpu, rows=ArchRows.BORROWED)
        if variant_cuda(v) and other is not None and other.runs_on(ampere.cc):
            newer.append(v)
    if newer:
        return (Msg(
            "{variant} has no kernels for Ampere or newer GPUs (RTX 30xx and later, A100, H100): "
            "with one of those it fails with 'no kernel image' (torch {torch} has {builds} for "
            "them); pass --gpu",
            variant=variant, torch=str(rel.torch), builds=items(newer),
        ),)
    return (Msg(
        "{variant} has no kernels for Ampere or newer GPUs (RTX 30xx and later, A100, H100): "
        "with one of those it fails with 'no kernel image'; pass --gpu",
        variant=variant,
    ),)


WINDOWS_PYPI_CPU_ONLY = Msg(
    "on Windows the PyPI torch wheel is CPU-only in every version: plain `pip install torch` "
    "(or a PyPI mirror) gives no CUDA; the CUDA build comes only from download.pytorch.org or "
    "a mirror of it"
)
"""The trap of a Windows CUDA build; :func:`mainland` says it in full, with the mirrors."""


def _served_by_pypi_mirror(inp: Inputs, tables: Tables, url: str) -> bool:
    mirror = tables.pypi_mirror(inp.mirror) if inp.mirror else None
    return mirror is not None and mirror.url == url


def trap_warnings(
    inp: Inputs, tables: Tables, rel: Release, variant: str, url: str | None
) -> Said:
    """Known traps around the chosen build: PyPI's default build, mirrors, bad drivers."""
    vc = variant_cuda(variant)
    warnings = list(_no_ampere(inp, tables, rel, variant))
    uses: list[RowMeta] = []
    if inp.manager == "conda":
        if inp.mirror:
            warnings.append(Msg("--mirror applies to pip and uv only; ignored for conda"))
        return Said(tuple(warnings))
    if inp.os == "windows" and vc is not None:
        warnings.append(WINDOWS_PYPI_CPU_ONLY)
    default = default_build(rel, inp.os, inp.cpu)
    if inp.os == "linux" and vc is not None and default != variant:
        warnings.append(Msg(
            "plain `pip install torch=={torch}` from PyPI {why}: use the command above",
            torch=str(rel.torch), why=_why_not_default(inp, tables, rel, default, variant),
        ))
    pypi_only = (
        inp.mirror is not None
        and tables.pypi_mirror(inp.mirror) is not None
        and tables.wheel_mirror(inp.mirror) is None
    )
    if pypi_only and url is not None and not _served_by_pypi_mirror(inp, tables, url):
        warnings.append(Msg(
            "the {mirror} PyPI mirror serves only PyPI's default torch build ({build} here), "
            "not {variant}: this build comes from download.pytorch.org",
            mirror=inp.mirror, build=label(default), variant=variant,
        ))
    wm = tables.wheel_mirror(inp.mirror) if inp.mirror else None
    if wm is not None and url is not None and wm.flag == "find-links":
        warnings.append(Msg(
            "{name} is a plain directory, not a package index: it needs -f (--find-links), not "
            "--index-url, and versions pinned with their +label",
            name=table_text(wm.name),
        ))
    if inp.driver is not None:
        for bad in tables.bad_drivers:
            if inp.driver in bad.versions and variant in bad.applies_to:
                warnings.append(Msg("driver {driver} with {variant}: {reason}",
                                    driver=str(inp.driver), variant=variant,
                                    reason=table_text(bad.reason)))
                uses.append(bad.meta)
    return Said(tuple(warnings), (), tuple(uses))


def _why_not_default(
    inp: Inputs, tables: Tables, rel: Release, default: str, variant: str
) -> str:
    """Why PyPI's default build of ``rel`` is not the one to install here."""
    if default == "cpu":
        return Msg("is CPU-only")
    if default == "unknown":
        return Msg("is of unknown build here")
    runs = variant_runs(inp, tables, default)
    covers = covers_gpu(inp, tables, rel, default)[0]
    if runs and covers:
        return Msg("is the {default} build, not {variant}", default=default, variant=variant)
    problems: list[str] = []
    if not runs:
        problems.append(Msg("needs driver ≥ {need}",
                            need=str(tables.variant_min_driver(default, inp.os))))
    if not covers:
        problems.append(Msg("has no {sms} kernels", sms=items(a.sm for a in inp.archs)))
    both = problems[0] if len(problems) == 1 else Msg(
        "{problem} and {other_problem}", problem=problems[0], other_problem=problems[1])
    return Msg("is built for {build} ({problems}), which fails here", build=label(default),
               problems=both)


def conda_pins(rel: Release, pins: Pins) -> list[tuple[str, str]]:
    """The pins with conda's own torchvision/torchaudio versions where they differ."""
    swap = {"torchvision": rel.conda_torchvision, "torchaudio": rel.conda_torchaudio}
    return [(n, swap.get(n) or v) for n, v in pins]


def alternatives(
    inp: Inputs,
    tables: Tables,
    rel: Release,
    variant: str,
    pins: Pins,
    fits: Sequence[Release],
    choices: Mapping[Version, Choice],
) -> tuple[Alternative, ...]:
    """Other commands that would also work here, and when to prefer them."""
    out: list[Alternative] = []
    line = (rel.torch.major, rel.torch.minor)
    previous = [r for r in fits if (r.torch.major, r.torch.minor) < line]
    if previous:
        prev = previous[-1]
        v = choices[prev.torch].variant
        assert v is not None
        prev_pins = packages_for(inp, prev).pins
        cmd = write_command(inp, tables, prev, v, prev_pins, inp.manager).command
        out.append(Alternative(
            Msg("previous line: torch {torch} ({variant})", torch=str(prev.torch), variant=v), cmd
        ))
    for other in offered(inp, rel):
        if other == variant or variant_cuda(other) is None or inp.variant is not None:
            continue
        if not wants_cuda(inp):
            break
        if variant_runs(inp, tables, other) and covers_gpu(inp, tables, rel, other)[0]:
            cmd = write_command(inp, tables, rel, other, pins, inp.manager).command
            out.append(Alternative(Msg("also runs here: {variant}", variant=other), cmd))
    if (
        inp.manager == "pip"
        and inp.os != "macos"
        and rel.index_flag == "index-url"
        and inp.mirror is None  # uv's --torch-backend picks its own index, ignoring a mirror
    ):
        args = " ".join(f"{n}=={v}" for n, v in pins)
        out.append(Alternative(Msg("with uv"), f"uv pip install {args} --torch-backend={variant}"))
    if inp.manager != "conda":
        if rel.conda != "none" and variant in offered_conda(rel):
            cmd = conda_command(rel, variant, conda_pins(rel, pins), inp.os)
            out.append(Alternative(Msg("conda (official pytorch channel)"), cmd))
        elif rel.conda == "none":
            out.append(
                Alternative(
                    Msg("conda: no official packages after torch 2.5.x; inside a conda env use "
                        "the pip command above, or the community conda-forge build"),
                    "conda install -c conda-forge pytorch torchvision",
                )
            )
    if inp.mirror is None and inp.manager != "conda" and inp.os != "macos":
        aliyun = tables.wheel_mirror("aliyun")
        if aliyun is not None and variant != "cpu" and not variant.startswith("rocm"):
            target = Target(inp.os, inp.cpu, inp.python, "pip", None, aliyun)
            written = pip_command(tables, rel, variant, pins, target)
            if written.url is not None:  # not a plain PyPI install
                label_ = (
                    Msg("from China: Aliyun's mirror of download.pytorch.org (needs -f)")
                    if " -f " in written.command
                    else Msg("from China: Aliyun's mirror of download.pytorch.org")
                )
                out.append(Alternative(label_, written.command, mirror=aliyun.key))
    return tuple(out)


MAINLAND_PYPI = "tuna"
"""The PyPI mirror a user in mainland China is offered first (Tsinghua TUNA, ``mirrors.toml``)."""
_CONFIDENCE = {"H": 0, "M": 1, "L": 2}


def mainland(
    inp: Inputs, tables: Tables, rel: Release, variant: str, pins: Pins, command: str
) -> Mainland:
    """The chosen build through the mirrors of mainland China, for users there.

    A build PyPI serves (macOS, Windows CPU, Linux's PyPI default) comes from the Tsinghua
    mirror of PyPI; a build from download.pytorch.org comes from a mirror of it (``[[wheels]]``
    in ``mirrors.toml``, the surest rows first), with the other packages from the Tsinghua
    mirror where the command takes a second index (the ``-f`` mirrors). The commands are
    written as :func:`envcheck.install_commands.pip_command` writes any mirror's, with the
    request's manager. On Windows a CUDA build never comes from a PyPI mirror: the warning says
    so with the mirrors' URLs. Nothing for conda (the channel's mirrors are not in the tables)
    or ROCm builds (nothing says the mirrors carry them).
    """
    if inp.manager == "conda":
        return Mainland()
    pypi = tables.pypi_mirror(MAINLAND_PYPI)
    out: list[Alternative] = []
    seen = {command}

    def offer(label_: str, written: Written, key: str) -> None:
        if written.command not in seen and written.url is not None:
            seen.add(written.command)
            out.append(Alternative(label_, written.command, mirror=key))

    if pypi is not None:
        target = Target(inp.os, inp.cpu, inp.python, inp.manager, pypi, None)
        written = pip_command(tables, rel, variant, pins, target)
        if written.url == pypi.url:  # a plain install: PyPI serves this build
            offer(Msg("from China: {name} ({what})", name=table_text(pypi.name),
                      what=Msg("a mirror of PyPI")), written, pypi.key)
    if inp.os != "macos" and not variant.startswith("rocm"):
        for m in _surest_first(tables.wheel_mirrors):
            if m.key == inp.mirror:
                continue  # the answer's own command already downloads from it
            target = Target(inp.os, inp.cpu, inp.python, inp.manager, pypi, m)
            written = pip_command(tables, rel, variant, pins, target)
            if written.url == (pypi.url if pypi is not None else None):
                continue  # PyPI's own build: the PyPI mirror's command above
            second = pypi if pypi is not None and f" -i {pypi.url}" in written.command else None
            offer(_mirror_label(m, second), written, m.key)
    warnings: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    if inp.os == "windows" and variant_cuda(variant) is not None and pypi is not None:
        warnings = (_windows_trap(tables, pypi, variant),)
        replaces = (WINDOWS_PYPI_CPU_ONLY,)
    return Mainland(tuple(out), warnings, replaces)


def _surest_first(mirrors: Sequence[WheelMirror]) -> list[WheelMirror]:
    """The mirrors of download.pytorch.org, confirmed rows and higher confidence first."""
    return sorted(mirrors,
                  key=lambda m: (m.meta.unconfirmed, _CONFIDENCE.get(m.meta.confidence, 3)))


def _mirror_label(mirror: WheelMirror, pypi: PypiMirror | None) -> str:
    """What an alternative through a mirror of download.pytorch.org is (``pypi``: the PyPI
    mirror its command takes the other packages from)."""
    what = (Msg("a mirror of download.pytorch.org, needs -f") if mirror.flag == "find-links"
            else Msg("a mirror of download.pytorch.org"))
    if mirror.meta.unconfirmed:
        what = concat(what, Msg("; unconfirmed: {note}", note=table_text(mirror.meta.note)))
    name = table_text(mirror.name)
    if pypi is not None:
        return Msg("from China: {name} ({what}); the other packages from {pypi}", name=name,
                   what=what, pypi=table_text(pypi.name))
    return Msg("from China: {name} ({what})", name=name, what=what)


def _windows_trap(tables: Tables, pypi: PypiMirror, variant: str) -> str:
    """The Windows trap said in full: what ``pip install torch -i <PyPI mirror>`` gives there,
    and where the CUDA build comes from (the mirrors of download.pytorch.org, with their URLs
    and flags)."""
    where: list[str] = []
    for m in _surest_first(tables.wheel_mirrors):
        url = m.url_for(variant)
        if m.flag == "find-links":
            where.append(Msg("{name} {url} (with -f)", name=table_text(m.name), url=url))
        else:
            where.append(Msg("{name} {url} (with --index-url)", name=table_text(m.name),
                             url=url))
    listed: list[str] = []
    for item in where:
        if listed:
            listed.append(Msg("; "))
        listed.append(item)
    return Msg(
        "`pip install torch -i {pypi}` installs the CPU-only build here: PyPI and its mirrors "
        "carry only CPU wheels of torch for Windows, so the CUDA build ({variant}) must come "
        "from the PyTorch index ({official}) or a mirror of it: {mirrors}",
        pypi=pypi.url, variant=variant, official=tables.official_url.format(variant=variant),
        mirrors=concat(*listed),
    )
