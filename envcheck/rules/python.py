"""Python versions and builds that torch publishes no wheel for.

Category ``python_unsupported`` (a target interpreter too old to inspect: :mod:`.target`).
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import items, remarks
from envcheck.model import Fix, Severity
from envcheck.rules.engine import RANK_PYTHON, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import (
    reinstall_fix,
    reinstall_torch,
)
from envcheck.rules.registry import rule
from envcheck.rules.tables import (
    major_minor,
    newest_torch,
    newest_torch_for_python,
    parse_version,
    python_bounds,
    python_range,
)

_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})


def _spec_version(spec: str) -> Version | None:
    try:
        specifier = SpecifierSet(spec.replace(" ", ""))
    except InvalidSpecifier:
        return None
    for item in specifier:
        if item.operator in ("==", "==="):
            return parse_version(item.version.rstrip(".*"))
    return None


@rule(
    "python_unsupported.32_bit",
    "python_unsupported.macos_x86_64",
    "python_unsupported.no_wheel_for_python",
    "python_unsupported.too_new",
    "python_unsupported.too_old",
    "python_unsupported.torch_not_built_for_python",
    "python_unsupported.no_matching_distribution",
)
def python_rules(view: FactsView) -> list[Candidate]:
    """python_unsupported.*: 32-bit Python, or a Python no torch wheel exists for."""
    out: list[Candidate] = []
    python = view.version("python.version")
    bits = view.int_("python.bits")
    no_dist = [
        s
        for kind in ("no_matching_distribution", "no_wheel_for_platform", "conda_python_conflict")
        for s in view.signatures_of(kind)
        if s.data.get("package", "") in _TORCH_FAMILY
    ]
    missing = "torch_missing" in view.signature_kinds or (
        view.torch is None and "torch.version" in view.facts
    )
    explains = frozenset(
        {"torch_missing", "no_matching_distribution", "conda_python_conflict", "import_failed"}
    )
    if bits == 32:
        out.append(
            Candidate(
                finding(
                    id="python_unsupported.32_bit",
                    severity=Severity.ERROR,
                    detail=_bits_detail(view.str_("python.executable"), str(python or "")),
                    evidence=("python.bits", "python.platform_tag"),
                    fixes=(
                        Fix(
                            "Install a 64-bit Python and create the environment with it",
                            (),
                            "https://www.python.org/downloads/",
                        ),
                    ),
                ),
                RANK_PYTHON,
                explains,
            )
        )
        return out
    out.extend(_macos_intel(view, bool(missing or no_dist)))
    if out:
        return out
    if python is None:
        if no_dist:
            out.append(_no_distribution(view, no_dist[0].data, None))
        return out
    py = major_minor(python)
    oldest, newest = python_bounds()
    torch = view.torch
    import_failed = view.str_("torch.import_error") is not None
    wanted: Version | None = None
    for sig in no_dist:
        wanted = _spec_version(sig.data.get("spec", "")) or wanted
    if wanted is not None:
        rng = python_range(wanted)
        if rng is not None and not rng[0] <= py <= rng[1]:
            newest_text = _newest_text(py, view)
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.no_wheel_for_python",
                        severity=Severity.ERROR,
                        title=Msg(
                            "torch {torch} has no wheels for Python {py}",
                            torch=str(wanted),
                            py=str(py),
                        ),
                        detail=sentences(
                            Msg(
                                "torch {torch} was published for Python {low}–{high}; this is "
                                "Python {python}.",
                                torch=str(wanted),
                                low=str(rng[0]),
                                high=str(rng[1]),
                                python=str(python),
                            ),
                            newest_text,
                        ),
                        evidence=("python.version", "errors.seen"),
                        fixes=(
                            Fix(
                                Msg("Use a torch release that supports Python {py}", py=str(py)),
                                reinstall_fix(view).commands,
                            ),
                            Fix(
                                Msg(
                                    "Or create the environment with Python {py}",
                                    py=str(rng[1]),
                                ),
                                (
                                    f"uv venv --python {rng[1]}",
                                    f"conda create -n torch python={rng[1]}",
                                ),
                            ),
                        ),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
            return out
    if (missing or no_dist or import_failed) and (py > newest or py < oldest):
        too_new = py > newest
        out.append(
            Candidate(
                finding(
                    id="python_unsupported.too_new" if too_new else "python_unsupported.too_old",
                    severity=Severity.ERROR,
                    title=Msg("No torch release has wheels for Python {py}", py=str(py)),
                    detail=(
                        Msg(
                            "Python {python} is newer than any torch release known to envcheck "
                            "(torch {torch} supports Python up to {newest}).",
                            python=str(python),
                            torch=str(newest_torch()),
                            newest=str(newest),
                        )
                        if too_new
                        else Msg(
                            "Python {python} is older than any torch release known to envcheck "
                            "(the oldest have wheels for Python ≥ {oldest}).",
                            python=str(python),
                            oldest=str(oldest),
                        )
                    ),
                    evidence=("python.version", "torch.version", "errors.seen"),
                    fixes=(
                        Fix(
                            "Create the environment with a supported Python",
                            ("uv venv --python 3.12", "conda create -n torch python=3.12"),
                        ),
                    ),
                ),
                RANK_PYTHON,
                explains,
            )
        )
        return out
    if torch is not None and import_failed:
        rng = python_range(torch)
        if rng is not None and not rng[0] <= py <= rng[1]:
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.torch_not_built_for_python",
                        severity=Severity.ERROR,
                        title=Msg(
                            "{torch} was not built for Python {py}",
                            torch=view.torch_text,
                            py=str(py),
                        ),
                        detail=Msg(
                            "torch {torch} has wheels for Python {low}–{high}; this is Python "
                            "{python}, and importing it fails.",
                            torch=torch.base_version,
                            low=str(rng[0]),
                            high=str(rng[1]),
                            python=str(python),
                        ),
                        evidence=("python.version", "torch.version", "torch.import_error"),
                        fixes=(reinstall_fix(view),),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
            return out
    if missing and not no_dist:
        best = newest_torch_for_python(py)
        if best is not None and best < Version("2.0"):
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.too_old",
                        severity=Severity.WARNING,
                        title=Msg(
                            "Python {py} can only get torch {torch} or older",
                            py=str(py),
                            torch=str(best),
                        ),
                        detail=Msg(
                            "torch 2.x needs Python ≥ 3.8; with Python {python} the newest "
                            "torch is {torch}.",
                            python=str(python),
                            torch=str(best),
                        ),
                        evidence=("python.version", "torch.version"),
                        fixes=(
                            Fix(
                                "Create the environment with a newer Python",
                                ("uv venv --python 3.12", "conda create -n torch python=3.12"),
                            ),
                        ),
                    ),
                    RANK_PYTHON,
                    explains,
                )
            )
    if no_dist and not out:
        out.append(_no_distribution(view, no_dist[0].data, python))
    return out


def _newest_text(py: Version, view: FactsView) -> str:
    """"The newest torch for Python 3.12 is …": the release the fix installs, so text and fix
    agree; when a newer line has wheels but the fix picks an older release (its builds are
    unconfirmed, or none fits this machine), both are named."""
    best = newest_torch_for_python(py)
    chosen = reinstall_torch(view)
    if chosen is None:
        return (
            Msg("The newest torch for Python {py} is {torch}.", py=str(py), torch=str(best))
            if best
            else ""
        )
    line = parse_version(chosen)
    if best is None or line is None or major_minor(line) == best:
        return Msg("The newest torch for Python {py} is {torch}.", py=str(py), torch=chosen)
    return Msg(
        "torch {best} has wheels for Python {py}, but the fix below installs {chosen}: the "
        "newest release whose builds for this machine the tables confirm.",
        best=str(best),
        py=str(py),
        chosen=chosen,
    )


def _macos_intel(view: FactsView, torch_wanted: bool) -> list[Candidate]:
    """An x86_64 Python on macOS: torch stopped macOS x86_64 wheels after 2.2.2 (a1 notes)."""
    tag = (view.str_("python.platform_tag") or "").lower()
    machine = (view.str_("os.arch") or "").lower()
    # python.org's universal2 builds run as x86_64 on an Intel Mac.
    intel = tag.endswith("x86_64") or (tag.endswith("universal2") and machine == "x86_64")
    if view.os_name != "darwin" or not intel:
        return []
    rosetta = machine in ("arm64", "aarch64")
    if not rosetta and not torch_wanted:
        return []
    if rosetta:
        fix = Fix(
            "Create the environment with a native arm64 Python",
            ("uv venv --python 3.12", "conda create -n torch python=3.12"),
        )
    else:
        # An Intel Mac cannot run an arm64 Python: the last x86_64 wheels are what it gets.
        fix = reinstall_fix(view)
    return [
        Candidate(
            finding(
                id="python_unsupported.macos_x86_64",
                severity=Severity.ERROR if torch_wanted else Severity.WARNING,
                detail=_intel_detail(view.str_("python.executable"), tag, rosetta),
                evidence=("python.platform_tag", "os.arch", "os.name"),
                fixes=(fix,),
            ),
            RANK_PYTHON,
            frozenset(
                {"torch_missing", "no_matching_distribution", "no_wheel_for_platform",
                 "conda_python_conflict", "import_failed"}
            ),
        )
    ]


def _bits_detail(python: str | None, version: str) -> str:
    if python:
        return Msg(
            "{python} is a 32-bit Python {version}; PyTorch publishes no 32-bit builds, so pip "
            "finds no torch for it.",
            python=python,
            version=version,
        )
    return Msg(
        "The interpreter is a 32-bit Python {version}; PyTorch publishes no 32-bit builds, so "
        "pip finds no torch for it.",
        version=version,
    )


def _intel_detail(python: str | None, tag: str, rosetta: bool) -> str:
    if python and rosetta:
        return Msg(
            "{python} is an x86_64 Python running under Rosetta on Apple silicon ({tag}); "
            "PyTorch published macOS x86_64 wheels only up to 2.2.2, and the MPS GPU backend "
            "needs a native arm64 Python.",
            python=python,
            tag=tag,
        )
    if python:
        return Msg(
            "{python} is an x86_64 Python ({tag}); PyTorch published macOS x86_64 wheels only "
            "up to 2.2.2.",
            python=python,
            tag=tag,
        )
    if rosetta:
        return Msg(
            "The interpreter is an x86_64 Python running under Rosetta on Apple silicon "
            "({tag}); PyTorch published macOS x86_64 wheels only up to 2.2.2, and the MPS GPU "
            "backend needs a native arm64 Python.",
            tag=tag,
        )
    return Msg(
        "The interpreter is an x86_64 Python ({tag}); PyTorch published macOS x86_64 wheels "
        "only up to 2.2.2.",
        tag=tag,
    )


def _no_distribution(view: FactsView, data: Mapping[str, str], python: Version | None) -> Candidate:
    package = data.get("package", "torch")
    spec = data.get("spec", "")
    # Each reason as a sentence's start (the first) or as its continuation.
    reasons: list[str] = []
    mirror = view.str_("pip.mirror")
    if "+cu" in spec or "+cpu" in spec:
        reasons.append(
            Msg(
                "Local versions like +cu121 exist only on download.pytorch.org, not on "
                "PyPI{mirror}",
                mirror=Msg(" or the {mirror} mirror", mirror=mirror)
                if mirror and mirror != "pytorch"
                else "",
            )
        )
    machine = (view.str_("os.arch") or "").lower()
    if view.os_name == "darwin" and machine in ("x86_64", "amd64"):
        reasons.append(Msg("macOS x86_64 wheels stop at torch 2.2.2"))
    if not reasons:
        reasons.append(
            Msg(
                "No wheel matches this Python, OS and CPU architecture, or the index in use "
                "does not carry it"
            )
        )
    where = []
    if python is not None:
        where.append(f"Python {python}")
    if view.os_name:
        where.append(view.os_name)
    if machine:
        where.append(machine)
    return Candidate(
        finding(
            id="python_unsupported.no_matching_distribution",
            severity=Severity.ERROR,
            title=Msg(
                "pip finds no {package}{spec} for this platform", package=package, spec=spec
            ),
            detail=sentences(
                Msg(
                    'pip: "No matching distribution found for {package}{spec}" ({where}).',
                    package=package,
                    spec=spec,
                    where=items(where),
                )
                if where
                else Msg(
                    'pip: "No matching distribution found for {package}{spec}".',
                    package=package,
                    spec=spec,
                ),
                Msg("{reasons}.", reasons=remarks(reasons)),
            ),
            evidence=("errors.seen", "python.version", "os.arch", "pip.index_url"),
            fixes=(reinstall_fix(view),),
        ),
        RANK_PYTHON,
        frozenset(
            {"no_matching_distribution", "no_wheel_for_platform", "conda_python_conflict",
             "torch_missing"}
        ),
    )
