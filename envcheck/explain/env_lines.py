"""Environment variables set or printed in the paste.

Accepts the shapes people paste: ``env``/``printenv`` output and shell assignments
(``NAME=value``, ``export NAME=value``, ``NAME=0 python train.py``), Windows ``set NAME=value``
and PowerShell ``$env:NAME = "value"``, Jupyter ``%env NAME=value`` and Python
``os.environ["NAME"] = "value"``. Only the variables that steer CUDA and PyTorch are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines
from envcheck.parsers.cuda_visible_devices import parse_cuda_visible_devices

SOURCE = "environment"

VARIABLES: dict[str, str] = {
    "CUDA_VISIBLE_DEVICES": "env.cuda_visible_devices",
    "NVIDIA_VISIBLE_DEVICES": "env.nvidia_visible_devices",
    "CUDA_HOME": "env.cuda_home",
    "CUDA_PATH": "env.cuda_path",
    "LD_LIBRARY_PATH": "env.ld_library_path",
    "TORCH_CUDA_ARCH_LIST": "env.torch_cuda_arch_list",
    "PYTORCH_CUDA_ALLOC_CONF": "env.pytorch_cuda_alloc_conf",
    "CUDA_LAUNCH_BLOCKING": "env.cuda_launch_blocking",
    "CUDA_DEVICE_ORDER": "env.cuda_device_order",
}
_NAMES = "|".join(VARIABLES)
_VALUE = r"(\"[^\"]{0,2000}\"|'[^']{0,2000}'|[^\s;&|'\"]{0,2000})"
# One assignment at the start of a line (or right after another one: "A=1 B=2 cmd"), so a
# message that merely mentions "CUDA_LAUNCH_BLOCKING=1" is not read as the user's setting.
_SHELL_RE = re.compile(
    rf"\s{{0,4}}(?:export\s+|set\s+|%env\s+|\$env:)?({_NAMES})\s{{0,2}}=\s{{0,2}}{_VALUE}(?=\s|;|&|$)"
)
_OTHER_ASSIGNMENT_RE = re.compile(r"\s{0,4}[A-Za-z_][A-Za-z0-9_]{0,60}=\S{0,2000}(?=\s|$)")
_PYTHON_RE = re.compile(
    rf"os\.environ\[\s{{0,2}}[\"']({_NAMES})[\"']\s{{0,2}}\]\s{{0,2}}=\s{{0,2}}{_VALUE}"
)
_CMD_SET_RE = re.compile(rf"^\s*(?:set|SET)\s+\"?({_NAMES})=([^\"]{{0,2000}})\"?\s*$")


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _leading_assignments(text: str) -> list[tuple[str, str]]:
    """The variables assigned at the start of a shell line, in order."""
    found: list[tuple[str, str]] = []
    position = 0
    for _ in range(32):
        match = _SHELL_RE.match(text, position)
        if match is not None:
            found.append((match.group(1), _unquote(match.group(2))))
        else:
            match = _OTHER_ASSIGNMENT_RE.match(text, position)
            if match is None:
                break
        position = match.end()
    return found


def parse_env_lines(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read variable assignments and ``env`` output lines. Pure; never raises.

    Emits env.cuda_visible_devices (+ env.cuda_visible_devices_parsed), env.cuda_home,
    env.cuda_path, cuda_toolkit.cuda_home, env.ld_library_path (split on ``:``, or ``;``
    when it looks like a Windows list), env.nvidia_visible_devices,
    env.torch_cuda_arch_list, env.pytorch_cuda_alloc_conf and env.cuda_launch_blocking.
    Values are as written: ``$LD_LIBRARY_PATH`` inside a value is not expanded.
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    for i, line in enumerate(rows):
        text = line.text
        if "=" not in text or not any(name in text for name in VARIABLES):
            continue
        found: list[tuple[str, str]] = []
        cmd = _CMD_SET_RE.match(text)
        if cmd is not None:
            found.append((cmd.group(1), cmd.group(2)))
        else:
            found.extend((m.group(1), _unquote(m.group(2))) for m in _PYTHON_RE.finditer(text))
            found.extend(_leading_assignments(text))
        if not found:
            continue
        b.recognise()
        stripped = text.strip()
        if stripped.startswith(("export ", "set ", "SET ", "%env ", "$env:", "os.environ")) or (
            len(found) == 1 and stripped.split("=", 1)[0].strip() in VARIABLES
        ):
            b.consume(i)
        for name, value in found:
            key = VARIABLES[name]
            if name == "LD_LIBRARY_PATH":
                sep = ";" if ";" in value else ":"
                b.add(key, value.split(sep) if value else [], i)
                continue
            b.add(key, value, i)
            if name == "CUDA_VISIBLE_DEVICES":
                b.add("env.cuda_visible_devices_parsed", parse_cuda_visible_devices(value), i)
            elif name in ("CUDA_HOME", "CUDA_PATH") and value:
                b.add("cuda_toolkit.cuda_home", value, i)
    return b.build()
