"""CUDA_VISIBLE_DEVICES as the CUDA runtime reads it: shared by the env-vars probe and explain.

Pure and total; no envcheck imports (see ``envcheck/parsers``).
"""

from __future__ import annotations

import re
from typing import Any

# An ordinal as strtoul(3) reads it: leading blanks, an optional sign, then digits; anything
# after the digits is ignored. The CUDA runtime parses ordinals this way.
_ORDINAL_RE = re.compile(r"\s*([+-]?)([0-9]+)", re.ASCII)
_CLEAN_ORDINAL_RE = re.compile(r"\s*[0-9]+\s*", re.ASCII)
_GPU_UUID_RE = re.compile(r"GPU-[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)*")
_MIG_RE = re.compile(r"MIG-(?:[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)*|GPU-[0-9A-Fa-f-]+/\d+/\d+)")



def _entry_class(entry: str) -> str:
    """``index``, ``uuid``, ``mig`` or ``invalid`` for one comma-separated entry."""
    if _CLEAN_ORDINAL_RE.fullmatch(entry):
        return "index"
    if _GPU_UUID_RE.fullmatch(entry):
        return "uuid"
    if _MIG_RE.fullmatch(entry):
        return "mig"
    return "invalid"


def _cuda_reading(raw: str) -> tuple[list[str], str | None]:
    """The devices CUDA takes from ``raw`` and, when it dropped some, why.

    Mirrors the runtime: a value starting with ``GPU-`` or ``MIG-`` is a list of identifiers
    of that kind (matched as given, no blank stripping); anything else is a list of ordinals
    read like strtoul. Reading stops at the first entry that does not fit; a repeated device
    makes the whole list empty.
    """
    entries = raw.split(",")
    seen: list[str] = []
    prefix = next((p for p in ("GPU-", "MIG-") if raw.startswith(p)), None)
    for position, entry in enumerate(entries, start=1):
        if prefix is not None:
            if not entry.startswith(prefix):
                return seen, f"entry {position} ({entry!r}) is not a {prefix}… identifier"
            value = entry
        else:
            match = _ORDINAL_RE.match(entry)
            if match is None:
                return seen, f"entry {position} ({entry!r}) is not a device index"
            if match.group(1) == "-":
                return seen, f"entry {position} ({entry!r}) is negative"
            value = str(int(match.group(2)))
        if value in seen:
            return [], f"device {value} is listed twice, so CUDA sees no device at all"
        seen.append(value)
    return seen, None


def parse_cuda_visible_devices(raw: str | None) -> dict[str, Any]:
    """Classify a CUDA_VISIBLE_DEVICES value and compute what the CUDA runtime makes of it.

    Returns ``{kind, entries, valid_prefix, problem}``:

    - ``kind``: ``unset`` (every GPU visible), ``empty`` (no GPU visible), ``indices``
      (``0,1``), ``uuids`` (``GPU-…``), ``mig`` (``MIG-…`` or ``MIG-GPU-…/1/0``), ``mixed``
      (valid entries of different kinds) or ``invalid`` (an entry that is none of these, a
      negative index, or a repeated device).
    - ``entries``: the raw comma-separated pieces; ``",".join(entries) == raw``.
    - ``valid_prefix``: what CUDA uses: entries up to the first unusable one, ordinals
      normalised (``" 01"`` → ``"1"``). Empty when a device repeats. An ordinal beyond the
      GPU count also ends the list, which only a rule that knows the count can tell.
    - ``problem``: why entries were dropped, or None.
    """
    if raw is None:
        return {"kind": "unset", "entries": [], "valid_prefix": [], "problem": None}
    if raw.strip() == "":
        return {
            "kind": "empty",
            "entries": raw.split(",") if raw else [],
            "valid_prefix": [],
            "problem": "the value is empty, so CUDA sees no device",
        }
    entries = raw.split(",")
    valid_prefix, problem = _cuda_reading(raw)
    classes = {_entry_class(entry) for entry in entries}
    if "invalid" in classes or (problem is not None and len(classes) == 1):
        kind = "invalid"
    elif len(classes) > 1:
        kind = "mixed"
    else:
        kind = {"index": "indices", "uuid": "uuids", "mig": "mig"}[classes.pop()]
    if problem is None and kind == "invalid":
        odd = next(entry for entry in entries if _entry_class(entry) == "invalid")
        problem = f"entry {odd!r} is not a clean index or identifier (CUDA reads what it can)"
    return {"kind": kind, "entries": entries, "valid_prefix": valid_prefix, "problem": problem}


__all__ = ["parse_cuda_visible_devices"]
