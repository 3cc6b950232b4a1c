"""CUDA_VISIBLE_DEVICES: empty, naming GPUs that do not exist, unreadable, or set with no GPU.

Category ``cuda_visible_devices``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from envcheck.catalogue import finding
from envcheck.i18n import Msg
from envcheck.i18n_lists import items
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_INFO, RANK_VISIBLE, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.registry import rule


def _uses(gpus: list[str]) -> str:
    """What CUDA ends up using: ``only 0, 1.`` or ``no GPU at all.``"""
    if gpus:
        return Msg("only {gpus}.", gpus=items(gpus))
    return Msg("no GPU at all.")


_Say = Callable[[dict[str, str]], Msg]
_PROBLEMS: tuple[tuple[re.Pattern[str], _Say], ...] = (
    (
        re.compile(
            r"entry (?P<position>\d+) \((?P<entry>.*)\) is not a (?P<prefix>.*)… identifier"
        ),
        lambda v: Msg("entry {position} ({entry}) is not a {prefix}… identifier", **v),
    ),
    (
        re.compile(r"entry (?P<position>\d+) \((?P<entry>.*)\) is not a device index"),
        lambda v: Msg("entry {position} ({entry}) is not a device index", **v),
    ),
    (
        re.compile(r"entry (?P<position>\d+) \((?P<entry>.*)\) is negative"),
        lambda v: Msg("entry {position} ({entry}) is negative", **v),
    ),
    (
        re.compile(r"device (?P<value>.*) is listed twice, so CUDA sees no device at all"),
        lambda v: Msg("device {value} is listed twice, so CUDA sees no device at all", **v),
    ),
    (
        re.compile(r"entry (?P<entry>.*) is not a clean index or identifier \(CUDA reads what "
                   r"it can\)"),
        lambda v: Msg("entry {entry} is not a clean index or identifier (CUDA reads what it can)",
                      **v),
    ),
)
"""The parser's reasons (:mod:`envcheck.parsers.cuda_visible_devices`, which stays free of
envcheck imports, writes them in English into the facts), as messages."""


def _problem(text: str) -> str:
    """The parser's reason for dropping entries, as a message when it is one of its own."""
    if isinstance(text, Msg):
        return text
    for pattern, say in _PROBLEMS:
        match = pattern.fullmatch(text)
        if match:
            said = say(match.groupdict())
            return said if said == text else text
    return text


@rule(
    "cuda_visible_devices.empty",
    "cuda_visible_devices.no_such_device",
    "cuda_visible_devices.invalid_entry",
    "cuda_visible_devices.set_without_gpu",
)
def visible_devices_rules(view: FactsView) -> list[Candidate]:
    """cuda_visible_devices.*: empty, invalid, or naming GPUs that do not exist."""
    raw = view.raw_str("env.cuda_visible_devices")
    parsed = view.dict_("env.cuda_visible_devices_parsed")
    if raw is None and parsed is None:
        return []
    parsed = parsed or {}
    kind = parsed.get("kind")
    if kind == "unset" or (kind is None and raw is None):
        return []
    raw_entries = parsed.get("entries")
    entries = (
        [str(e) for e in raw_entries] if isinstance(raw_entries, list) else (raw or "").split(",")
    )
    raw_valid = parsed.get("valid_prefix")
    valid = [str(e) for e in raw_valid] if isinstance(raw_valid, list) else []
    problem = parsed.get("problem") if isinstance(parsed.get("problem"), str) else None
    count = view.gpu_count
    shown = f"CUDA_VISIBLE_DEVICES={raw!r}" if raw is not None else "CUDA_VISIBLE_DEVICES"
    evidence = ("env.cuda_visible_devices", "env.cuda_visible_devices_parsed", "nvidia.gpu_count")
    hides = frozenset(
        {
            "cuda_unavailable",
            "kernel_not_run",
            "kernel_failed",
            "no_cuda_gpus",
            "invalid_device_ordinal",
        }
    )
    unset_fix = Fix(
        "Unset it (or list the GPUs to use, e.g. 0,1) before starting Python",
        ("unset CUDA_VISIBLE_DEVICES",)
        if view.os_name != "windows"
        else ("set CUDA_VISIBLE_DEVICES=",),
    )
    if kind == "empty" or (raw is not None and raw.strip() == ""):
        # A paste that shows CUDA failing counts as a machine with a GPU to hide.
        failing = view.pasted and (
            view.bool_("torch.cuda_available") is False
            or bool(view.signature_kinds & {"no_cuda_gpus", "invalid_device_ordinal"})
        )
        gpus = (count or 0) > 0 or failing
        return [
            Candidate(
                finding(
                    id="cuda_visible_devices.empty",
                    # Shown in a paste at all, an empty value is there because it matters.
                    severity=Severity.ERROR
                    if gpus
                    else Severity.WARNING
                    if view.pasted
                    else Severity.INFO,
                    detail=Msg("{shown} hides every GPU from CUDA ({count} present).",
                               shown=shown, count=count)
                    if count
                    else Msg("{shown} hides every GPU from CUDA.", shown=shown),
                    evidence=evidence,
                    fixes=(unset_fix,),
                ),
                RANK_VISIBLE,
                hides if gpus else frozenset(),
            )
        ]
    failed = view.signature_kinds & {"no_cuda_gpus", "invalid_device_ordinal"}
    if view.gpu_count is None and valid and failed and view.pasted:
        # A pasted report: the GPU count is unknown, but CUDA itself says that what
        # CUDA_VISIBLE_DEVICES leaves visible does not exist.
        return [
            Candidate(
                finding(
                    id="cuda_visible_devices.no_such_device",
                    severity=Severity.ERROR,
                    detail=Msg(
                        "{shown} is set, and CUDA then finds no usable GPU: the machine has no "
                        "GPU with index {indices} (a single-GPU machine has only 0). Scripts "
                        "often hard-code the GPU of their author's machine.",
                        shown=shown,
                        indices=items(valid),
                    ),
                    evidence=evidence,
                    fixes=(
                        Fix(
                            "Point it at a GPU that exists (or remove the line that sets it)",
                            ("nvidia-smi -L", "grep -rn CUDA_VISIBLE_DEVICES ."),
                        ),
                        unset_fix,
                    ),
                ),
                RANK_VISIBLE,
                hides,
            )
        ]
    if view.gpu_count is None and not valid:
        return []
    out: list[Candidate] = []
    usable = list(valid)
    missing: list[str] = []
    if count is not None and kind in ("indices", "invalid", "mixed"):
        for position, entry in enumerate(valid):
            if entry.isdigit() and int(entry) >= count:
                missing = valid[position:]
                usable = valid[:position]
                break
    if kind == "uuids" and view.gpus:
        known = [gpu.uuid for gpu in view.gpus if gpu.uuid]
        for position, entry in enumerate(valid):
            if known and not any(u.startswith(entry) for u in known):
                missing = valid[position:]
                usable = valid[:position]
                break
    if missing:
        out.append(
            Candidate(
                finding(
                    id="cuda_visible_devices.no_such_device",
                    severity=Severity.ERROR if not usable else Severity.WARNING,
                    detail=Msg(
                        "{shown}: this machine has {count} GPU(s) (indices 0–{last}); CUDA "
                        "stops at {stop}, so it uses {uses}",
                        shown=shown,
                        count=count,
                        last=(count or 1) - 1,
                        stop=repr(missing[0]),
                        uses=_uses(usable),
                    ),
                    evidence=evidence,
                    fixes=(unset_fix,),
                ),
                RANK_VISIBLE,
                hides if not usable else frozenset({"invalid_device_ordinal"}),
            )
        )
    elif problem and len(valid) < len(entries):
        out.append(
            Candidate(
                finding(
                    id="cuda_visible_devices.invalid_entry",
                    severity=Severity.ERROR if not valid else Severity.WARNING,
                    detail=Msg(
                        "{shown}: {problem}. CUDA reads the list up to the first bad entry, so "
                        "it uses {uses}",
                        shown=shown,
                        problem=_problem(str(problem)),
                        uses=_uses(valid),
                    ),
                    evidence=evidence,
                    fixes=(unset_fix,),
                ),
                RANK_VISIBLE,
                hides if not valid else frozenset({"invalid_device_ordinal"}),
            )
        )
    if count == 0 and raw and not out:
        out.append(
            Candidate(
                finding(
                    id="cuda_visible_devices.set_without_gpu",
                    severity=Severity.INFO,
                    detail=Msg(
                        "{shown} is set, but NVML sees no NVIDIA GPU on this machine.", shown=shown
                    ),
                    evidence=evidence,
                ),
                RANK_INFO,
            )
        )
    return out


@rule("cuda_visible_devices.device_order")
def device_order(view: FactsView) -> list[Candidate]:
    """Indices in CUDA_VISIBLE_DEVICES on a machine with different GPU models, without
    CUDA_DEVICE_ORDER=PCI_BUS_ID: CUDA numbers the fastest GPU 0, nvidia-smi numbers by bus.

    https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#env-vars
    """
    raw = view.raw_str("env.cuda_visible_devices")
    parsed = view.dict_("env.cuda_visible_devices_parsed") or {}
    listed = parsed.get("valid_prefix")
    valid = [str(e) for e in listed] if isinstance(listed, list) else []
    models = {gpu.name for gpu in view.gpus}
    order = (view.str_("env.cuda_device_order") or "").upper()
    if parsed.get("kind") != "indices" or not valid or len(view.gpus) < 2 or len(models) < 2:
        return []
    if order == "PCI_BUS_ID":
        return []
    return [
        Candidate(
            finding(
                id="cuda_visible_devices.device_order",
                severity=Severity.WARNING,
                detail=Msg(
                    "CUDA_VISIBLE_DEVICES={value} counts GPUs in CUDA's order, which puts the "
                    "fastest GPU first; nvidia-smi numbers them by PCI bus. This machine mixes "
                    "{models}, so the two numberings can differ and the process may run on the "
                    "other GPU (smaller memory, out-of-memory errors) unless "
                    "CUDA_DEVICE_ORDER=PCI_BUS_ID.",
                    value=repr(raw),
                    models=items(sorted(models)),
                ),
                evidence=("env.cuda_visible_devices", "env.cuda_device_order", "nvidia.gpus"),
                fixes=(
                    Fix(
                        "Number GPUs as nvidia-smi does, then pick by that number",
                        (
                            "export CUDA_DEVICE_ORDER=PCI_BUS_ID",
                            f"export CUDA_VISIBLE_DEVICES={','.join(valid)}",
                        ),
                    ),
                ),
            ),
            RANK_VISIBLE,
            frozenset({"oom"}),
        )
    ]


@rule("cuda_visible_devices.set_after_init")
def set_after_init(view: FactsView) -> list[Candidate]:
    """The code sets CUDA_VISIBLE_DEVICES after a call that already started CUDA: the value
    is read once, when CUDA initialises, so the process keeps seeing every GPU."""
    said = view.claim_text("cvd_after_init")
    if said is None:
        return []
    failing = bool(
        view.user_signature_kinds & {"oom", "invalid_device_ordinal", "no_cuda_gpus", "device_busy"}
    )
    return [
        Candidate(
            finding(
                id="cuda_visible_devices.set_after_init",
                severity=Severity.ERROR if failing else Severity.WARNING,
                detail=Msg(
                    'The code sets the variable ("{said}") after a call that starts CUDA or '
                    "counts the devices. CUDA reads CUDA_VISIBLE_DEVICES once, when it "
                    "initialises, so the setting has no effect: the process still sees every "
                    "GPU and uses GPU 0 (often a busy one: out-of-memory errors).",
                    said=said,
                ),
                evidence=("explain.claims", "env.cuda_visible_devices", "errors.seen"),
                fixes=(
                    Fix(
                        "Set it before anything touches CUDA: at the very top of the script, "
                        "before import torch, or in the shell that starts it",
                        ("CUDA_VISIBLE_DEVICES=4,5 python train.py",),
                    ),
                ),
            ),
            RANK_VISIBLE,
            frozenset({"oom", "invalid_device_ordinal", "no_cuda_gpus", "device_busy"}),
        )
    ]
