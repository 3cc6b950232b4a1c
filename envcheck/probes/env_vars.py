"""Environment variables that change which GPUs, libraries and toolkits a process uses.

Shell equivalent: ``env | grep -E 'CUDA|NVIDIA|LD_LIBRARY_PATH|TORCH|PYTORCH'``.

The interesting one is ``CUDA_VISIBLE_DEVICES``: the CUDA runtime reads it left to right and
silently stops at the first entry it cannot use, so ``0,a,1`` exposes only GPU 0 and ``-1``
hides every GPU. :func:`parse_cuda_visible_devices` reproduces that reading so rules can say
what CUDA really sees.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from envcheck.context import Context
from envcheck.i18n import LANGUAGES, Msg, messages
from envcheck.model import ProbeOutcome
from envcheck.parsers.cuda_visible_devices import parse_cuda_visible_devices
from envcheck.probes.base import Facts, Probe

NOT_SET = Msg("not set")
"""The note on a variable that is not set (renderers leave such facts out)."""

_RAW_VARS: tuple[tuple[str, str], ...] = (
    ("env.nvidia_visible_devices", "NVIDIA_VISIBLE_DEVICES"),
    ("env.cuda_home", "CUDA_HOME"),
    ("env.cuda_path", "CUDA_PATH"),
    ("env.torch_cuda_arch_list", "TORCH_CUDA_ARCH_LIST"),
    ("env.pytorch_cuda_alloc_conf", "PYTORCH_CUDA_ALLOC_CONF"),
    ("env.cuda_launch_blocking", "CUDA_LAUNCH_BLOCKING"),
    ("env.cuda_device_order", "CUDA_DEVICE_ORDER"),
)

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


def is_not_set(note: str | None) -> bool:
    """Whether ``note`` is :data:`NOT_SET`, in any language (a report is translated before it
    is rendered, so a renderer sees the note in the reader's language)."""
    return note is not None and note in _not_set_texts()


@functools.cache
def _not_set_texts() -> frozenset[str]:
    return frozenset(messages(lang).gettext(NOT_SET.msgid) for lang in LANGUAGES)


def split_search_path(raw: str | None, os_name: str) -> list[str]:
    """Split a PATH-like value with the separator of ``os_name`` (``;`` on Windows, else ``:``).

    Empty entries are kept: on Linux an empty LD_LIBRARY_PATH entry (``a::b`` or a trailing
    ``:``) means the current directory, which is worth seeing. An unset or empty value gives
    an empty list.
    """
    if not raw:
        return []
    return raw.split(";" if os_name == "windows" else ":")


class EnvVarsProbe(Probe):
    """Record the environment variables that steer CUDA and PyTorch.

    Emits ``env.cuda_visible_devices`` (raw) and ``env.cuda_visible_devices_parsed``,
    ``env.nvidia_visible_devices``, ``env.cuda_home``, ``env.cuda_path``,
    ``env.ld_library_path`` (a list; unknown on Windows, which has no such variable),
    ``env.torch_cuda_arch_list``, ``env.pytorch_cuda_alloc_conf`` and
    ``env.cuda_launch_blocking``. An unset variable is None with the note "not set".
    """

    id = "env_vars"
    title = Msg("Environment variables")
    inspects = Msg("environment variables such as CUDA_VISIBLE_DEVICES")

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
                Msg("Windows has no LD_LIBRARY_PATH: DLLs are found through PATH (and the "
                    "directories Python adds with os.add_dll_directory)"),
            )
        else:
            ld_path = env_get(ctx.env, "LD_LIBRARY_PATH", os_name)
            if ld_path is None:
                facts.unknown("env.ld_library_path", NOT_SET)
            else:
                entries = split_search_path(ld_path, os_name)
                note = None
                if "" in entries:
                    note = Msg(
                        "has an empty entry, which the loader reads as the current directory")
                facts.set("env.ld_library_path", entries, note)

        kind = str(parsed["kind"])
        if kind in ("unset", "empty"):
            summary = Msg("CUDA_VISIBLE_DEVICES {kind}", kind=kind)
        else:
            summary = Msg("CUDA_VISIBLE_DEVICES {kind} ({value})", kind=kind, value=cvd)
        return facts.outcome(summary)
