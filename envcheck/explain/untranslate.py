"""Read envcheck's own words back in English, from a report written in another language.

A report written with ``--lang zh`` keeps its ids, fact keys and values, but its notes (why a
fact is unknown, how it was read) and its probes' titles and notes are in Chinese. Some rules
read a note's words ("not installed", "assumed", "read leniently"), and ``envcheck diff``
compares notes, so ``explain`` puts them back into English before the rules run.

A note is a message said with its values, or several said one after another (sentences,
remarks between ``；``, items between ``、``). Each reading of the text is tried (the whole text
as one message of the catalogue, with the values found in it read back in turn; or a first
part, then the rest) and the one that leaves the least Chinese unexplained wins. What is no
translation (a user's path, a tool's message) is kept as it is.

Pure; the catalogue is read once per language.
"""

from __future__ import annotations

import ast
import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from envcheck.i18n import DEFAULT, LANGUAGES, messages

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_WORDS = re.compile(r"[\u4e00-\u9fff]")
"""Chinese words (not punctuation)."""
_SENTENCE_END = re.compile(r"(?<=[。！？])(?=\S)|(?<=[.!?]) (?=\S)")
"""Where :func:`envcheck.i18n.sentences` joined two sentences (a space in English)."""
_MAX_LEN = 4000
"""Longer texts are kept as they are (notes are far shorter)."""
_MAX_CUTS = 40
"""Places a text is cut at, at most (a note lists a few items, not hundreds)."""


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    msgid: str
    fixed: int
    """Characters of fixed text (the more, the more specific)."""


@dataclass(frozen=True)
class _Catalogue:
    exact: Mapping[str, tuple[str, ...]]
    """Translation → the message ids said that way (more than one when two share it)."""
    templates: tuple[_Template, ...]
    """Translations with values, the most fixed text first."""
    quoting: tuple[_Template, ...]
    """Translations that only wrap a value (``"{output}"``): tried on text without Chinese."""
    separators: frozenset[str]
    """Translations of joining messages (``、`` for ``", "``, ``；`` for ``"; "``)."""


def _fixed(text: str) -> str:
    return re.sub(r"\{[^}]*\}|\s", "", text)


def _pattern(template: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    seen: set[str] = set()
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return None
    for literal, name, _, _ in fields:
        parts.append(re.escape(literal))
        if name is not None:
            if not name.isidentifier():
                return None
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


@functools.cache
def _catalogue(lang: str) -> _Catalogue:
    exact: dict[str, tuple[str, ...]] = {}
    templates: list[_Template] = []
    quoting: list[_Template] = []
    separators: set[str] = set()
    for msgid, forms in messages(lang).table.items():
        said = forms[0] if forms else ""
        if not said or said == msgid:
            continue
        pattern = _pattern(said)
        if pattern is None:
            continue
        if not pattern.groupindex:
            exact[said] = (*exact.get(said, ()), msgid)
            if not re.search(r"\w", msgid) and len(said.strip()) == 1:
                separators.add(said.strip())
            continue
        item = _Template(pattern, msgid, len(_fixed(said)))
        if _CJK.search(_fixed(said)):
            templates.append(item)
        elif not re.search(r"\w", _fixed(said)) and _fixed(said) != _fixed(msgid):
            quoting.append(item)
    templates.sort(key=lambda t: -t.fixed)
    return _Catalogue(exact, tuple(templates), tuple(quoting), frozenset(separators))


@functools.cache
def _messages_in_source() -> frozenset[str]:
    """The message ids envcheck's code writes as messages (``Msg("…")``, ``Fix("…")``): what a
    note can be. Read only to choose between two messages translated the same way."""
    root = Path(__file__).resolve().parent.parent
    literal = r"""[rR]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    call = re.compile(rf"\b(?:Msg|Fix)\(\s*((?:{literal}\s*)+)")
    found: set[str] = set()
    try:
        sources = [path.read_text(encoding="utf-8") for path in root.rglob("*.py")]
    except OSError:
        return frozenset()
    for source in sources:
        for match in call.finditer(source):
            try:
                value = ast.literal_eval(f"({match.group(1)})")
            except (ValueError, SyntaxError):
                continue
            if isinstance(value, str):
                found.add(value)
    return frozenset(found)


def _pick(msgids: tuple[str, ...]) -> str:
    """Of several messages said the same way, one envcheck writes as a message (a note), and
    a separator (``", "``) before words (``" and "``)."""
    if len(msgids) == 1:
        return msgids[0]
    written = _messages_in_source()
    return min(msgids, key=lambda m: (m not in written, bool(re.search(r"[A-Za-z]", m))))


def _unexplained(text: str) -> int:
    return len(_CJK.findall(text))


_Reading = tuple[int, int, str]
"""(Chinese characters left unexplained, doubt, the English): the smaller, the better. Doubt
counts the guesses a reading makes: a message of one character of fixed text (``{a}、{b}``)
rather than a separator; a value with words in it that holds a sentence's end or a separator
(more likely two messages); a part cut off that holds no words (more likely a list's item)."""


@functools.lru_cache(maxsize=8192)
def _read(text: str, lang: str) -> _Reading:
    """The best English reading of ``text``."""
    cat = _catalogue(lang)
    if not _CJK.search(text):
        for item in cat.quoting:
            match = item.pattern.match(text)
            if match is not None and all(v != text for v in match.groupdict().values()):
                return 0, 0, item.msgid.format(**match.groupdict())
        return 0, 0, text
    best = _whole(text, lang)
    if best[:2] == (0, 0):
        return best
    for cut in _cuts(text, cat.separators):
        head, tail = text[:cut], text[cut:]
        space = head.endswith(" ") or _SENTENCE_END.match(text, cut) is not None
        first = _whole(head.rstrip(" "), lang)
        rest = _read(tail.lstrip(" ") if space else tail, lang)
        # A part with no words in it (a path) is more likely an item of a list inside a message.
        listed = not _WORDS.search(head) and head.strip() not in cat.separators
        score = (first[0] + rest[0], first[1] + rest[1] + listed)
        if score < best[:2]:
            best = (*score, first[2] + (" " if space else "") + rest[2])
            if score == (0, 0):
                break
    return best


def _whole(text: str, lang: str) -> _Reading:
    """``text`` read as one message (exact, or with values read back), or kept as it is."""
    cat = _catalogue(lang)
    if text in cat.exact:
        return 0, 0, _pick(cat.exact[text])
    if not _CJK.search(text):
        return _read(text, lang)
    best: _Reading = (_unexplained(text), 0, text)
    for item in cat.templates:
        match = item.pattern.match(text)
        if match is None:
            continue
        values = match.groupdict()
        # A value is never the whole text, nor starts or ends with a separator.
        if any(v == text or v[0] in cat.separators or v[-1] in cat.separators
               for v in values.values()):
            continue
        read = {k: _read(v, lang) for k, v in values.items()}
        doubt = sum(d for _, d, _ in read.values()) + 2 * (item.fixed <= 1) + sum(
            bool(_WORDS.search(v)) and len(_cuts(v, cat.separators)) > 0 for v in values.values())
        score = (sum(u for u, _, _ in read.values()), doubt)
        if score < best[:2]:
            try:
                best = (*score, item.msgid.format(**{k: e for k, (_, _, e) in read.items()}))
            except (KeyError, IndexError, ValueError):
                continue
            if score == (0, 0):
                break
    return best


def _cuts(text: str, separators: frozenset[str]) -> list[int]:
    """Where ``text`` may be two messages one after another: at a sentence's end, and on each
    side of a separator (``、``, ``；``)."""
    cuts: set[int] = {m.start() for m in _SENTENCE_END.finditer(text)}
    for index, char in enumerate(text):
        if char in separators:
            cuts.update((index, index + 1))
    return sorted(c for c in cuts if 0 < c < len(text))[:_MAX_CUTS]


def to_english(text: str, lang: str | None = None) -> str:
    """``text`` in English where it is envcheck's own words in another language (``lang``, or
    any envcheck speaks); anything else is returned as it is."""
    if not text or len(text) > _MAX_LEN or not _CJK.search(text):
        return text
    for code in (lang,) if lang else LANGUAGES:
        if code == DEFAULT or not messages(code).table:
            continue
        left, _, english = _read(text, code)
        if left < _unexplained(text):
            return english
    return text


__all__ = ["to_english"]
