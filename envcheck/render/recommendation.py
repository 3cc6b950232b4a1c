"""Render a :class:`~envcheck.recommend.Recommendation` (or an impossible request) as text or JSON.

Pure functions returning strings; the CLI prints them. The JSON shape (``schema`` 1) is built
explicitly so it changes only on purpose.
"""

from __future__ import annotations

import json
from typing import Any

from envcheck.recommend import ImpossibleRequest, Recommendation, Request, default_arch

SCHEMA = 1


def request_to_dict(request: Request) -> dict[str, Any]:
    """The inputs the recommendation was computed from."""
    return {
        "os": request.os,
        "arch": request.arch if request.arch is not None else default_arch(request.os),
        "python": request.python,
        "cuda": request.cuda,
        "variant": request.variant,
        "driver": request.driver,
        "gpu": request.gpu,
        "cc": list(request.cc),
        "torch": request.torch,
        "manager": request.manager,
        "mirror": request.mirror,
        "packages": list(request.packages) if request.packages is not None else None,
    }


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    """A recommendation as JSON-ready data."""
    return {
        "schema": SCHEMA,
        "command": rec.command,
        "manager": rec.manager,
        "torch": rec.torch,
        "variant": rec.variant,
        "packages": [{"name": name, "version": version} for name, version in rec.pins],
        "index_url": rec.index_url,
        "cuda_reading": rec.cuda_reading or None,
        "constraints": [
            {"name": c.name, "value": c.value, "effect": c.effect} for c in rec.constraints
        ],
        "alternatives": [{"label": a.label, "command": a.command} for a in rec.alternatives],
        "warnings": list(rec.warnings),
        "rests_on_unconfirmed": rec.rests_on_unconfirmed,
        "unconfirmed": list(rec.unconfirmed),
        "request": request_to_dict(rec.request),
    }


def impossible_to_dict(exc: ImpossibleRequest, request: Request | None = None) -> dict[str, Any]:
    """An impossible request as JSON-ready data."""
    return {
        "schema": SCHEMA,
        "error": "impossible",
        "reason": exc.reason,
        "possible": list(exc.possible),
        "request": request_to_dict(request) if request is not None else None,
    }


def render_json(rec: Recommendation) -> str:
    """``envcheck recommend --json`` output."""
    return json.dumps(recommendation_to_dict(rec), indent=2, ensure_ascii=False) + "\n"


def render_impossible_json(exc: ImpossibleRequest, request: Request | None = None) -> str:
    """``--json`` output when nothing fits."""
    return json.dumps(impossible_to_dict(exc, request), indent=2, ensure_ascii=False) + "\n"


def render_text(rec: Recommendation, verbose: bool = True) -> str:
    """The command first (easy to copy), then why, warnings, alternatives and caveats."""
    lines = [rec.command, ""]
    build = "CPU" if rec.variant == "cpu" else rec.variant
    lines.append(f"torch {rec.torch} ({build}) via {rec.manager}.")
    if rec.cuda_reading:
        lines.append(rec.cuda_reading + ".")
    if rec.constraints:
        lines += ["", "Why:"]
        lines += [f"  - {c.name} {c.value}: {c.effect}" for c in rec.constraints]
    if rec.warnings:
        lines += ["", "Watch out:"]
        lines += [f"  ! {w}" for w in rec.warnings]
    if verbose and rec.alternatives:
        lines += ["", "Alternatives:"]
        for alt in rec.alternatives:
            lines += [f"  - {alt.label}:", f"      {alt.command}"]
    if rec.unconfirmed:
        lines += ["", "Rests on unconfirmed table rows (verify after installing):"]
        lines += [f"  ? {u}" for u in rec.unconfirmed]
    return "\n".join(lines) + "\n"


def render_impossible_text(exc: ImpossibleRequest) -> str:
    """One line saying why, then what is possible instead."""
    lines = [f"No build fits: {exc.reason}."]
    if exc.possible:
        lines.append("Possible instead:")
        lines += [f"  - {p}" for p in exc.possible]
    return "\n".join(lines) + "\n"
