"""``nvidia-smi`` output: the default table, ``-q``, ``-L`` and ``--query-gpu`` CSV.

The table's header line carries the driver version and the highest CUDA version the driver
supports ("Driver Version: 535.104.05   CUDA Version: 12.2"; drivers before 410 print no
CUDA version, and "CUDA Version: N/A" means libcuda could not be loaded). GPU rows are two
or three lines per GPU; long names are cut and end in "...". A "MIG devices:" table lists
the instances when MIG is on. Error messages ("NVIDIA-SMI has failed ...") are left to
:mod:`envcheck.signatures`. The banner, ``-L`` lines, "No devices were found" and the cells
of ``--query-gpu`` CSV are read by :mod:`envcheck.parsers.nvidia_smi`, as for the live probe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines, is_unknown
from envcheck.i18n import Msg
from envcheck.parsers.nvidia_smi import (
    NO_DEVICES,
    is_no_devices_line,
    parse_smi_header_line,
    parse_smi_list_line,
    parse_smi_list_mig_line,
    parse_smi_query_csv,
)

SOURCE = "nvidia-smi"
MIB = 1024 * 1024

_TABLE_RE = re.compile(r"^\s*[|+]")
_GPU_ROW_RE = re.compile(
    r"^\|\s{0,6}(\d{1,3})\s+(.{1,80}?)\s+(On|Off|WDDM|TCC|MCDM|N/A)\s*\|\s*"
    r"([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])"
)
_MEMORY_RE = re.compile(r"(\d{1,9})\s?MiB\s*/\s*(\d{1,9})\s?MiB")
_MIG_FLAG_RE = re.compile(r"\|\s*(Enabled|Disabled|N/A)\s*\|\s*$")
_MIG_HEADER_RE = re.compile(r"^\|\s*MIG devices:")
_MIG_ROW_RE = re.compile(r"^\|\s{0,6}(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s+(\d{1,3})\s*\|")
_PROCESSES_RE = re.compile(r"^\|\s*Processes:")
_DATE_RE = re.compile(r"^\w{3} \w{3}\s{1,2}\d{1,2} \d{2}:\d{2}:\d{2} \d{4}\s*$")
_Q_FIELD_RE = re.compile(r"^(\s{0,16})([A-Za-z][\w ./()-]{0,60}?)\s*:\s?(.*)$")
_Q_SECTION_RE = re.compile(r"^\s{2,16}([A-Za-z][\w ./()-]{0,60})$")
_Q_GPU_RE = re.compile(r"^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])\s*$")
_XML_RE = re.compile(r"^<([a-z_]{1,40})>([^<]{0,200})</\1>$")
_XML_OPEN_RE = re.compile(r"^<([a-z_]{1,40})>$")
_XML_FIELDS = frozenset(
    {"driver_version", "cuda_version", "attached_gpus", "product_name", "current_mig", "total"}
)
_CSV_HEADER_RE = re.compile(
    r"^\s*(?:name|index|driver_version|compute_cap)"
    r"(?:\s{0,4},\s{0,4}[\w.]{1,40}(?: \[[^]]{1,20}\])?){1,12}\s*$"
)


def _gpu(index: int, name: str | None) -> dict[str, object]:
    return {
        "index": index,
        "name": name,
        "compute_capability": None,
        "memory_total_bytes": None,
        "memory_used_bytes": None,
        "mig_mode": None,
        "mig_instances": [],
    }


def _clean_name(name: str) -> tuple[str, bool]:
    """A table name without nvidia-smi's "..." truncation marker, and whether it was cut."""
    stripped = name.strip()
    if stripped.endswith("..."):
        return stripped[:-3].rstrip(), True
    return stripped, False


def _cuda_max(b: ParsedBuilder, value: str | None, i: int) -> None:
    if value is None:
        b.unknown("nvidia.cuda_driver_max", i,
                  Msg("this nvidia-smi (driver < 410) does not print it"))
    elif is_unknown(value):
        b.unknown(
            "nvidia.cuda_driver_max",
            i,
            Msg("nvidia-smi printed 'CUDA Version: N/A' (libcuda could not be loaded)"),
        )
    else:
        b.add("nvidia.cuda_driver_max", value, i)


def _table(b: ParsedBuilder, rows: Sequence[Line], start: int) -> int:
    """Read one table whose header is at ``start``; return the index after it."""
    header = parse_smi_header_line(rows[start].text)
    assert header is not None
    b.recognise("nvidia-smi")
    b.consume(start)
    before = start - 1
    if before >= 0 and rows[before].text.startswith("+"):
        b.consume(before)
        before -= 1
    if before >= 0 and _DATE_RE.match(rows[before].text):
        b.consume(before)
    b.add("nvidia.driver_version", header.driver_version, start)
    b.add("nvidia.smi_driver_version", header.driver_version, start)
    _cuda_max(b, header.cuda_field, start)
    gpus: list[dict[str, object]] = []
    truncated: list[str] = []
    current: dict[str, object] | None = None
    row_in_gpu = 0
    section = "gpus"
    body_seen = False
    i = start + 1
    while i < len(rows) and (_TABLE_RE.match(rows[i].text) or not rows[i].text.strip()):
        text = rows[i].text
        if not text.strip():
            # A blank line between the GPU table and the processes table is normal.
            if i + 1 < len(rows) and _TABLE_RE.match(rows[i + 1].text):
                i += 1
                continue
            break
        if parse_smi_header_line(text) is not None:
            break
        b.consume(i)
        if text.startswith("|=") and section == "gpus":
            body_seen = True  # the GPU rows follow this rule; a header alone says nothing
        if _MIG_HEADER_RE.match(text):
            section = "mig"
        elif _PROCESSES_RE.match(text):
            section = "processes"
        elif section == "gpus":
            row = _GPU_ROW_RE.match(text)
            if row is not None:
                name, cut = _clean_name(row.group(2))
                current = _gpu(int(row.group(1)), name)
                if cut:
                    truncated.append(f"GPU {row.group(1)}")
                gpus.append(current)
                row_in_gpu = 1
            elif current is not None and text.startswith("|"):
                row_in_gpu += 1
                memory = _MEMORY_RE.search(text)
                if row_in_gpu == 2 and memory:
                    current["memory_used_bytes"] = int(memory.group(1)) * MIB
                    current["memory_total_bytes"] = int(memory.group(2)) * MIB
                mig = _MIG_FLAG_RE.search(text)
                if row_in_gpu == 3 and mig:
                    flag = mig.group(1)
                    current["mig_mode"] = None if flag == "N/A" else flag == "Enabled"
            else:
                row_in_gpu = 0
        elif section == "mig":
            mig_row = _MIG_ROW_RE.match(text)
            if mig_row is not None:
                index = int(mig_row.group(1))
                for gpu in gpus:
                    if gpu["index"] == index:
                        gpu["mig_mode"] = True
                        instances = gpu["mig_instances"]
                        assert isinstance(instances, list)
                        instances.append(
                            {
                                "uuid": None,
                                "name": None,
                                "gpu_instance": int(mig_row.group(2)),
                                "compute_instance": int(mig_row.group(3)),
                            }
                        )
        i += 1
    if gpus:
        note = None
        if truncated:
            note = Msg("name cut by nvidia-smi for {gpus}", gpus=", ".join(truncated))
        b.add("nvidia.gpus", gpus, start, note)
        b.add("nvidia.gpu_count", len(gpus), start)
    elif section == "gpus" and body_seen:
        b.add("nvidia.gpu_count", 0, start, Msg("the nvidia-smi table lists no GPU"))
    return i


def _query(b: ParsedBuilder, rows: Sequence[Line], start: int) -> int:
    """Read ``nvidia-smi -q`` from its "Driver Version" line; return the index after it."""
    b.recognise("nvidia-smi -q")
    gpus: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    parent = ""
    i = start
    for back in range(max(start - 4, 0), start):
        before = rows[back].text.strip()
        if not before or "NVSMI LOG" in before or before.startswith("Timestamp"):
            b.consume(back)
    while i < len(rows):
        text = rows[i].text
        if not text.strip() or "NVSMI LOG" in text:
            b.consume(i)
            i += 1
            continue
        gpu_line = _Q_GPU_RE.match(text.strip())
        if gpu_line is not None:
            current = _gpu(len(gpus), None)
            current["bus_id"] = gpu_line.group(1)
            gpus.append(current)
            b.consume(i)
            i += 1
            continue
        field = _Q_FIELD_RE.match(text)
        if field is None:
            section = _Q_SECTION_RE.match(text)
            if section is None or current is None:
                break
            # "    MIG Mode" / "    FB Memory Usage": a heading for the indented fields below.
            parent = section.group(1).strip()
            b.consume(i)
            i += 1
            continue
        indent, label, value = len(field.group(1)), field.group(2).strip(), field.group(3).strip()
        if (
            indent == 0
            and current is None
            and label
            not in (
                "Timestamp",
                "Driver Version",
                "CUDA Version",
                "Attached GPUs",
                "CUDA Driver Version",
            )
        ):
            break
        b.consume(i)
        if not value:
            parent = label
        elif indent == 0 and label == "Driver Version":
            b.add("nvidia.driver_version", value, i)
            b.add("nvidia.smi_driver_version", value, i)
        elif indent == 0 and label == "CUDA Version":
            _cuda_max(b, value, i)
        elif indent == 0 and label == "Attached GPUs" and value.isdigit():
            b.add("nvidia.gpu_count", int(value), i)
        elif current is not None:
            if label == "Product Name":
                current["name"] = value
            elif label == "Current" and parent == "MIG Mode":
                current["mig_mode"] = None if is_unknown(value) else value == "Enabled"
            elif label == "Total" and parent == "FB Memory Usage":
                memory = re.match(r"(\d{1,9}) MiB", value)
                if memory:
                    current["memory_total_bytes"] = int(memory.group(1)) * MIB
            elif label == "Used" and parent == "FB Memory Usage":
                memory = re.match(r"(\d{1,9}) MiB", value)
                if memory:
                    current["memory_used_bytes"] = int(memory.group(1)) * MIB
            elif label == "Compute Capability" and re.fullmatch(r"\d{1,2}\.\d", value):
                current["compute_capability"] = value
        i += 1
    if gpus:
        b.add("nvidia.gpus", gpus, start)
    return i


def _gpu_list(b: ParsedBuilder, rows: Sequence[Line], start: int) -> int:
    """Read ``nvidia-smi -L`` (lines with UUIDs, MIG devices indented below their GPU)."""
    b.recognise("nvidia-smi -L")
    gpus: list[dict[str, object]] = []
    i = start
    while i < len(rows):
        text = rows[i].text
        listed = parse_smi_list_line(text)
        mig = parse_smi_list_mig_line(text)
        if listed is not None:
            gpu = _gpu(listed.index, listed.name)
            gpu["uuid"] = listed.uuid
            gpus.append(gpu)
        elif mig is not None and gpus:
            gpus[-1]["mig_mode"] = True
            instances = gpus[-1]["mig_instances"]
            assert isinstance(instances, list)
            instances.append({"uuid": mig.uuid, "name": f"MIG {mig.profile}"})
        else:
            break
        b.consume(i)
        i += 1
    b.add("nvidia.gpus", gpus, start)
    b.add("nvidia.gpu_count", len(gpus), start)
    return i


def _csv(b: ParsedBuilder, rows: Sequence[Line], start: int) -> int:
    """Read ``--query-gpu=name,compute_cap,... --format=csv`` output (header + rows)."""
    columns = [c.strip().split(" ")[0] for c in rows[start].text.split(",")]
    gpus: list[dict[str, object]] = []
    i = start + 1
    while i < len(rows):
        # The same cell reader as the probe's (no header, no units); one line, one row.
        read = parse_smi_query_csv(rows[i].text, columns)
        if len(read) != 1:
            break
        gpu = _gpu(len(gpus), None)
        for column, cell in read[0].items():
            if cell is None:
                continue
            if column == "name":
                gpu["name"] = cell
            elif column == "index" and cell.isdigit():
                gpu["index"] = int(cell)
            elif column == "compute_cap" and re.fullmatch(r"\d{1,2}\.\d", cell):
                gpu["compute_capability"] = cell
            elif column == "driver_version" and re.fullmatch(r"[\d.]{2,20}", cell):
                b.add("nvidia.driver_version", cell, i)
        gpus.append(gpu)
        b.consume(i)
        i += 1
    if gpus:
        b.recognise("nvidia-smi --query-gpu")
        b.consume(start)
        b.add("nvidia.gpus", gpus, start)
        b.add("nvidia.gpu_count", len(gpus), start)
    return max(i, start + 1)


def _xml(b: ParsedBuilder, rows: Sequence[Line]) -> None:
    """Read ``nvidia-smi -q -x`` (XML): one element per line, a GPU per ``<product_name>``."""
    gpus: list[dict[str, object]] = []
    first: int | None = None
    tagged: list[int] = []
    section = ""
    for i, line in enumerate(rows):
        text = line.text.strip()
        if not text.startswith("<"):
            continue
        if text.startswith(("<?xml", "<!DOCTYPE nvidia_smi_log")):
            b.consume(i)
            continue
        if text.endswith(">"):
            tagged.append(i)
        element = _XML_RE.match(text)
        if element is None:
            opening = _XML_OPEN_RE.match(text)
            if opening is not None:
                section = opening.group(1)
            continue
        name, value = element.group(1), element.group(2).strip()
        if name not in _XML_FIELDS:
            continue
        b.recognise("nvidia-smi -q -x")
        b.consume(i)
        first = i if first is None else first
        if name == "driver_version":
            b.add("nvidia.driver_version", value, i)
            b.add("nvidia.smi_driver_version", value, i)
        elif name == "cuda_version":
            _cuda_max(b, value, i)
        elif name == "attached_gpus" and value.isdigit():
            b.add("nvidia.gpu_count", int(value), i)
        elif name == "product_name":
            gpus.append(_gpu(len(gpus), value))
        elif gpus and name == "current_mig":
            gpus[-1]["mig_mode"] = None if is_unknown(value) else value == "Enabled"
        elif gpus and name == "total" and section == "fb_memory_usage":
            memory = re.match(r"(\d{1,9}) MiB", value)
            if memory:
                gpus[-1]["memory_total_bytes"] = int(memory.group(1)) * MIB
    if first is not None:
        b.consume(*tagged)  # the rest of the XML document: understood, nothing to take
    if gpus and first is not None:
        b.add("nvidia.gpus", gpus, first)


def parse_nvidia_smi(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read every nvidia-smi table, ``-q``, ``-L`` and CSV output in the paste. Pure, total.

    Emits nvidia.driver_version, nvidia.smi_driver_version, nvidia.cuda_driver_max,
    nvidia.gpus (index, name, memory, mig_mode, mig_instances; compute_capability only from
    ``-q``/CSV output that prints it) and nvidia.gpu_count.
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    if any("<driver_version>" in row.text for row in rows):
        _xml(b, rows)
    i = 0
    while i < len(rows):
        text = rows[i].text
        stripped = text.strip()
        if "NVIDIA-SMI" in text and parse_smi_header_line(text) is not None:
            i = _table(b, rows, i)
        elif stripped.startswith("Driver Version") and _Q_FIELD_RE.match(text):
            i = _query(b, rows, i)
        elif stripped.startswith("GPU ") and parse_smi_list_line(stripped) is not None:
            i = _gpu_list(b, rows, i)
        elif is_no_devices_line(stripped):
            b.recognise("nvidia-smi")
            b.consume(i)
            b.add("nvidia.gpu_count", 0, i, Msg("nvidia-smi: {message}", message=NO_DEVICES))
            i += 1
        elif _CSV_HEADER_RE.match(text) and "," in text:
            i = _csv(b, rows, i)
        else:
            i += 1
    return b.build()
