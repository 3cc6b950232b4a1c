"""Install recommendations: the exact command that installs a torch build that works here.

Pure: a :class:`Request` (what the machine has, what the user asks for) and the recipe tables go
in; a :class:`Recommendation` comes out (the command, each constraint and how it narrowed the
choice, alternatives, warnings, and whether it rests on an unconfirmed table row), or
:class:`ImpossibleRequest` says why nothing fits and what would.

The doctor's rules call :func:`reinstall_fix` with the machine's facts; ``envcheck recommend``
calls :func:`recommend` with detected facts overridden by command-line options. The request and
result types live in :mod:`envcheck.recommend_request` (re-exported here), the command text in
:mod:`envcheck.install_commands`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from packaging.version import Version

from envcheck.install_commands import Target, conda_command, default_build, pip_command
from envcheck.model import Fix
from envcheck.recipes import (
    MINOR_COMPAT_FROM,
    PLATFORMS,
    GpuArch,
    Release,
    RowMeta,
    Tables,
    cuda_variant,
    load_tables,
    variant_cuda,
)
from envcheck.recommend_request import (
    MANAGERS,
    PACKAGES,
    PREVIOUS_VERSIONS_URL,
    Alternative,
    Constraint,
    ImpossibleRequest,
    Inputs,
    Recommendation,
    Request,
    RequestError,
    default_arch,
    normalise,
    os_key,
)

__all__ = [
    "MANAGERS",
    "PACKAGES",
    "PREVIOUS_VERSIONS_URL",
    "Alternative",
    "Constraint",
    "ImpossibleRequest",
    "Recommendation",
    "Request",
    "RequestError",
    "cuda_build_runs",
    "default_arch",
    "os_key",
    "recommend",
    "reinstall_fix",
    "reinstall_recommendation",
    "request_from_facts",
]


# --- the planner ----------------------------------------------------------------------------


def cuda_build_runs(build: Version, have: Version) -> bool:
    """Whether a build for CUDA ``build`` runs where the driver offers CUDA ``have``.

    Older majors always run; within a major, from CUDA 11 on any minor runs (minor-version
    compatibility); before CUDA 11 only builds at most ``have`` (cu102 needs a 10.2 driver).
    """
    if build.major != have.major:
        return build.major < have.major
    return build.major >= MINOR_COMPAT_FROM or build <= have


def _label(variant: str) -> str:
    cuda = variant_cuda(variant)
    if cuda is not None:
        return f"CUDA {cuda}"
    if variant.startswith("rocm"):
        return f"ROCm {variant[4:]}"
    return "CPU"


def _span(releases: Sequence[Release]) -> str:
    if not releases:
        return "none"
    lo, hi = releases[0].torch, releases[-1].torch
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _count(releases: Sequence[Release]) -> str:
    return "1 release matches" if len(releases) == 1 else f"{len(releases)} releases match"


def _py_span(pythons: Sequence[str]) -> str:
    plain = [p for p in pythons if not p.endswith("t")]
    if not plain:
        return ", ".join(pythons)
    return plain[0] if len(plain) == 1 else f"{plain[0]}–{plain[-1]}"


@dataclass
class _Choice:
    variant: str | None
    why_not: str = ""
    notes: list[str] = field(default_factory=list)


class _Planner:
    """Narrows the release table step by step, recording why, then writes the command."""

    def __init__(self, inp: Inputs, req: Request, tables: Tables) -> None:
        self.inp = inp
        self.req = req
        self.t = tables
        self.constraints: list[Constraint] = []
        self.warnings: list[str] = []
        self.unconfirmed: list[str] = []
        self.cuda_reading = ""

    # small helpers ---------------------------------------------------------------------------

    def note(self, name: str, value: str, effect: str) -> None:
        self.constraints.append(Constraint(name, value, effect))

    def uses(self, meta: RowMeta, what: str = "") -> None:
        if meta.unconfirmed:
            text = f"{meta.where}: {what or meta.note or 'marked unconfirmed'}"
            if text not in self.unconfirmed:
                self.unconfirmed.append(text)

    def effective_cuda(self) -> Version | None:
        """The CUDA the driver side offers: --cuda, else the driver's native maximum."""
        if self.inp.cuda is not None:
            return self.inp.cuda
        if self.inp.driver is not None:
            return self.t.native_max_cuda(self.inp.driver, self.inp.os)
        return None

    def variant_runs(self, variant: str) -> bool:
        """Whether the machine's driver side can run this build (CPU and ROCm always can)."""
        vc = variant_cuda(variant)
        if vc is None:
            return True
        if self.inp.driver is not None:
            need = self.t.variant_min_driver(variant, self.inp.os)
            if need is None or self.inp.driver < need:
                return False
        return self.inp.cuda is None or cuda_build_runs(vc, self.inp.cuda)

    def covers_gpu(self, rel: Release, variant: str) -> tuple[bool, list[str]]:
        """Whether every requested GPU has kernels in this build; notes on borrowed rows."""
        if not self.inp.archs or variant_cuda(variant) is None:
            return True, []
        notes: list[str] = []
        for arch in self.inp.archs:
            row, borrowed = self.t.build_archs(rel.torch, variant, self.inp.os, self.inp.cpu)
            if row is None or not row.runs_on(arch.cc):
                return False, []
            if borrowed:
                notes.append(
                    f"no published {self.inp.os} {self.inp.cpu} arch list for torch {rel.torch} "
                    f"{variant}: the Linux x86_64 list ({row.meta.where}) was assumed"
                )
            if row.meta.unconfirmed:
                notes.append(f"{row.meta.where}: arch list unconfirmed")
        return True, notes

    def offered(self, rel: Release) -> tuple[str, ...]:
        """The builds of ``rel`` this manager can install on this OS and CPU arch."""
        if self.inp.manager == "conda":
            if self.inp.cpu != "x86_64":
                return ()  # the pytorch channel had no aarch64 CUDA packages
            cudas = (*rel.conda_cuda, *rel.conda_cuda_forge)
            return tuple("cu" + c.replace(".", "") for c in cudas)
        return rel.variants_on(self.inp.os, self.inp.cpu)

    def choose(self, rel: Release) -> _Choice:
        """The build of ``rel`` to install here, or why there is none."""
        inp = self.inp
        if inp.os == "macos":
            return _Choice("cpu")
        if inp.variant is not None:
            extra = (
                rel.cuda_unadvertised
                if inp.platform == "linux-x86_64" and inp.manager != "conda"
                else ()
            )
            offered = (*self.offered(rel), *extra, "cpu")
            if inp.variant not in offered:
                return _Choice(None, f"torch {rel.torch} has no {inp.variant} build")
            if not self.variant_runs(inp.variant):
                return _Choice(None, f"{inp.variant} does not run with this driver")
            ok, notes = self.covers_gpu(rel, inp.variant)
            if not ok:
                return _Choice(None, f"torch {rel.torch} {inp.variant} has no kernels for the GPU")
            if inp.variant in extra:
                notes.append(
                    f"torch {rel.torch} {inp.variant}: known from one third-party report only"
                )
            return _Choice(inp.variant, notes=notes)
        if not self.wants_cuda():
            return _Choice("cpu")
        builds = [v for v in self.offered(rel) if variant_cuda(v) is not None]
        if not builds:
            return _Choice(None, f"torch {rel.torch} has no CUDA builds for {inp.platform}")
        running = [v for v in builds if self.variant_runs(v)]
        if not running:
            return _Choice(None, f"every CUDA build of torch {rel.torch} needs a newer driver")
        fitting: list[tuple[str, list[str]]] = []
        for v in running:
            ok, notes = self.covers_gpu(rel, v)
            if ok:
                fitting.append((v, notes))
        if not fitting:
            sms = ", ".join(a.sm for a in inp.archs)
            built = ", ".join(builds)
            return _Choice(None, f"no build of torch {rel.torch} ({built}) has {sms} kernels")
        cuda = self.effective_cuda()

        def rank(item: tuple[str, list[str]]) -> tuple[int, Version]:
            vc = variant_cuda(item[0])
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

        best, notes = max(fitting, key=rank)
        return _Choice(best, notes=list(notes))

    def wants_cuda(self) -> bool:
        inp = self.inp
        return bool(inp.cuda or inp.driver or inp.archs)

    # the steps -------------------------------------------------------------------------------

    def check_inputs(self) -> None:
        inp = self.inp
        if inp.os == "macos":
            asked = inp.cuda or (inp.variant and inp.variant != "cpu") or inp.driver or inp.archs
            if asked:
                raise ImpossibleRequest(
                    "there is no CUDA (or ROCm) on macOS: torch for macOS runs on the CPU and on "
                    "Apple GPUs through MPS",
                    ["the MPS build: envcheck recommend --os macos (plain pip install torch)"],
                )
        if inp.variant and inp.variant.startswith("rocm") and inp.os != "linux":
            raise ImpossibleRequest(
                f"ROCm builds exist for Linux only, not {inp.os}", ["--os linux", "--variant cpu"]
            )
        if inp.cuda is not None:
            if inp.variant is None:
                self.cuda_reading = (
                    f"--cuda {inp.cuda} read as the CUDA this machine has: the newest build that "
                    f"runs with it (same major, at most {inp.cuda} preferred; newer "
                    f"{inp.cuda.major}.x builds run by minor-version compatibility)"
                )
            need = self.t.variant_min_driver(cuda_variant(inp.cuda), inp.os)
            if inp.driver is not None and need is not None:
                native = self.t.native_max_cuda(inp.driver, inp.os)
                full = self.t.cuda_min_driver(inp.cuda, inp.os)
                if inp.driver < need:
                    possible = [f"upgrade the driver to ≥ {full or need} for CUDA {inp.cuda}"]
                    if native is not None:
                        possible.insert(0, f"--cuda {native} (what driver {inp.driver} supports)")
                    raise ImpossibleRequest(
                        f"driver {inp.driver} supports CUDA ≤ {native or 'unknown'}; CUDA "
                        f"{inp.cuda} needs driver ≥ {need} (≥ {full or need} natively)",
                        possible,
                    )
        if inp.variant is not None:
            self.cuda_reading = f"--variant {inp.variant}: exactly that build"
            vc = variant_cuda(inp.variant)
            if vc is not None and inp.cuda is not None and vc.major > inp.cuda.major:
                raise ImpossibleRequest(
                    f"{inp.variant} needs a CUDA {vc.major}.x driver; this machine has CUDA "
                    f"{inp.cuda}",
                    [f"a cu{inp.cuda.major}x build (--cuda {inp.cuda} without --variant)"],
                )
        if inp.driver is not None:
            native = self.t.native_max_cuda(inp.driver, inp.os)
            majors = [
                c.major
                for c in self.t.compat
                if inp.driver >= (c.windows if inp.os == "windows" else c.linux)
            ]
            compat_text = (
                f", {max(majors)}.x builds by minor-version compatibility" if majors else ""
            )
            self.note(
                "driver",
                str(inp.driver),
                f"driver {inp.driver} → CUDA ≤ {native or 'unknown'} natively{compat_text}",
            )
            for bad in self.t.bad_drivers:
                if inp.driver in bad.versions and not bad.applies_to:
                    self.warnings.append(f"driver {inp.driver}: {bad.reason}")
                    self.uses(bad.meta)
        for arch in inp.archs:
            self.check_gpu_driver(arch)

    def check_gpu_driver(self, arch: GpuArch) -> None:
        inp = self.inp
        name = f"{self.inp.gpu_label or arch.sm} ({arch.sm}, {arch.name})"
        self.uses(arch.meta)
        need = self.t.cuda_min_driver(arch.first_cuda, inp.os)
        have = self.effective_cuda()
        if have is not None and have < arch.first_cuda:
            raise ImpossibleRequest(
                f"{name} needs a driver for CUDA ≥ {arch.first_cuda}; this machine's driver "
                f"offers CUDA {have}",
                [f"upgrade the driver to ≥ {need or 'the CUDA ' + str(arch.first_cuda) + ' one'}"],
            )
        window = f"CUDA {arch.first_cuda}" + (
            f"–{arch.last_cuda}" if arch.last_cuda is not None else "+"
        )
        self.note(
            "gpu",
            self.inp.gpu_label or str(arch.cc),
            f"compute capability {arch.cc} = {arch.name} ({arch.sm}; {window} can build for it): "
            "only builds with kernels for it are considered",
        )

    def narrow(
        self,
        releases: list[Release],
        name: str,
        value: str,
        keep: Callable[[Release], bool],
        impossible: Callable[[list[Release]], ImpossibleRequest],
        effect: Callable[[list[Release], list[Release]], str],
    ) -> list[Release]:
        kept = [r for r in releases if keep(r)]
        if not kept:
            raise impossible(releases)
        self.note(name, value, effect(releases, kept))
        return kept

    def run(self) -> Recommendation:
        inp, t = self.inp, self.t
        self.check_inputs()
        rels = list(t.releases)
        every = list(rels)
        if inp.platform == "macos-x86_64":
            rels = self.narrow(
                rels,
                "os",
                "macOS x86_64",
                lambda r: r.macos_x86_64,
                lambda _: ImpossibleRequest("no torch wheels for Intel Macs"),
                lambda _a, k: f"Intel Macs get wheels only up to torch {k[-1].torch}",
            )
        on = inp.platform
        if any(not r.pythons_on(on) for r in rels):
            rels = self.narrow(
                rels,
                "platform",
                on,
                lambda r: bool(r.pythons_on(on)),
                lambda _: ImpossibleRequest(f"no torch release in the tables has {on} wheels"),
                lambda _a, k: f"torch {_span(k)} {'has' if len(k) == 1 else 'have'} {on} wheels",
            )
        if inp.spec is not None:
            spec = inp.spec
            rels = self.narrow(
                rels,
                "torch",
                str(self.req.torch),
                lambda r: r.torch in spec,
                lambda before: self.torch_impossible(before),
                lambda _a, k: f"{_count(k)}: {_span(k)}",
            )
        if inp.python is not None:
            py = inp.python
            on = inp.platform
            rels = self.narrow(
                rels,
                "python",
                py,
                lambda r: py in r.pythons_on(on),
                lambda before: self.python_impossible(before, py),
                lambda _a, k: (
                    f"torch {_span(k)} {'has' if len(k) == 1 else 'have'} {on} wheels "
                    f"for Python {py}"
                ),
            )
        else:
            self.warnings.append(
                "no Python version given: check that yours has wheels (pass --python)"
            )
        if inp.manager == "conda":
            rels = self.narrow(
                rels,
                "manager",
                "conda",
                lambda r: r.conda != "none",
                lambda _b: ImpossibleRequest(
                    "the official pytorch conda channel stopped at torch 2.5.x; nothing newer "
                    "is published there",
                    [
                        "torch ≤ 2.5.1 with --manager conda",
                        "pip inside the conda env (--manager pip)",
                        "the community conda-forge build: conda install -c conda-forge pytorch",
                    ],
                ),
                lambda _a, k: f"official conda packages exist for torch {_span(k)} only",
            )
        choices = {r.torch: self.choose(r) for r in rels}
        fits = [r for r in rels if choices[r.torch].variant is not None]
        if not fits:
            raise self.build_impossible(rels, every, choices)
        if len(fits) < len(rels) and inp.archs:
            self.warn_newer_releases(rels, fits)
        chosen = max(fits, key=lambda r: (not r.meta.unconfirmed, r.torch))
        choice = choices[chosen.torch]
        assert choice.variant is not None
        self.uses(chosen.meta)
        for n in choice.notes:
            if n not in self.unconfirmed:
                self.unconfirmed.append(n)
        self.explain_variant(chosen, choice.variant)
        return self.finish(chosen, choice.variant, fits, choices)

    def torch_impossible(self, before: list[Release]) -> ImpossibleRequest:
        """No release on this platform matches --torch: say so, and where it does exist."""
        inp, spec = self.inp, self.inp.spec
        assert spec is not None
        where = "" if inp.platform == "linux-x86_64" else f" with {inp.platform} wheels"
        possible = [f"torch {_span(before)}"] if before else []
        seen = {r.torch for r in before}
        elsewhere = [r for r in self.t.releases if r.torch in spec and r.torch not in seen]
        if elsewhere:
            plats = [p for p in PLATFORMS if any(r.pythons_on(p) for r in elsewhere)]
            arch_hint = {"macos-x86_64": "--arch x86_64", "macos-arm64": "--arch arm64"}
            hints = [arch_hint[p] for p in plats if p in arch_hint and inp.os == "macos"]
            possible.append(f"torch {_span(elsewhere)} on {', '.join(plats)}")
            possible.extend(f"{h} (if this Mac has that CPU)" for h in hints)
        return ImpossibleRequest(
            f"no torch release in the tables matches {self.req.torch}{where}", possible
        )

    def warn_newer_releases(self, rels: list[Release], fits: list[Release]) -> None:
        """Say why releases newer than the newest fitting one are not offered for this GPU."""
        newer = [r for r in rels if r.torch > fits[-1].torch]
        if not newer:
            return
        sms = ", ".join(a.sm for a in self.inp.archs)
        with_kernels: dict[Version, list[str]] = {}
        for r in newer:
            vs = [v for v in self.offered(r) if variant_cuda(v) and self.covers_gpu(r, v)[0]]
            if vs:
                with_kernels[r.torch] = vs
        dropped = [r for r in newer if r.torch not in with_kernels]
        if dropped:
            self.warnings.append(
                f"torch {_span(dropped)} has no build with {sms} kernels (newer builds dropped "
                f"this GPU): {fits[-1].torch} is the newest that runs on it"
            )
        blocked = [r for r in newer if r.torch in with_kernels]
        if blocked:
            first = with_kernels[blocked[-1].torch][0]
            need = self.t.variant_min_driver(first, self.inp.os)
            self.warnings.append(
                f"torch {_span(blocked)} has {sms} kernels only in builds this driver cannot run "
                f"(e.g. {first}: driver ≥ {need})"
            )

    def python_impossible(self, before: list[Release], py: str) -> ImpossibleRequest:
        inp = self.inp
        these = sorted({p for r in before for p in r.pythons_on(inp.platform)}, key=_py_key)
        others = [r for r in self.t.releases if py in r.pythons_on(inp.platform)]
        possible = [f"Python {_py_span(these)} with torch {_span(before)}"] if these else []
        if others:
            possible.append(f"torch {_span(others)} for Python {py}")
        return ImpossibleRequest(
            f"torch {_span(before)} has no {inp.platform} wheels for Python {py}", possible
        )

    def build_impossible(
        self, rels: list[Release], every: list[Release], choices: Mapping[Version, _Choice]
    ) -> ImpossibleRequest:
        """Nothing in ``rels`` has a fitting build: say why, and which releases would."""
        inp = self.inp
        reason = choices[rels[-1].torch].why_not
        wider = [
            r
            for r in every
            if (inp.python is None or inp.python in r.pythons_on(inp.platform))
            and (inp.manager != "conda" or r.conda != "none")
        ]
        possible: list[str] = []
        ok = [(r, self.choose(r)) for r in wider]
        ok = [(r, c) for r, c in ok if c.variant is not None]
        # suggest a build the tables are sure of when there is one
        sure = [(r, c) for r, c in ok if c.variant not in r.cuda_aarch64_unconfirmed]
        ok = sure or ok
        if ok:
            first, c = ok[0]
            possible.append(f"torch ≥ {first.torch} with {c.variant} (newest: {ok[-1][0].torch})")
        if inp.archs:
            sms = ", ".join(a.sm for a in inp.archs)
            covering = []
            for r in rels:
                vs = [v for v in self.offered(r) if variant_cuda(v) and self.covers_gpu(r, v)[0]]
                if vs:
                    covering.append(f"torch {r.torch} {'/'.join(vs)}")
            if covering:
                possible.append(f"{sms} is covered by {', '.join(covering[-2:])} (newer driver)")
        has_cuda = any(variant_cuda(v) for r in rels for v in self.offered(r))
        if (inp.driver is not None or inp.cuda is not None) and has_cuda:
            possible.append("upgrade the driver")
        if inp.variant is None and not has_cuda:
            possible.append(f"the CPU build of torch {rels[-1].torch} (--variant cpu)")
        return ImpossibleRequest(reason, possible)

    def explain_variant(self, rel: Release, variant: str) -> None:
        inp = self.inp
        vc = variant_cuda(variant)
        if inp.os == "macos":
            self.note("os", "macOS", "no CUDA on macOS: the PyPI build (CPU + MPS on Apple GPUs)")
            return
        if vc is None:
            if variant == "cpu" and inp.variant is None:
                self.warnings.append(
                    "no GPU, driver or CUDA given or detected: recommending the CPU build "
                    "(pass --cuda, --driver or --gpu for a CUDA build)"
                )
            self.note("variant", variant, f"{_label(variant)} build of torch {rel.torch}")
            return
        if inp.cpu == "aarch64" and inp.manager != "conda":
            row, borrowed = self.t.build_archs(rel.torch, variant, inp.os, inp.cpu)
            if variant in rel.cuda_aarch64_unconfirmed:
                self.unconfirmed.append(
                    f"torch {rel.torch} {variant} for Linux aarch64: believed to exist on "
                    f"download.pytorch.org, not confirmed ({rel.meta.where})"
                )
            elif row is None or borrowed:
                self.unconfirmed.append(
                    f"torch {rel.torch} {variant} for Linux aarch64: no aarch64 arch list in the "
                    "tables (they list one only for torch ≥ 2.12); x86_64's is assumed"
                )
        others = [v for v in self.offered(rel) if v != variant and variant_cuda(v) is not None]
        cuda = self.effective_cuda()
        if cuda is not None and vc.major == cuda.major and vc > cuda:
            how = f"runs on CUDA {cuda} by minor-version compatibility"
        elif cuda is not None and vc.major < cuda.major:
            how = f"an older CUDA major, runs on CUDA {cuda}"
        elif cuda is not None:
            how = f"≤ CUDA {cuda}, runs natively"
        else:
            need = self.t.variant_min_driver(variant, inp.os)
            how = f"needs driver ≥ {need}"
        self.note(
            "variant",
            variant,
            f"{variant} ({how}); torch {rel.torch} also has {', '.join(others) or 'no other'}",
        )

    # the command -----------------------------------------------------------------------------

    def packages_for(self, rel: Release) -> list[tuple[str, str]]:
        """(package, version) pairs; the torchaudio trap is handled here."""
        inp = self.inp
        wanted = inp.packages or rel.command_packages or PACKAGES
        names = ["torch", *[p for p in PACKAGES[1:] if p in wanted]]
        if inp.packages is not None and "torch" not in inp.packages:
            self.warnings.append("torch added: torchvision and torchaudio must match its version")
        out: list[tuple[str, str]] = []
        for name in names:
            if name == "torch":
                out.append((name, str(rel.torch)))
            elif name == "torchvision":
                conda = inp.manager == "conda"
                out.append((name, (conda and rel.conda_torchvision) or rel.torchvision))
                if rel.torchvision_requires:
                    self.warnings.append(
                        f"torchvision {rel.torchvision} requires only torch"
                        f"{rel.torchvision_requires}, not torch {rel.torch}: keep torch pinned in "
                        "the same command, or pip may move torch to another (PyPI default) build"
                    )
            elif rel.torchaudio:
                conda = inp.manager == "conda"
                out.append((name, (conda and rel.conda_torchaudio) or rel.torchaudio))
                if rel.command_packages and "torchaudio" not in rel.command_packages:
                    self.warnings.append(
                        f"torchaudio {rel.torchaudio} pairs with torch {rel.torch}, but that "
                        "release's install page left it out of its command: added as asked"
                    )
            elif not rel.torchaudio_fallback:
                self.warnings.append(
                    f"no torchaudio wheels were published for torch {rel.torch}: left out"
                )
            elif inp.packages is not None:
                out.append((name, rel.torchaudio_fallback))
                self.warnings.append(
                    f"torchaudio stopped at {rel.torchaudio_fallback}, which has no torch pin: "
                    f"with torch {rel.torch} it is best effort — check `import torchaudio`"
                )
                self.unconfirmed.append(
                    f"torchaudio {rel.torchaudio_fallback} with torch {rel.torch}: validated by "
                    "the PyTorch release tooling for 2.12.1 only; a failure with 2.13 is reported"
                )
            else:
                self.warnings.append(
                    f"torchaudio stopped at {rel.torchaudio_fallback} and is left out for torch "
                    f"{rel.torch} (ask with --packages torch,torchvision,torchaudio: best effort)"
                )
        return out

    def default_build(self, rel: Release) -> str:
        """The build plain ``pip install torch`` gets from PyPI (or a PyPI mirror) here."""
        return default_build(rel, self.inp.os, self.inp.cpu)

    def command(
        self, rel: Release, variant: str, pins: list[tuple[str, str]], manager: str
    ) -> tuple[str, str | None, list[tuple[str, str]]]:
        """The command text, the index URL it uses, and the pins as written."""
        inp = self.inp
        if manager == "conda":
            return self.conda_command(rel, variant, pins), None, pins
        target = Target(
            os=inp.os,
            cpu=inp.cpu,
            python=inp.python,
            manager=manager,
            pypi_mirror=self.t.pypi_mirror(inp.mirror) if inp.mirror else None,
            wheel_mirror=self.t.wheel_mirror(inp.mirror) if inp.mirror else None,
        )
        written = pip_command(self.t, rel, variant, pins, target)
        for meta in written.uses:
            self.uses(meta)
        self.warnings.extend(written.warnings)
        self.unconfirmed.extend(u for u in written.unconfirmed if u not in self.unconfirmed)
        return written.command, written.url, list(written.pins)

    def conda_command(self, rel: Release, variant: str, pins: list[tuple[str, str]]) -> str:
        return conda_command(rel, variant, pins, self.inp.os)

    def finish(
        self,
        rel: Release,
        variant: str,
        fits: list[Release],
        choices: Mapping[Version, _Choice],
    ) -> Recommendation:
        inp = self.inp
        pins = self.packages_for(rel)
        cmd, url, written = self.command(rel, variant, pins, inp.manager)
        self.trap_warnings(rel, variant, url)
        alternatives = self.alternatives(rel, variant, pins, fits, choices)
        return Recommendation(
            request=self.req,
            command=cmd,
            manager=inp.manager,
            torch=str(rel.torch),
            variant=variant,
            pins=tuple(written),
            index_url=url,
            constraints=tuple(self.constraints),
            alternatives=tuple(alternatives),
            warnings=tuple(dict.fromkeys(self.warnings)),
            unconfirmed=tuple(dict.fromkeys(self.unconfirmed)),
            cuda_reading=self.cuda_reading,
        )

    def warn_no_ampere(self, rel: Release, variant: str) -> None:
        """With no GPU given, say when the chosen CUDA build cannot run on Ampere or newer
        (torch ≤ 1.10's default cu102 build: "sm_86 is not compatible" on every RTX 30xx)."""
        if self.inp.archs or variant_cuda(variant) is None:
            return
        ampere = self.t.arch(Version("8.6"))
        row, _ = self.t.build_archs(rel.torch, variant, self.inp.os, self.inp.cpu)
        if ampere is None or row is None or row.runs_on(ampere.cc):
            return
        newer: list[str] = []
        for v in self.offered(rel):
            other, _ = self.t.build_archs(rel.torch, v, self.inp.os, self.inp.cpu)
            if variant_cuda(v) and other is not None and other.runs_on(ampere.cc):
                newer.append(v)
        hint = f" (torch {rel.torch} has {', '.join(newer)} for them)" if newer else ""
        self.warnings.append(
            f"{variant} has no kernels for Ampere or newer GPUs (RTX 30xx and later, A100, "
            f"H100): with one of those it fails with 'no kernel image'{hint}; pass --gpu"
        )

    def trap_warnings(self, rel: Release, variant: str, url: str | None) -> None:
        inp = self.inp
        vc = variant_cuda(variant)
        self.warn_no_ampere(rel, variant)
        if inp.manager == "conda":
            if inp.mirror:
                self.warnings.append("--mirror applies to pip and uv only; ignored for conda")
            return
        if inp.os == "windows" and vc is not None:
            self.warnings.append(
                "on Windows the PyPI torch wheel is CPU-only in every version: plain "
                "`pip install torch` (or a PyPI mirror) gives no CUDA; the CUDA build comes "
                "only from download.pytorch.org or a mirror of it"
            )
        default = self.default_build(rel)
        if inp.os == "linux" and vc is not None and default != variant:
            if default == "cpu":
                why = "is CPU-only"
            elif default == "unknown":
                why = "is of unknown build here"
            elif not self.variant_runs(default) or not self.covers_gpu(rel, default)[0]:
                problems = []
                if not self.variant_runs(default):
                    need = self.t.variant_min_driver(default, inp.os)
                    problems.append(f"needs driver ≥ {need}")
                if not self.covers_gpu(rel, default)[0]:
                    sms = ", ".join(a.sm for a in inp.archs)
                    problems.append(f"has no {sms} kernels")
                why = f"is built for {_label(default)} ({' and '.join(problems)}), which fails here"
            else:
                why = f"is the {default} build, not {variant}"
            self.warnings.append(
                f"plain `pip install torch=={rel.torch}` from PyPI {why}: use the command above"
            )
        pypi_only = (
            inp.mirror is not None
            and self.t.pypi_mirror(inp.mirror) is not None
            and self.t.wheel_mirror(inp.mirror) is None
        )
        if pypi_only and url is not None and not self.served_by_pypi_mirror(url):
            self.warnings.append(
                f"the {inp.mirror} PyPI mirror serves only PyPI's default torch build "
                f"({_label(default)} here), not {variant}: this build comes from "
                "download.pytorch.org"
            )
        wm = self.t.wheel_mirror(inp.mirror) if inp.mirror else None
        if wm is not None and url is not None and wm.flag == "find-links":
            self.warnings.append(
                f"{wm.name} is a plain directory, not a package index: it needs -f (--find-links), "
                "not --index-url, and versions pinned with their +label"
            )
        if inp.driver is not None:
            for bad in self.t.bad_drivers:
                if inp.driver in bad.versions and variant in bad.applies_to:
                    self.warnings.append(f"driver {inp.driver} with {variant}: {bad.reason}")
                    self.uses(bad.meta)

    def served_by_pypi_mirror(self, url: str) -> bool:
        mirror = self.t.pypi_mirror(self.inp.mirror) if self.inp.mirror else None
        return mirror is not None and mirror.url == url

    def alternatives(
        self,
        rel: Release,
        variant: str,
        pins: list[tuple[str, str]],
        fits: list[Release],
        choices: Mapping[Version, _Choice],
    ) -> list[Alternative]:
        inp = self.inp
        out: list[Alternative] = []
        line = (rel.torch.major, rel.torch.minor)
        previous = [r for r in fits if (r.torch.major, r.torch.minor) < line]
        saved = (list(self.warnings), list(self.unconfirmed))
        if previous:
            prev = previous[-1]
            v = choices[prev.torch].variant
            assert v is not None
            cmd = self.command(prev, v, self.packages_for(prev), inp.manager)[0]
            out.append(Alternative(f"previous line: torch {prev.torch} ({v})", cmd))
        for other in self.offered(rel):
            if other == variant or variant_cuda(other) is None or inp.variant is not None:
                continue
            if not self.wants_cuda():
                break
            if self.variant_runs(other) and self.covers_gpu(rel, other)[0]:
                cmd = self.command(rel, other, pins, inp.manager)[0]
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
            if rel.conda != "none" and variant in self.offered_conda(rel):
                cmd = self.conda_command(rel, variant, self.conda_pins(rel, pins))
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
            aliyun = self.t.wheel_mirror("aliyun")
            if aliyun is not None and variant != "cpu" and not variant.startswith("rocm"):
                target = Target(inp.os, inp.cpu, inp.python, "pip", None, aliyun)
                written = pip_command(self.t, rel, variant, pins, target)
                if written.url is not None:  # not a plain PyPI install
                    needs = " (needs -f)" if " -f " in written.command else ""
                    label = f"from China: Aliyun's mirror of download.pytorch.org{needs}"
                    out.append(Alternative(label, written.command))
        self.warnings, self.unconfirmed = saved
        return out

    def offered_conda(self, rel: Release) -> tuple[str, ...]:
        cudas = (*rel.conda_cuda, *rel.conda_cuda_forge)
        return (*("cu" + c.replace(".", "") for c in cudas), "cpu")

    def conda_pins(self, rel: Release, pins: list[tuple[str, str]]) -> list[tuple[str, str]]:
        swap = {"torchvision": rel.conda_torchvision, "torchaudio": rel.conda_torchaudio}
        return [(n, swap.get(n) or v) for n, v in pins]


def _py_key(p: str) -> tuple[int, int, str]:
    major, _, rest = p.partition(".")
    minor = rest.rstrip("t")
    return (int(major), int(minor), rest[len(minor) :])


def recommend(request: Request, tables: Tables | None = None) -> Recommendation:
    """The install command for ``request``; raises ImpossibleRequest or RequestError."""
    t = tables if tables is not None else load_tables()
    inp = normalise(request, t)
    return _Planner(inp, request, t).run()


# --- the doctor's side ----------------------------------------------------------------------


def _fact_str(facts: Mapping[str, Any], key: str) -> str | None:
    value = facts.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _ccs_from_facts(facts: Mapping[str, Any], tables: Tables | None) -> tuple[str, ...]:
    """Compute capabilities of the GPUs: NVML's, else torch's, else looked up by GPU name."""
    ccs: list[str] = []
    names: list[str] = []
    for key, cc_field in (("nvidia.gpus", "compute_capability"), ("torch.devices", "capability")):
        items = facts.get(key)
        if not isinstance(items, (list, tuple)):
            continue
        for item in items:
            if not isinstance(item, Mapping):
                continue
            cc = item.get(cc_field)
            if isinstance(cc, str) and re.fullmatch(r"\d+\.\d+", cc):
                if cc not in ccs:
                    ccs.append(cc)
            elif isinstance(item.get("name"), str):
                names.append(item["name"])
        if ccs:
            break
    t = tables if tables is not None else load_tables()
    known = {str(a.cc) for a in t.archs}
    if ccs:
        # a capability newer than the tables cannot be reasoned about: leave it out
        return tuple(c for c in ccs if c in known)
    if names:
        for name in names:
            arch = t.find_gpu(name)
            if arch is not None and str(arch.cc) not in ccs:
                ccs.append(str(arch.cc))
    return tuple(ccs)


def request_from_facts(facts: Mapping[str, Any], tables: Tables | None = None) -> Request:
    """A Request describing the machine the doctor inspected (or a pasted report describes).

    Reads os.name, os.arch, python.version, python.env_type, nvidia.driver_version,
    nvidia.cuda_driver_max, nvidia.gpu_count, nvidia.gpus[].compute_capability (else
    torch.devices[].capability, else the GPU names looked up in the tables) and pip.mirror.
    The manager is pip even in a conda env (official conda packages stopped at torch 2.5);
    a uv-managed env gets ``uv pip``.
    """
    os_name = _fact_str(facts, "os.name") or "linux"
    arch = _fact_str(facts, "os.arch") or "x86_64"
    py = _fact_str(facts, "python.version")
    python = None
    if py:
        m = re.match(r"(\d+)\.(\d+)", py)
        python = f"{m.group(1)}.{m.group(2)}" if m else None
    ccs = _ccs_from_facts(facts, tables)
    driver = _fact_str(facts, "nvidia.driver_version")
    cuda = _fact_str(facts, "nvidia.cuda_driver_max")
    variant = None
    if facts.get("nvidia.gpu_count") == 0 and not driver:
        variant = "cpu"
    env_type = _fact_str(facts, "python.env_type")
    mirror = _fact_str(facts, "pip.mirror")
    t = tables if tables is not None else load_tables()
    if mirror is not None and t.pypi_mirror(mirror) is None and t.wheel_mirror(mirror) is None:
        mirror = None  # a mirror the tables do not describe: recommend the official index
    return Request(
        os=os_name,
        arch=arch,
        python=python,
        cuda=cuda if cuda and re.fullmatch(r"\d+\.\d+", cuda) else None,
        variant=variant,
        driver=driver if driver and re.fullmatch(r"\d+(\.\d+)+", driver) else None,
        cc=ccs,
        manager="uv" if env_type == "uv" else "pip",
        mirror=mirror,
    )


def reinstall_recommendation(
    facts: Mapping[str, object], tables: Tables | None = None
) -> Recommendation | None:
    """The recommendation behind :func:`reinstall_fix` (rules quote its torch version so the
    text of a finding and its fix name the same release). None when nothing fits."""
    try:
        req = request_from_facts(facts, tables)
        installed = _fact_str(facts, "torch.version")
        attempts = [req]
        if installed:
            base = re.match(r"\d+\.\d+\.\d+", installed)
            if base:
                attempts.insert(0, replace(req, torch=base.group(0)))
        for attempt in attempts:
            try:
                rec = recommend(attempt, tables)
            except (ImpossibleRequest, RequestError):
                continue
            return _lowest_driver_build(rec, attempt, tables)
    except (ValueError, TypeError):
        return None
    return None


def _lowest_driver_build(
    rec: Recommendation, req: Request, tables: Tables | None
) -> Recommendation:
    """With the driver unknown, the CUDA build of ``rec``'s torch that the oldest driver runs.

    The newest CUDA build needs the newest driver; when nothing says which driver the machine
    has, the fix most likely to work is the build with the lowest driver requirement that
    still has kernels for the GPU (``recommend`` checks the GPU's architecture for each).
    """
    if req.driver is not None or req.cuda is not None or req.variant is not None:
        return rec
    if variant_cuda(rec.variant) is None:
        return rec
    t = tables if tables is not None else load_tables()
    release = t.release(rec.torch)
    platform_os = os_key(rec.request.os) or "linux"
    if release is None:
        return rec
    arch = rec.request.arch or "x86_64"
    ranked: list[tuple[Any, str]] = []
    for variant in release.variants_on(rec.request.os, arch):
        if variant_cuda(variant) is None:
            continue
        need = t.variant_min_driver(variant, platform_os)
        if need is not None:
            ranked.append((need, variant))
    for _, variant in sorted(ranked, key=lambda item: item[0]):
        if variant == rec.variant:
            return rec
        try:
            return recommend(replace(req, torch=rec.torch, variant=variant), tables)
        except (ImpossibleRequest, RequestError):
            continue
    return rec


def reinstall_fix(facts: Mapping[str, object], tables: Tables | None = None) -> Fix | None:
    """The fix that installs a matching torch for the machine these facts describe.

    Keeps the installed torch version when a fitting build of it exists, else the newest that
    fits. None when nothing fits or the facts are too thin to say. When nothing says which
    driver the machine has, the fix names the driver the chosen CUDA build needs.
    """
    rec = reinstall_recommendation(facts, tables)
    if rec is None:
        return None
    build = "the CPU" if rec.variant == "cpu" else f"the {_label(rec.variant)}"
    summary = f"Install torch {rec.torch} with {build} build that fits this machine"
    unknown_driver = rec.request.driver is None and rec.request.cuda is None
    if variant_cuda(rec.variant) is not None and unknown_driver:
        t = tables if tables is not None else load_tables()
        need = t.variant_min_driver(rec.variant, os_key(rec.request.os) or "linux")
        summary = (
            f"Install torch {rec.torch} with {build} build (needs NVIDIA driver ≥ {need}; "
            "this machine's driver is unknown: check with nvidia-smi)"
        )
    return Fix(summary=summary, commands=(rec.command,), url=PREVIOUS_VERSIONS_URL)
