"""``nvcc -V`` / ``nvcc --version`` output.

The version is on the "Cuda compilation tools, release 12.1, V12.1.105" line; the lines
around it (driver banner, copyright, build date, build id) are recognised and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines

SOURCE = "nvcc"

_RELEASE_RE = re.compile(r"Cuda compilation tools, release (\d{1,2}\.\d{1,2}), V(\d[\d.]{0,20})")
_BANNER_RE = re.compile(
    r"^(?:nvcc: NVIDIA \(R\) Cuda compiler driver|Copyright \(c\) \d{4}-\d{4} NVIDIA Corporation|"
    r"Built on \S{1,80}|Build cuda_\S{1,120})\s*$"
)


def parse_nvcc(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read every ``nvcc -V`` output in the paste. Pure; never raises.

    Emits cuda_toolkit.nvcc_version as major.minor (``'12.1'``).
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    for i, line in enumerate(rows):
        text = line.text.strip()
        release = _RELEASE_RE.search(text)
        if release is not None:
            b.recognise()
            b.consume(i)
            b.add("cuda_toolkit.nvcc_version", release.group(1), i)
        elif _BANNER_RE.match(text):
            b.consume(i)
    return b.build()
