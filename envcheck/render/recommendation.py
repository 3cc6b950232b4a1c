"""Render a :class:`~envcheck.recommend.Recommendation` (or an impossible request) as text or JSON.

Pure functions returning strings; the CLI prints them. The JSON shape (``schema`` 1) is built
explicitly so it changes only on purpose.

In another language than English (``lang``) the words are translated (explanations, warnings,
alternatives' labels, headings) and the data is not (commands, versions, URLs, JSON keys and
the constraints' names and values). A user in mainland China (``zh``) also gets the answer's
:class:`~envcheck.recommend_request.Mainland` part: the mirrors there right after the command
(in text; the JSON keeps the answer's own alternatives) and the trap of a PyPI mirror said in
full.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from envcheck.i18n import DEFAULT, Messages, Msg, messages
from envcheck.recommend import ImpossibleRequest, Recommendation, Request, default_arch
from envcheck.recommend_request import Alternative, Constraint

SCHEMA = 1
MAINLAND_LANGS = frozenset({"zh"})
"""Languages whose users are shown the mainland China mirrors first."""

_NAMES: dict[str, str] = {
    "driver": Msg("driver"),
    "gpu": Msg("gpu"),
    "os": Msg("os"),
    "platform": Msg("platform"),
    "torch": Msg("torch"),
    "python": Msg("python"),
    "manager": Msg("manager"),
    "variant": Msg("variant"),
}
"""A constraint's name as the text says it (the JSON keeps the name itself)."""


def _say(m: Messages, text: str, missing: set[str] | None) -> str:
    """``text`` in ``m``'s language when it is a message; data (a command, a flag) as it is."""
    return m.say(text, missing) if isinstance(text, Msg) else text


def localize_recommendation(
    rec: Recommendation, lang: str, missing: set[str] | None = None, *, reorder: bool = True
) -> Recommendation:
    """``rec`` with its words in ``lang``; the same object for English.

    In a language of :data:`MAINLAND_LANGS`, the mainland warnings replace the general ones
    they say in full, and (with ``reorder``) the mainland mirrors come first among the
    alternatives, in place of the answer's own alternatives through one of those mirrors.
    """
    if lang == DEFAULT:
        return rec
    m = messages(lang)
    china = rec.mainland if lang in MAINLAND_LANGS else None
    alternatives: tuple[Alternative, ...] = rec.alternatives
    warnings: tuple[str, ...] = rec.warnings
    if china is not None:
        if china.alternatives and reorder:
            alternatives = (*china.alternatives, *(a for a in alternatives if not a.mirror))
        replaced = {_msgid(w) for w in china.replaces}
        kept = [w for w in warnings if _msgid(w) not in replaced]
        if china.warnings and len(kept) < len(warnings):
            first = next(i for i, w in enumerate(warnings) if _msgid(w) in replaced)
            kept[first:first] = china.warnings
        warnings = tuple(kept)
    return replace(
        rec,
        constraints=tuple(
            Constraint(c.name, c.value, _say(m, c.effect, missing)) for c in rec.constraints
        ),
        alternatives=tuple(
            replace(a, label=_say(m, a.label, missing)) for a in alternatives
        ),
        warnings=tuple(_say(m, w, missing) for w in warnings),
        unconfirmed=tuple(_say(m, u, missing) for u in rec.unconfirmed),
        cuda_reading=_say(m, rec.cuda_reading, missing) if rec.cuda_reading else "",
    )


def localize_impossible(
    exc: ImpossibleRequest, lang: str, missing: set[str] | None = None
) -> ImpossibleRequest:
    """``exc`` with its reason and what is possible instead in ``lang``."""
    if lang == DEFAULT:
        return exc
    m = messages(lang)
    return ImpossibleRequest(_say(m, exc.reason, missing),
                             [_say(m, p, missing) for p in exc.possible])


def _msgid(text: str) -> str:
    return text.msgid if isinstance(text, Msg) and text.msgid else str(text)


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


def render_json(rec: Recommendation, lang: str = DEFAULT) -> str:
    """``envcheck recommend --json`` output: in another language, the same data (keys, values,
    commands, the alternatives and their order) with its words translated (and, for a user in
    mainland China, the trap of a PyPI mirror said in full)."""
    said = localize_recommendation(rec, lang, reorder=False)
    return json.dumps(recommendation_to_dict(said), indent=2, ensure_ascii=False) + "\n"


def render_impossible_json(
    exc: ImpossibleRequest, request: Request | None = None, lang: str = DEFAULT
) -> str:
    """``--json`` output when nothing fits."""
    said = localize_impossible(exc, lang)
    return json.dumps(impossible_to_dict(said, request), indent=2, ensure_ascii=False) + "\n"


def render_text(rec: Recommendation, verbose: bool = True, lang: str = DEFAULT) -> str:
    """The command first (easy to copy), then why, warnings, alternatives and caveats."""
    m = messages(lang)
    rec = localize_recommendation(rec, lang)
    lines = [rec.command, ""]
    build = "CPU" if rec.variant == "cpu" else rec.variant
    lines.append(m.say(Msg("torch {torch} ({build}) via {manager}.", torch=rec.torch,
                           build=build, manager=rec.manager)))
    if rec.cuda_reading:
        lines.append(m.say(Msg("{reading}.", reading=rec.cuda_reading)))
    if rec.constraints:
        lines += ["", m.say(Msg("Why:"))]
        lines += [m.say(Msg("  - {name} {value}: {effect}", name=_NAMES.get(c.name, c.name),
                            value=c.value, effect=c.effect)) for c in rec.constraints]
    if rec.warnings:
        lines += ["", m.say(Msg("Watch out:"))]
        lines += [f"  ! {w}" for w in rec.warnings]
    if verbose and rec.alternatives:
        lines += ["", m.say(Msg("Alternatives:"))]
        for alt in rec.alternatives:
            lines += [m.say(Msg("  - {label}:", label=alt.label)), f"      {alt.command}"]
    if rec.unconfirmed:
        lines += ["", m.say(Msg("Rests on unconfirmed table rows (verify after installing):"))]
        lines += [f"  ? {u}" for u in rec.unconfirmed]
    return "\n".join(lines) + "\n"


def render_impossible_text(exc: ImpossibleRequest, lang: str = DEFAULT) -> str:
    """One line saying why, then what is possible instead."""
    m = messages(lang)
    exc = localize_impossible(exc, lang)
    lines = [m.say(Msg("No build fits: {reason}.", reason=exc.reason))]
    if exc.possible:
        lines.append(m.say(Msg("Possible instead:")))
        lines += [f"  - {p}" for p in exc.possible]
    return "\n".join(lines) + "\n"
