"""``nvidia-smi`` output that both the probe and ``explain`` read.

- The banner of the plain table: "NVIDIA-SMI 550.54.14  Driver Version: 550.54.14  CUDA
  Version: 12.4". Drivers before 410 print no CUDA version; "CUDA Version: N/A" means libcuda
  could not be loaded.
- The failure texts nvidia-smi prints instead of a table ("NVIDIA-SMI has failed because it
  couldn't communicate with the NVIDIA driver", "No devices were found" ...), each mapped to
  the NVML status (``nvidia.nvml_status`` value) it stands for.
- ``nvidia-smi -L``: "GPU 0: NVIDIA A100 (UUID: GPU-...)", MIG devices indented below.
- ``nvidia-smi --query-gpu=... --format=csv,noheader,nounits`` rows, and the complaint of an
  older nvidia-smi about a field it does not know.

The body of the table (GPU rows, memory, MIG tables), ``-q`` and ``-q -x`` are read only from
pasted reports, by :mod:`envcheck.explain.nvidia_smi`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass

HEADER_RE = re.compile(
    r"NVIDIA-SMI\s+([\w.]{1,40})\s+Driver Version:\s*([\d.]{1,40})"
    r"(?:\s+CUDA Version:\s*([\w./]{1,20}))?"
)
"""The banner line; group 3 (what follows "CUDA Version:") is absent before driver 410."""

_CUDA_RE = re.compile(r"\d+\.\d+", re.ASCII)
_LIST_RE = re.compile(r"^GPU (\d{1,3}): (.{1,200}?) \(UUID: (GPU-[0-9a-fA-F-]{8,64})\)\s*$")
_LIST_MIG_RE = re.compile(
    r"^\s{1,8}MIG (\S{1,40})\s+Device\s+(\d{1,3}): \(UUID: (MIG-[\w/-]{4,80})\)\s*$"
)
_INVALID_FIELD_RE = re.compile(r'Field "([^"]+)" is not a valid field to query', re.ASCII)

NO_DEVICES = "No devices were found"
"""What nvidia-smi prints when the driver works but sees no GPU."""

SMI_FAILURES: tuple[tuple[str, str | None], ...] = (
    ("driver/library version mismatch", "lib_rm_version_mismatch"),
    ("couldn't communicate with the nvidia driver", "driver_not_loaded"),
    ("couldn't find libnvidia-ml.so", "library_not_found"),
    ("nvml.dll", "library_not_found"),
    ("insufficient permissions", "no_permission"),
    ("gpu is lost", "gpu_lost"),
    ("failed to initialize nvml", "unknown_error"),
    (NO_DEVICES.lower(), None),
)
"""nvidia-smi's own words for its failures (lower case), most specific first, with the
``nvidia.nvml_status`` value each means (None: no GPU, the driver itself works)."""


@dataclass(frozen=True)
class SmiHeader:
    """What the banner of plain ``nvidia-smi`` says (each None when absent)."""

    smi_version: str | None
    driver_version: str | None
    cuda_version: str | None
    """The highest CUDA version the driver supports, e.g. "12.4"; None when not a version."""
    cuda_field: str | None = None
    """What the banner printed after "CUDA Version:" ("12.4", "N/A"); None when the banner
    has no CUDA column (drivers before 410)."""


NO_HEADER = SmiHeader(None, None, None)


def parse_smi_header_line(line: str) -> SmiHeader | None:
    """Read one banner line; None when ``line`` is not one."""
    match = HEADER_RE.search(line)
    if match is None:
        return None
    field = match.group(3)
    cuda = _CUDA_RE.match(field) if field else None
    return SmiHeader(match.group(1), match.group(2), cuda.group(0) if cuda else None, field)


def parse_smi_header(text: str) -> SmiHeader:
    """Read the banner in plain ``nvidia-smi`` output (:data:`NO_HEADER` when it has none)."""
    for line in text.splitlines():
        if "NVIDIA-SMI" in line:
            header = parse_smi_header_line(line)
            if header is not None:
                return header
    return NO_HEADER


@dataclass(frozen=True)
class SmiFailure:
    """A recognised nvidia-smi failure: the NVML status it means and its own line."""

    cause: str | None
    """An ``nvidia.nvml_status`` value; None for "No devices were found" (no GPU)."""
    line: str


def classify_smi_failure(text: str) -> SmiFailure | None:
    """Recognise nvidia-smi's classic failure texts (None when none is present)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for marker, cause in SMI_FAILURES:
        for line in lines:
            if marker in line.lower():
                return SmiFailure(cause, line[:300])
    return None


def is_no_devices_line(line: str) -> bool:
    """Whether a line is nvidia-smi's "No devices were found"."""
    return line.strip() == NO_DEVICES


@dataclass(frozen=True)
class SmiListGpu:
    """One ``nvidia-smi -L`` GPU line."""

    index: int
    name: str
    uuid: str


@dataclass(frozen=True)
class SmiListMig:
    """One ``nvidia-smi -L`` MIG line (indented under its GPU)."""

    profile: str
    """The instance profile, e.g. ``'1g.10gb'``."""
    device: int
    uuid: str


def parse_smi_list_line(line: str) -> SmiListGpu | None:
    """``GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-...)``; None for any other line."""
    match = _LIST_RE.match(line)
    if match is None:
        return None
    return SmiListGpu(int(match.group(1)), match.group(2).strip(), match.group(3))


def parse_smi_list_mig_line(line: str) -> SmiListMig | None:
    """``  MIG 1g.10gb     Device  0: (UUID: MIG-...)``; None for any other line."""
    match = _LIST_MIG_RE.match(line)
    if match is None:
        return None
    return SmiListMig(match.group(1), int(match.group(2)), match.group(3))


def parse_smi_query_csv(text: str, fields: Sequence[str]) -> list[dict[str, str | None]]:
    """Rows of ``nvidia-smi --query-gpu=... --format=csv,noheader,nounits`` by field name.

    Values such as "[N/A]", "[Not Supported]", "N/A" or empty become None. Lines with the
    wrong number of columns (warnings, garbage, a header) are skipped, so this never raises.
    """
    rows: list[dict[str, str | None]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            # NUL bytes make csv raise on Python 3.10; garbage lines are skipped, not fatal.
            cells = next(csv.reader([line.replace("\x00", "")], skipinitialspace=True))
        except (csv.Error, StopIteration):
            continue
        if len(cells) != len(fields):
            continue
        if [c.strip() for c in cells] == list(fields):
            continue  # a header line, when noheader was not honoured
        rows.append({name: _smi_cell(cell) for name, cell in zip(fields, cells, strict=True)})
    return rows


def _smi_cell(cell: str) -> str | None:
    value = cell.strip()
    if not value or value.upper() == "N/A" or (value.startswith("[") and value.endswith("]")):
        return None
    return value


def parse_smi_invalid_fields(text: str) -> list[str]:
    """Fields an older nvidia-smi rejected: 'Field "compute_cap" is not a valid field ...'."""
    return _INVALID_FIELD_RE.findall(text)
