"""The Python environment: conflicting torch installs and companion packages.

Category ``env_conflict`` (install logs and interpreter paths: :mod:`.installs`). cuDNN is
:mod:`.cudnn`, Python versions without torch wheels :mod:`.python`.
"""

from __future__ import annotations

from packaging.version import Version

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import items
from envcheck.model import Fix, Severity
from envcheck.parsers.paths import norm_path
from envcheck.parsers.versions import build_label, cuda_from_label
from envcheck.rules.engine import RANK_ENV_CONFLICT, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import (
    pip_cmd,
    python_cmd,
    reinstall_fix,
)
from envcheck.rules.registry import rule
from envcheck.rules.tables import (
    expected_torchaudio,
    expected_torchvision,
    parse_version,
    torchaudio_fits,
    torchvision_fits,
)

_TORCH_FAMILY = frozenset({"torch", "torchvision", "torchaudio", "pytorch"})




def _built_for_another_torch(view: FactsView, package: str, version: object,
                             expected: object) -> str:
    """``<package> <version> is built for another torch than <torch>``, and which version of
    the package pairs with this torch when the tables know it."""
    if expected:
        return Msg("{package} {version} is built for another torch than {torch} (it pairs "
                   "with {package} {expected}).", package=package, version=str(version),
                   torch=view.torch_text, expected=str(expected))
    return Msg("{package} {version} is built for another torch than {torch}.",
               package=package, version=str(version), torch=view.torch_text)


@rule("env_conflict.two_torch_copies", "env_conflict.user_site_packages")
def torch_copies(view: FactsView) -> list[Candidate]:
    """torch twice on sys.path; or, with one copy, torch-family packages leaking in from the
    user site."""
    copies = view.dicts("torch.copies")
    paths = {norm_path(str(c.get("path"))) for c in copies if c.get("path")}
    user_site = norm_path(view.str_("python.user_site") or "") or None
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
                    title=Msg(
                        "{count} copies of torch are installed; the first one wins",
                        count=len(paths),
                    ),
                    detail=Msg(
                        "torch is installed more than once on sys.path: {copies}. Python "
                        "imports the first; pip and the other packages may see another.",
                        copies=listed,
                    ),
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
        names = items(f"{p.get('name')} {p.get('version') or ''}".strip() for p in family)
        return [
            Candidate(
                finding(
                    id="env_conflict.user_site_packages",
                    severity=Severity.WARNING,
                    detail=Msg(
                        "This {env_type} environment also imports from the user site "
                        "({user_site}), which holds {names}.",
                        env_type=env_type,
                        user_site=view.str_("python.user_site") or "~/.local",
                        names=names,
                    ),
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


def _cuda_label(version: str | None) -> str | None:
    """``'2.1.0+cu121'`` → ``'cu121'`` (``cu117.with.pypi.cudnn`` → ``cu117``); else None."""
    cuda = cuda_from_label(build_label(version or "").lower())
    return f"cu{cuda.replace('.', '')}" if cuda is not None else None


@rule("env_conflict.torchvision_mismatch")
def torchvision_mismatch(view: FactsView) -> list[Candidate]:
    """torchvision of another torch release, its operators missing, or a CPU build."""
    out: list[Candidate] = []
    torch = view.torch
    vision_text = view.str_("packages.torchvision")
    vision = parse_version(vision_text)
    nms = "torchvision_nms" in view.signature_kinds
    cpu_vision = "torchvision_cuda_backend" in view.signature_kinds
    if torch is not None and vision is not None:
        fits = torchvision_fits(Version(torch.base_version), Version(vision.base_version))
    else:
        fits = None
    if fits is False or nms or cpu_vision:
        expected = expected_torchvision(Version(torch.base_version)) if torch else None
        detail: str
        if vision is not None and fits is False:
            detail = _built_for_another_torch(view, "torchvision", vision, expected)
        elif vision is not None and fits:
            detail = Msg(
                "torchvision {vision} and {torch} are a matching pair, yet torchvision's "
                "compiled operators do not load: the two came from different indexes or "
                "builds (CPU vs CUDA), or the install is broken.",
                vision=str(vision),
                torch=view.torch_text,
            )
        else:
            detail = Msg("torchvision's compiled operators do not match the installed torch.")
        if nms:
            detail = sentences(
                detail, Msg('This is what "operator torchvision::nms does not exist" means.')
            )
        if cpu_vision:
            detail = Msg(
                "torchvision{version} has no CUDA kernels for its operators, beside {torch}: it "
                "is a CPU build (PyPI's torchvision is CPU-only on Windows), installed from "
                "another index than torch. Install torchvision from the same CUDA index as "
                "torch.",
                version=f" {vision}" if vision else "",
                torch=view.torch_text,
            )
        out.append(
            Candidate(
                finding(
                    id="env_conflict.torchvision_mismatch",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=("packages.torchvision", "torch.version", "errors.seen"),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"torchvision_nms", "torchvision_cuda_mismatch",
                           "torchvision_cuda_backend"}),
            )
        )
    return out


@rule("env_conflict.torchaudio_mismatch")
def torchaudio_mismatch(view: FactsView) -> list[Candidate]:
    """torchaudio of another torch release."""
    out: list[Candidate] = []
    torch = view.torch
    audio = view.version("packages.torchaudio")
    if torch is not None and audio is not None:
        audio_fits = torchaudio_fits(Version(torch.base_version), Version(audio.base_version))
        if audio_fits is False:
            expected = expected_torchaudio(Version(torch.base_version))
            out.append(
                Candidate(
                    finding(
                        id="env_conflict.torchaudio_mismatch",
                        severity=Severity.WARNING,
                        detail=_built_for_another_torch(view, "torchaudio", audio, expected),
                        evidence=("packages.torchaudio", "torch.version"),
                        fixes=(reinstall_fix(view),),
                    ),
                    RANK_ENV_CONFLICT,
                )
            )
    return out


@rule("env_conflict.cuda_builds_differ")
def cuda_builds_differ(view: FactsView) -> list[Candidate]:
    """torch and torchvision built for different CUDA versions."""
    out: list[Candidate] = []
    vision_text = view.str_("packages.torchvision")
    torch_label = _cuda_label(view.str_("torch.version"))
    vision_label = _cuda_label(vision_text)
    sig = view.signature("torchvision_cuda_mismatch")
    if (torch_label and vision_label and torch_label != vision_label) or sig is not None:
        if sig is not None and sig.data.get("torch") and sig.data.get("torchvision"):
            pair = Msg(
                "torch has CUDA {torch}, torchvision CUDA {torchvision}",
                torch=sig.data["torch"],
                torchvision=sig.data["torchvision"],
            )
            major = sig.data["torch"].split(".")[0] != sig.data["torchvision"].split(".")[0]
        elif torch_label and vision_label:
            pair = Msg(
                "torch is +{torch}, torchvision +{torchvision}",
                torch=torch_label,
                torchvision=vision_label,
            )
            major = torch_label[2:-1] != vision_label[2:-1]
        else:
            pair = Msg("torch and torchvision were built for different CUDA versions")
            major = True
        out.append(
            Candidate(
                finding(
                    id="env_conflict.cuda_builds_differ",
                    severity=Severity.ERROR if major or sig is not None else Severity.WARNING,
                    detail=Msg("{pair}; install both from the same index.", pair=pair),
                    evidence=("torch.version", "packages.torchvision", "errors.seen"),
                    fixes=(reinstall_fix(view),),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"torchvision_cuda_mismatch", "torchvision_nms"}),
            )
        )
    return out


@rule("env_conflict.extension_abi")
def extension_abi(view: FactsView) -> list[Candidate]:
    """An undefined symbol: a compiled library built against another torch (or CUDA)."""
    out: list[Candidate] = []
    sig = view.signature("undefined_symbol")
    # A cuDNN library missing a symbol of another cuDNN library is two cuDNN versions mixed:
    # the cudnn rules say so (cudnn.load_failed / system_shadows_wheel).
    if sig is not None and "cudnn" in (sig.data.get("lib") or sig.text).lower():
        sig = None
    if sig is not None:
        lib = sig.data.get("lib") or Msg("a compiled extension")
        symbol = sig.data.get("symbol", "?")
        in_torch = "/torch/lib/" in norm_path(lib)
        detail = Msg(
            "{lib} needs the symbol {symbol}, which the loaded libraries lack: {why}",
            lib=lib,
            symbol=symbol,
            why=Msg(
                "torch's own library was linked against different CUDA/NCCL/cuDNN libraries "
                "than the ones loaded (a copy on LD_LIBRARY_PATH, or mismatched nvidia-* "
                "wheels)."
            )
            if in_torch
            else Msg("it was built against a different torch (or CUDA) than the one installed."),
        )
        fixes = (
            (
                Fix("Check what LD_LIBRARY_PATH puts first", ('echo "$LD_LIBRARY_PATH"',)),
                reinstall_fix(view),
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
                frozenset({"undefined_symbol", "import_failed", "extension_torch_mismatch"}),
            )
        )
    built = view.signature("extension_torch_mismatch")
    if built is not None and not out:
        ext = built.data.get("ext")
        have = built.data.get("have", "?")
        values = {"built": built.data.get("built", "?"), "have": have}
        if ext:
            detail = Msg(
                "{ext} was built for torch {built}, but this environment has torch "
                "{have}: its compiled kernels do not load, so everything that needs "
                "them fails. Install the {ext} build made for this torch (or the torch "
                "it was built for).", ext=ext, **values)
            summary = Msg("Install the {ext} release built for this torch, without "
                          "letting pip change torch", ext=ext)
            package = ext.lower()
        else:
            detail = Msg(
                "A compiled extension was built for torch {built}, but this environment has "
                "torch {have}: its compiled kernels do not load, so everything that needs "
                "them fails. Install the extension's build made for this torch (or the torch "
                "it was built for).", **values)
            summary = Msg("Install the extension's release built for this torch, without "
                          "letting pip change torch")
            package = "extension"
        out.append(
            Candidate(
                finding(
                    id="env_conflict.extension_abi",
                    severity=Severity.ERROR,
                    detail=detail,
                    evidence=("errors.seen", "torch.version"),
                    fixes=(
                        Fix(
                            summary,
                            (
                                f"{pip_cmd(view)} install --force-reinstall --no-deps "
                                f"<{package} version made for torch "
                                f"{built.data.get('have', 'this torch')}>",
                            ),
                        ),
                    ),
                ),
                RANK_ENV_CONFLICT,
                frozenset({"extension_torch_mismatch", "import_failed"}),
            )
        )
    return out
