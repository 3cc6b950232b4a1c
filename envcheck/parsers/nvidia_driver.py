"""The kernel module's own version files: ``/proc/driver/nvidia/version`` and sysfs.

``/proc/driver/nvidia/version`` starts "NVRM version: NVIDIA UNIX x86_64 Kernel Module
535.104.05 ..." (the open modules: "NVIDIA UNIX Open Kernel Module for x86_64 560.35.03 ...")
and goes on with the compiler that built it; ``/sys/module/nvidia/version`` holds only the
version. The probe reads the files; ``explain`` reads a pasted ``cat`` of the first.
"""

from __future__ import annotations

import re

NVRM_PREFIX = "NVRM version:"

_NVRM_RE = re.compile(r"NVRM version:.*?Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)*)")
_VERSION_RE = re.compile(r"^\d+\.\d+(?:\.\d+)*$", re.ASCII)


def parse_proc_driver_version(text: str) -> str | None:
    """The kernel module version in /proc/driver/nvidia/version (None when absent).

    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 ..." and the
    open modules' "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03 ..."
    both give the version; anything else gives None.
    """
    match = _NVRM_RE.search(text)
    return match.group(1) if match else None


def parse_nvrm_line(line: str) -> str | None:
    """The version on a line that starts "NVRM version:" (a pasted ``cat`` of the file)."""
    if not line.startswith(NVRM_PREFIX):
        return None
    return parse_proc_driver_version(line)


def parse_sys_module_version(text: str) -> str | None:
    """The content of /sys/module/nvidia/version ("580.65.06\\n") if it is a version."""
    value = text.strip()
    return value if _VERSION_RE.match(value) else None
