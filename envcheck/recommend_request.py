"""What a recommendation is asked and what it answers: the request, its checks, the result.

Split from :mod:`envcheck.recommend` (the planner): :class:`Request` and its normalisation into
checked inputs (one-line :class:`RequestError` for malformed input), :class:`ImpossibleRequest`,
and the :class:`Recommendation` the planner returns. Pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from envcheck.i18n import Msg
from envcheck.i18n_lists import items
from envcheck.recipes import CPU_ALIASES, OS_ALIASES, DriverVersion, GpuArch, Tables, platform_key

PACKAGES = ("torch", "torchvision", "torchaudio")
MANAGERS = ("pip", "uv", "conda")
PREVIOUS_VERSIONS_URL = "https://pytorch.org/get-started/previous-versions/"


class RequestError(ValueError):
    """The request itself is malformed (an unknown OS, a GPU name no table knows ...).

    Its one argument is a :class:`~envcheck.i18n.Msg` (``message``), so the CLI can say it in
    the user's language; ``str(error)`` is the English line."""

    @property
    def message(self) -> str:
        """The message as raised (a ``Msg`` keeps its translation; ``str()`` would not)."""
        first = self.args[0] if self.args else ""
        return first if isinstance(first, str) else str(first)


class ImpossibleRequest(Exception):
    """No published build satisfies the request; ``possible`` says what would."""

    def __init__(self, reason: str, possible: Sequence[str] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.possible = tuple(possible)

    def __str__(self) -> str:
        if not self.possible:
            return self.reason
        return f"{self.reason}. Possible instead: " + "; ".join(self.possible)


@dataclass(frozen=True)
class Request:
    """What the install must fit. None means "not given": the recommendation decides.

    ``cuda`` is the CUDA the user has (nvidia-smi's or nvcc's X.Y): the newest variant that runs
    with it is chosen. ``variant`` (``cu121``, ``cpu``, ``rocm6.0``) asks for one build exactly.
    ``torch`` is a version (``2.2.1``, ``2.2``) or a specifier (``>=2.4,<2.6``).
    """

    os: str = "linux"
    arch: str | None = None
    """CPU architecture; None means the usual one for ``os`` (see :func:`default_arch`)."""
    python: str | None = None
    cuda: str | None = None
    variant: str | None = None
    driver: str | None = None
    gpu: str | None = None
    cc: tuple[str, ...] = ()
    torch: str | None = None
    manager: str = "pip"
    mirror: str | None = None
    packages: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Constraint:
    """One input and how it narrowed the choice."""

    name: str
    value: str
    effect: str


@dataclass(frozen=True)
class Alternative:
    """Another command that would also work, and when to prefer it."""

    label: str
    command: str
    mirror: str = ""
    """The key (``mirrors.toml``) of the mirror in mainland China the command downloads torch
    from, or empty: a user there is shown those first (see :class:`Mainland`)."""


@dataclass(frozen=True)
class Mainland:
    """What a user in mainland China is told besides the answer (shown under ``--lang zh``):
    the same build through the mirrors there, and the trap of a PyPI mirror for this build.

    The answer itself (command, alternatives, warnings) is the same for everyone; a renderer
    speaking to a user in mainland China puts :attr:`alternatives` right after the command
    (in place of the answer's alternatives that name a mirror) and says :attr:`warnings` in
    place of the answer's warnings listed in :attr:`replaces`.
    """

    alternatives: tuple[Alternative, ...] = ()
    warnings: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()
    """Warnings of the answer that :attr:`warnings` say in full (compared as message ids)."""


@dataclass(frozen=True)
class Recommendation:
    """The install command for a request, with the reasoning behind it."""

    request: Request
    command: str
    manager: str
    torch: str
    variant: str
    """``cu121``, ``rocm6.0`` or ``cpu`` (macOS: ``cpu``, the PyPI build with MPS)."""
    pins: tuple[tuple[str, str], ...]
    """(package, version as written in the command)."""
    index_url: str | None
    constraints: tuple[Constraint, ...]
    alternatives: tuple[Alternative, ...]
    warnings: tuple[str, ...]
    unconfirmed: tuple[str, ...]
    """Table rows (file and row) the answer rests on that the tables mark unconfirmed."""
    cuda_reading: str
    """How ``--cuda``/``--variant``/driver were read (empty when none was given)."""
    mainland: Mainland = Mainland()
    """The mirrors of mainland China for this build, and their traps (see :class:`Mainland`)."""

    @property
    def rests_on_unconfirmed(self) -> bool:
        """Whether any unconfirmed table row was used."""
        return bool(self.unconfirmed)


# --- input normalisation --------------------------------------------------------------------

def os_key(name: str) -> str | None:
    """``darwin``/``mac``/``macos`` → ``macos``, ``win32`` → ``windows``; None if unknown."""
    return OS_ALIASES.get(name.strip().lower())


def default_arch(os_name: str) -> str:
    """The CPU architecture assumed when none is given: Apple silicon (``arm64``) for macOS,
    since Intel Macs get no torch after 2.2.2 and new Macs are all arm64; ``x86_64`` otherwise."""
    return "arm64" if OS_ALIASES.get(os_name.strip().lower()) == "macos" else "x86_64"


@dataclass(frozen=True)
class Inputs:
    """The request, checked and normalised (what the planner works from)."""

    os: str
    cpu: str
    platform: str
    python: str | None
    cuda: Version | None
    variant: str | None
    driver: DriverVersion | None
    archs: tuple[GpuArch, ...]
    gpu_label: str
    spec: SpecifierSet | None
    manager: str
    mirror: str | None
    packages: tuple[str, ...] | None


def _version(text: str, what: str) -> Version:
    try:
        return Version(text.strip())
    except InvalidVersion:
        raise RequestError(Msg("{option} {value} is not a version", option=what,
                               value=repr(text))) from None


def _driver(text: str) -> DriverVersion:
    if not re.fullmatch(r"\s*\d+(\.\d+)+\s*", text):
        raise RequestError(Msg("--driver {value}: give a driver version like 535.104.05",
                               value=repr(text)))
    return DriverVersion(text)


def _torch_spec(text: str) -> SpecifierSet:
    raw = text.strip()
    if re.fullmatch(r"\d+(\.\d+)*", raw):
        parts = raw.split(".")
        # "2.2" means any 2.2.x; "2.2.1" exactly that release.
        return SpecifierSet(f"=={raw}.*" if len(parts) < 3 else f"=={raw}")
    if "+" in raw:
        raise RequestError(Msg("--torch {value}: give the build with --variant, not a +label",
                               value=repr(raw)))
    try:
        return SpecifierSet(raw)
    except InvalidSpecifier:
        raise RequestError(Msg("--torch {value} is neither a version nor a specifier",
                               value=repr(raw))) from None


def _python(text: str) -> str:
    m = re.fullmatch(r"\s*(?:cp|py)?(3|2(?=\.?7))\.?(\d+)(?:\.\d+)?(t?)\s*", text)
    if not m:
        raise RequestError(Msg("--python {value}: give a version like 3.11", value=repr(text)))
    return f"{m.group(1)}.{m.group(2)}{m.group(3)}"


def normalise(req: Request, tables: Tables) -> Inputs:
    """Check ``req`` and normalise it; RequestError or ImpossibleRequest when it cannot be met."""
    os_name = OS_ALIASES.get(req.os.strip().lower())
    if os_name is None:
        raise RequestError(Msg("--os {value}: use linux, windows or macos", value=repr(req.os)))
    arch_text = req.arch if req.arch is not None else default_arch(os_name)
    cpu = CPU_ALIASES.get(arch_text.strip().lower())
    if cpu is None:
        raise RequestError(Msg("--arch {value}: use x86_64 or aarch64", value=repr(req.arch)))
    platform = platform_key(os_name, cpu)
    assert platform is not None  # both keys were just checked
    if platform == "windows-aarch64":
        raise ImpossibleRequest(
            Msg("the recipe tables hold no torch wheels for Windows on ARM"),
            ["--os windows --arch x86_64", "--os linux --arch aarch64"],
        )
    variant = req.variant.strip().lower() if req.variant else None
    if variant and not re.fullmatch(r"cu\d{2,3}|rocm\d+(\.\d+)*|cpu", variant):
        raise RequestError(Msg("--variant {value}: use a build like cu121, rocm6.0 or cpu",
                               value=repr(req.variant)))
    archs: list[GpuArch] = []
    gpu_label = ""
    if req.gpu:
        found = tables.find_gpu(req.gpu)
        if found is None:
            raise RequestError(Msg("--gpu {value}: unknown GPU name; give --cc (e.g. --cc 8.6)",
                                   value=repr(req.gpu)))
        archs.append(found)
        gpu_label = req.gpu
    for cc_text in req.cc:
        cc = _version(cc_text, "--cc")
        arch = tables.arch(cc)
        if arch is None:
            known = items(str(a.cc) for a in tables.archs)
            raise RequestError(Msg("--cc {value}: unknown compute capability (known: {known})",
                                   value=repr(cc_text), known=known))
        if req.gpu and archs and archs[0].cc != cc:
            raise RequestError(Msg(
                "--gpu {value} is compute capability {cc}, not {other}: give one",
                value=repr(req.gpu), cc=str(archs[0].cc), other=str(cc),
            ))
        if arch not in archs:
            archs.append(arch)
    manager = req.manager.strip().lower()
    if manager not in MANAGERS:
        raise RequestError(Msg("--manager {value}: use pip, uv or conda", value=repr(req.manager)))
    mirror = req.mirror.strip().lower() if req.mirror else None
    if mirror in ("none", "pypi", "pytorch", ""):
        mirror = None
    if mirror and tables.pypi_mirror(mirror) is None and tables.wheel_mirror(mirror) is None:
        keys = sorted({m.key for m in tables.pypi_mirrors} | {m.key for m in tables.wheel_mirrors})
        raise RequestError(Msg("--mirror {value}: use one of {keys} or none",
                               value=repr(req.mirror), keys=items(keys)))
    packages = None
    if req.packages is not None:
        names = tuple(dict.fromkeys(p.strip().lower() for p in req.packages if p.strip()))
        unknown = [p for p in names if p not in PACKAGES]
        if unknown or not names:
            raise RequestError(Msg(
                "--packages: {unknown}: choose from {packages}",
                unknown=items(unknown) or Msg("empty"), packages=items(PACKAGES),
            ))
        packages = names
    return Inputs(
        os=os_name,
        cpu=cpu,
        platform=platform,
        python=_python(req.python) if req.python else None,
        cuda=_version(req.cuda, "--cuda") if req.cuda else None,
        variant=variant,
        driver=_driver(req.driver) if req.driver else None,
        archs=tuple(archs),
        gpu_label=gpu_label,
        spec=_torch_spec(req.torch) if req.torch else None,
        manager=manager,
        mirror=mirror,
        packages=packages,
    )
