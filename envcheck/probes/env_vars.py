"""Environment variables that change which GPUs, libraries and toolkits a process uses.

Shell equivalent: ``env | grep -E 'CUDA|NVIDIA|LD_LIBRARY_PATH|TORCH|PYTORCH'``.

The interesting one is ``CUDA_VISIBLE_DEVICES``: the CUDA runtime reads it left to right and
silently stops at the first entry it cannot use, so ``0,a,1`` exposes only GPU 0 and ``-1``
hides every GPU. :func:`parse_cuda_visible_devices` reproduces that reading so rules can say
what CUDA really sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from envcheck.context import Context
from envcheck.model import ProbeOutcome
from envcheck.probes.base import Facts, Probe

NOT_SET = "not set"

_RAW_VARS: tuple[tuple[str, str], ...] = (
    ("env.nvidia_visible_devices", "NVIDIA_VISIBLE_DEVICES"),
    ("env.cuda_home", "CUDA_HOME"),
    ("env.cuda_path", "CUDA_PATH"),
    ("env.torch_cuda_arch_list", "TORCH_CUDA_ARCH_LIST"),
    ("env.pytorch_cuda_alloc_conf", "PYTORCH_CUDA_ALLOC_CONF"),
    ("env.cuda_launch_blocking", "CUDA_LAUNCH_BLOCKING"),
    ("env.cuda_device_order", "CUDA_DEVICE_ORDER"),
)

# An ordinal as strtoul(3) reads it: leading blanks, an optional sign, then digits; anything
# after the digits is ignored. The CUDA runtime parses ordinals this way.
_ORDINAL_RE = re.compile(r"\s*([+-]?)([0-9]+)", re.ASCII)
_CLEAN_ORDINAL_RE = re.compile(r"\s*[0-9]+\s*", re.ASCII)
_GPU_UUID_RE = re.compile(r"GPU-[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)*")
_MIG_RE = re.compile(r"MIG-(?:[0-9A-Fa-f]+(?:-[0-9A-Fa-f]+)*|GPU-[0-9A-Fa-f-]+/\d+/\d+)")


def env_get(env: Mapping[str, str], name: str, os_name: str) -> str | None:
    """The value of ``name`` in ``env``; case-insensitive on Windows, like the OS itself.

    An empty value is returned as ``""`` (set but empty), distinct from ``None`` (unset).
    """
    if name in env:
        return env[name]
    if os_name == "windows":
        upper = name.upper()
        for key, value in env.items():
            if key.upper() == upper:
                return value
    return None


def split_search_path(raw: str | None, os_name: str) -> list[str]:
    """Split a PATH-like value with the separator of ``os_name`` (``;`` on Windows, else ``:``).

    Empty entries are kept: on Linux an empty LD_LIBRARY_PATH entry (``a::b`` or a trailing
    ``:``) means the current directory, which is worth seeing. An unset or empty value gives
    an empty list.
    """
    if not raw:
        return []
    return raw.split(";" if os_name == "windows" else ":")


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


class EnvVarsProbe(Probe):
    """Record the environment variables that steer CUDA and PyTorch.

    Emits ``env.cuda_visible_devices`` (raw) and ``env.cuda_visible_devices_parsed``,
    ``env.nvidia_visible_devices``, ``env.cuda_home``, ``env.cuda_path``,
    ``env.ld_library_path`` (a list; unknown on Windows, which has no such variable),
    ``env.torch_cuda_arch_list``, ``env.pytorch_cuda_alloc_conf`` and
    ``env.cuda_launch_blocking``. An unset variable is None with the note "not set".
    """

    id = "env_vars"
    title = "Environment variables"
    inspects = "environment variables such as CUDA_VISIBLE_DEVICES"

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        os_name = ctx.os_name

        cvd = env_get(ctx.env, "CUDA_VISIBLE_DEVICES", os_name)
        facts.set("env.cuda_visible_devices", cvd, None if cvd is not None else NOT_SET)
        parsed = parse_cuda_visible_devices(cvd)
        facts.set("env.cuda_visible_devices_parsed", parsed)

        for key, name in _RAW_VARS:
            value = env_get(ctx.env, name, os_name)
            facts.set(key, value, None if value is not None else NOT_SET)

        if os_name == "windows":
            facts.unknown(
                "env.ld_library_path",
                "Windows has no LD_LIBRARY_PATH: DLLs are found through PATH (and the "
                "directories Python adds with os.add_dll_directory)",
            )
        else:
            ld_path = env_get(ctx.env, "LD_LIBRARY_PATH", os_name)
            if ld_path is None:
                facts.unknown("env.ld_library_path", NOT_SET)
            else:
                entries = split_search_path(ld_path, os_name)
                note = None
                if "" in entries:
                    note = "has an empty entry, which the loader reads as the current directory"
                facts.set("env.ld_library_path", entries, note)

        summary = f"CUDA_VISIBLE_DEVICES {parsed['kind']}"
        if parsed["kind"] not in ("unset", "empty"):
            summary += f" ({cvd})"
        return facts.outcome(summary)
