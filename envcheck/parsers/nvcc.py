"""``nvcc --version`` (``nvcc -V``) output.

The release is on the "Cuda compilation tools, release 12.1, V12.1.105" line, the same on
Linux and Windows (CRLF line ends, time-zone names in the "Built on" line). The lines around
it (driver banner, copyright, build date, build id) say nothing envcheck needs; a pasted
report is allowed to hold them, so :func:`is_nvcc_banner` recognises them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from envcheck.parsers.versions import major_minor

_RELEASE_RE = re.compile(
    r"release\s+(\d+\.\d+)\s*,\s*V(\d+\.\d+(?:\.\d+)*)", re.IGNORECASE | re.ASCII
)
_BANNER_RE = re.compile(
    r"^(?:nvcc: NVIDIA \(R\) Cuda compiler driver|Copyright \(c\) \d{4}-\d{4} NVIDIA Corporation|"
    r"Built on \S{1,80}|Build cuda_\S{1,120})\s*$"
)


@dataclass(frozen=True)
class NvccRelease:
    """What the release line says."""

    version: str
    """The toolkit release as major.minor, e.g. ``'12.1'``."""
    full_version: str
    """The compiler version after the ``V``, e.g. ``'12.1.105'``."""


def parse_nvcc_release(text: str) -> NvccRelease | None:
    """The first release line in ``text`` (a whole output or one line); None when none."""
    match = _RELEASE_RE.search(text)
    version = major_minor(match.group(1)) if match else None
    if match is None or version is None:
        return None
    return NvccRelease(version, match.group(2))


def parse_nvcc_version(text: str) -> str | None:
    """The toolkit release from ``nvcc --version``: "...release 12.1, V12.1.105" → "12.1".

    Returns None for anything else, e.g. an error message or a wrapper script's chatter.
    """
    release = parse_nvcc_release(text)
    return release.version if release else None


def parse_nvcc_full_version(text: str) -> str | None:
    """The full compiler version in ``nvcc --version``: "release 12.1, V12.1.105" → "12.1.105"."""
    release = parse_nvcc_release(text)
    return release.full_version if release else None


def is_nvcc_banner(line: str) -> bool:
    """Whether a (stripped) line is one of the lines nvcc prints around the release line."""
    return _BANNER_RE.match(line) is not None
