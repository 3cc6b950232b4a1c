"""Small system commands people paste next to a report.

- ``uname -a`` / ``uname -r``: the kernel release, which also tells WSL apart (WSL2 kernels
  say ``microsoft-standard``; WSL1 reports the Windows build, e.g. ``4.4.0-19041-Microsoft``);
- ``cat /etc/os-release`` (``PRETTY_NAME=...``) and ``lsb_release -a`` (``Description:``);
- ``cat /proc/driver/nvidia/version``: the loaded kernel module's version ("NVRM version");
- ``nvidia-smi --version`` (drivers 535+): driver and CUDA versions, one per line;
- ``ldconfig -p | grep cudnn``: cuDNN libraries the loader knows;
- ``pip --version``: the Python it belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines
from envcheck.parsers.nvidia_driver import parse_nvrm_line

SOURCE = "system"

_UNAME_A_RE = re.compile(
    r"^Linux \S{1,100} (\d{1,2}\.\d{1,3}\.\d{1,4}[\w.+~-]{0,80}) #\S.{0,200}? "
    r"(x86_64|aarch64|ppc64le|s390x)(?: \S{1,20}){0,3} GNU/Linux$"
)
_UNAME_R_RE = re.compile(r"^(\d{1,2}\.\d{1,3}\.\d{1,4}(?:[.-][\w.+~]{1,30}){1,6})$")
_PRETTY_RE = re.compile(r"^PRETTY_NAME=\"?([^\"]{1,120})\"?$")
_OS_RELEASE_RE = re.compile(
    r"^(?:NAME|VERSION|ID|ID_LIKE|VERSION_ID|VERSION_CODENAME|HOME_URL|SUPPORT_URL|"
    r"BUG_REPORT_URL|PRIVACY_POLICY_URL|UBUNTU_CODENAME|LOGO|ANSI_COLOR|CPE_NAME|"
    r"PLATFORM_ID|DOCUMENTATION_URL|REDHAT_\w{1,40})="
)
_LSB_RE = re.compile(r"^(Distributor ID|Description|Release|Codename):\s{0,20}(.{0,120})$")
_SMI_VERSION_RE = re.compile(
    r"^(NVIDIA-SMI version|NVML version|DRIVER version|CUDA Version)\s{0,20}:\s{0,4}(\S{1,40})$"
)
_LDCONFIG_RE = re.compile(
    r"^\s{0,8}(libcudnn[\w.]{0,40}\.so[\d.]{0,20}) \([^)]{0,60}\) => (\S{1,400})$"
)
_PIP_VERSION_RE = re.compile(r"^pip \d[\w.]{0,20} from \S.{0,400} \(python (\d\.\d{1,2})\)$")


def _kernel(b: ParsedBuilder, release: str, line: int) -> None:
    b.add("os.name", "linux", line)
    b.add("os.kernel", release, line)
    lowered = release.lower()
    if "microsoft" in lowered:
        b.add("os.wsl", "wsl2" if "standard" in lowered or "wsl2" in lowered else "wsl1", line)
    else:
        b.add("os.wsl", "none", line)


def parse_system_info(lines: Sequence[Line] | Sequence[str] | str) -> Parsed:
    """Read uname, os-release, lsb_release, NVRM, ``nvidia-smi --version``, ldconfig, pip -V.

    Pure; never raises. A bare kernel release (``uname -r`` output) is read only on the line
    after a ``uname`` command. Emits os.name/kernel/arch/wsl/distro,
    nvidia.kernel_module_version, nvidia.driver_version, nvidia.cuda_driver_max,
    cudnn.system and python.version (major.minor).
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    cudnn: list[dict[str, object]] = []
    cudnn_at: int | None = None
    for i, line in enumerate(rows):
        text = line.text.strip()
        if not text or len(text) > 600:
            continue
        uname = _UNAME_A_RE.match(text)
        if uname is not None:
            b.recognise("uname")
            b.consume(i)
            _kernel(b, uname.group(1), i)
            b.add("os.arch", uname.group(2), i)
            continue
        previous = rows[i - 1].text.strip() if i else ""
        if previous.startswith("uname") and _UNAME_R_RE.match(text):
            b.recognise("uname")
            b.consume(i)
            _kernel(b, text, i)
            continue
        pretty = _PRETTY_RE.match(text)
        if pretty is not None:
            b.recognise("os-release")
            b.consume(i)
            b.add("os.name", "linux", i)
            b.add("os.distro", pretty.group(1).strip(), i)
            continue
        if _OS_RELEASE_RE.match(text):
            b.consume(i)
            continue
        lsb = _LSB_RE.match(text)
        if lsb is not None:
            b.recognise("lsb_release")
            b.consume(i)
            if lsb.group(1) == "Description" and lsb.group(2).strip():
                b.add("os.name", "linux", i)
                b.add("os.distro", lsb.group(2).strip(), i)
            continue
        nvrm = parse_nvrm_line(text)
        if nvrm is not None:
            b.recognise("/proc/driver/nvidia/version")
            b.consume(i)
            b.add("nvidia.kernel_module_version", nvrm, i)
            # The file's second line names the compiler that built the module.
            if i + 1 < len(rows) and rows[i + 1].text.startswith("GCC version:"):
                b.consume(i + 1)
            continue
        smi = _SMI_VERSION_RE.match(text)
        if smi is not None:
            b.recognise("nvidia-smi --version")
            b.consume(i)
            if smi.group(1) == "DRIVER version":
                b.add("nvidia.driver_version", smi.group(2), i)
            elif smi.group(1) == "CUDA Version" and re.fullmatch(r"\d{1,2}\.\d{1,2}", smi.group(2)):
                b.add("nvidia.cuda_driver_max", smi.group(2), i)
            continue
        ld = _LDCONFIG_RE.match(text)
        if ld is not None:
            b.recognise("ldconfig")
            b.consume(i)
            path = ld.group(2)
            version = re.search(r"\.so\.(\d{1,2}(?:\.\d{1,3}){0,2})$", path)
            if not any(entry["path"] == path for entry in cudnn):
                cudnn.append({"path": path, "version": version.group(1) if version else None})
            cudnn_at = i if cudnn_at is None else cudnn_at
            continue
        pip = _PIP_VERSION_RE.match(text)
        if pip is not None:
            b.recognise("pip --version")
            b.consume(i)
            b.add("python.version", pip.group(1), i)
    if cudnn and cudnn_at is not None:
        main = [e for e in cudnn if re.search(r"/libcudnn\.so", str(e["path"]))] or cudnn
        b.add("cudnn.system", main, cudnn_at)
    return b.build()
