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

from envcheck.install_commands import (
    Pins,
    Target,
    Written,
    conda_command,
    default_build,
    pip_command,
)
from envcheck.recipes import ArchRows, Release, RowMeta, Tables, variant_cuda
from envcheck.recommend_choice import (
    Choice,
    covers_gpu,
    label,
    offered,
    offered_conda,
    variant_runs,
    wants_cuda,
)
from envcheck.recommend_request import PACKAGES, Alternative, Inputs


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
        warnings.append("torch added: torchvision and torchaudio must match its version")
    conda = inp.manager == "conda"
    out: list[tuple[str, str]] = []
    for name in names:
        if name == "torch":
            out.append((name, str(rel.torch)))
        elif name == "torchvision":
            out.append((name, (conda and rel.conda_torchvision) or rel.torchvision))
            if rel.torchvision_requires:
                warnings.append(
                    f"torchvision {rel.torchvision} requires only torch"
                    f"{rel.torchvision_requires}, not torch {rel.torch}: keep torch pinned in "
                    "the same command, or pip may move torch to another (PyPI default) build"
                )
        elif rel.torchaudio:
            out.append((name, (conda and rel.conda_torchaudio) or rel.torchaudio))
            if rel.command_packages and "torchaudio" not in rel.command_packages:
                warnings.append(
                    f"torchaudio {rel.torchaudio} pairs with torch {rel.torch}, but that "
                    "release's install page left it out of its command: added as asked"
                )
        elif not rel.torchaudio_fallback:
            warnings.append(f"no torchaudio wheels were published for torch {rel.torch}: left out")
        elif inp.packages is not None:
            out.append((name, rel.torchaudio_fallback))
            warnings.append(
                f"torchaudio stopped at {rel.torchaudio_fallback}, which has no torch pin: "
                f"with torch {rel.torch} it is best effort — check `import torchaudio`"
            )
            unconfirmed.append(
                f"torchaudio {rel.torchaudio_fallback} with torch {rel.torch}: validated by "
                "the PyTorch release tooling for 2.12.1 only; a failure with 2.13 is reported"
            )
        else:
            warnings.append(
                f"torchaudio stopped at {rel.torchaudio_fallback} and is left out for torch "
                f"{rel.torch} (ask with --packages torch,torchvision,torchaudio: best effort)"
            )
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
    hint = f" (torch {rel.torch} has {', '.join(newer)} for them)" if newer else ""
    return (
        f"{variant} has no kernels for Ampere or newer GPUs (RTX 30xx and later, A100, "
        f"H100): with one of those it fails with 'no kernel image'{hint}; pass --gpu",
    )


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
            warnings.append("--mirror applies to pip and uv only; ignored for conda")
        return Said(tuple(warnings))
    if inp.os == "windows" and vc is not None:
        warnings.append(
            "on Windows the PyPI torch wheel is CPU-only in every version: plain "
            "`pip install torch` (or a PyPI mirror) gives no CUDA; the CUDA build comes "
            "only from download.pytorch.org or a mirror of it"
        )
    default = default_build(rel, inp.os, inp.cpu)
    if inp.os == "linux" and vc is not None and default != variant:
        warnings.append(
            f"plain `pip install torch=={rel.torch}` from PyPI "
            f"{_why_not_default(inp, tables, rel, default, variant)}: use the command above"
        )
    pypi_only = (
        inp.mirror is not None
        and tables.pypi_mirror(inp.mirror) is not None
        and tables.wheel_mirror(inp.mirror) is None
    )
    if pypi_only and url is not None and not _served_by_pypi_mirror(inp, tables, url):
        warnings.append(
            f"the {inp.mirror} PyPI mirror serves only PyPI's default torch build "
            f"({label(default)} here), not {variant}: this build comes from "
            "download.pytorch.org"
        )
    wm = tables.wheel_mirror(inp.mirror) if inp.mirror else None
    if wm is not None and url is not None and wm.flag == "find-links":
        warnings.append(
            f"{wm.name} is a plain directory, not a package index: it needs -f (--find-links), "
            "not --index-url, and versions pinned with their +label"
        )
    if inp.driver is not None:
        for bad in tables.bad_drivers:
            if inp.driver in bad.versions and variant in bad.applies_to:
                warnings.append(f"driver {inp.driver} with {variant}: {bad.reason}")
                uses.append(bad.meta)
    return Said(tuple(warnings), (), tuple(uses))


def _why_not_default(
    inp: Inputs, tables: Tables, rel: Release, default: str, variant: str
) -> str:
    """Why PyPI's default build of ``rel`` is not the one to install here."""
    if default == "cpu":
        return "is CPU-only"
    if default == "unknown":
        return "is of unknown build here"
    runs = variant_runs(inp, tables, default)
    covers = covers_gpu(inp, tables, rel, default)[0]
    if runs and covers:
        return f"is the {default} build, not {variant}"
    problems = []
    if not runs:
        problems.append(f"needs driver ≥ {tables.variant_min_driver(default, inp.os)}")
    if not covers:
        problems.append(f"has no {', '.join(a.sm for a in inp.archs)} kernels")
    return f"is built for {label(default)} ({' and '.join(problems)}), which fails here"


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
        out.append(Alternative(f"previous line: torch {prev.torch} ({v})", cmd))
    for other in offered(inp, rel):
        if other == variant or variant_cuda(other) is None or inp.variant is not None:
            continue
        if not wants_cuda(inp):
            break
        if variant_runs(inp, tables, other) and covers_gpu(inp, tables, rel, other)[0]:
            cmd = write_command(inp, tables, rel, other, pins, inp.manager).command
            out.append(Alternative(f"also runs here: {other}", cmd))
    if (
        inp.manager == "pip"
        and inp.os != "macos"
        and rel.index_flag == "index-url"
        and inp.mirror is None  # uv's --torch-backend picks its own index, ignoring a mirror
    ):
        args = " ".join(f"{n}=={v}" for n, v in pins)
        out.append(Alternative("with uv", f"uv pip install {args} --torch-backend={variant}"))
    if inp.manager != "conda":
        if rel.conda != "none" and variant in offered_conda(rel):
            cmd = conda_command(rel, variant, conda_pins(rel, pins), inp.os)
            out.append(Alternative("conda (official pytorch channel)", cmd))
        elif rel.conda == "none":
            out.append(
                Alternative(
                    "conda: no official packages after torch 2.5.x; inside a conda env use "
                    "the pip command above, or the community conda-forge build",
                    "conda install -c conda-forge pytorch torchvision",
                )
            )
    if inp.mirror is None and inp.manager != "conda" and inp.os != "macos":
        aliyun = tables.wheel_mirror("aliyun")
        if aliyun is not None and variant != "cpu" and not variant.startswith("rocm"):
            target = Target(inp.os, inp.cpu, inp.python, "pip", None, aliyun)
            written = pip_command(tables, rel, variant, pins, target)
            if written.url is not None:  # not a plain PyPI install
                needs = " (needs -f)" if " -f " in written.command else ""
                label_ = f"from China: Aliyun's mirror of download.pytorch.org{needs}"
                out.append(Alternative(label_, written.command))
    return tuple(out)
