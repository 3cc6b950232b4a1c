"""Typed, forgiving reads of the flat facts map, and the error signatures it contains.

Facts come from probes (``doctor``) or from parsers of pasted text (``explain``); either may
leave a key out, set it to None, or (in pasted text) give an odd type. Every accessor here
returns a well-typed value or None, so rules never crash on a fact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from packaging.version import Version

from envcheck.model import Fix
from envcheck.parsers.versions import cuda_from_label
from envcheck.rules.tables import parse_version
from envcheck.signatures import ErrorSignature, classify

LENIENT_NOTE_PREFIX = "read leniently"
"""How the notes of facts read from free text start (see envcheck.explain.prose)."""

ERROR_TEXT_KEYS: tuple[str, ...] = (
    "torch.import_error",
    "torch.cuda_error",
    "torch.kernel_error",
    "torch.warnings",
)
"""Facts holding raw error text from the torch runtime probe; classified like errors.seen."""


def parse_cc(value: object) -> tuple[int, int] | None:
    """``'8.9'``, ``'sm_89'``, ``[8, 9]`` or ``'120'``-style ``sm_120`` → ``(8, 9)``/``(12, 0)``."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            return int(value[0]), int(value[1])
        except (TypeError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    for prefix in ("sm_", "compute_"):
        if text.startswith(prefix):
            digits = "".join(ch for ch in text[len(prefix) :] if ch.isdigit())
            if len(digits) < 2:
                return None
            return int(digits[:-1]), int(digits[-1])
    major, dot, minor = text.partition(".")
    if dot and major.isdigit() and minor[:1].isdigit():
        return int(major), int(minor[:1])
    return None


def cc_text(cc: tuple[int, int]) -> str:
    """``(8, 9)`` → ``'8.9'``."""
    return f"{cc[0]}.{cc[1]}"


def sm_text(cc: tuple[int, int]) -> str:
    """``(12, 0)`` → ``'sm_120'``."""
    return f"sm_{cc[0]}{cc[1]}"


@dataclass(frozen=True)
class FixWriter:
    """How the rules get a reinstall command without importing the planner.

    The doctor, explain and the bench hand :func:`envcheck.rules.diagnose` one built from
    :mod:`envcheck.recommend` (``envcheck.fix_writer.planner_fix_writer``); rules call it
    through :func:`envcheck.rules.messages.reinstall_fix`. ``fix`` returns None when nothing
    fits; ``torch`` names the release that fix installs and ``variant`` its build (``cpu``,
    ``cu126``, ``rocm6.2``; None when unknown).
    """

    fix: Callable[[Mapping[str, object]], Fix | None]
    torch: Callable[[Mapping[str, object]], str | None]
    variant: Callable[[Mapping[str, object]], str | None] = lambda _facts: None


@dataclass(frozen=True)
class Gpu:
    """One GPU as the rules see it (NVML's view, completed by torch's)."""

    index: int
    name: str
    cc: tuple[int, int] | None
    uuid: str | None = None
    mig_mode: bool | None = None
    mig_instances: tuple[str, ...] = ()


class FactsView:
    """Typed accessors over ``facts`` (and ``notes`` for why a value is unknown)."""

    def __init__(
        self,
        facts: Mapping[str, object],
        notes: Mapping[str, str],
        fix_writer: FixWriter | None = None,
    ) -> None:
        self.facts = facts
        self.notes = notes
        self.fix_writer = fix_writer
        """Writes reinstall fixes (the planner, handed in by whoever diagnoses)."""

    # -- raw typed reads --------------------------------------------------------------------
    def has(self, key: str) -> bool:
        """Whether the key is present with a non-None value."""
        return self.facts.get(key) is not None

    def str_(self, key: str) -> str | None:
        """A non-empty string value, else None (a message kept as it is when it needs no
        stripping, so it can still be translated)."""
        value = self.facts.get(key)
        if isinstance(value, str) and value.strip():
            stripped = value.strip()
            return value if stripped == value else stripped
        return None

    def raw_str(self, key: str) -> str | None:
        """A string value as given (may be empty: CUDA_VISIBLE_DEVICES="" matters)."""
        value = self.facts.get(key)
        return value if isinstance(value, str) else None

    def int_(self, key: str) -> int | None:
        """An int value (not bool), else None."""
        value = self.facts.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value

    def bool_(self, key: str) -> bool | None:
        """A bool value, else None."""
        value = self.facts.get(key)
        return value if isinstance(value, bool) else None

    def list_(self, key: str) -> list[object] | None:
        """A list value, else None."""
        value = self.facts.get(key)
        return list(value) if isinstance(value, (list, tuple)) else None

    def dicts(self, key: str) -> list[Mapping[str, object]]:
        """The dict items of a list fact (others skipped); [] when absent."""
        return [item for item in self.list_(key) or [] if isinstance(item, Mapping)]

    def strs(self, key: str) -> list[str]:
        """The string items of a list fact; [] when absent."""
        return [item for item in self.list_(key) or [] if isinstance(item, str)]

    def dict_(self, key: str) -> Mapping[str, object] | None:
        """A dict value, else None."""
        value = self.facts.get(key)
        return value if isinstance(value, Mapping) else None

    def version(self, key: str) -> Version | None:
        """A fact parsed as a version (``'535.104.05'``, ``'2.1.0+cu121'``), else None."""
        return parse_version(self.str_(key))

    def note(self, key: str) -> str:
        """Why a fact is unknown ('' when no note)."""
        return self.notes.get(key, "")

    def assumed(self, key: str) -> bool:
        """Whether a fact is an assumption explain made (PyPI's default build, say)."""
        return self.note(key).startswith("assumed")

    def lenient(self, key: str) -> bool:
        """Whether a fact was read leniently from prose (weaker than a parsed format)."""
        return self.note(key).startswith(LENIENT_NOTE_PREFIX)

    # -- derived facts ----------------------------------------------------------------------
    @property
    def os_name(self) -> str:
        """``linux``, ``windows``, ``darwin`` or ``''`` when unknown."""
        return (self.str_("os.name") or "").lower()

    @property
    def container(self) -> str | None:
        """The container kind, or None when not in one (or unknown)."""
        value = self.str_("os.container")
        return None if value in (None, "none") else value

    @property
    def wsl(self) -> str | None:
        """``wsl1``/``wsl2``, or None."""
        value = self.str_("os.wsl")
        return value if value in ("wsl1", "wsl2") else None

    @property
    def driver(self) -> Version | None:
        """The NVIDIA driver version."""
        return self.version("nvidia.driver_version") or self.version("nvidia.smi_driver_version")

    @property
    def nvml_status(self) -> str | None:
        """``nvidia.nvml_status``."""
        return self.str_("nvidia.nvml_status")

    @property
    def torch(self) -> Version | None:
        """The installed torch version (with its local label, e.g. ``2.1.0+cu121``)."""
        return self.version("torch.version") or self.version("torch.runtime_version")

    @property
    def torch_text(self) -> str:
        """``torch 2.1.0+cu121`` (or just ``torch`` when the version is unknown)."""
        version = self.str_("torch.version") or self.str_("torch.runtime_version")
        return f"torch {version}" if version else "torch"

    @property
    def torch_label(self) -> str | None:
        """The local build label (``cpu``, ``cu121``, ``rocm6.0``, ``''``), or None if unknown."""
        label = self.raw_str("torch.build_label")
        if label is not None:
            return label.strip().lower()
        version = self.torch
        if version is None:
            return None
        return (version.local or "").lower()

    @property
    def torch_cuda(self) -> Version | None:
        """The CUDA version torch was built for (``torch.version.cuda``)."""
        version = self.version("torch.cuda_build")
        if version is not None:
            return version
        cuda = cuda_from_label(self.torch_label or "")
        return Version(cuda) if cuda is not None else None

    @cached_property
    def conda_packages(self) -> dict[str, Mapping[str, object]]:
        """Conda packages by lower-case name."""
        return {
            str(item.get("name", "")).lower(): item
            for item in self.dicts("packages.conda")
            if item.get("name")
        }

    @property
    def torch_is_cpu_build(self) -> bool | None:
        """True for a CPU-only torch, False for a CUDA/ROCm build, None when unknown."""
        label = self.torch_label
        if label == "cpu":
            return True
        if label and (label.startswith("cu") or label.startswith("rocm")):
            return False
        conda = self.conda_packages
        mutex = conda.get("pytorch-mutex")
        if "cpuonly" in conda or (mutex is not None and "cpu" in str(mutex.get("build", ""))):
            return True
        pytorch = conda.get("pytorch")
        if pytorch is not None and self.str_("torch.installer") in (None, "conda"):
            build = str(pytorch.get("build", "")).lower()
            if "cpu" in build:
                return True
            if "cuda" in build:
                return False
        assumed = self.assumed("torch.cuda_build")
        if (self.has("torch.cuda_build") and not assumed) or self.has("torch.hip_build"):
            return False
        if "not_compiled_with_cuda" in self.signature_kinds:
            return True
        if self.torch is not None and "torch.cuda_build" in self.facts:
            # torch.cuda_build is null for CPU builds, with a note saying so (fact_keys).
            if "cpu" in self.note("torch.cuda_build").lower():
                return True
            if label == "" and self.os_name in ("windows", "darwin"):
                # The PyPI wheel is CPU-only on Windows and macOS (recipe-facts a1 notes).
                return True
        return None

    @cached_property
    def gpus(self) -> tuple[Gpu, ...]:
        """GPUs from NVML (``nvidia.gpus``), else the devices torch saw."""
        out: list[Gpu] = []
        for position, item in enumerate(self.dicts("nvidia.gpus")):
            index = item.get("index")
            uuid = item.get("uuid")
            mig_mode = item.get("mig_mode")
            mig = item.get("mig_instances")
            out.append(
                Gpu(
                    index=index if isinstance(index, int) else position,
                    name=str(item.get("name") or f"GPU {position}"),
                    cc=parse_cc(item.get("compute_capability")),
                    uuid=uuid if isinstance(uuid, str) else None,
                    mig_mode=mig_mode if isinstance(mig_mode, bool) else None,
                    # A pasted nvidia-smi MIG table lists instances without UUIDs: they
                    # still exist, so count them by name.
                    mig_instances=tuple(
                        str(m.get("uuid") or m.get("name") or "MIG instance")
                        for m in (mig if isinstance(mig, list) else [])
                        if isinstance(m, Mapping)
                    ),
                )
            )
        torch_devices = self.dicts("torch.devices")
        if not out:
            for position, item in enumerate(torch_devices):
                index = item.get("index")
                out.append(
                    Gpu(
                        index=index if isinstance(index, int) else position,
                        name=str(item.get("name") or f"GPU {position}"),
                        cc=parse_cc(item.get("capability")),
                    )
                )
        elif torch_devices and len(torch_devices) == len(out):
            # NVML may not report the capability (old driver); torch's device list does.
            out = [
                gpu
                if gpu.cc is not None
                else Gpu(
                    gpu.index,
                    gpu.name,
                    parse_cc(dev.get("capability")),
                    gpu.uuid,
                    gpu.mig_mode,
                    gpu.mig_instances,
                )
                for gpu, dev in zip(out, torch_devices, strict=True)
            ]
        return tuple(out)

    @property
    def gpu_count(self) -> int | None:
        """NVIDIA GPUs NVML (or failing that, torch or the report) saw."""
        count = self.int_("nvidia.gpu_count")
        if count is not None:
            return count
        if self.gpus:
            return len(self.gpus)
        return None

    @property
    def has_gpu(self) -> bool:
        """Whether there is positive evidence of an NVIDIA GPU on this machine."""
        if (self.gpu_count or 0) > 0:
            return True
        nodes = self.strs("os.nvidia_dev_nodes")
        return any(node.startswith("nvidia") and node[6:].isdigit() for node in nodes)

    @property
    def pasted(self) -> bool:
        """Whether the facts come from a pasted report (explain), not from probing a machine."""
        return "explain.formats" in self.facts

    @cached_property
    def claims(self) -> frozenset[str]:
        """What a pasted report says in words (``explain.claims``): cpu_torch, nouveau ..."""
        return frozenset(
            str(item.get("claim")) for item in self.dicts("explain.claims") if item.get("claim")
        )

    def claim_text(self, claim: str) -> str | None:
        """The line of the paste a claim was read from."""
        for item in self.dicts("explain.claims"):
            if item.get("claim") == claim:
                return str(item.get("text") or "") or None
        return None

    @property
    def other_gpus(self) -> list[str]:
        """Non-NVIDIA GPUs a pasted report names."""
        return self.strs("os.other_gpus")

    @property
    def nvidia_evidence(self) -> bool:
        """Any sign of an NVIDIA GPU or driver: GPUs, a driver version, a CUDA-capable error.

        Errors that only a present NVIDIA GPU produces (no kernel image, an arch warning,
        out of memory, busy device) count; "driver too old" does not: CUDA libraries print it
        on machines with no NVIDIA GPU at all.
        """
        if self.has_gpu or self.gpus or self.driver is not None:
            return True
        if self.bool_("torch.cuda_available") is True or (self.int_("torch.device_count") or 0):
            return True
        present = {"no_kernel_image", "arch_incompatible", "oom", "device_busy", "nvml_mismatch"}
        return bool(self.signature_kinds & present)

    @property
    def cuda_wanted(self) -> bool:
        """The user wants CUDA here: an NVIDIA GPU is evident, or they hit an error only code
        that asks for CUDA meets ("Torch not compiled with CUDA enabled", cuDNN failing to
        load), or say they checked for CUDA or that the GPU is unused."""
        if self.nvidia_evidence:
            return True
        asked = {"not_compiled_with_cuda", "cudnn_load", "no_cuda_gpus", "cuda_unavailable_msg",
                 "driver_too_old", "no_driver", "cuda_unknown_error", "torchvision_cuda_backend"}
        return bool(self.signature_kinds & asked or self.claims & {"cuda_check", "gpu_unused"})

    # -- error signatures -------------------------------------------------------------------
    @cached_property
    def signatures(self) -> tuple[ErrorSignature, ...]:
        """errors.seen plus the classified torch error texts, one per (kind, data)."""
        out: list[ErrorSignature] = []
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()

        def add(sig: ErrorSignature) -> None:
            key = (sig.kind, tuple(sorted(sig.data.items())))
            if key not in seen:
                seen.add(key)
                out.append(sig)

        for item in self.dicts("errors.seen"):
            kind = item.get("kind")
            if not isinstance(kind, str):
                continue
            data = item.get("data")
            clean = (
                {str(k): str(v) for k, v in data.items() if v is not None}
                if isinstance(data, Mapping)
                else {}
            )
            add(ErrorSignature(kind, str(item.get("text") or ""), clean))
        for key in ERROR_TEXT_KEYS:
            value = self.facts.get(key)
            texts = [value] if isinstance(value, str) else self.strs(key)
            for text in texts:
                for sig in classify(text):
                    add(sig)
        return tuple(out)

    @cached_property
    def user_signature_kinds(self) -> frozenset[str]:
        """Kinds from errors.seen only: errors the user actually hit (pasted or recorded)."""
        return frozenset(
            str(item.get("kind")) for item in self.dicts("errors.seen") if item.get("kind")
        )

    @cached_property
    def signature_kinds(self) -> frozenset[str]:
        """Every signature kind present."""
        return frozenset(sig.kind for sig in self.signatures)

    def signature(self, kind: str) -> ErrorSignature | None:
        """The first signature of this kind."""
        return next((sig for sig in self.signatures if sig.kind == kind), None)

    def signatures_of(self, kind: str) -> list[ErrorSignature]:
        """Every signature of this kind."""
        return [sig for sig in self.signatures if sig.kind == kind]
