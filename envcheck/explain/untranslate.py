"""Read envcheck's own words back in English, from a report written in another language.

A report written with ``--lang zh`` keeps its ids, fact keys and values, but its notes (why a
fact is unknown, how it was read) and its probes' titles and notes are in Chinese. Some rules
read a note's words ("not installed", "assumed", "read leniently"), and ``envcheck diff``
compares notes, so ``explain`` puts them back into English before the rules run: each text is
matched against the catalogue's translations (the whole text, or sentences one after another),
and the values found in it are put into the English message. Text that is no translation (a
user's path, a tool's message) is kept as it is.

Pure; the catalogue is read once.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping

from envcheck.i18n import DEFAULT, LANGUAGES, messages

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_MIN_FIXED = 2
"""Characters of fixed text a translation needs to be matched with values: one with less
(``{label}：{value}``) would match anything."""
_BOUNDARY = re.compile(r"(?<=。)|(?=；)|(?<=；)|(?<=[.!?]) (?=\S)")
"""Where sentences joined by :func:`envcheck.i18n.sentences` (or remarks joined by ``；``)
meet: after a Chinese full stop, around a Chinese semicolon, at a space after a full stop."""
_JOINS = re.compile("[。；]")
_MAX_LEN = 4000
"""Longer texts are kept as they are (notes are far shorter)."""


def _fixed(text: str) -> str:
    return re.sub(r"\{[^}]*\}|[\W_]", "", text)


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


@functools.cache
def _reverse(
    lang: str,
) -> tuple[Mapping[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    """Translation → message id, for ``lang``: exact texts, and templates with values (the most
    fixed text first)."""
    exact: dict[str, str] = {}
    templates: list[tuple[str, str]] = []
    for msgid, forms in messages(lang).table.items():
        said = forms[0] if forms else ""
        if not said or not _CJK.search(said):
            continue
        try:
            fields = [name for _, name, _, _ in string.Formatter().parse(said) if name]
        except ValueError:
            continue
        if not fields:
            exact.setdefault(said, msgid)
        elif len(_fixed(said)) >= _MIN_FIXED:
            templates.append((said, msgid))
    templates.sort(key=lambda item: -len(_fixed(item[0])))
    return exact, tuple((_pattern(said), msgid) for said, msgid in templates)


def _whole(text: str, lang: str, strict: bool = True) -> str | None:
    """``text`` in English when it is one translated message as a whole, else None.

    ``strict``: no value may hold a Chinese full stop or semicolon (those are more likely two
    messages one after another, tried first)."""
    exact, templates = _reverse(lang)
    found = exact.get(text)
    if found is not None:
        return found
    for pattern, msgid in templates:
        match = pattern.match(text)
        if match is not None:
            if strict and any(_JOINS.search(v) for v in match.groupdict().values()):
                continue
            values = {k: to_english(v, lang) for k, v in match.groupdict().items()}
            try:
                return msgid.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
    return None


@functools.lru_cache(maxsize=4096)
def _english(text: str, lang: str) -> str | None:
    if not _CJK.search(text):
        return text
    whole = _whole(text, lang)
    if whole is not None:
        return whole
    for cut in (m.start() for m in _BOUNDARY.finditer(text)):
        if cut <= 0 or cut >= len(text):
            continue
        head, tail = text[:cut].rstrip(" "), text[cut:].lstrip(" ")
        # A part with no Chinese in it was never translated (a message the catalogue lacked).
        first = _whole(head, lang) if _CJK.search(head) else head
        if first is None:
            continue
        rest = _english(tail, lang)
        if rest is None:
            continue
        joint = "" if first.endswith(" ") or rest.startswith(";") or not first else " "
        return first + joint + rest
    return _whole(text, lang, strict=False)


def to_english(text: str, lang: str | None = None) -> str:
    """``text`` in English where it is envcheck's own words in another language (``lang``, or
    any envcheck speaks); anything else is returned as it is."""
    if not text or len(text) > _MAX_LEN or not _CJK.search(text):
        return text
    for code in (lang,) if lang else LANGUAGES:
        if code == DEFAULT:
            continue
        english = _english(text, code)
        if english is not None:
            return english
    return text


__all__ = ["to_english"]
