"""Which build of one torch release fits a machine: pure questions over checked inputs.

The planner (:mod:`envcheck.recommend_plan`) narrows the release table and asks, for each
release left, :func:`choose`; the answer writer (:mod:`envcheck.recommend_answer`) asks the
same questions of the alternatives. Every answer is a value (nothing is recorded on the side),
and every table policy (driver minimums, borrowed arch rows) is the table layer's
(:class:`envcheck.recipes.Tables`), the same one the doctor's rules ask.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from envcheck.i18n import Msg, concat
from envcheck.i18n_lists import items
from envcheck.recipes import ArchRows, Release, RowMeta, Tables, cuda_runs_on, variant_cuda
from envcheck.recommend_request import Inputs

cuda_build_runs = cuda_runs_on
"""Whether a build for CUDA ``build`` runs where the driver offers CUDA ``have`` (the table
layer's :func:`envcheck.recipes.cuda_runs_on`, under the planner's historical name)."""


@dataclass(frozen=True)
class Choice:
    """The build of one release to install here, or why there is none."""

    variant: str | None
    why_not: str = ""
    notes: tuple[str, ...] = ()
    """Unconfirmed or borrowed table rows the choice rests on."""


def label(variant: str) -> str:
    """``cu121`` → ``CUDA 12.1``, ``rocm6.0`` → ``ROCm 6.0``, else ``CPU``."""
    cuda = variant_cuda(variant)
    if cuda is not None:
        return f"CUDA {cuda}"
    if variant.startswith("rocm"):
        return f"ROCm {variant[4:]}"
    return "CPU"


def table_text(text: str) -> str:
    """Words from a recipe table (a row's ``note``, a driver's ``reason``), as a message: the
    catalogue translates them by their exact English, as it does any message."""
    return concat(text) if text else ""


def unconfirmed_text(meta: RowMeta, what: str = "") -> str | None:
    """The line an unconfirmed row adds to "Rests on unconfirmed table rows"; None if confirmed."""
    if not meta.unconfirmed:
        return None
    said = what or table_text(meta.note) or Msg("marked unconfirmed")
    return Msg("{where}: {what}", where=meta.where, what=said)


def effective_cuda(inp: Inputs, tables: Tables) -> Version | None:
    """The CUDA the driver side offers: --cuda, else the driver's native maximum."""
    if inp.cuda is not None:
        return inp.cuda
    if inp.driver is not None:
        return tables.native_max_cuda(inp.driver, inp.os)
    return None


def wants_cuda(inp: Inputs) -> bool:
    """Whether anything asks for a GPU build (a CUDA, a driver or a GPU)."""
    return bool(inp.cuda or inp.driver or inp.archs)


def variant_runs(inp: Inputs, tables: Tables, variant: str) -> bool:
    """Whether the machine's driver side can run this build (CPU and ROCm always can)."""
    vc = variant_cuda(variant)
    if vc is None:
        return True
    if inp.driver is not None:
        need = tables.variant_min_driver(variant, inp.os)
        if need is None or inp.driver < need:
            return False
    return inp.cuda is None or cuda_build_runs(vc, inp.cuda)


def covers_gpu(
    inp: Inputs, tables: Tables, rel: Release, variant: str
) -> tuple[bool, tuple[str, ...]]:
    """Whether every requested GPU has kernels in this build, and the rows that rests on.

    Arch lists may be borrowed (:attr:`ArchRows.BORROWED`): a Windows or aarch64 build with no
    list of its own is judged by the Linux x86_64 one, and the notes say so.
    """
    if not inp.archs or variant_cuda(variant) is None:
        return True, ()
    notes: list[str] = []
    for arch in inp.archs:
        row, borrowed = tables.build_archs(
            rel.torch, variant, inp.os, inp.cpu, rows=ArchRows.BORROWED
        )
        if row is None or not row.runs_on(arch.cc):
            return False, ()
        if borrowed:
            notes.append(Msg(
                "no published {os} {cpu} arch list for torch {torch} {variant}: the Linux "
                "x86_64 list ({where}) was assumed",
                os=inp.os, cpu=inp.cpu, torch=str(rel.torch), variant=variant,
                where=row.meta.where,
            ))
        if row.meta.unconfirmed:
            notes.append(Msg("{where}: arch list unconfirmed", where=row.meta.where))
    return True, tuple(notes)


def offered(inp: Inputs, rel: Release) -> tuple[str, ...]:
    """The builds of ``rel`` this manager can install on this OS and CPU arch."""
    if inp.manager == "conda":
        if inp.cpu != "x86_64":
            return ()  # the pytorch channel had no aarch64 CUDA packages
        return offered_conda(rel)[:-1]
    return rel.variants_on(inp.os, inp.cpu)


def offered_conda(rel: Release) -> tuple[str, ...]:
    """The official conda builds of ``rel`` (CUDA ones, then ``cpu``)."""
    cudas = (*rel.conda_cuda, *rel.conda_cuda_forge)
    return (*("cu" + c.replace(".", "") for c in cudas), "cpu")


def _rank(cuda: Version | None, variant: str) -> tuple[int, Version]:
    vc = variant_cuda(variant)
    assert vc is not None
    if cuda is None:
        return (2, vc)
    if vc.major == cuda.major and vc <= cuda:
        return (3, vc)  # runs natively
    if vc.major == cuda.major:
        return (2, vc)  # runs by minor-version compatibility
    if vc.major < cuda.major:
        return (1, vc)  # an older CUDA major: runs by backward compatibility
    return (0, vc)


def choose(inp: Inputs, tables: Tables, rel: Release) -> Choice:
    """The build of ``rel`` to install here, or why there is none."""
    if inp.os == "macos":
        return Choice("cpu")
    if inp.variant is not None:
        extra = (
            rel.cuda_unadvertised
            if inp.platform == "linux-x86_64" and inp.manager != "conda"
            else ()
        )
        if inp.variant not in (*offered(inp, rel), *extra, "cpu"):
            return Choice(None, Msg("torch {torch} has no {variant} build",
                                    torch=str(rel.torch), variant=inp.variant))
        if not variant_runs(inp, tables, inp.variant):
            return Choice(None, Msg("{variant} does not run with this driver",
                                    variant=inp.variant))
        ok, notes = covers_gpu(inp, tables, rel, inp.variant)
        if not ok:
            return Choice(None, Msg("torch {torch} {variant} has no kernels for the GPU",
                                    torch=str(rel.torch), variant=inp.variant))
        if inp.variant in extra:
            notes += (Msg("torch {torch} {variant}: known from one third-party report only",
                          torch=str(rel.torch), variant=inp.variant),)
        return Choice(inp.variant, notes=notes)
    if not wants_cuda(inp):
        return Choice("cpu")
    builds = [v for v in offered(inp, rel) if variant_cuda(v) is not None]
    if not builds:
        return Choice(None, Msg("torch {torch} has no CUDA builds for {platform}",
                                torch=str(rel.torch), platform=inp.platform))
    running = [v for v in builds if variant_runs(inp, tables, v)]
    if not running:
        return Choice(None, Msg("every CUDA build of torch {torch} needs a newer driver",
                                torch=str(rel.torch)))
    fitting: list[tuple[str, tuple[str, ...]]] = []
    for v in running:
        ok, notes = covers_gpu(inp, tables, rel, v)
        if ok:
            fitting.append((v, notes))
    if not fitting:
        sms = items(a.sm for a in inp.archs)
        built = items(builds)
        return Choice(None, Msg("no build of torch {torch} ({builds}) has {sms} kernels",
                                torch=str(rel.torch), builds=built, sms=sms))
    cuda = effective_cuda(inp, tables)
    best, notes = max(fitting, key=lambda item: _rank(cuda, item[0]))
    return Choice(best, notes=notes)
