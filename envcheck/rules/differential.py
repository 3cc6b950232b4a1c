"""Differential diagnosis for a pasted report whose evidence names no cause outright.

The other rules fire when the facts prove a cause. A pasted report is often thinner: one
error line ("No CUDA GPUs are available"), ``is_available()`` returning False, or a paragraph of
prose. Silence is never a diagnosis, so when the report shows a symptom (or the reporter's
own statements) and no rule raised a warning or an error, this module ranks the causes that
could explain it by the evidence for and against each, names the likeliest as a warning, lists
the others as alternatives and says which command would settle it.

Only pasted reports are diagnosed this way: on a live machine the probes answer the
questions a differential would ask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import remarks
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_SYMPTOM, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.machine import ALL_GPU_SYMPTOMS
from envcheck.rules.messages import SYMPTOMS, URL_CONTAINER_TOOLKIT, short
from envcheck.rules.registry import rule
from envcheck.rules.tables import cuda_runs_on, max_cuda_for_driver

_MAX_ALTERNATIVES = 3
_PROBLEM_CLAIMS = frozenset(
    {"cpu_torch", "torch_replaced", "two_torch", "ext_build", "no_nvidia", "gpu_unused", "nouveau"}
)
"""Statements that say something is wrong (Jupyter or a new env alone are only context)."""


@dataclass(frozen=True)
class Hypothesis:
    """One possible cause: its finding id and text, and what would settle it."""

    id: str
    """Its finding id; the title is the catalogue's (:mod:`envcheck.catalogue`)."""
    name: str
    """The cause in a few words, for the list of alternatives."""
    cause: str
    fix: Fix
    settle: tuple[str, ...]
    prior: float
    """A small head start that orders causes the evidence cannot tell apart (how common)."""


Weigh = Callable[[FactsView], list[tuple[float, str]]]
"""Evidence for (positive weight) and against (negative) a hypothesis, with reasons."""


def _has(view: FactsView, *kinds: str) -> bool:
    return bool(view.signature_kinds & set(kinds))


def _cuda_unavailable(view: FactsView) -> bool:
    return view.bool_("torch.cuda_available") is False or _has(view, "cuda_unavailable_msg")


def _w_visible(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if _has(view, "no_cuda_gpus"):
        out.append(
            (
                3.0,
                Msg(
                    '"No CUDA GPUs are available" is what CUDA says when '
                    "CUDA_VISIBLE_DEVICES hides every GPU"
                ),
            )
        )
    if _has(view, "invalid_device_ordinal"):
        out.append((3.0, Msg('"invalid device ordinal" names a GPU index that is not visible')))
    if view.raw_str("env.cuda_visible_devices") is not None:
        out.append(
            (
                2.0,
                Msg(
                    "CUDA_VISIBLE_DEVICES={value} is set",
                    value=repr(view.raw_str("env.cuda_visible_devices")),
                ),
            )
        )
    if view.bool_("torch.cuda_available") is True and view.user_signature_kinds & ALL_GPU_SYMPTOMS:
        out.append(
            (
                2.0,
                Msg(
                    "is_available() is True in one place but the program finds no GPU: "
                    "the program's own environment differs"
                ),
            )
        )
    if _cuda_unavailable(view) and view.raw_str("env.cuda_visible_devices") is None:
        out.append((0.3, Msg("the report does not show CUDA_VISIBLE_DEVICES")))
    if _cuda_unavailable(view) and _stack_checks_out(view):
        out.append((1.5, Msg("the driver lists the GPUs and torch is a CUDA build the driver "
                             "runs: what is left is the environment the process starts with")))
    if "cvd_mentioned" in view.claims:
        out.append((1.0, Msg("the report talks about CUDA_VISIBLE_DEVICES")))
    if _has(view, "smi_not_found", "no_driver"):
        out.append((-2.0, Msg("the driver itself is missing")))
    return out


def _w_container(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if view.bool_("explain.mentions_container") is True:
        out.append((1.5, Msg("the report mentions containers")))
    if _has(view, "smi_not_found"):
        out.append((1.0, Msg("nvidia-smi is missing where the program runs")))
    if view.bool_("torch.cuda_available") is True:
        out.append((-1.0, Msg("CUDA works in at least one place")))
    return out


def _w_no_driver(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if _has(view, "smi_not_found"):
        out.append((2.0, Msg("nvidia-smi is not found")))
    if view.int_("nvidia.gpu_count") == 0:
        out.append((2.0, Msg("nvidia-smi lists no GPU (not seated, fallen off the bus, or held "
                             "by another driver)")))
    if _has(view, "no_cuda_gpus"):
        out.append((0.5, Msg("CUDA finds no GPU")))
    if _cuda_unavailable(view) and view.torch_cuda is not None:
        out.append(
            (1.0, Msg("{torch} is a CUDA build, yet CUDA is unavailable", torch=view.torch_text))
        )
    elif _cuda_unavailable(view) and view.driver is None:
        out.append((0.5, Msg("the report does not show the driver (no nvidia-smi output)")))
    if view.bool_("torch.cuda_available") is True:
        out.append((-3.0, Msg("CUDA works in at least one place")))
    if view.driver is not None and view.gpus:
        out.append((-3.0, Msg("the driver answers and lists the GPUs")))
    return out


def _stack_checks_out(view: FactsView) -> bool:
    """Driver and GPUs are listed and torch's CUDA build runs on that driver."""
    cuda = view.torch_cuda
    driver_max = view.version("nvidia.cuda_driver_max")
    if cuda is None or not view.gpus or view.driver is None:
        return False
    if driver_max is None:
        driver_max = max_cuda_for_driver(view.driver, view.os_name or "linux")
    return driver_max is not None and cuda_runs_on(cuda, driver_max)


def _w_cpu_build(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if _cuda_unavailable(view):
        out.append((1.0, Msg("CUDA is unavailable to torch")))
        if view.torch is None:
            out.append((0.5, Msg("the report does not show which torch build is installed")))
        if view.os_name == "windows":
            out.append((1.0, Msg("on Windows, pip's default torch is the CPU build")))
    if view.torch_cuda is not None and not view.assumed("torch.cuda_build"):
        out.append((-3.0, Msg("{torch} is a CUDA build", torch=view.torch_text)))
    if view.bool_("torch.cuda_available") is True:
        out.append((-3.0, Msg("CUDA works in at least one place")))
    return out


def _w_driver(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    if _stack_checks_out(view):
        out.append((-3.0, Msg("the driver is new enough for torch's CUDA build")))
    if _cuda_unavailable(view) and view.driver is None and view.torch_is_cpu_build is not True:
        if view.torch_cuda is not None:
            out.append(
                (
                    1.0,
                    Msg(
                        "{torch} needs a driver for CUDA {cuda}; the report does not show the "
                        "driver",
                        torch=view.torch_text,
                        cuda=str(view.torch_cuda),
                    ),
                )
            )
        else:
            out.append((0.3, Msg("a driver older than torch's CUDA build also gives this symptom")))
    return out


def _w_env(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    missing = view.signature("module_missing")
    if missing is not None:
        out.append(
            (
                2.0,
                Msg(
                    "module {module} is missing where the code runs",
                    module=repr(missing.data.get("module", "?")),
                ),
            )
        )
    if _has(view, "torch_missing"):
        out.append((1.5, Msg("torch cannot be imported where the code runs")))
    if "jupyter" in view.claims:
        out.append((1.0, Msg("it runs in Jupyter, whose kernel may be another Python")))
    if "created_env" in view.claims:
        out.append((1.0, Msg("the report talks about an environment it created")))
    if view.strs("python.executables_seen"):
        out.append((0.5, Msg("the report shows interpreter paths")))
    if "torch_replaced" in view.claims or "two_torch" in view.claims:
        out.append((2.0, Msg("the report says torch was replaced or installed twice")))
    return out


def _w_nvcc(view: FactsView) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    build = view.version("cuda_toolkit.nvcc_version")
    cuda = view.torch_cuda
    if build is not None and cuda is not None and build.release[:2] == cuda.release[:2]:
        out.append(
            (-3.0, Msg("nvcc {nvcc} matches torch's CUDA {cuda}", nvcc=str(build), cuda=str(cuda)))
        )
    if "ext_build" in view.claims:
        out.append(
            (
                2.0,
                Msg(
                    'the report is about compiling CUDA code ("{said}")',
                    said=view.claim_text("ext_build"),
                ),
            )
        )
        if view.has("cuda_toolkit.nvcc_version") or view.torch_cuda is not None:
            out.append((1.0, Msg("it shows CUDA versions")))
    if _has(view, "nvcc_not_found"):
        out.append((1.0, Msg("nvcc is not found")))
    return out


_VISIBLE = Hypothesis(
    id="cuda_visible_devices.likely_hides_gpus",
    name=Msg("CUDA_VISIBLE_DEVICES hiding the GPU"),
    cause=Msg(
        "the program (or its launch script) sets CUDA_VISIBLE_DEVICES to a GPU index this "
        "machine does not have, so CUDA sees none"
    ),
    fix=Fix(
        "Find where CUDA_VISIBLE_DEVICES is set (script, shell, .sh launcher, os.environ in the "
        "code) and point it at an existing GPU, e.g. 0, or remove it",
        ("grep -rn CUDA_VISIBLE_DEVICES .", "nvidia-smi -L"),
    ),
    settle=(
        "python -c \"import os, torch; print(os.environ.get('CUDA_VISIBLE_DEVICES'), "
        'torch.cuda.device_count())"',
    ),
    prior=0.3,
)
_CONTAINER = Hypothesis(
    id="platform.likely_container_without_gpu",
    name=Msg("a container without GPU access"),
    cause=Msg(
        "the container was started without --gpus (or the NVIDIA Container Toolkit), so "
        "it has no GPU devices or driver libraries"
    ),
    fix=Fix(
        "Start the container with the GPUs", ("docker run --gpus all ...",), URL_CONTAINER_TOOLKIT
    ),
    settle=("nvidia-smi   # inside the container", "ls -l /dev/nvidia*"),
    prior=0.1,
)
_NO_DRIVER = Hypothesis(
    id="no_driver.likely_no_driver",
    name=Msg("no NVIDIA driver"),
    cause=Msg("the NVIDIA driver is not installed or not loaded (or there is no NVIDIA GPU)"),
    fix=Fix(
        "Install the NVIDIA driver for the GPU and reboot; then nvidia-smi must list the GPU "
        "(on Linux, `lsmod | grep nvidia` shows whether the module is loaded)",
        ("nvidia-smi",),
        "https://www.nvidia.com/Download/index.aspx",
    ),
    settle=("nvidia-smi",),
    prior=0.2,
)
_CPU = Hypothesis(
    id="cpu_build.likely_cpu_build",
    name=Msg("a CPU-only torch"),
    cause=Msg(
        "the installed torch is a CPU-only build (pip's default on Windows, a CPU wheel "
        "from a mirror, or conda's CPU variant), which cannot use the GPU"
    ),
    fix=Fix(
        "Check the build; if it ends in +cpu or torch.version.cuda is None, install a CUDA build",
        ("envcheck recommend",),
    ),
    settle=('python -c "import torch; print(torch.__version__, torch.version.cuda)"',),
    prior=0.4,
)
_DRIVER = Hypothesis(
    id="driver_too_old.likely_driver_too_old",
    name=Msg("a driver too old for the torch build"),
    cause=Msg("the driver may be older than this torch's CUDA build needs"),
    fix=Fix(
        "If nvidia-smi's 'CUDA Version' is below torch.version.cuda, update the driver, or "
        "install a torch built for the CUDA the driver has",
        (
            "nvidia-smi",
            "envcheck recommend --cuda <the CUDA Version nvidia-smi shows>",
        ),
        "https://www.nvidia.com/Download/index.aspx",
    ),
    settle=("nvidia-smi", 'python -c "import torch; print(torch.version.cuda)"'),
    prior=0.1,
)
_ENV = Hypothesis(
    id="env_conflict.likely_wrong_environment",
    name=Msg("the wrong Python environment"),
    cause=Msg(
        "packages were installed into one Python and the program (or Jupyter kernel) runs "
        "another, or installs in the same environment replaced torch"
    ),
    fix=Fix(
        "Install with the interpreter that runs the code",
        ('python -c "import sys; print(sys.executable)"', "python -m pip install <package>"),
    ),
    settle=(
        'python -c "import sys, torch; print(sys.executable, torch.__file__)"',
        "python -m pip list",
    ),
    prior=0.2,
)
_NVCC = Hypothesis(
    id="nvcc_mismatch.likely_toolkit_mismatch",
    name=Msg("a CUDA toolkit that does not match torch"),
    cause=Msg(
        "the extension is compiled with a CUDA toolkit (nvcc, CUDA_HOME) of another version "
        "than torch's CUDA build, or with no full toolkit at all"
    ),
    fix=Fix(
        "Build with the toolkit of torch's CUDA version: point CUDA_HOME and PATH at it",
        (
            'python -c "import torch; print(torch.version.cuda)"',
            "export CUDA_HOME=/usr/local/cuda-<torch's CUDA>",
            'export PATH="$CUDA_HOME/bin:$PATH"',
        ),
    ),
    settle=(
        "nvcc --version",
        'python -c "import torch; print(torch.version.cuda)"',
        "echo $CUDA_HOME",
    ),
    prior=0.1,
)

_HYPOTHESES: tuple[tuple[Hypothesis, Weigh], ...] = (
    (_VISIBLE, _w_visible),
    (_CONTAINER, _w_container),
    (_NO_DRIVER, _w_no_driver),
    (_CPU, _w_cpu_build),
    (_DRIVER, _w_driver),
    (_ENV, _w_env),
    (_NVCC, _w_nvcc),
)


def _symptom_lines(view: FactsView) -> list[str]:
    out: list[str] = []
    for sig in view.signatures:
        if sig.kind in view.user_signature_kinds and sig.kind != "oom":
            out.append(short(sig.text, 140) or SYMPTOMS.get(sig.kind, sig.kind))
    no_gpu_by_design = view.os_name == "darwin" or (
        "no_gpu" in view.claims and not view.nvidia_evidence
    )
    if view.bool_("torch.cuda_available") is False and not no_gpu_by_design:
        out.append(SYMPTOMS["cuda_unavailable"])
    if view.int_("nvidia.gpu_count") == 0 and not no_gpu_by_design:
        out.append("nvidia-smi: No devices were found")
    gpu_unused = view.claim_text("gpu_unused")
    if gpu_unused:
        out.append(short(gpu_unused, 140))
    out.extend(short(line, 140) for line in view.strs("errors.unrecognised"))
    return out


@rule(
    "cuda_visible_devices.likely_hides_gpus",
    "platform.likely_container_without_gpu",
    "no_driver.likely_no_driver",
    "cpu_build.likely_cpu_build",
    "driver_too_old.likely_driver_too_old",
    "env_conflict.likely_wrong_environment",
    "nvcc_mismatch.likely_toolkit_mismatch",
    "torch.unrecognised_error",
    "probe.paste_unreadable",
    stage="differential",
)
def differential(view: FactsView, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The likeliest cause of a pasted report's symptom, when no rule named one."""
    if not view.pasted:
        return []
    if not candidates and not view.strs("explain.formats") and _read_nothing(view):
        return [_unreadable()]
    # A rule already named a cause (generic symptom findings, ranked last, do not count).
    if any(c.rank < RANK_SYMPTOM and c.finding.severity >= Severity.WARNING for c in candidates):
        return []
    symptoms = _symptom_lines(view)
    if not symptoms and not view.claims & _PROBLEM_CLAIMS:
        return []
    if not symptoms and view.bool_("torch.cuda_available") is True:
        return []  # CUDA works and nothing failed: the words alone are not a fault
    scored: list[tuple[float, Hypothesis, list[str]]] = []
    for hypothesis, weigh in _HYPOTHESES:
        evidence = weigh(view)
        positive = [reason for weight, reason in evidence if weight > 0]
        if not positive:
            continue
        score = hypothesis.prior + sum(weight for weight, _ in evidence)
        if score > hypothesis.prior:
            scored.append((score, hypothesis, positive))
    scored.sort(key=lambda item: -item[0])
    if not scored:
        generic = any(c.finding.severity >= Severity.WARNING for c in candidates)
        errors = view.strs("errors.unrecognised") or [
            s.text for s in view.signatures if s.kind in view.user_signature_kinds
        ]
        # Only an error line quoted from the paste: the reporter's words alone are no error.
        return [_unrecognised(view, errors)] if errors and not generic else []
    score, best, reasons = scored[0]
    shown = symptoms[0] if symptoms else Msg("the reporter's description")
    if not isinstance(shown, Msg):
        # A line quoted from the paste (Chinese puts it in quotes; English shows it as is).
        shown = Msg("{pasted_line}", pasted_line=shown)
    others = [
        Msg("{cause} ({reasons})", cause=h.name, reasons=remarks(r))
        for _, h, r in scored[1 : 1 + _MAX_ALTERNATIVES]
    ]
    detail = sentences(
        Msg(
            "The report shows: {shown}. The evidence points most to this cause: {cause} "
            "({reasons}).",
            shown=shown,
            cause=best.cause,
            reasons=remarks(reasons),
        ),
        Msg("Other possible causes: {others}.", others=remarks(others)) if others else "",
        Msg("The report is not conclusive: the commands below settle it."),
    )
    found = finding(
        id=best.id,
        severity=Severity.WARNING,
        detail=detail,
        evidence=("errors.seen", "explain.claims", "torch.cuda_available"),
        fixes=(
            best.fix,
            Fix(
                "To settle it, run this where the problem happens and paste the "
                "output (or run envcheck doctor there)",
                best.settle,
            ),
        ),
    )
    return [Candidate(found, RANK_SYMPTOM - 1, frozenset(SYMPTOMS))]


def _read_nothing(view: FactsView) -> bool:
    """No fact but explain's own bookkeeping: nothing in the paste was understood."""
    return all(key.startswith("explain.") for key in view.facts)


def _unreadable() -> Candidate:
    found = finding(
        id="probe.paste_unreadable",
        severity=Severity.INFO,
        detail=Msg(
            "No known output format and no evidence about the GPU, driver, CUDA or torch "
            "was recognised in the pasted text, so there is nothing to diagnose (this is not a "
            "clean bill of health)."
        ),
        evidence=("explain.formats",),
        fixes=(
            Fix(
                "Paste what these print on the machine with the problem (or run envcheck "
                "doctor there)",
                ("nvidia-smi", "python -m torch.utils.collect_env"),
            ),
        ),
    )
    return Candidate(found, RANK_SYMPTOM)


def _unrecognised(view: FactsView, symptoms: list[str]) -> Candidate:
    found = finding(
        id="torch.unrecognised_error",
        severity=Severity.WARNING,
        detail=Msg(
            'The report contains "{error}", which matches no known cause of a broken GPU '
            "stack; it may be a bug in the program rather than in the environment.",
            error=symptoms[0],
        ),
        evidence=("errors.unrecognised", "errors.seen"),
        fixes=(
            Fix(
                "Run envcheck doctor where the error happens and paste its report with the "
                "full traceback",
                ("envcheck doctor",),
            ),
        ),
    )
    return Candidate(found, RANK_SYMPTOM - 1, frozenset(SYMPTOMS))


__all__ = ["Hypothesis", "differential"]
