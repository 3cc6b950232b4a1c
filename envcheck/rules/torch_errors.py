"""The generic torch symptoms: torch missing or failing to import, a DLL Windows cannot load,
CUDA unavailable or failing, a failed test kernel, out of memory, NCCL errors.

Category ``torch``. Most of these are symptoms (``Candidate.symptom``): the engine drops them
when a root cause (a CPU build, a driver too old ...) explains them.
"""

from __future__ import annotations

from envcheck.catalogue import finding
from envcheck.i18n import Msg
from envcheck.model import Fix, Severity
from envcheck.rules.engine import (
    RANK_INFO,
    RANK_SYMPTOM,
    RANK_TORCH_SPECIFIC,
    Candidate,
)
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import pip_cmd, python_cmd, reinstall_fix, short
from envcheck.rules.registry import rule


@rule("torch.not_installed", "torch.import_failed")
def torch_missing_or_broken(view: FactsView) -> list[Candidate]:
    """torch is not installed, or importing it fails (for no reason named elsewhere)."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    user = view.user_signature_kinds
    import_error = view.str_("torch.import_error")
    missing = "torch_missing" in kinds or (
        "torch.version" in view.facts
        and view.torch is None
        and import_error is None
        and "torch.runtime_version" not in view.facts
        and "not installed" in view.note("torch.version").lower()
    )
    if missing:
        out.append(
            Candidate(
                finding(
                    id="torch.not_installed",
                    severity=Severity.ERROR if "torch_missing" in user else Severity.WARNING,
                    detail=_no_torch(view.str_("python.executable")),
                    evidence=("torch.version", "torch.import_error", "python.executable"),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_SYMPTOM,
                symptom="torch_missing",
            )
        )
    elif import_error:
        out.append(
            Candidate(
                finding(
                    id="torch.import_failed",
                    severity=Severity.ERROR,
                    detail=Msg("Importing torch raised: {error}", error=short(import_error, 300)),
                    evidence=("torch.import_error", "torch.version"),
                    fixes=(
                        Fix(
                            "See the full error",
                            (f'{python_cmd(view)} -c "import torch"',),
                        ),
                        reinstall_fix(view),
                    ),
                ),
                RANK_SYMPTOM,
                symptom="import_failed",
            )
        )
    return out


@rule("torch.dll_load_failed")
def dll_load_failed(view: FactsView) -> list[Candidate]:
    """Windows cannot load one of torch's DLLs."""
    out: list[Candidate] = []
    dll = view.signature("dll_load")
    if dll is not None:
        name = dll.data.get("dll", Msg("a torch DLL"))
        out.append(
            Candidate(
                finding(
                    id="torch.dll_load_failed",
                    severity=Severity.ERROR,
                    detail=Msg(
                        "[WinError {code}] loading {dll}: a DLL it depends on is missing (most "
                        "often the Microsoft Visual C++ Redistributable) or the install is "
                        "damaged.",
                        code=dll.data.get("winerror", "?"),
                        dll=name,
                    ),
                    evidence=("torch.import_error", "errors.seen"),
                    fixes=(
                        Fix(
                            "Install the latest Microsoft Visual C++ Redistributable (x64)",
                            (),
                            "https://aka.ms/vs/17/release/vc_redist.x64.exe",
                        ),
                        Fix(
                            "Then reinstall torch",
                            (
                                f"{pip_cmd(view)} uninstall -y torch",
                                *reinstall_fix(view).commands,
                            ),
                        ),
                    ),
                ),
                RANK_TORCH_SPECIFIC,
                frozenset({"import_failed", "dll_load"}),
            )
        )
    return out


@rule("torch.cuda_unknown_error")
def cuda_unknown_error(view: FactsView) -> list[Candidate]:
    """CUDA fails to initialise with "unknown error"."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    if "cuda_unknown_error" in kinds:
        out.append(
            Candidate(
                finding(
                    id="torch.cuda_unknown_error",
                    severity=Severity.ERROR,
                    detail=Msg(
                        'CUDA initialisation returned "CUDA unknown error". The usual causes: '
                        "the nvidia_uvm module broke after suspend/resume, or "
                        "CUDA_VISIBLE_DEVICES was changed after CUDA started in the process."
                    ),
                    evidence=("torch.cuda_error", "errors.seen"),
                    fixes=(
                        Fix(
                            "Reload nvidia_uvm (stop GPU processes first) or reboot",
                            ("sudo rmmod nvidia_uvm", "sudo modprobe nvidia_uvm"),
                        ),
                        Fix(
                            "Set CUDA_VISIBLE_DEVICES before Python starts, not in the script "
                            "after torch touched CUDA",
                            ("CUDA_VISIBLE_DEVICES=0 python train.py",),
                        ),
                    ),
                ),
                RANK_TORCH_SPECIFIC,
                frozenset({"cuda_unavailable", "kernel_not_run", "kernel_failed"}),
                symptom="cuda_unknown_error",
            )
        )
    return out


@rule("torch.cuda_unavailable")
def cuda_unavailable(view: FactsView) -> list[Candidate]:
    """torch cannot use CUDA where a GPU is present or wanted, for no named reason."""
    out: list[Candidate] = []
    wanted = view.has_gpu or bool(
        view.user_signature_kinds & {"no_cuda_gpus", "cuda_unknown_error", "no_driver"}
    )
    cuda_build = view.torch_cuda is not None
    if view.bool_("torch.cuda_available") is False and cuda_build and wanted:
        error = view.str_("torch.cuda_error")
        out.append(
            Candidate(
                finding(
                    id="torch.cuda_unavailable",
                    severity=Severity.ERROR,
                    detail=(
                        Msg(
                            "torch.cuda.is_available() is False; CUDA said: {error}",
                            error=short(error, 300),
                        )
                        if error
                        else Msg("torch.cuda.is_available() is False with no error.")
                    ),
                    evidence=("torch.cuda_available", "torch.cuda_error", "nvidia.gpus"),
                    fixes=(
                        Fix("Check that the driver answers", ("nvidia-smi",)),
                        Fix(
                            "Make CUDA raise its real error",
                            (f'{python_cmd(view)} -c "import torch; torch.cuda.init()"',),
                        ),
                    ),
                ),
                RANK_SYMPTOM,
                symptom="cuda_unavailable",
            )
        )
    return out


@rule("torch.no_cuda_gpus")
def no_cuda_gpus(view: FactsView) -> list[Candidate]:
    """"No CUDA GPUs are available", for no reason named elsewhere."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    if "no_cuda_gpus" in kinds:
        out.append(
            Candidate(
                finding(
                    id="torch.no_cuda_gpus",
                    severity=Severity.ERROR,
                    detail=Msg(
                        'CUDA reports "No CUDA GPUs are available" and no cause was found in '
                        "the facts: check CUDA_VISIBLE_DEVICES, the driver, and (in a "
                        "container) that it was started with GPUs."
                    ),
                    evidence=("errors.seen", "env.cuda_visible_devices"),
                    fixes=(
                        Fix(
                            "Check what the driver and CUDA see",
                            ("nvidia-smi -L", 'echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"'),
                        ),
                    ),
                ),
                RANK_SYMPTOM,
                symptom="no_cuda_gpus",
            )
        )
    return out


@rule("torch.invalid_device_ordinal")
def invalid_device_ordinal(view: FactsView) -> list[Candidate]:
    """"invalid device ordinal", for no reason named elsewhere."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    if "invalid_device_ordinal" in kinds:
        out.append(
            Candidate(
                finding(
                    id="torch.invalid_device_ordinal",
                    severity=Severity.ERROR,
                    detail=_ordinal_detail(view.int_("torch.device_count")),
                    evidence=("errors.seen", "torch.device_count", "env.cuda_visible_devices"),
                    fixes=(
                        Fix(
                            "List the devices the process sees",
                            (
                                f'{python_cmd(view)} -c "import torch; '
                                'print(torch.cuda.device_count())"',
                            ),
                        ),
                    ),
                ),
                RANK_SYMPTOM,
                symptom="invalid_device_ordinal",
            )
        )
    return out


@rule("torch.kernel_failed")
def kernel_failed(view: FactsView) -> list[Candidate]:
    """envcheck's tiny test kernel failed (not for want of memory)."""
    out: list[Candidate] = []
    kernel_error = view.str_("torch.kernel_error") or ""
    oom_kernel = "out of memory" in kernel_error.lower()
    if view.bool_("torch.kernel_ok") is False and not oom_kernel:
        out.append(
            Candidate(
                finding(
                    id="torch.kernel_failed",
                    severity=Severity.ERROR,
                    detail=(
                        Msg(
                            "A small matrix multiply on device 0 raised: {error}",
                            error=short(kernel_error, 300),
                        )
                        if kernel_error
                        else Msg(
                            "A small matrix multiply on device 0 did not match the CPU result."
                        )
                    ),
                    evidence=("torch.kernel_ok", "torch.kernel_error"),
                    fixes=(
                        Fix(
                            "Re-run with synchronous errors to see the failing call",
                            (f"CUDA_LAUNCH_BLOCKING=1 {python_cmd(view)} -m envcheck doctor",),
                        ),
                    ),
                ),
                RANK_SYMPTOM,
                symptom="kernel_failed",
            )
        )
    return out


@rule("torch.out_of_memory")
def out_of_memory(view: FactsView) -> list[Candidate]:
    """CUDA ran out of memory (a warning when it stopped the test kernel)."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    kernel_error = view.str_("torch.kernel_error") or ""
    oom_kernel = "out of memory" in kernel_error.lower()
    if oom_kernel or "oom" in kinds:
        sig = view.signature("oom")
        tried = sig.data["tried"] if sig and "tried" in sig.data else None
        out.append(
            Candidate(
                finding(
                    id="torch.out_of_memory",
                    severity=Severity.WARNING if oom_kernel else Severity.INFO,
                    detail=(
                        Msg(
                            "Even a tiny kernel could not allocate memory: other processes hold "
                            "the GPU's memory."
                        )
                        if oom_kernel
                        else Msg(
                            "CUDA out of memory (tried to allocate {tried}): the workload does "
                            "not fit; the GPU stack itself works.",
                            tried=tried,
                        )
                        if tried is not None
                        else Msg(
                            "CUDA out of memory: the workload does not fit; the GPU stack itself "
                            "works."
                        )
                    ),
                    evidence=("torch.kernel_error", "errors.seen"),
                    fixes=(
                        Fix("See which processes hold GPU memory", ("nvidia-smi",)),
                        Fix(
                            "Lower the batch size, or reduce fragmentation",
                            ("export PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True",),
                        ),
                    ),
                ),
                RANK_INFO,
                frozenset({"oom", "kernel_failed"}),
            )
        )
    return out


@rule("torch.nccl_error")
def nccl_error(view: FactsView) -> list[Candidate]:
    """NCCL reported an error."""
    out: list[Candidate] = []
    kinds = view.signature_kinds
    if "nccl_error" in kinds:
        sig = view.signature("nccl_error")
        out.append(
            Candidate(
                finding(
                    id="torch.nccl_error",
                    severity=Severity.WARNING,
                    # The error line as NCCL printed it (Chinese names it as an NCCL error).
                    detail=Msg("{nccl_error}", nccl_error=short(sig.text, 300))
                    if sig
                    else Msg("NCCL error"),
                    evidence=("errors.seen",),
                    fixes=(
                        Fix(
                            "Re-run with NCCL's log to see the failing transport",
                            ("export NCCL_DEBUG=INFO",),
                        ),
                    ),
                ),
                RANK_TORCH_SPECIFIC,
                frozenset({"nccl_error"}),
            )
        )
    return out


def _no_torch(python: str | None) -> str:
    if python:
        return Msg("{python} has no torch package.", python=python)
    return Msg("The target interpreter has no torch package.")


def _ordinal_detail(count: int | None) -> str:
    if count:
        return Msg(
            'CUDA reports "invalid device ordinal": a device such as cuda:1 was requested but '
            "only {count} device(s) are visible to the process.",
            count=count,
        )
    return Msg(
        'CUDA reports "invalid device ordinal": the device requested (such as cuda:1) is not '
        "among the devices visible to the process."
    )
