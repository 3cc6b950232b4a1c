"""Where ``-o FILE`` writes: ``%N`` in the name becomes this node's short host name.

So one command line works unchanged on every node of a cluster, whoever launches it (srun,
pdsh, clush, Ansible): ``envcheck doctor --json --no-redact -o reports/%N.json`` writes
``reports/gpu07.json`` on ``gpu07``. Launchers do not expand patterns inside the command's own
arguments (srun's ``%N`` works only in its ``--output``), hence envcheck does it. ``%%`` is a
literal ``%``. Missing parent folders are created, since ``reports/`` is usually new.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from pathlib import Path


def short_host_name() -> str:
    """This machine's host name up to the first dot (``gpu07`` for ``gpu07.cluster``)."""
    return (platform.node() or "unknown-host").split(".")[0]


def expand_output_path(path: Path, node: str) -> Path:
    """``path`` with ``%N`` replaced by ``node`` and ``%%`` by ``%`` (pure)."""
    text = str(path)
    if "%" not in text:
        return path
    return Path("%".join(part.replace("%N", node) for part in text.split("%%")))


def write_output(path: Path, text: str) -> Path:
    """Expand ``path``, create its folder, write ``text``; return where it went (OSError on
    failure, for the CLI to report in one line)."""
    target = expand_output_path(path, short_host_name())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def unwritable_reason(
    path: Path, access: Callable[[Path, int], bool] = os.access
) -> str | None:
    """Why ``path`` (``%N`` expanded) could not be written, or None when it looks writable.

    Checked before the work starts; writes nothing and creates no folder. A missing folder
    is fine when the nearest existing one above it accepts new entries. ``access`` is
    :func:`os.access` (replaceable in tests, since root may write anywhere).
    """
    target = expand_output_path(path, short_host_name())
    if target.is_dir():
        return "is a directory"
    if target.exists():
        return None if access(target, os.W_OK) else "permission denied"
    parent = target.parent
    while not parent.exists():
        if os.path.lexists(parent):  # a dangling symlink where a folder should be
            return f"{parent} is a broken link"
        if parent == parent.parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if not access(parent, os.W_OK | os.X_OK):
        return f"{parent} is not writable"
    return None
