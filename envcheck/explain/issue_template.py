"""The "Environment" checklist of bug-report templates, filled in by hand.

PyTorch's old template (and many projects copying it) asks for a bullet list::

    - PyTorch Version (e.g., 1.0): 2.1.0
    - OS (e.g., Linux): Ubuntu 22.04
    - How you installed PyTorch (`conda`, `pip`, source): pip
    - Python version: 3.10
    - CUDA/cuDNN version: 12.1 / 8.9
    - GPU models and configuration: RTX 4090

Values are free text, so only clear ones are read: a version-shaped torch or Python
version, the OS family, the installer word, and an NVIDIA-looking GPU name. "CUDA version"
is left alone: users mean the driver's, nvcc's or torch's, and say not which.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines, torch_version_facts

SOURCE = "issue template"

_BULLET_RE = re.compile(
    r"^\s{0,4}[-*+]\s{1,4}(?:\*\*)?([A-Za-z][\w /]{1,60}?)\s{0,2}(?:\([^)]{0,80}\))?"
    r"(?:\*\*)?\s{0,2}:\s{0,4}(.*)$"
)
_TORCH_RE = re.compile(
    r"^v?(\d{1,2}\.\d{1,3}(?:\.\d{1,3})?(?:[a-z]{1,5}\d{0,10})?(?:\+[\w.]{1,40})?)$"
)
_PYTHON_RE = re.compile(r"^(?:python\s{0,2})?(\d\.\d{1,2}(?:\.\d{1,3})?)$", re.IGNORECASE)
_NVIDIA_RE = re.compile(r"NVIDIA|GeForce|Tesla|Quadro|TITAN|\bRTX|\bGTX|\b[AHLTV]\d{2,3}\b", re.I)
_LABELS = {
    "pytorch version": "torch",
    "torch version": "torch",
    "os": "os",
    "operating system": "os",
    "how you installed pytorch": "installer",
    "python version": "python",
    "gpu models and configuration": "gpu",
    "gpu": "gpu",
    "cuda/cudnn version": "ignored",
    "build command you used": "ignored",
    "any other relevant information": "ignored",
}


def _os(b: ParsedBuilder, value: str, i: int) -> None:
    lowered = value.lower()
    if "windows" in lowered or lowered.startswith("win"):
        b.add("os.name", "windows", i)
    elif "mac" in lowered or "darwin" in lowered:
        b.add("os.name", "darwin", i)
    elif any(
        w in lowered
        for w in (
            "linux",
            "ubuntu",
            "debian",
            "centos",
            "fedora",
            "rhel",
            "arch",
            "rocky",
            "alma",
            "suse",
            "wsl",
        )
    ):
        b.add("os.name", "linux", i)
        if any(ch.isdigit() for ch in value):
            b.add("os.distro", value, i)


def parse_issue_template(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read a filled-in environment checklist. Pure; never raises.

    Recognised when two of its labels appear as bullets. Emits torch.version (+ label
    facts), os.name/os.distro, torch.installer, python.version and nvidia.gpus (name only).
    """
    rows = as_lines(lines)
    hits: list[tuple[int, str, str]] = []
    for i, line in enumerate(rows):
        if ":" not in line.text:
            continue
        match = _BULLET_RE.match(line.text)
        if match is None:
            continue
        kind = _LABELS.get(match.group(1).strip().lower())
        if kind is not None:
            hits.append((i, kind, match.group(2).strip().strip("`*_ ")))
    b = ParsedBuilder(SOURCE)
    if len(hits) < 2:
        return b.build()
    b.recognise()
    for i, kind, value in hits:
        b.consume(i)
        if not value:
            continue
        if kind == "torch":
            match = _TORCH_RE.match(value)
            if match:
                torch_version_facts(b, match.group(1), i)
        elif kind == "os":
            _os(b, value, i)
        elif kind == "python":
            match = _PYTHON_RE.match(value)
            if match:
                b.add("python.version", match.group(1), i)
        elif kind == "installer" and value.lower() in ("pip", "conda", "uv", "pip3"):
            b.add("torch.installer", value.lower().rstrip("3"), i)
        elif kind == "gpu" and _NVIDIA_RE.search(value) and len(value) <= 80 and "," not in value:
            b.add("nvidia.gpus", [{"index": 0, "name": value, "compute_capability": None}], i)
    return b.build()
