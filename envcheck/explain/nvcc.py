"""``nvcc -V`` / ``nvcc --version`` output.

The format is read by :mod:`envcheck.parsers.nvcc`, as for the live probe: the version is on
the "Cuda compilation tools, release 12.1, V12.1.105" line, and the lines around it (driver
banner, copyright, build date, build id) are recognised and skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines
from envcheck.parsers.nvcc import is_nvcc_banner, parse_nvcc_release

SOURCE = "nvcc"


def parse_nvcc(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read every ``nvcc -V`` output in the paste. Pure; never raises.

    Emits cuda_toolkit.nvcc_version as major.minor (``'12.1'``).
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    for i, line in enumerate(rows):
        text = line.text.strip()
        release = parse_nvcc_release(text)
        if release is not None:
            b.recognise()
            b.consume(i)
            b.add("cuda_toolkit.nvcc_version", release.version, i)
        elif is_nvcc_banner(text):
            b.consume(i)
    return b.build()
