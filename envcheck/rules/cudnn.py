"""cuDNN: a system cuDNN shadowing the one torch ships, and cuDNN load or version errors.

Category ``cudnn``.
"""

from __future__ import annotations

import posixpath

from envcheck.catalogue import finding
from envcheck.i18n import Msg, sentences
from envcheck.i18n_lists import items
from envcheck.model import Fix, Severity
from envcheck.parsers.paths import norm_path
from envcheck.rules.engine import RANK_CUDNN, Candidate
from envcheck.rules.facts_view import FactsView
from envcheck.rules.messages import (
    reinstall_fix,
)
from envcheck.rules.registry import rule
from envcheck.rules.tables import (
    parse_version,
)


def _torch_major(version: str | None) -> int | None:
    parsed = parse_version(version)
    return parsed.major if parsed is not None else None


@rule("cudnn.system_shadows_wheel", "cudnn.load_failed")
def cudnn_rules(view: FactsView) -> list[Candidate]:
    """cudnn.*: a system cuDNN shadowing torch's, and cuDNN load or version errors."""
    out: list[Candidate] = []
    torch_cudnn = view.str_("cudnn.torch_version")
    wheel_versions = [str(w.get("version")) for w in view.dicts("cudnn.wheels") if w.get("version")]
    expected_major = _torch_major(torch_cudnn) or (
        _torch_major(wheel_versions[0]) if wheel_versions else None
    )
    ld_path = [norm_path(p) for p in view.strs("env.ld_library_path") if p]
    loaded = view.str_("cudnn.loaded_path")
    load_sigs = view.signatures_of("cudnn_load")
    shadows: list[tuple[str, str]] = []
    for copy in view.dicts("cudnn.system"):
        path = norm_path(str(copy.get("path") or ""))
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
        where = items(f"{p} ({v})" for p, v in shadows)
        dirs = sorted(
            {posixpath.dirname(p) if "." in posixpath.basename(p) else p for p, _ in shadows}
        )
        used = bool(load_sigs) or (
            loaded is not None and any(norm_path(loaded).startswith(d) for d in dirs)
        )
        # torch already loaded another (its own) cuDNN: the shadow is not in effect.
        harmless = loaded is not None and not used
    if shadows and not harmless:
        out.append(
            Candidate(
                finding(
                    id="cudnn.system_shadows_wheel",
                    severity=Severity.ERROR if used else Severity.WARNING,
                    detail=sentences(
                        Msg(
                            "LD_LIBRARY_PATH holds cuDNN {copies}, while torch uses cuDNN "
                            "{version}. The loader searches LD_LIBRARY_PATH first, so torch may "
                            "load the wrong major version.",
                            copies=where,
                            version=str(
                                torch_cudnn
                                or (wheel_versions[0] if wheel_versions else expected_major)
                            ),
                        ),
                        Msg("torch loaded {path}.", path=loaded) if loaded else "",
                    ),
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
            detail = Msg(
                "torch was built with cuDNN {compiled} but loaded cuDNN {runtime} at run time: "
                "another cuDNN is found first (LD_LIBRARY_PATH, a conda cudnn package, or the "
                "system).",
                compiled=versions.data["compiled"],
                runtime=versions.data["runtime"],
            )
        else:
            detail = Msg(
                "cuDNN could not be loaded ({libs}): it is missing from torch's installation or "
                "a different cuDNN is found first.",
                libs=items(libs) or Msg("a cuDNN library"),
            )
        cudnn_ld = [d for d in ld_path if "cudnn" in d.lower() or "cuda" in d.lower()]
        if cudnn_ld:
            detail = sentences(
                detail, Msg("LD_LIBRARY_PATH has {dirs}.", dirs=items(cudnn_ld))
            )
        fixes = [reinstall_fix(view)]
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
