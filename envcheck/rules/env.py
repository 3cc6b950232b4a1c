"""The Python environment: conflicting torch installs, companion packages, cuDNN shadowing,
and Python versions without torch wheels.

Categories ``env_conflict``, ``cudnn`` and ``python_unsupported``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.model import Fix, Severity
from envcheck.parsers.versions import build_label, cuda_from_label
from envcheck.rules.engine import RANK_CUDNN, RANK_ENV_CONFLICT, RANK_PYTHON, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import (
    pip_cmd,
    python_cmd,
    reinstall_fix,
    reinstall_torch,
    upper_first,
)
from envcheck.rules.tables import (
    expected_torchaudio,
    expected_torchvision,
    major_minor,
    newest_torch,
    newest_torch_for_python,
    parse_version,
    python_bounds,
    python_range,
    torchaudio_fits,
    torchvision_fits,
)

_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})


def _norm(path: str) -> str:
    return path.replace("\\", "/").rstrip("/")


def env_conflict_rules(view: FactsView) -> list[Candidate]:
    """env_conflict.*: two torch copies, conda+pip, unpaired torchvision/torchaudio, ABI."""
    out: list[Candidate] = []
    out.extend(_copies(view))
    out.extend(_conda_pip(view))
    out.extend(_companions(view))
    sig = view.signature("undefined_symbol")
    if sig is not None:
        lib = sig.data.get("lib") or "a compiled extension"
        symbol = sig.data.get("symbol", "?")
        in_torch = "/torch/lib/" in _norm(lib)
        detail = f"{lib} needs the symbol {symbol}, which the loaded libraries lack: " + (
            "torch's own library was linked against different CUDA/NCCL/cuDNN libraries "
            "than the ones loaded (a copy on LD_LIBRARY_PATH, or mismatched nvidia-* "
            "wheels)."
            if in_torch
            else "it was built against a different torch (or CUDA) than the one installed."
        )
        fixes = (
            (
                Fix("Check what LD_LIBRARY_PATH puts first", ('echo "$LD_LIBRARY_PATH"',)),
                reinstall_fix(view.facts),
            )
            if in_torch
            else (
                Fix(
                    "Reinstall the extension so it is built for this torch (name it in place of "
                    "<package>)",
                    (
                        f"{pip_cmd(view)} install --force-reinstall --no-build-isolation "
                        "--no-cache-dir <package>",
                    ),
                ),
            )
        )
        out.append(
            Candidate(
                finding(
                    id="env_conflict.extension_abi",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=("errors.seen", "torch.import_error", "torch.version"),
                    fixes=fixes,
                ),
                RANK_ENV_CONFLICT,
                frozenset({"undefined_symbol", "import_failed"}),
            )
        )
    return out


def _copies(view: FactsView) -> list[Candidate]:
    copies = view.dicts("torch.copies")
    paths = {_norm(str(c.get("path"))) for c in copies if c.get("path")}
    user_site = _norm(view.str_("python.user_site") or "") or None
    if len(paths) >= 2:
        listed = "; ".join(
            f"{c.get('path')} ({c.get('version') or '?'}, {c.get('installer') or '?'})"
            for c in copies
        )
        versions = {str(c.get("version")) for c in copies}
        fixes = [
            Fix(
                "Remove the copy that shadows the other (pip removes the first one on "
                "sys.path); repeat until only the one you want is left",
                (
                    f"{pip_cmd(view)} uninstall -y torch",
                    f'{python_cmd(view)} -c "import torch; print(torch.__file__)"',
                ),
            )
        ]
        if user_site and any(p.startswith(user_site) for p in paths):
            fixes.append(
                Fix("Or stop Python from reading the user site", ("export PYTHONNOUSERSITE=1",))
            )
        return [
            Candidate(
                finding(
                    id="env_conflict.two_torch_copies",
                    severity=Severity.ERROR if len(versions) > 1 else Severity.WARNING,
                    title=f"{len(paths)} copies of torch are installed; the first one wins",
                    detail=f"torch is installed more than once on sys.path: {listed}. Python "
                    "imports the first; pip and the other packages may see another.",
                    evidence=("torch.copies", "python.user_site"),
                    fixes=tuple(fixes),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"import_failed", "torchvision_nms", "undefined_symbol"}),
            )
        ]
    family = [
        p
        for p in view.dicts("python.user_site_packages")
        if str(p.get("name", "")).lower() in _TORCH_FAMILY
    ]
    env_type = view.str_("python.env_type")
    if family and view.bool_("python.user_site_enabled") and env_type not in (None, "system"):
        names = ", ".join(f"{p.get('name')} {p.get('version') or ''}".strip() for p in family)
        return [
            Candidate(
                finding(
                    id="env_conflict.user_site_packages",
                    severity=Severity.WARNING,
                    detail=f"This {env_type} environment also imports from the user site "
                    f"({view.str_('python.user_site') or '~/.local'}), which holds {names}.",
                    evidence=("python.user_site_packages", "python.user_site_enabled"),
                    fixes=(
                        Fix(
                            "Stop Python from reading the user site", ("export PYTHONNOUSERSITE=1",)
                        ),
                    ),
                ),
                RANK_ENV_CONFLICT,
            )
        ]
    return []


def _conda_pip(view: FactsView) -> list[Candidate]:
    pytorch = view.conda_packages.get("pytorch")
    installer = (view.str_("torch.installer") or "").lower()
    if pytorch is None or installer not in ("pip", "uv"):
        return []
    failed = view.str_("torch.import_error") is not None
    return [
        Candidate(
            finding(
                id="env_conflict.conda_and_pip_torch",
                severity=Severity.ERROR if failed else Severity.WARNING,
                detail=f"conda lists pytorch {pytorch.get('version') or '?'} "
                f"({pytorch.get('channel') or '?'}), but the torch files were last written by "
                f"{installer} ({view.torch_text}). The two overwrite each other's files and "
                "conda's CUDA libraries may not match pip's torch.",
                evidence=("packages.conda", "torch.installer", "torch.version"),
                fixes=(
                    Fix(
                        "Keep one: remove conda's copy without touching its dependencies, then "
                        "reinstall with pip",
                        (
                            "conda remove --force pytorch torchvision torchaudio",
                            f"{pip_cmd(view)} uninstall -y torch torchvision torchaudio",
                            *reinstall_fix(view.facts).commands,
                        ),
                    ),
                ),
            ),
            RANK_ENV_CONFLICT,
            frozenset({"import_failed"}),
        )
    ]


def _cuda_label(version: str | None) -> str | None:
    """``'2.1.0+cu121'`` → ``'cu121'`` (``cu117.with.pypi.cudnn`` → ``cu117``); else None."""
    cuda = cuda_from_label(build_label(version or "").lower())
    return f"cu{cuda.replace('.', '')}" if cuda is not None else None


def _companions(view: FactsView) -> list[Candidate]:
    out: list[Candidate] = []
    torch = view.torch
    vision_text = view.str_("packages.torchvision")
    vision = parse_version(vision_text)
    audio = view.version("packages.torchaudio")
    nms = "torchvision_nms" in view.signature_kinds
    cpu_vision = "torchvision_cuda_backend" in view.signature_kinds
    if torch is not None and vision is not None:
        fits = torchvision_fits(Version(torch.base_version), Version(vision.base_version))
    else:
        fits = None
    if fits is False or nms or cpu_vision:
        expected = expected_torchvision(Version(torch.base_version)) if torch else None
        if vision is not None and fits is False:
            detail = f"torchvision {vision} is built for another torch than {view.torch_text}"
            detail += f" (it pairs with torchvision {expected})." if expected else "."
        elif vision is not None and fits:
            detail = (
                f"torchvision {vision} and {view.torch_text} are a matching pair, yet "
                "torchvision's compiled operators do not load: the two came from different "
                "indexes or builds (CPU vs CUDA), or the install is broken."
            )
        else:
            detail = "torchvision's compiled operators do not match the installed torch."
        if nms:
            detail += ' This is what "operator torchvision::nms does not exist" means.'
        if cpu_vision:
            detail = (
                f"torchvision{f' {vision}' if vision else ''} has no CUDA kernels for its "
                f"operators, beside {view.torch_text}: it is a CPU build (PyPI's torchvision "
                "is CPU-only on Windows), installed from another index than torch. Install "
                "torchvision from the same CUDA index as torch."
            )
        out.append(
            Candidate(
                finding(
                    id="env_conflict.torchvision_mismatch",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=("packages.torchvision", "torch.version", "errors.seen"),
                    fixes=(reinstall_fix(view.facts),),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"torchvision_nms", "torchvision_cuda_mismatch",
                           "torchvision_cuda_backend"}),
            )
        )
    if torch is not None and audio is not None:
        audio_fits = torchaudio_fits(Version(torch.base_version), Version(audio.base_version))
        if audio_fits is False:
            expected = expected_torchaudio(Version(torch.base_version))
            out.append(
                Candidate(
                    finding(
                        id="env_conflict.torchaudio_mismatch",
                        severity=Severity.WARNING,
                        detail=f"torchaudio {audio} is built for another torch than "
                        f"{view.torch_text}"
                        + (f" (it pairs with torchaudio {expected})." if expected else "."),
                        evidence=("packages.torchaudio", "torch.version"),
                        fixes=(reinstall_fix(view.facts),),
                    ),
                    RANK_ENV_CONFLICT,
                )
            )
    torch_label = _cuda_label(view.str_("torch.version"))
    vision_label = _cuda_label(vision_text)
    sig = view.signature("torchvision_cuda_mismatch")
    if (torch_label and vision_label and torch_label != vision_label) or sig is not None:
        if sig is not None and sig.data.get("torch") and sig.data.get("torchvision"):
            pair = f"torch has CUDA {sig.data['torch']}, torchvision CUDA {sig.data['torchvision']}"
            major = sig.data["torch"].split(".")[0] != sig.data["torchvision"].split(".")[0]
        elif torch_label and vision_label:
            pair = f"torch is +{torch_label}, torchvision +{vision_label}"
            major = torch_label[2:-1] != vision_label[2:-1]
        else:
            pair, major = "torch and torchvision were built for different CUDA versions", True
        out.append(
            Candidate(
                finding(
                    id="env_conflict.cuda_builds_differ",
                    severity=Severity.ERROR if major or sig is not None else Severity.WARNING,
                    detail=f"{pair}; install both from the same index.",
                    evidence=("torch.version", "packages.torchvision", "errors.seen"),
                    fixes=(reinstall_fix(view.facts),),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"torchvision_cuda_mismatch", "torchvision_nms"}),
            )
        )
    return out


def _torch_major(version: str | None) -> int | None:
    parsed = parse_version(version)
    return parsed.major if parsed is not None else None


def cudnn_rules(view: FactsView) -> list[Candidate]:
    """cudnn.*: a system cuDNN shadowing torch's, and cuDNN load or version errors."""
    out: list[Candidate] = []
    torch_cudnn = view.str_("cudnn.torch_version")
    wheel_versions = [str(w.get("version")) for w in view.dicts("cudnn.wheels") if w.get("version")]
    expected_major = _torch_major(torch_cudnn) or (
        _torch_major(wheel_versions[0]) if wheel_versions else None
    )
    ld_path = [_norm(p) for p in view.strs("env.ld_library_path") if p]
    loaded = view.str_("cudnn.loaded_path")
    load_sigs = view.signatures_of("cudnn_load")
    shadows: list[tuple[str, str]] = []
    for copy in view.dicts("cudnn.system"):
        path = _norm(str(copy.get("path") or ""))
        version = str(copy.get("version") or "")
        major = _torch_major(version)
        on_path = any(path == d or path.startswith(d + "/") for d in ld_path)
        if (
            path
            and on_path
            and major is not None
            and expected_major is not None
            and (major != expected_major)
        ):
            shadows.append((path, version))
    harmless = False
    if shadows:
        where = ", ".join(f"{p} ({v})" for p, v in shadows)
        dirs = sorted(
            {posixpath.dirname(p) if "." in posixpath.basename(p) else p for p, _ in shadows}
        )
        used = bool(load_sigs) or (
            loaded is not None and any(_norm(loaded).startswith(d) for d in dirs)
        )
        # torch already loaded another (its own) cuDNN: the shadow is not in effect.
        harmless = loaded is not None and not used
    if shadows and not harmless:
        out.append(
            Candidate(
                finding(
                    id="cudnn.system_shadows_wheel",
                    severity=Severity.ERROR if used else Severity.WARNING,
                    detail=f"LD_LIBRARY_PATH holds cuDNN {where}, while torch uses cuDNN "
                    f"{torch_cudnn or (wheel_versions[0] if wheel_versions else expected_major)}. "
                    "The loader searches LD_LIBRARY_PATH first, so torch may load the wrong "
                    "major version." + (f" torch loaded {loaded}." if loaded else ""),
                    evidence=(
                        "cudnn.system",
                        "env.ld_library_path",
                        "cudnn.torch_version",
                        "cudnn.loaded_path",
                    ),
                    fixes=(
                        Fix(
                            "Take those folders off LD_LIBRARY_PATH (where your shell profile "
                            "sets it), then start a new shell",
                            tuple(
                                f'export LD_LIBRARY_PATH="$(echo "$LD_LIBRARY_PATH" | tr : '
                                f"'\\n' | grep -vx '{d}' | paste -sd:)\""
                                for d in dirs
                            ),
                        ),
                    ),
                ),
                RANK_CUDNN,
                frozenset({"cudnn_load", "import_failed", "kernel_failed"}),
            )
        )
    if load_sigs and not shadows:
        versions = next((s for s in load_sigs if "compiled" in s.data), None)
        libs = sorted({s.data["lib"] for s in load_sigs if "lib" in s.data})
        if versions is not None:
            detail = (
                f"torch was built with cuDNN {versions.data['compiled']} but loaded cuDNN "
                f"{versions.data['runtime']} at run time: another cuDNN is found first "
                "(LD_LIBRARY_PATH, a conda cudnn package, or the system)."
            )
        else:
            detail = (
                f"cuDNN could not be loaded ({', '.join(libs) or 'a cuDNN library'}): it is "
                "missing from torch's installation or a different cuDNN is found first."
            )
        cudnn_ld = [d for d in ld_path if "cudnn" in d.lower() or "cuda" in d.lower()]
        if cudnn_ld:
            detail += f" LD_LIBRARY_PATH has {', '.join(cudnn_ld)}."
        fixes = [reinstall_fix(view.facts)]
        if view.os_name != "windows":
            fixes.insert(
                0,
                Fix(
                    "See which cuDNN files the loader finds",
                    ('echo "$LD_LIBRARY_PATH"', "ldconfig -p | grep -i libcudnn"),
                ),
            )
        out.append(
            Candidate(
                finding(
                    id="cudnn.load_failed",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=(
                        "errors.seen",
                        "env.ld_library_path",
                        "cudnn.wheels",
                        "cudnn.torch_version",
                    ),
                    fixes=tuple(fixes),
                ),
                RANK_CUDNN,
                frozenset({"cudnn_load", "import_failed", "kernel_failed"}),
            )
        )
    return out


def _spec_version(spec: str) -> Version | None:
    try:
        specifier = SpecifierSet(spec.replace(" ", ""))
    except InvalidSpecifier:
        return None
    for item in specifier:
        if item.operator in ("==", "==="):
            return parse_version(item.version.rstrip(".*"))
    return None


def python_rules(view: FactsView) -> list[Candidate]:
    """python_unsupported.*: 32-bit Python, or a Python no torch wheel exists for."""
    out: list[Candidate] = []
    python = view.version("python.version")
    bits = view.int_("python.bits")
    no_dist = [
        s
        for kind in ("no_matching_distribution", "no_wheel_for_platform")
        for s in view.signatures_of(kind)
        if s.data.get("package", "") in _TORCH_FAMILY
    ]
    missing = "torch_missing" in view.signature_kinds or (
        view.torch is None and "torch.version" in view.facts
    )
    explains = frozenset({"torch_missing", "no_matching_distribution", "import_failed"})
    if bits == 32:
        out.append(
            Candidate(
                finding(
                    id="python_unsupported.32_bit",
                    severity=Severity.ERROR,
                    detail=f"{view.str_('python.executable') or 'The interpreter'} is a 32-bit "
                    f"Python {python or ''}; PyTorch publishes no 32-bit builds, so pip finds no "
                    "torch for it.",
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
            newest_text = _newest_text(py, view.facts)
            out.append(
                Candidate(
                    finding(
                        id="python_unsupported.no_wheel_for_python",
                        severity=Severity.ERROR,
                        title=f"torch {wanted} has no wheels for Python {py}",
                        detail=f"torch {wanted} was published for Python {rng[0]}–{rng[1]}; "
                        f"this is Python {python}.{newest_text}",
                        evidence=("python.version", "errors.seen"),
                        fixes=(
                            Fix(
                                f"Use a torch release that supports Python {py}",
                                reinstall_fix(view.facts).commands,
                            ),
                            Fix(
                                f"Or create the environment with Python {rng[1]}",
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
                    title=f"No torch release has wheels for Python {py}",
                    detail=(
                        f"Python {python} is newer than any torch release known to envcheck "
                        f"(torch {newest_torch()} supports Python up to {newest})."
                        if too_new
                        else f"Python {python} is older than any torch release known to "
                        f"envcheck (the oldest have wheels for Python ≥ {oldest})."
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
                        title=f"{view.torch_text} was not built for Python {py}",
                        detail=f"torch {torch.base_version} has wheels for Python "
                        f"{rng[0]}–{rng[1]}; this is Python {python}, and importing it fails.",
                        evidence=("python.version", "torch.version", "torch.import_error"),
                        fixes=(reinstall_fix(view.facts),),
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
                        title=f"Python {py} can only get torch {best} or older",
                        detail=f"torch 2.x needs Python ≥ 3.8; with Python {python} the newest "
                        f"torch is {best}.",
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


def _newest_text(py: Version, facts: Mapping[str, object]) -> str:
    """" The newest torch for Python 3.12 is …": the release the fix installs, so text and fix
    agree; when a newer line has wheels but the fix picks an older release (its builds are
    unconfirmed, or none fits this machine), both are named."""
    best = newest_torch_for_python(py)
    chosen = reinstall_torch(facts)
    if chosen is None:
        return f" The newest torch for Python {py} is {best}." if best else ""
    line = parse_version(chosen)
    if best is None or line is None or major_minor(line) == best:
        return f" The newest torch for Python {py} is {chosen}."
    return (
        f" torch {best} has wheels for Python {py}, but the fix below installs {chosen}: the "
        "newest release whose builds for this machine the tables confirm."
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
    where = " running under Rosetta on Apple silicon" if rosetta else ""
    if rosetta:
        fix = Fix(
            "Create the environment with a native arm64 Python",
            ("uv venv --python 3.12", "conda create -n torch python=3.12"),
        )
    else:
        # An Intel Mac cannot run an arm64 Python: the last x86_64 wheels are what it gets.
        fix = reinstall_fix(view.facts)
    return [
        Candidate(
            finding(
                id="python_unsupported.macos_x86_64",
                severity=Severity.ERROR if torch_wanted else Severity.WARNING,
                detail=f"{view.str_('python.executable') or 'The interpreter'} is an x86_64 "
                f"Python{where} ({tag}); PyTorch published macOS x86_64 wheels only up to 2.2.2"
                + (", and the MPS GPU backend needs a native arm64 Python." if rosetta else "."),
                evidence=("python.platform_tag", "os.arch", "os.name"),
                fixes=(fix,),
            ),
            RANK_PYTHON,
            frozenset(
                {"torch_missing", "no_matching_distribution", "no_wheel_for_platform",
                 "import_failed"}
            ),
        )
    ]


def _sentence(text: str) -> str:
    """``text`` as a sentence: first letter upper-cased, a full stop added ('' stays '')."""
    return upper_first(text) + "." if text else ""


def _no_distribution(view: FactsView, data: Mapping[str, str], python: Version | None) -> Candidate:
    package = data.get("package", "torch")
    spec = data.get("spec", "")
    reasons: list[str] = []
    mirror = view.str_("pip.mirror")
    if "+cu" in spec or "+cpu" in spec:
        reasons.append(
            "local versions like +cu121 exist only on download.pytorch.org, not on PyPI"
            + (f" or the {mirror} mirror" if mirror and mirror != "pytorch" else "")
        )
    machine = (view.str_("os.arch") or "").lower()
    if view.os_name == "darwin" and machine in ("x86_64", "amd64"):
        reasons.append("macOS x86_64 wheels stop at torch 2.2.2")
    if not reasons:
        reasons.append(
            "no wheel matches this Python, OS and CPU architecture, or the index in use "
            "does not carry it"
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
            title=f"pip finds no {package}{spec} for this platform",
            detail=f'pip: "No matching distribution found for {package}{spec}"'
            + (f" ({', '.join(where)})" if where else "")
            + ". "
            + _sentence("; ".join(reasons)),
            evidence=("errors.seen", "python.version", "os.arch", "pip.index_url"),
            fixes=(reinstall_fix(view.facts),),
        ),
        RANK_PYTHON,
        frozenset({"no_matching_distribution", "no_wheel_for_platform", "torch_missing"}),
    )
