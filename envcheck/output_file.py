"""Where ``-o FILE`` writes: ``%N`` in the name becomes this node's short host name.

So one command line works unchanged on every node of a cluster, whoever launches it (srun,
pdsh, clush, Ansible): ``envcheck doctor --json --no-redact -o reports/%N.json`` writes
``reports/gpu07.json`` on ``gpu07``. Launchers do not expand patterns inside the command's own
arguments (srun's ``%N`` works only in its ``--output``), hence envcheck does it. ``%%`` is a
literal ``%``. Missing parent folders are created, since ``reports/`` is usually new.
"""

from __future__ import annotations

import platform
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
