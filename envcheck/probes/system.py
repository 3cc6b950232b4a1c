"""The machine itself: OS, distribution, kernel, glibc, WSL, container, CPU, memory and disk.

Shell equivalent: ``uname -srm; cat /etc/os-release /proc/cpuinfo /proc/meminfo; ldd --version;
ls /dev/nvidia*; df ~/.cache /dev/shm``.

Everything is read through the context (files under ``ctx.root``, commands through
``ctx.run``), so tests describe a machine as a temp tree. The few answers that only the OS
itself can give (psutil's memory and core counts on Windows, ``disk_usage``/``statvfs``) are
asked of the path ``ctx.path`` maps to, or only when the context is the real machine.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from envcheck.context import Context
from envcheck.i18n import Msg
from envcheck.i18n_lists import clauses, items, remarks
from envcheck.model import ProbeOutcome
from envcheck.probes.base import Facts, Probe

_LDD_GLIBC_RE = re.compile(r"^ldd\b.*?(\d+\.\d+(?:\.\d+)?)\s*$", re.M | re.ASCII)
_GLIBC_RE = re.compile(r"\b(?:GNU libc|GLIBC)\b.*?(\d+\.\d+)", re.ASCII | re.IGNORECASE)
_MUSL_VERSION_RE = re.compile(r"^Version\s+(\S+)", re.M | re.ASCII)
_MEMTOTAL_RE = re.compile(r"^MemTotal:\s*(\d+)\s*kB", re.M | re.ASCII)

_CGROUP_MARKERS: tuple[tuple[str, str], ...] = (
    ("kubepods", "kubernetes"),
    ("libpod", "podman"),
    ("docker", "docker"),
    ("lxc", "lxc"),
    ("containerd", "container"),
)
_CONTAINER_ENV_VALUES: Mapping[str, str] = {
    "docker": "docker",
    "podman": "podman",
    "oci": "container",
    "lxc": "lxc",
    "lxc-libvirt": "lxc",
    "systemd-nspawn": "container",
}


# -- pure parsers --------------------------------------------------------------------------


def parse_os_release(text: str) -> dict[str, str]:
    """The KEY=value pairs of an os-release file, quotes and escapes removed.

    Comments, blank lines and lines that are not assignments are ignored; never raises.
    """
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key] = re.sub(r"\\(.)", r"\1", value)
    return values


def distro_name(os_release: Mapping[str, str]) -> str | None:
    """PRETTY_NAME, else "NAME VERSION", else NAME; None when the file names nothing."""
    pretty = os_release.get("PRETTY_NAME", "").strip()
    if pretty:
        return pretty
    name = os_release.get("NAME", "").strip()
    version = (os_release.get("VERSION") or os_release.get("VERSION_ID") or "").strip()
    if name:
        return f"{name} {version}".strip()
    return None


def parse_ldd_version(text: str) -> str | None:
    """glibc's version from ``ldd --version``: "ldd (Ubuntu GLIBC 2.35-0ubuntu3.8) 2.35" → "2.35".

    musl's ldd prints "musl libc" instead; that (and anything else) gives None.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "musl" in first.lower():
        return None
    match = _LDD_GLIBC_RE.search(first)
    if match:
        return match.group(1)
    match = _GLIBC_RE.search(first)
    return match.group(1) if match else None


def parse_musl_version(text: str) -> str | None:
    """musl's version from its loader's banner ("Version 1.2.4"), None when not musl."""
    if "musl" not in text.lower():
        return None
    match = _MUSL_VERSION_RE.search(text)
    return match.group(1) if match else Msg("unknown version")


def parse_meminfo_total(text: str) -> int | None:
    """MemTotal of /proc/meminfo in bytes ("MemTotal: 65536000 kB" → 67108864000)."""
    match = _MEMTOTAL_RE.search(text)
    return int(match.group(1)) * 1024 if match else None


def parse_cpuinfo(text: str) -> tuple[str | None, int | None, int | None]:
    """``(model, logical_cpus, physical_cores)`` from /proc/cpuinfo.

    The model is x86's "model name" (or "Model"/"Hardware"/"cpu model" on ARM, POWER and
    MIPS boards). Physical cores count distinct (physical id, core id) pairs; None when the
    file has no core ids (most ARM kernels).
    """
    model: str | None = None
    logical = 0
    cores: set[tuple[str, str]] = set()
    physical_id = "0"
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        value = value.strip()
        if key == "processor" and value.isdigit():
            logical += 1
        elif key in ("model name", "model", "hardware", "cpu model", "cpu") and value:
            if model is None and not (key in ("model", "cpu") and value.isdigit()):
                model = value
        elif key == "physical id":
            physical_id = value
        elif key == "core id":
            cores.add((physical_id, value))
    return model, (logical or None), (len(cores) or None)


def detect_wsl(proc_version: str | None, kernel_release: str | None, wsl_interop: bool) -> str:
    """``"wsl2"``, ``"wsl1"`` or ``"none"`` from the kernel's self-description.

    WSL kernels say "Microsoft" (WSL1: "4.4.0-19041-Microsoft") or "microsoft-standard-WSL2"
    (WSL2). A custom WSL2 kernel may drop the suffix, so the /run/WSL interop socket plus
    WSL_INTEROP also counts as WSL2. See https://github.com/microsoft/WSL/issues/423
    """
    text = f"{proc_version or ''}\n{kernel_release or ''}".lower()
    if "microsoft" not in text:
        return "none"
    if "wsl2" in text or "microsoft-standard" in text or wsl_interop:
        return "wsl2"
    return "wsl1"


def detect_container(
    *,
    dockerenv: bool,
    containerenv: bool,
    singularity: bool,
    env: Mapping[str, str],
    cgroup: str | None,
) -> str:
    """The container runtime the process lives in, or ``"none"``.

    Kubernetes first (its pods also look like docker/containerd inside), then the marker
    files docker (/.dockerenv) and podman (/run/.containerenv) create, Singularity/Apptainer,
    the ``container`` variable systemd-style runtimes set, and finally cgroup paths.
    """
    if env.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    if dockerenv:
        return "docker"
    if containerenv:
        return "podman"
    if singularity or env.get("SINGULARITY_CONTAINER") or env.get("APPTAINER_CONTAINER"):
        return "singularity"
    container = env.get("container", "").strip().lower()
    if container:
        return _CONTAINER_ENV_VALUES.get(container, "container")
    lowered = (cgroup or "").lower()
    for marker, kind in _CGROUP_MARKERS:
        if marker in lowered:
            return kind
    return "none"


def parse_sysctl_values(text: str, count: int) -> list[str | None]:
    """The first ``count`` lines of ``sysctl -n a b c`` (missing lines → None)."""
    lines = [line.strip() for line in text.splitlines()]
    return [(lines[i] or None) if i < len(lines) else None for i in range(count)]


# -- gathering -----------------------------------------------------------------------------


def _is_real_root(ctx: Context) -> bool:
    return str(ctx.root) in ("/", "")


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


class SystemProbe(Probe):
    """OS, distribution, kernel, architecture, glibc, WSL, container, CPU, RAM, disk, /dev/shm.

    Emits ``os.name``, ``os.distro``, ``os.kernel``, ``os.arch``, ``os.glibc``, ``os.wsl``,
    ``os.wsl_libcuda``, ``os.container``, ``os.nvidia_dev_nodes``, ``os.cpu_model``,
    ``os.cpu_cores``, ``os.cpu_physical_cores``, ``os.ram_bytes``, ``os.disk_free_bytes`` and
    ``os.shm_bytes``.
    """

    id = "system"
    title = Msg("System")
    inspects = Msg("the OS, WSL and container")
    for_recommend = True

    def run(self, ctx: Context) -> ProbeOutcome:
        facts = Facts()
        facts.set("os.name", ctx.os_name)
        facts.set(
            "os.arch",
            ctx.platform.machine or None,
            None if ctx.platform.machine else Msg("the platform did not name its architecture"),
        )
        if ctx.os_name == "linux":
            self._linux(ctx, facts)
        elif ctx.os_name == "darwin":
            self._darwin(ctx, facts)
        else:
            self._windows(ctx, facts)
        self._disk(ctx, facts)
        return facts.outcome(_summary(facts.values))

    # -- Linux -----------------------------------------------------------------------------

    def _linux(self, ctx: Context, facts: Facts) -> None:
        distro, why = None, ""
        missing: list[str] = []
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            text, why_not = ctx.try_read_text(path)
            if text is not None:
                distro = distro_name(parse_os_release(text))
                why = Msg("{path} names no distribution", path=path)
                break
            missing.append(why_not or path)
            why = remarks(missing)
        facts.set("os.distro", distro, None if distro else why)

        release, why_not = ctx.try_read_text("/proc/sys/kernel/osrelease")
        kernel = (release or "").strip() or ctx.platform.release or None
        facts.set("os.kernel", kernel, None if kernel else why_not or Msg("unknown kernel"))

        self._glibc(ctx, facts)

        proc_version, _ = ctx.try_read_text("/proc/version")
        interop = ctx.exists("/run/WSL") and bool(ctx.env.get("WSL_INTEROP"))
        wsl = detect_wsl(proc_version, kernel, interop)
        facts.set("os.wsl", wsl)
        facts.set("os.wsl_libcuda", ctx.exists("/usr/lib/wsl/lib/libcuda.so"))

        cgroup, _ = ctx.try_read_text("/proc/1/cgroup")
        if cgroup is None:
            cgroup, _ = ctx.try_read_text("/proc/self/cgroup")
        facts.set(
            "os.container",
            detect_container(
                dockerenv=ctx.exists("/.dockerenv"),
                containerenv=ctx.exists("/run/.containerenv"),
                singularity=ctx.exists("/.singularity.d"),
                env=ctx.env,
                cgroup=cgroup,
            ),
        )

        try:
            nodes = sorted(
                p.name for p in ctx.path("/dev").iterdir() if p.name.startswith("nvidia")
            )
            facts.set("os.nvidia_dev_nodes", nodes)
        except OSError as exc:
            facts.unknown("os.nvidia_dev_nodes", Msg("/dev could not be listed: {error}",
                                                     error=str(exc.strerror or exc)))

        text, why_not = ctx.try_read_text("/proc/cpuinfo")
        model, logical, physical = parse_cpuinfo(text) if text is not None else (None, None, None)
        cpu_why = why_not or Msg("/proc/cpuinfo does not say")
        if physical is None and _is_real_root(ctx):
            physical = _psutil_physical_cores()
        facts.set("os.cpu_model", model,
                  None if model else Msg("{why} (no 'model name')", why=cpu_why))
        facts.set("os.cpu_cores", logical, None if logical else cpu_why)
        facts.set(
            "os.cpu_physical_cores", physical,
            None if physical else Msg("{why} (no core ids)", why=cpu_why)
        )

        text, why_not = ctx.try_read_text("/proc/meminfo")
        ram = parse_meminfo_total(text) if text is not None else None
        if ram is None and _is_real_root(ctx):
            ram = _psutil_ram()
        facts.set("os.ram_bytes", ram,
                  None if ram else why_not or Msg("/proc/meminfo has no MemTotal"))

        shm = ctx.path("/dev/shm")
        statvfs = getattr(os, "statvfs", None)
        if statvfs is None:
            facts.unknown("os.shm_bytes", Msg("os.statvfs is not available here"))
        else:
            try:
                info = statvfs(shm)
                facts.set("os.shm_bytes", int(info.f_blocks * info.f_frsize))
            except OSError as exc:
                facts.unknown("os.shm_bytes", Msg("{path}: {error}", path="/dev/shm",
                                                  error=str(exc.strerror or exc)))

    def _glibc(self, ctx: Context, facts: Facts) -> None:
        result = ctx.run(["ldd", "--version"])
        output = result.stdout + "\n" + result.stderr
        version = parse_ldd_version(result.stdout) if result.stdout.strip() else None
        if version:
            facts.set("os.glibc", version)
            return
        musl = parse_musl_version(output)
        if musl:
            facts.unknown("os.glibc", Msg("the C library is musl {version}, not glibc",
                                          version=musl))
        elif result.error is not None or result.returncode != 0:
            facts.unknown("os.glibc", Msg("{command}: {failure}", command="ldd --version",
                                          failure=result.describe_failure()))
        else:
            facts.unknown("os.glibc", Msg("ldd --version named no glibc version"))

    # -- macOS -----------------------------------------------------------------------------

    def _darwin(self, ctx: Context, facts: Facts) -> None:
        facts.set(
            "os.kernel",
            ctx.platform.release or None,
            None if ctx.platform.release else Msg("the platform did not give its release"),
        )
        result = ctx.run(["sw_vers", "-productVersion"])
        version = result.stdout.strip() if result.ok else ""
        if version:
            facts.set("os.distro", f"macOS {version}")
        else:
            facts.unknown("os.distro", Msg("{command}: {failure}", command="sw_vers",
                                           failure=result.describe_failure() or Msg("no output")))
        _not_linux(facts, "macOS")
        keys = ("machdep.cpu.brand_string", "hw.logicalcpu", "hw.physicalcpu", "hw.memsize")
        result = ctx.run(["sysctl", "-n", *keys])
        why = Msg("{command}: {failure}", command="sysctl",
                  failure=result.describe_failure() or Msg("no value"))
        model, logical, physical, memsize = (
            parse_sysctl_values(result.stdout, len(keys)) if result.ok else [None] * 4
        )
        facts.set("os.cpu_model", model, None if model else why)
        for key, value in (
            ("os.cpu_cores", logical),
            ("os.cpu_physical_cores", physical),
            ("os.ram_bytes", memsize),
        ):
            number = _int_or_none(value)
            facts.set(key, number, None if number else why)

    # -- Windows ---------------------------------------------------------------------------

    def _windows(self, ctx: Context, facts: Facts) -> None:
        release = ctx.platform.release
        facts.set("os.kernel", release or None,
                  None if release else Msg("no Windows release given"))
        facts.set("os.distro", f"Windows {release}".strip() if release else "Windows")
        _not_linux(facts, "Windows")
        model = ctx.env.get("PROCESSOR_IDENTIFIER", "").strip() or None
        facts.set("os.cpu_model", model,
                  None if model else Msg("{variable} is not set", variable="PROCESSOR_IDENTIFIER"))
        logical = _int_or_none(ctx.env.get("NUMBER_OF_PROCESSORS"))
        facts.set("os.cpu_cores", logical, None if logical else
                  Msg("{variable} is not set", variable="NUMBER_OF_PROCESSORS"))
        real = _is_real_root(ctx)
        physical = _psutil_physical_cores() if real else None
        ram = _psutil_ram() if real else None
        why = (Msg("asked of psutil only on the real machine") if not real
               else Msg("psutil did not say"))
        facts.set("os.cpu_physical_cores", physical, None if physical else why)
        facts.set("os.ram_bytes", ram, None if ram else why)

    # -- all -------------------------------------------------------------------------------

    def _disk(self, ctx: Context, facts: Facts) -> None:
        candidates = _cache_dirs(ctx)
        if not candidates:
            facts.unknown("os.disk_free_bytes",
                          Msg("no home directory is set (HOME/USERPROFILE)"))
            return
        for candidate in candidates:
            target = ctx.path(candidate)
            if not target.exists():
                continue
            try:
                facts.set("os.disk_free_bytes", int(shutil.disk_usage(target).free))
                return
            except OSError as exc:
                facts.unknown("os.disk_free_bytes", Msg("{path}: {error}", path=candidate,
                                                        error=str(exc.strerror or exc)))
                return
        facts.unknown("os.disk_free_bytes",
                      Msg("none of {paths} exists", paths=items(candidates)))


def _not_linux(facts: Facts, system: str) -> None:
    for key in ("os.glibc", "os.shm_bytes", "os.nvidia_dev_nodes", "os.wsl_libcuda"):
        facts.unknown(key, Msg("Linux only (this is {system})", system=system))
    facts.set("os.wsl", "none")
    facts.set("os.container", "none")


def _cache_dirs(ctx: Context) -> list[str]:
    """Where pip and torch caches live, most specific first (then the home directory)."""
    env = ctx.env
    dirs: list[str] = []
    if ctx.os_name == "windows":
        home = env.get("USERPROFILE") or env.get("HOME")
        for value in (env.get("LOCALAPPDATA"), home and f"{home}\\.cache", home):
            if value:
                dirs.append(value)
        return dirs
    if env.get("XDG_CACHE_HOME"):
        dirs.append(env["XDG_CACHE_HOME"])
    home = env.get("HOME")
    if home:
        dirs.extend([str(Path(home) / ".cache"), home])
    return dirs


def _psutil_ram() -> int | None:
    try:
        psutil = importlib.import_module("psutil")  # no type stubs are installed for psutil
        return int(psutil.virtual_memory().total)
    except Exception:  # noqa: BLE001 - psutil is a best-effort fallback
        return None


def _psutil_physical_cores() -> int | None:
    try:
        psutil = importlib.import_module("psutil")
        count = psutil.cpu_count(logical=False)
    except Exception:  # noqa: BLE001
        return None
    return int(count) if count else None


def _summary(values: Mapping[str, object]) -> str:
    parts = [str(values.get("os.distro") or values.get("os.name")), str(values.get("os.arch"))]
    if values.get("os.wsl") not in (None, "none"):
        parts.append(str(values["os.wsl"]).upper())
    if values.get("os.container") not in (None, "none"):
        parts.append(Msg("in {container}", container=str(values["os.container"])))
    return clauses(p for p in parts if p and p != "None")
