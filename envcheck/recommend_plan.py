"""The planner: narrow the release table step by step, saying why, then write the answer.

:func:`recommend` turns a :class:`~envcheck.recommend_request.Request` into a
:class:`~envcheck.recommend_request.Recommendation` (or raises ImpossibleRequest /
RequestError). The steps each narrow the releases and record a constraint; which build of a
release fits is :mod:`envcheck.recommend_choice`'s (pure), what the answer says about the chosen
build (pins, command, traps, alternatives) is :mod:`envcheck.recommend_answer`'s (pure). This
module keeps the one record of a run: its constraints, warnings and unconfirmed rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from packaging.version import Version

from envcheck.i18n import Msg
from envcheck.i18n_lists import items
from envcheck.recipes import (
    PLATFORMS,
    ArchRows,
    GpuArch,
    Release,
    RowMeta,
    Tables,
    cuda_variant,
    load_tables,
    variant_cuda,
)
from envcheck.recommend_answer import (
    Said,
    alternatives,
    mainland,
    packages_for,
    trap_warnings,
    write_command,
)
from envcheck.recommend_choice import (
    Choice,
    choose,
    covers_gpu,
    effective_cuda,
    label,
    offered,
    table_text,
    unconfirmed_text,
)
from envcheck.recommend_request import (
    Constraint,
    ImpossibleRequest,
    Inputs,
    Recommendation,
    Request,
    normalise,
)


def _span(releases: Sequence[Release]) -> str:
    if not releases:
        return Msg("none")
    lo, hi = releases[0].torch, releases[-1].torch
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _count(releases: Sequence[Release]) -> str:
    if len(releases) == 1:
        return Msg("1 release matches")
    return Msg("{count} releases match", count=len(releases))


def _py_span(pythons: Sequence[str]) -> str:
    plain = [p for p in pythons if not p.endswith("t")]
    if not plain:
        return items(pythons)
    return plain[0] if len(plain) == 1 else f"{plain[0]}–{plain[-1]}"


class _Planner:
    """Narrows the release table step by step, recording why, then writes the answer.

    The record (constraints, warnings, unconfirmed rows) is this object's alone and lives for
    one :func:`recommend` call; the choice and answer functions it calls return values."""

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
        text = unconfirmed_text(meta, what)
        if text is not None:
            self.unconfirmed.append(text)

    def record(self, said: Said) -> None:
        """Add one step's warnings and unconfirmed rows to the answer."""
        for meta in said.uses:
            self.uses(meta)
        self.warnings.extend(said.warnings)
        self.unconfirmed.extend(said.unconfirmed)

    def with_kernels(self, rel: Release) -> list[str]:
        """The CUDA builds of ``rel`` with kernels for every requested GPU."""
        return [
            v
            for v in offered(self.inp, rel)
            if variant_cuda(v) and covers_gpu(self.inp, self.t, rel, v)[0]
        ]

    # the steps -------------------------------------------------------------------------------

    def check_inputs(self) -> None:
        inp = self.inp
        if inp.os == "macos":
            asked = inp.cuda or (inp.variant and inp.variant != "cpu") or inp.driver or inp.archs
            if asked:
                raise ImpossibleRequest(
                    Msg("there is no CUDA (or ROCm) on macOS: torch for macOS runs on the CPU "
                        "and on Apple GPUs through MPS"),
                    [Msg("the MPS build: envcheck recommend --os macos (plain pip install torch)")],
                )
        if inp.variant and inp.variant.startswith("rocm") and inp.os != "linux":
            raise ImpossibleRequest(
                Msg("ROCm builds exist for Linux only, not {os}", os=inp.os),
                ["--os linux", "--variant cpu"],
            )
        if inp.cuda is not None:
            if inp.variant is None:
                self.cuda_reading = Msg(
                    "--cuda {cuda} read as the CUDA this machine has: the newest build that "
                    "runs with it (same major, at most {cuda} preferred; newer {major}.x builds "
                    "run by minor-version compatibility)",
                    cuda=str(inp.cuda), major=inp.cuda.major,
                )
            need = self.t.variant_min_driver(cuda_variant(inp.cuda), inp.os)
            if inp.driver is not None and need is not None:
                native = self.t.native_max_cuda(inp.driver, inp.os)
                full = self.t.cuda_min_driver(inp.cuda, inp.os)
                if inp.driver < need:
                    possible: list[str] = [Msg(
                        "upgrade the driver to ≥ {need} for CUDA {cuda}",
                        need=str(full or need), cuda=str(inp.cuda),
                    )]
                    if native is not None:
                        possible.insert(0, Msg("--cuda {cuda} (what driver {driver} supports)",
                                               cuda=str(native), driver=str(inp.driver)))
                    raise ImpossibleRequest(
                        Msg("driver {driver} supports CUDA ≤ {native}; CUDA {cuda} needs driver "
                            "≥ {need} (≥ {full} natively)",
                            driver=str(inp.driver), native=_or_unknown(native),
                            cuda=str(inp.cuda), need=str(need), full=str(full or need)),
                        possible,
                    )
        if inp.variant is not None:
            self.cuda_reading = Msg("--variant {variant}: exactly that build", variant=inp.variant)
            vc = variant_cuda(inp.variant)
            if vc is not None and inp.cuda is not None and vc.major > inp.cuda.major:
                raise ImpossibleRequest(
                    Msg("{variant} needs a CUDA {major}.x driver; this machine has CUDA {cuda}",
                        variant=inp.variant, major=vc.major, cuda=str(inp.cuda)),
                    [Msg("a cu{major}x build (--cuda {cuda} without --variant)",
                         major=inp.cuda.major, cuda=str(inp.cuda))],
                )
        if inp.driver is not None:
            native = self.t.native_max_cuda(inp.driver, inp.os)
            majors = self.t.compat_majors(inp.driver, inp.os)
            compat_text = (
                Msg(", {major}.x builds by minor-version compatibility", major=max(majors))
                if majors else ""
            )
            self.note(
                "driver",
                str(inp.driver),
                Msg("driver {driver} → CUDA ≤ {native} natively{compat}", driver=str(inp.driver),
                    native=_or_unknown(native), compat=compat_text),
            )
            for bad in self.t.bad_drivers:
                if inp.driver in bad.versions and not bad.applies_to:
                    self.warnings.append(Msg("driver {driver}: {reason}", driver=str(inp.driver),
                                             reason=table_text(bad.reason)))
                    self.uses(bad.meta)
        for arch in inp.archs:
            self.check_gpu_driver(arch)
    def check_gpu_driver(self, arch: GpuArch) -> None:
        inp = self.inp
        name = f"{self.inp.gpu_label or arch.sm} ({arch.sm}, {arch.name})"
        self.uses(arch.meta)
        need = self.t.cuda_min_driver(arch.first_cuda, inp.os)
        have = effective_cuda(self.inp, self.t)
        if have is not None and have < arch.first_cuda:
            raise ImpossibleRequest(
                Msg("{gpu} needs a driver for CUDA ≥ {first}; this machine's driver offers "
                    "CUDA {have}", gpu=name, first=str(arch.first_cuda), have=str(have)),
                [Msg("upgrade the driver to ≥ {need}", need=str(need) if need else Msg(
                    "the CUDA {cuda} one", cuda=str(arch.first_cuda)))],
            )
        window = f"CUDA {arch.first_cuda}" + (
            f"–{arch.last_cuda}" if arch.last_cuda is not None else "+"
        )
        self.note(
            "gpu",
            self.inp.gpu_label or str(arch.cc),
            Msg("compute capability {cc} = {arch} ({sm}; {window} can build for it): only "
                "builds with kernels for it are considered",
                cc=str(arch.cc), arch=arch.name, sm=arch.sm, window=window),
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
                lambda _: ImpossibleRequest(Msg("no torch wheels for Intel Macs")),
                lambda _a, k: Msg("Intel Macs get wheels only up to torch {torch}",
                                  torch=str(k[-1].torch)),
            )
        on = inp.platform
        if any(not r.pythons_on(on) for r in rels):
            rels = self.narrow(
                rels,
                "platform",
                on,
                lambda r: bool(r.pythons_on(on)),
                lambda _: ImpossibleRequest(
                    Msg("no torch release in the tables has {platform} wheels", platform=on)),
                lambda _a, k: (
                    Msg("torch {span} has {platform} wheels", span=_span(k), platform=on)
                    if len(k) == 1 else
                    Msg("torch {span} have {platform} wheels", span=_span(k), platform=on)
                ),
            )
        if inp.spec is not None:
            spec = inp.spec
            rels = self.narrow(
                rels,
                "torch",
                str(self.req.torch),
                lambda r: r.torch in spec,
                lambda before: self.torch_impossible(before),
                lambda _a, k: Msg("{count}: {span}", count=_count(k), span=_span(k)),
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
                    Msg("torch {span} has {platform} wheels for Python {python}",
                        span=_span(k), platform=on, python=py)
                    if len(k) == 1 else
                    Msg("torch {span} have {platform} wheels for Python {python}",
                        span=_span(k), platform=on, python=py)
                ),
            )
        else:
            self.warnings.append(
                Msg("no Python version given: check that yours has wheels (pass --python)")
            )
        if inp.manager == "conda":
            rels = self.narrow(
                rels,
                "manager",
                "conda",
                lambda r: r.conda != "none",
                lambda _b: ImpossibleRequest(
                    Msg("the official pytorch conda channel stopped at torch 2.5.x; nothing "
                        "newer is published there"),
                    [
                        Msg("torch ≤ 2.5.1 with --manager conda"),
                        Msg("pip inside the conda env (--manager pip)"),
                        Msg("the community conda-forge build: conda install -c conda-forge "
                            "pytorch"),
                    ],
                ),
                lambda _a, k: Msg("official conda packages exist for torch {span} only",
                                  span=_span(k)),
            )
        choices = {r.torch: choose(self.inp, self.t, r) for r in rels}
        fits = [r for r in rels if choices[r.torch].variant is not None]
        if not fits:
            raise self.build_impossible(rels, every, choices)
        if len(fits) < len(rels) and inp.archs:
            self.warn_newer_releases(rels, fits)
        chosen = max(fits, key=lambda r: (not r.meta.unconfirmed, r.torch))
        choice = choices[chosen.torch]
        assert choice.variant is not None
        self.uses(chosen.meta)
        self.unconfirmed.extend(choice.notes)
        self.explain_variant(chosen, choice.variant)
        return self.finish(chosen, choice.variant, fits, choices)

    def torch_impossible(self, before: list[Release]) -> ImpossibleRequest:
        """No release on this platform matches --torch: say so, and where it does exist."""
        inp, spec = self.inp, self.inp.spec
        assert spec is not None
        possible: list[str] = [f"torch {_span(before)}"] if before else []
        seen = {r.torch for r in before}
        elsewhere = [r for r in self.t.releases if r.torch in spec and r.torch not in seen]
        if elsewhere:
            plats = [p for p in PLATFORMS if any(r.pythons_on(p) for r in elsewhere)]
            arch_hint = {"macos-x86_64": "--arch x86_64", "macos-arm64": "--arch arm64"}
            hints = [arch_hint[p] for p in plats if p in arch_hint and inp.os == "macos"]
            possible.append(Msg("torch {span} on {platforms}", span=_span(elsewhere),
                                platforms=items(plats)))
            possible.extend(Msg("{option} (if this Mac has that CPU)", option=h) for h in hints)
        if inp.platform == "linux-x86_64":
            reason = Msg("no torch release in the tables matches {torch}", torch=self.req.torch)
        else:
            reason = Msg("no torch release in the tables matches {torch} with {platform} wheels",
                         torch=self.req.torch, platform=inp.platform)
        return ImpossibleRequest(reason, possible)

    def warn_newer_releases(self, rels: list[Release], fits: list[Release]) -> None:
        """Say why releases newer than the newest fitting one are not offered for this GPU."""
        newer = [r for r in rels if r.torch > fits[-1].torch]
        if not newer:
            return
        sms = items(a.sm for a in self.inp.archs)
        with_kernels: dict[Version, list[str]] = {}
        for r in newer:
            vs = self.with_kernels(r)
            if vs:
                with_kernels[r.torch] = vs
        dropped = [r for r in newer if r.torch not in with_kernels]
        if dropped:
            self.warnings.append(Msg(
                "torch {span} has no build with {sms} kernels (newer builds dropped this GPU): "
                "{newest} is the newest that runs on it",
                span=_span(dropped), sms=sms, newest=str(fits[-1].torch),
            ))
        blocked = [r for r in newer if r.torch in with_kernels]
        if blocked:
            first = with_kernels[blocked[-1].torch][0]
            need = self.t.variant_min_driver(first, self.inp.os)
            self.warnings.append(Msg(
                "torch {span} has {sms} kernels only in builds this driver cannot run "
                "(e.g. {build}: driver ≥ {need})",
                span=_span(blocked), sms=sms, build=first, need=str(need),
            ))

    def python_impossible(self, before: list[Release], py: str) -> ImpossibleRequest:
        inp = self.inp
        these = sorted({p for r in before for p in r.pythons_on(inp.platform)}, key=_py_key)
        others = [r for r in self.t.releases if py in r.pythons_on(inp.platform)]
        possible: list[str] = [Msg("Python {pythons} with torch {span}", pythons=_py_span(these),
                                   span=_span(before))] if these else []
        if others:
            possible.append(Msg("torch {span} for Python {python}", span=_span(others), python=py))
        return ImpossibleRequest(
            Msg("torch {span} has no {platform} wheels for Python {python}", span=_span(before),
                platform=inp.platform, python=py),
            possible,
        )

    def build_impossible(
        self, rels: list[Release], every: list[Release], choices: Mapping[Version, Choice]
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
        ok = [(r, choose(self.inp, self.t, r)) for r in wider]
        ok = [(r, c) for r, c in ok if c.variant is not None]
        # suggest a build the tables are sure of when there is one
        sure = [(r, c) for r, c in ok if c.variant not in r.cuda_aarch64_unconfirmed]
        ok = sure or ok
        if ok:
            first, c = ok[0]
            possible.append(Msg("torch ≥ {torch} with {variant} (newest: {newest})",
                                torch=str(first.torch), variant=c.variant,
                                newest=str(ok[-1][0].torch)))
        if inp.archs:
            sms = items(a.sm for a in inp.archs)
            covering = []
            for r in rels:
                vs = self.with_kernels(r)
                if vs:
                    covering.append(f"torch {r.torch} {'/'.join(vs)}")
            if covering:
                possible.append(Msg("{sms} is covered by {builds} (newer driver)", sms=sms,
                                    builds=items(covering[-2:])))
        has_cuda = any(variant_cuda(v) for r in rels for v in offered(self.inp, r))
        if (inp.driver is not None or inp.cuda is not None) and has_cuda:
            possible.append(Msg("upgrade the driver"))
        if inp.variant is None and not has_cuda:
            possible.append(Msg("the CPU build of torch {torch} (--variant cpu)",
                                torch=str(rels[-1].torch)))
        return ImpossibleRequest(reason, possible)

    def explain_variant(self, rel: Release, variant: str) -> None:
        inp = self.inp
        vc = variant_cuda(variant)
        if inp.os == "macos":
            self.note("os", "macOS",
                      Msg("no CUDA on macOS: the PyPI build (CPU + MPS on Apple GPUs)"))
            return
        if vc is None:
            if variant == "cpu" and inp.variant is None:
                self.warnings.append(Msg(
                    "no GPU, driver or CUDA given or detected: recommending the CPU build "
                    "(pass --cuda, --driver or --gpu for a CUDA build)"
                ))
            self.note("variant", variant, Msg("{build} build of torch {torch}",
                                              build=label(variant), torch=str(rel.torch)))
            return
        if inp.cpu == "aarch64" and inp.manager != "conda":
            row, borrowed = self.t.build_archs(
                rel.torch, variant, inp.os, inp.cpu, rows=ArchRows.BORROWED
            )
            if variant in rel.cuda_aarch64_unconfirmed:
                self.unconfirmed.append(Msg(
                    "torch {torch} {variant} for Linux aarch64: believed to exist on "
                    "download.pytorch.org, not confirmed ({where})",
                    torch=str(rel.torch), variant=variant, where=rel.meta.where,
                ))
            elif row is None or borrowed:
                self.unconfirmed.append(Msg(
                    "torch {torch} {variant} for Linux aarch64: no aarch64 arch list in the "
                    "tables (they list one only for torch ≥ 2.12); x86_64's is assumed",
                    torch=str(rel.torch), variant=variant,
                ))
        others = [v for v in offered(self.inp, rel) if v != variant and variant_cuda(v) is not None]
        cuda = effective_cuda(self.inp, self.t)
        if cuda is not None and vc.major == cuda.major and vc > cuda:
            how = Msg("runs on CUDA {cuda} by minor-version compatibility", cuda=str(cuda))
        elif cuda is not None and vc.major < cuda.major:
            how = Msg("an older CUDA major, runs on CUDA {cuda}", cuda=str(cuda))
        elif cuda is not None:
            how = Msg("≤ CUDA {cuda}, runs natively", cuda=str(cuda))
        else:
            need = self.t.variant_min_driver(variant, inp.os)
            how = Msg("needs driver ≥ {need}", need=str(need))
        self.note(
            "variant",
            variant,
            Msg("{variant} ({how}); torch {torch} also has {others}", variant=variant, how=how,
                torch=str(rel.torch), others=items(others) or Msg("no other")),
        )

    # the answer ------------------------------------------------------------------------------

    def finish(
        self,
        rel: Release,
        variant: str,
        fits: list[Release],
        choices: Mapping[Version, Choice],
    ) -> Recommendation:
        inp = self.inp
        packages = packages_for(inp, rel)
        self.record(packages.said)
        pins = packages.pins
        written = write_command(inp, self.t, rel, variant, pins, inp.manager)
        self.record(Said(written.warnings, written.unconfirmed, written.uses))
        self.record(trap_warnings(inp, self.t, rel, variant, written.url))
        others = alternatives(inp, self.t, rel, variant, pins, fits, choices)
        china = mainland(inp, self.t, rel, variant, pins, written.command)
        return Recommendation(
            request=self.req,
            command=written.command,
            manager=inp.manager,
            torch=str(rel.torch),
            variant=variant,
            pins=written.pins,
            index_url=written.url,
            constraints=tuple(self.constraints),
            alternatives=others,
            warnings=tuple(dict.fromkeys(self.warnings)),
            unconfirmed=tuple(dict.fromkeys(self.unconfirmed)),
            cuda_reading=self.cuda_reading,
            mainland=china,
        )


def _or_unknown(version: Version | None) -> str:
    return str(version) if version is not None else Msg("unknown")


def _py_key(p: str) -> tuple[int, int, str]:
    major, _, rest = p.partition(".")
    minor = rest.rstrip("t")
    return (int(major), int(minor), rest[len(minor) :])


def recommend(request: Request, tables: Tables | None = None) -> Recommendation:
    """The install command for ``request``; raises ImpossibleRequest or RequestError."""
    t = tables if tables is not None else load_tables()
    inp = normalise(request, t)
    return _Planner(inp, request, t).run()


