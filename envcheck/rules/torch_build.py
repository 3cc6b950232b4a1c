"""The torch build against the hardware: CPU-only (or ROCm) builds and missing GPU
architectures; on macOS, code that asks for CUDA.

Categories ``cpu_build`` and ``arch_unsupported`` (and ``platform.macos_has_no_cuda``). The
generic torch symptoms are :mod:`.torch_errors`.
"""

from __future__ import annotations

from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import items, remarks
from envcheck.model import Fix, Severity
from envcheck.rules.engine import (
    RANK_ARCH,
    RANK_CPU_BUILD,
    RANK_INFO,
    RANK_PLATFORM_HOST,
    Candidate,
)
from envcheck.rules.facts_view import FactsView, Gpu, cc_text, parse_cc, sm_text
from envcheck.rules.machine import gpu_trouble
from envcheck.rules.messages import pip_cmd, python_cmd, reinstall_fix
from envcheck.rules.registry import rule
from envcheck.rules.tables import arch_for, cuda_variant, published_arch_list

_CPU_EXPLAINS = frozenset(
    {
        "cuda_unavailable",
        "kernel_not_run",
        "kernel_failed",
        "not_compiled_with_cuda",
        "no_cuda_gpus",
    }
)


def _gpu_phrase(gpus: tuple[Gpu, ...], driver: object) -> str:
    names = items(sorted({gpu.name for gpu in gpus})) or Msg("an NVIDIA GPU")
    count: str
    if not gpus:
        count = names
    elif len(gpus) == 1:
        count = Msg("{count} NVIDIA GPU ({names})", count=len(gpus), names=names)
    else:
        count = Msg("{count} NVIDIA GPUs ({names})", count=len(gpus), names=names)
    return Msg("{gpus} with driver {driver}", gpus=count, driver=driver) if driver else count


@rule("platform.macos_has_no_cuda")
def macos_has_no_cuda(view: FactsView) -> list[Candidate]:
    """On macOS, code that asks for CUDA: Apple GPUs are reached through MPS."""
    if view.os_name != "darwin" or "not_compiled_with_cuda" not in view.signature_kinds:
        return []
    return _macos_cuda(view)


@rule("cpu_build.rocm_torch_on_nvidia", "cpu_build.cpu_torch_on_gpu_machine")
def cpu_build(view: FactsView) -> list[Candidate]:
    """cpu_build.*: a CPU-only (or ROCm) torch on a machine with a usable NVIDIA GPU."""
    if view.os_name == "darwin":
        return []
    usable_gpu = view.has_gpu and view.nvml_status in (None, "ok")
    user_hit = "not_compiled_with_cuda" in view.user_signature_kinds
    label = view.torch_label or ""
    if label.startswith("rocm") or view.has("torch.hip_build"):
        if not usable_gpu:
            return []
        return [
            Candidate(
                finding(
                    id="cpu_build.rocm_torch_on_nvidia",
                    severity=Severity.ERROR,
                    detail=Msg(
                        "{torch} is a ROCm (AMD) build; this machine has {gpus}.",
                        torch=view.torch_text,
                        gpus=_gpu_phrase(view.gpus, view.str_("nvidia.driver_version")),
                    ),
                    evidence=("torch.version", "torch.hip_build", "nvidia.gpus"),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_CPU_BUILD,
                _CPU_EXPLAINS,
            )
        ]
    cpu = view.torch_is_cpu_build
    if "cpu_torch" in view.claims and (
        (cpu is None and not label) or (cpu is False and view.lenient("torch.version"))
    ):
        # "pip gave me the CPU version": the reporter's words, against nothing stronger than
        # a version string read from their prose (often the build they wanted).
        cpu = True
    wanted = usable_gpu or user_hit or gpu_trouble(view) or "cpu_torch" in view.claims
    if cpu is not True or not wanted:
        return []
    why: list[str] = []
    fixes: list[Fix] = []
    if label == "cpu":
        why.append(Msg("its version label is +cpu"))
    conda = view.conda_packages
    if "cpuonly" in conda:
        why.append(Msg("conda's cpuonly package pins CPU builds"))
        fixes.append(Fix("Remove conda's CPU pin first", ("conda remove cpuonly",)))
    index = view.str_("pip.index_url") or ""
    extra = " ".join(view.strs("pip.extra_index_urls"))
    if "/whl/cpu" in index or "/whl/cpu" in extra:
        source = view.str_("pip.index_source") or Msg("pip configuration")
        why.append(Msg("pip's index is PyTorch's CPU index (set by {source})", source=source))
        fixes.append(
            Fix(
                "Stop pip from using the CPU wheel index (see where it is set)",
                (f"{pip_cmd(view)} config list",),
            )
        )
    if view.os_name == "windows" and label == "" and view.torch is not None:
        why.append(Msg("the PyPI torch wheel for Windows is CPU-only"))
    only_the_message = not why
    if not why and "cpu_torch" in view.claims:
        why.append(Msg('the report says so: "{said}"', said=view.claim_text("cpu_torch")))
        only_the_message = False
    if not why and "not_compiled_with_cuda" in view.signature_kinds:
        why.append(Msg('torch says "Torch not compiled with CUDA enabled"'))
    reasons = remarks(why) or Msg("no CUDA version")
    if usable_gpu:
        detail = Msg(
            "{torch} is a CPU-only build ({why}); this machine has {gpus}.",
            torch=view.torch_text,
            why=reasons,
            gpus=_gpu_phrase(view.gpus, view.str_("nvidia.driver_version")),
        )
    else:
        detail = Msg(
            "{torch} is a CPU-only build ({why}); the code asks for CUDA.",
            torch=view.torch_text,
            why=reasons,
        )
    fixes.append(reinstall_fix(view))
    return [
        Candidate(
            finding(
                id="cpu_build.cpu_torch_on_gpu_machine",
                severity=Severity.ERROR,
                detail=detail,
                evidence=(
                    "torch.version",
                    "torch.build_label",
                    "torch.cuda_build",
                    "nvidia.gpus",
                    "packages.conda",
                    "pip.index_url",
                ),
                fixes=tuple(fixes),
            ),
            RANK_CPU_BUILD,
            _CPU_EXPLAINS,
            # Known only from the error text, the CPU build is the symptom: a root cause that
            # explains the message (no NVIDIA GPU, a replaced torch) takes its place.
            symptom="not_compiled_with_cuda" if only_the_message and not usable_gpu else None,
        )
    ]


def _macos_cuda(view: FactsView) -> list[Candidate]:
    if "not_compiled_with_cuda" not in view.signature_kinds:
        return []
    mps = view.bool_("torch.mps_available")
    return [
        Candidate(
            finding(
                id="platform.macos_has_no_cuda",
                severity=Severity.ERROR,
                detail=Msg(
                    "The code asks for CUDA, which does not exist on macOS; Apple GPUs are "
                    "used through torch's MPS backend (available here)."
                )
                if mps
                else Msg(
                    "The code asks for CUDA, which does not exist on macOS; Apple GPUs are "
                    "used through torch's MPS backend."
                ),
                evidence=("os.name", "torch.mps_available", "errors.seen"),
                fixes=(
                    Fix(
                        "Select the device portably in your code",
                        (
                            'device = "cuda" if torch.cuda.is_available() else '
                            '("mps" if torch.backends.mps.is_available() else "cpu")',
                        ),
                    ),
                ),
            ),
            # The machine decides: no reinstall (and no CUDA index, which has no macOS
            # wheels: "from versions: none") can give a Mac CUDA.
            RANK_PLATFORM_HOST,
            _CPU_EXPLAINS | {"no_matching_distribution", "no_wheel_for_platform"},
        )
    ]


def _parse_arch(entry: str) -> tuple[str, tuple[int, int], str] | None:
    """``sm_90a`` → ("sm", (9, 0), "a"); ``compute_120`` → ("compute", (12, 0), "")."""
    kind, _, rest = entry.strip().lower().partition("_")
    if kind not in ("sm", "compute"):
        return None
    digits = "".join(ch for ch in rest if ch.isdigit())
    suffix = rest[len(digits) :]
    cc = parse_cc(f"{kind}_{digits}")
    return (kind, cc, suffix) if cc is not None else None


def coverage(arch_list: list[str] | tuple[str, ...], cc: tuple[int, int]) -> str:
    """``sass`` (a binary for this GPU), ``ptx`` (JIT-compiled at first use) or ``none``.

    SASS for sm_XY runs on the same major with minor ≥ Y; arch-specific ``a`` targets only on
    exactly that GPU; PTX for compute_XY JIT-compiles for any GPU ≥ X.Y (recipe-facts c1).
    """
    best = "none"
    for entry in arch_list:
        parsed = _parse_arch(entry)
        if parsed is None:
            continue
        kind, target, suffix = parsed
        if kind == "sm":
            if suffix == "a" and target == cc:
                return "sass"
            if suffix != "a" and target[0] == cc[0] and target[1] <= cc[1]:
                return "sass"
        elif target <= cc:
            best = "ptx"
    return best


@rule(
    "arch_unsupported.gpu_not_in_torch_arch_list",
    "arch_unsupported.ptx_only",
    "arch_unsupported.extension_arch",
    "arch_unsupported.no_kernel_image",
)
def arch_rules(view: FactsView) -> list[Candidate]:
    """arch_unsupported.*: the GPU's compute capability has no kernels in this torch build."""
    if view.os_name == "darwin":
        return []
    cuda = view.torch_cuda
    torch = view.torch
    arch_list = [a for a in view.strs("torch.arch_list") if a]
    source: str = "torch.cuda.get_arch_list()"
    if not arch_list and torch is not None and cuda is not None:
        arch_list = list(published_arch_list(torch, cuda, view.str_("os.arch")))
        source = Msg("the published arch list of {variant} wheels", variant=cuda_variant(cuda))
    sig = view.signature("arch_incompatible")
    if not arch_list and sig is not None and sig.data.get("supported"):
        arch_list = sig.data["supported"].split()
        source = Msg("torch's warning")
    gpus = [gpu for gpu in view.gpus if gpu.cc is not None]
    if not gpus and sig is not None:
        cc = parse_cc(sig.data.get("sm"))
        if cc is not None:
            gpus = [Gpu(0, sig.data.get("gpu") or Msg("the GPU"), cc)]
    out: list[Candidate] = []
    explains = frozenset(
        {"no_kernel_image", "arch_incompatible", "kernel_failed", "kernel_not_run"}
    )
    uncovered = [g for g in gpus if arch_list and coverage(arch_list, g.cc or (0, 0)) == "none"]
    ptx_only = [g for g in gpus if arch_list and coverage(arch_list, g.cc or (0, 0)) == "ptx"]
    if sig is not None and gpus:
        # torch's own check is the ground truth: it warns only when it will not run there
        # (PTX of a much older architecture does not save it).
        flagged = parse_cc(sig.data.get("sm"))
        told = [g for g in gpus if flagged is None or g.cc == flagged]
        uncovered = uncovered + [g for g in told if g not in uncovered]
        ptx_only = [g for g in ptx_only if g not in uncovered]
    if not arch_list and cuda is not None:
        # No arch list known (an old or unlisted release): the CUDA version alone can rule a
        # GPU out, since a toolkit cannot compile for architectures newer than it knows.
        for gpu in gpus:
            arch = arch_for(gpu.cc) if gpu.cc else None
            cuda_mm = Version(f"{cuda.major}.{cuda.minor}")
            if arch is not None and gpu not in uncovered and (
                cuda_mm < arch.first_cuda or (arch.last_cuda and cuda_mm > arch.last_cuda)
            ):
                uncovered.append(gpu)
                source = (
                    Msg(
                        "CUDA {cuda}, which cannot build for {arch} (CUDA {first}–{last})",
                        cuda=str(cuda_mm),
                        arch=arch.name,
                        first=str(arch.first_cuda),
                        last=str(arch.last_cuda),
                    )
                    if arch.last_cuda
                    else Msg(
                        "CUDA {cuda}, which cannot build for {arch} (CUDA {first} or newer)",
                        cuda=str(cuda_mm),
                        arch=arch.name,
                        first=str(arch.first_cuda),
                    )
                )
    if uncovered:
        groups: dict[tuple[str, tuple[int, int]], list[int]] = {}
        for gpu in uncovered:
            assert gpu.cc is not None
            groups.setdefault((gpu.name, gpu.cc), []).append(gpu.index)
        lines: list[str] = []
        for (name, cc), indices in groups.items():
            arch = arch_for(cc)
            family = Msg(" ({arch})", arch=arch.name) if arch else ""
            if len(indices) == 1:
                lines.append(
                    Msg("GPU {index} {name} is {sm}{family}",
                        index=indices[0], name=name, sm=sm_text(cc), family=family)
                )
            else:
                lines.append(
                    Msg("GPUs {indices} {name} are {sm}{family}",
                        indices=items(str(i) for i in indices), name=name, sm=sm_text(cc),
                        family=family)
                )
        have = " ".join(a for a in arch_list if a) or Msg("other architectures")
        detail = sentences(
            Msg(
                "{gpus}; {torch} has kernels for {have} (from {source}), so CUDA kernels "
                "cannot run on it.",
                gpus=remarks(lines),
                torch=view.torch_text,
                have=have,
                source=source,
            ),
            _arch_hint(uncovered),
        )
        out.append(
            Candidate(
                finding(
                    id="arch_unsupported.gpu_not_in_torch_arch_list",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=(
                        "nvidia.gpus",
                        "torch.arch_list",
                        "torch.version",
                        "torch.cuda_build",
                    ),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_ARCH,
                explains,
            )
        )
    elif "no_kernel_image" in view.signature_kinds:
        out.append(_no_kernel_image(view, gpus, arch_list, source))
    for gpu in ptx_only:
        assert gpu.cc is not None
        out.append(
            Candidate(
                finding(
                    id="arch_unsupported.ptx_only",
                    severity=Severity.INFO,
                    detail=Msg(
                        "GPU {index} {name} is {sm}; {torch} has no binary kernels for it, only "
                        "PTX ({archs}), which the driver compiles at first use: slow start-up "
                        "and possibly lower speed.",
                        index=gpu.index,
                        name=gpu.name,
                        sm=sm_text(gpu.cc),
                        torch=view.torch_text,
                        archs=" ".join(arch_list),
                    ),
                    evidence=("nvidia.gpus", "torch.arch_list"),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_INFO,
            )
        )
    return out


def _arch_hint(gpus: list[Gpu]) -> str:
    newest = max((g.cc for g in gpus if g.cc), default=None)
    if newest is None:
        return ""
    if newest >= (10, 0):
        return Msg("Blackwell GPUs need a CUDA 12.8 or newer build (cu128+) of torch 2.7 or later.")
    if newest < (5, 0):
        return Msg("Kepler GPUs are only in the CUDA 11.8 (cu118) and older builds.")
    if newest < (7, 5):
        return Msg(
            "Maxwell, Pascal and Volta GPUs were dropped from the CUDA 12.8+ and CUDA 13 builds;"
            " the cu126 (and older) builds still include them."
        )
    return ""


def _no_kernel_image(
    view: FactsView, gpus: list[Gpu], arch_list: list[str], source: str
) -> Candidate:
    covered = (
        bool(gpus)
        and bool(arch_list)
        and all(coverage(arch_list, g.cc or (0, 0)) != "none" for g in gpus)
    )
    if covered:
        ccs = ";".join(sorted({cc_text(g.cc) for g in gpus if g.cc}))
        return Candidate(
            finding(
                id="arch_unsupported.extension_arch",
                severity=Severity.ERROR,
                detail=Msg(
                    '"no kernel image is available", yet {torch} itself has kernels for this '
                    "GPU ({source}: {archs}): the failing kernel comes from an extension "
                    "(xformers, flash-attn, a custom op) built for other architectures.",
                    torch=view.torch_text,
                    source=source,
                    archs=" ".join(arch_list),
                ),
                evidence=("errors.seen", "torch.arch_list", "nvidia.gpus"),
                fixes=(
                    Fix(
                        "Rebuild the extension for this GPU (name it in place of <package>)",
                        (
                            f'TORCH_CUDA_ARCH_LIST="{ccs}" {pip_cmd(view)} install '
                            "--no-build-isolation --no-binary :all: --force-reinstall <package>",
                        ),
                    ),
                ),
            ),
            RANK_ARCH,
            frozenset({"no_kernel_image", "kernel_failed"}),
        )
    return Candidate(
        finding(
            id="arch_unsupported.no_kernel_image",
            severity=Severity.ERROR,
            detail=Msg(
                'CUDA reports "no kernel image is available for execution on the device": '
                "the torch build (or an extension) was compiled without this GPU's architecture."
            ),
            evidence=("errors.seen", "torch.kernel_error"),
            fixes=(
                Fix(
                    "Compare the GPU's capability with the build's architectures",
                    (
                        f'{python_cmd(view)} -c "import torch; '
                        'print(torch.cuda.get_device_capability(), torch.cuda.get_arch_list())"',
                    ),
                ),
                reinstall_fix(view),
            ),
        ),
        RANK_ARCH,
        frozenset({"no_kernel_image", "kernel_failed"}),
    )
