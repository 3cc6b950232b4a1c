"""``envcheck explain``: turn a pasted report into the same facts the doctor produces.

Each module reads one format (collect_env, nvidia-smi, nvcc, pip, conda, Python prints,
environment variables, tracebacks) from the cleaned lines of the paste and says which lines
it understood. :func:`explain_text` runs them all, merges their facts (the first value in
the paste wins; a later, different value becomes a note) and lists what nothing understood,
so the doctor's rules and renderers work on a paste exactly as on a live machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from envcheck.explain.collect_env import parse_collect_env
from envcheck.explain.common import Found, Line, Parsed, is_heading, split_lines, truncate
from envcheck.explain.conda_list import parse_conda_list
from envcheck.explain.env_lines import parse_env_lines
from envcheck.explain.issue_template import parse_issue_template
from envcheck.explain.nvcc import parse_nvcc
from envcheck.explain.nvidia_smi import parse_nvidia_smi
from envcheck.explain.pip_list import parse_pip_list
from envcheck.explain.prose import parse_prose
from envcheck.explain.python_prints import parse_python_prints
from envcheck.explain.system_info import parse_system_info
from envcheck.explain.tracebacks import parse_tracebacks
from envcheck.fact_keys import CATALOGUE
from envcheck.i18n import Msg, written
from envcheck.i18n_lists import remarks
from envcheck.model import FactValue
from envcheck.parsers.versions import cuda_from_label
from envcheck.recipes import RecipeError, load_tables, platform_key

MAX_UNPARSED = 20
"""Unparsed lines listed in the result; the rest are counted in one last entry."""

PARSERS: tuple[Callable[[Sequence[Line]], Parsed], ...] = (
    parse_collect_env,
    parse_nvidia_smi,
    parse_nvcc,
    parse_python_prints,
    parse_pip_list,
    parse_conda_list,
    parse_env_lines,
    parse_issue_template,
    parse_system_info,
)
"""Format parsers, in the order their facts win when two read the same line."""

# Commands users paste above their output: recognised, nothing to read from them.
_COMMAND_RE = re.compile(
    r"^(?:sudo\s+)?(?:nvidia-smi|nvcc|pip3?|conda|mamba|micromamba|uv\s+pip|"
    r"python[\d.]{0,5}(?:\.exe)?|py|ldconfig|echo|env|printenv|which|where|lspci|cat|uname|"
    r"lsb_release|wget|curl|docker|export)(?:\s|$)"
)

# List facts that several sections may each hold part of: merged as a union, keyed by these
# fields, instead of "first wins".
_UNION_KEYS: dict[str, tuple[str, ...]] = {
    "packages.nvidia": ("name",),
    "packages.conda": ("name", "channel"),
    "cudnn.wheels": ("name",),
    "cudnn.system": ("path", "version"),
    "errors.seen": ("kind", "text"),
    "torch.copies": ("installer", "version"),
    "python.executables_seen": (),
}
# What a torch version string implies: never taken from prose when a strict parser gave it.
_TORCH_LABEL_KEYS = frozenset({"torch.version", "torch.build_label", "torch.cuda_build",
                               "torch.hip_build"})
# Lists of per-device objects: merged by index, filling fields the first section lacked.
_BY_INDEX = frozenset({"nvidia.gpus", "torch.devices"})


@dataclass(frozen=True)
class ExplainResult:
    """What a pasted report says, as doctor facts, plus what could not be read.

    ``facts`` use the keys of :mod:`envcheck.fact_keys`; ``notes`` say why a fact is unknown
    or where two sections of the paste disagreed; ``formats`` are the formats recognised
    (also in the ``explain.formats`` fact); ``unparsed`` lists lines nothing understood
    (trimmed, at most :data:`MAX_UNPARSED` and a count of the rest).
    """

    facts: Mapping[str, FactValue] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)
    formats: tuple[str, ...] = ()
    unparsed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))
        object.__setattr__(self, "notes", MappingProxyType(dict(self.notes)))


def _refines(old: Any, new: Any) -> bool:
    """Whether ``new`` says the same as ``old`` with more detail ('2.1.0' → '2.1.0+cu121')."""
    if not (isinstance(old, str) and isinstance(new, str)):
        return False
    if old == "":
        return True
    return new.startswith(old) and new[len(old) : len(old) + 1] in ("+", ".")


def _same(old: Any, new: Any) -> bool:
    return old == new or _refines(new, old)


def _union(old: list[Any], new: list[Any], fields: tuple[str, ...]) -> list[Any]:
    def identity(item: Any) -> tuple[Any, ...]:
        if isinstance(item, dict):
            return tuple(item.get(f) for f in fields)
        return (item,)

    merged = list(old)
    known = {identity(item) for item in merged}
    for item in new:
        if identity(item) not in known:
            known.add(identity(item))
            merged.append(item)
    return merged


def _has_uuids(instances: Any) -> bool:
    return isinstance(instances, list) and any(
        isinstance(item, dict) and item.get("uuid") for item in instances
    )


def _by_index(old: list[Any], new: list[Any]) -> list[Any]:
    merged = [dict(item) if isinstance(item, dict) else item for item in old]
    for item in new:
        if not isinstance(item, dict):
            continue
        target = next(
            (m for m in merged if isinstance(m, dict) and m.get("index") == item.get("index")),
            None,
        )
        if target is None:
            merged.append(dict(item))
            continue
        for name, value in item.items():
            current = target.get(name)
            if current in (None, []) and value not in (None, []):
                target[name] = value
            elif name == "mig_instances" and _has_uuids(value) and not _has_uuids(current):
                # nvidia-smi -L names MIG instances by UUID; the MIG table does not.
                target[name] = value
            elif (
                name == "name"
                and isinstance(current, str)
                and isinstance(value, str)
                and len(value) > len(current)
                and value.lower().startswith(current.lower())
            ):
                # A name nvidia-smi cut short is completed by a longer one that starts like it.
                target[name] = value
    return merged


class _Merger:
    """Folds facts found in the paste, in paste order, into one fact set with notes."""

    def __init__(self) -> None:
        self.facts: dict[str, FactValue] = {}
        self.notes: dict[str, str] = {}
        self.origin: dict[str, Found] = {}
        self.conflicts: dict[str, list[str]] = {}

    def add(self, found: Found) -> None:
        key = found.key
        if key not in CATALOGUE:
            return
        if key not in self.facts:
            self.facts[key] = found.value
            self.origin[key] = found
            if found.note:
                self.notes[key] = found.note
            return
        old = self.facts[key]
        new = found.value
        if new is None:
            return
        if old is None:
            self.facts[key] = new
            self.origin[key] = found
            if found.note:
                self.notes[key] = found.note
            else:
                self.notes.pop(key, None)
            return
        if key in _UNION_KEYS and isinstance(old, list) and isinstance(new, list):
            self.facts[key] = _union(old, new, _UNION_KEYS[key])
        elif key in _BY_INDEX and isinstance(old, list) and isinstance(new, list):
            self.facts[key] = _by_index(old, new)
        elif _refines(old, new):
            self.facts[key] = new
        elif not _same(old, new):
            first = self.origin[key]
            messages = self.conflicts.setdefault(key, [])
            if len(messages) > 3:
                messages.append("")  # only counted: the note shows the first three
                return
            messages.append(Msg(
                "{source} (line {line}) says {new}; kept {old} from {first_source} "
                "(line {first_line}), the first in the paste",
                source=found.source, line=found.line + 1, new=repr(new), old=repr(old),
                first_source=first.source, first_line=first.line + 1,
            ))

    def result(self) -> tuple[dict[str, FactValue], dict[str, str]]:
        notes = dict(self.notes)
        for key, messages in self.conflicts.items():
            extra = messages[:3]
            if len(messages) > 3:
                extra.append(Msg("and {n} more", n=len(messages) - 3))
            notes[key] = remarks(map(written, [notes.get(key, ""), *extra]))
        order = list(CATALOGUE)
        facts = {k: self.facts[k] for k in sorted(self.facts, key=order.index)}
        return facts, {k: notes[k] for k in sorted(notes, key=order.index)}


# Where a shown is_available() result is the reporter's point, not a line of an env dump.
_SHOWN_BY = frozenset({"python", "prose"})


def _add_claim(merger: _Merger, name: str, line: int, text: str) -> None:
    claim = {"claim": name, "line": line + 1, "text": text}
    claims = merger.facts.get("explain.claims")
    merger.facts["explain.claims"] = [*claims, claim] if isinstance(claims, list) else [claim]


def _mark_cuda_check(merger: _Merger, found: Sequence[Found]) -> None:
    """Record what the paste's ``is_available()`` answers say, as claims.

    ``cuda_check``: the reporter ran the check and shows False. ``Is CUDA available: False``
    inside collect_env or ``transformers env`` is the state of a machine that may have no GPU
    at all; ``torch.cuda.is_available()`` typed at a prompt or quoted in a sentence is shown
    because its answer is the problem. ``cuda_differs``: the paste shows True in one place and
    False in another (a terminal and a notebook, a shell and a script), which only one fact
    could not say.
    """
    answers = [f for f in found if f.key == "torch.cuda_available" and isinstance(f.value, bool)]
    if {f.value for f in answers} == {True, False}:
        first_false = next(f for f in answers if f.value is False)
        _add_claim(merger, "cuda_differs", first_false.line, "is_available() True and False")
    origin = merger.origin.get("torch.cuda_available")
    if origin is None or origin.source not in _SHOWN_BY or origin.value is not False:
        return
    _add_claim(merger, "cuda_check", origin.line, "torch.cuda.is_available()")


def _unparsed(rows: Sequence[Line], consumed: frozenset[int]) -> tuple[str, ...]:
    shown: list[str] = []
    hidden = 0
    for index, line in enumerate(rows):
        text = line.text.strip()
        if index in consumed or line.markup or not text or is_heading(text):
            continue
        if _COMMAND_RE.match(text) and len(text) <= 300:
            continue
        if len(shown) < MAX_UNPARSED:
            shown.append(truncate(text))
        else:
            hidden += 1
    if hidden:
        shown.append(Msg("… and {n} more line not understood", n=hidden) if hidden == 1
                     else Msg("… and {n} more lines not understood", n=hidden))
    return tuple(shown)


def _fill_capabilities(facts: dict[str, FactValue], notes: dict[str, str]) -> None:
    """Look up the compute capability of GPUs a paste names but does not give it for.

    collect_env and the nvidia-smi table print names only; the architecture table
    (recipes/gpu_archs.toml) maps model names to capabilities, which the arch rules need.
    A name it does not know (or one nvidia-smi cut short) keeps ``None``.
    """
    gpus = facts.get("nvidia.gpus")
    if not isinstance(gpus, list) or not any(
        isinstance(g, dict) and g.get("compute_capability") is None and g.get("name") for g in gpus
    ):
        return
    try:
        tables = load_tables()
    except (RecipeError, OSError, ValueError):
        return
    looked_up: list[str] = []
    filled: list[Any] = []
    known: dict[str, str | None] = {}
    for gpu in gpus:
        if isinstance(gpu, dict) and gpu.get("compute_capability") is None and gpu.get("name"):
            name = str(gpu["name"])
            if name not in known:
                arch = tables.find_gpu(name)
                known[name] = f"{arch.cc.major}.{arch.cc.minor}" if arch is not None else None
            if known[name] is not None:
                gpu = {**gpu, "compute_capability": known[name]}
                if len(looked_up) < 8:
                    looked_up.append(f"GPU {gpu.get('index')}")
        filled.append(gpu)
    if looked_up:
        facts["nvidia.gpus"] = filled
        remark = Msg(
            "compute capability of {gpus} looked up from the GPU name (recipes/gpu_archs.toml)",
            gpus=", ".join(looked_up),
        )
        notes["nvidia.gpus"] = (
            remarks([written(notes["nvidia.gpus"]), remark]) if "nvidia.gpus" in notes else remark
        )


def _fill_default_build(facts: dict[str, FactValue], notes: dict[str, str]) -> None:
    """The CUDA build of a torch named without its label, when pip installed it on Linux.

    ``pip install torch==2.3.1`` on Linux x86_64 gets PyPI's default wheel, a CUDA build whose
    version the tables know (cu121 for 2.3.1, cu102 for 1.7.1); the version string has no
    ``+cu121`` label. Not assumed for conda installs, other platforms or unknown releases.
    """
    version = facts.get("torch.version")
    if not isinstance(version, str) or "+" in version or facts.get("torch.cuda_build"):
        return
    if facts.get("os.name") != "linux" or facts.get("os.arch") not in (None, "x86_64"):
        return
    seen = facts.get("errors.seen")
    if isinstance(seen, list) and any(
        isinstance(e, dict) and e.get("kind") == "not_compiled_with_cuda" for e in seen
    ):
        return  # torch itself says it is a CPU build
    conda = facts.get("packages.conda")
    if facts.get("torch.installer") == "conda" or (
        isinstance(conda, list)
        and any(isinstance(p, dict) and p.get("name") == "pytorch" for p in conda)
    ):
        return
    try:
        tables = load_tables()
        plat = platform_key("linux", "x86_64")
        variant = tables.pypi_default_variant(version, plat) if plat else None
    except (RecipeError, OSError, ValueError):
        return
    cuda = cuda_from_label(variant or "")
    if cuda is None:
        return
    facts["torch.cuda_build"] = cuda
    notes["torch.cuda_build"] = Msg(
        "assumed: PyPI's default Linux wheel of torch {version} is built for CUDA {cuda} "
        "({variant}); a conda or other-index install would differ",
        version=version, cuda=cuda, variant=variant or "",
    )


def explain_text(text: str) -> ExplainResult:
    """Parse a pasted report into doctor facts. Pure; never raises; linear in the input.

    The same fact read twice keeps the first value in the paste (a more detailed
    restatement such as '2.1.0' → '2.1.0+cu121' replaces it); a different later value is
    recorded in the fact's note. Sets ``explain.formats`` to the formats recognised.
    """
    rows = split_lines(text)
    parts = [parser(rows) for parser in PARSERS]
    consumed = frozenset().union(*(part.consumed for part in parts))
    parts.append(parse_tracebacks(rows, skip=consumed))
    consumed = consumed | parts[-1].consumed

    found = sorted(
        (f for part in parts for f in part.found),
        key=lambda f: f.line,
    )
    merger = _Merger()
    for item in found:
        merger.add(item)
    # Lenient evidence fills only what no strict parser said (a strict fact always wins).
    lenient = parse_prose(rows)
    strict_torch = "torch.version" in merger.facts
    for item in sorted(lenient.found, key=lambda f: f.line):
        if strict_torch and item.key in _TORCH_LABEL_KEYS:
            continue
        if item.key not in merger.facts or item.key in _UNION_KEYS:
            merger.add(item)

    # A format counts when its parser understood lines no earlier parser did: a collect_env
    # "Is CUDA available: True" line also reads as a labelled print, but is not one.
    firsts: list[tuple[int, int, int, str]] = []
    earlier: frozenset[int] = frozenset()
    for order, part in enumerate(parts):
        own = part.consumed - earlier
        earlier = earlier | part.consumed
        if own or (not part.consumed and part.found):
            start = min(own, default=len(rows))
            firsts.extend((start, order, rank, fmt) for rank, fmt in enumerate(part.formats))
    formats: list[str] = []
    for *_, fmt in sorted(firsts):
        if fmt not in formats:
            formats.append(fmt)
    _mark_cuda_check(merger, [*found, *lenient.found])
    facts, notes = merger.result()
    _fill_capabilities(facts, notes)
    _fill_default_build(facts, notes)
    if not formats and any(merger.origin.get(f.key) is f for f in lenient.found):
        formats.append("prose")  # nothing but free text (each fact's note says so too)
    facts["explain.formats"] = list(formats)
    if not formats:
        notes["explain.formats"] = Msg("no known report format was recognised in the text")
    return ExplainResult(
        facts=facts,
        notes=notes,
        formats=tuple(formats),
        unparsed=_unparsed(rows, consumed),
    )


__all__ = ["PARSERS", "ExplainResult", "explain_text"]
