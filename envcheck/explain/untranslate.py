"""Read envcheck's own words back in English, from a report written in another language.

A report written with ``--lang zh`` keeps its ids, fact keys and values, but its notes (why a
fact is unknown, how it was read), its probes' titles and notes, and the findings of its text
report are in Chinese. Some rules read a note's words ("not installed", "assumed", "read
leniently"), and ``envcheck diff`` compares notes, so ``explain`` puts them back into English
before the rules run.

A note is a message said with its values, or several said one after another (sentences,
remarks between ``；``, items between ``、``, a remark that starts with punctuation such as
``，另有 2 个额外下载源``). Each reading of the text is tried (the whole text as one message of
the catalogue, with the values found in it read back in turn; or a first part, then the rest)
and the one that leaves the least Chinese unexplained wins. What is no translation (a user's
path, a tool's message) is kept as it is.

The reading is a :class:`~envcheck.i18n.Msg` (the messages found, with their values), so it is
the English text and can still be said in any language, as the report said it.

The best reading of the rest of a text from each place it may be cut is found once (a
dynamic-programming pass, from the right), each part and each value is read once, and a
reading that cannot beat the best one known is not pursued; a text that would take more than
:data:`_BUDGET` steps is kept as it is (notes are short; this bounds a pathological paste).
Pure; the catalogue is read once per language. No source file is read: messages said the same
way are told apart by the catalogue (the tests keep those a note can hold apart).
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from envcheck.i18n import DEFAULT, LANGUAGES, Joined, Msg, messages

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_WORDS = re.compile(r"[\u4e00-\u9fff]")
"""Chinese words (not punctuation)."""
_PUNCTUATION = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
"""CJK punctuation (full-width ``，``, ``（``, ``：``)."""
_SENTENCE_END = re.compile(r"(?<=[。！？])(?=\S)|(?<=[.!?]) (?=\S)")
"""Where :func:`envcheck.i18n.sentences` joined two sentences (a space in English)."""
_MAX_LEN = 4000
"""Longer texts are kept as they are (notes are far shorter)."""
_BUDGET = 10_000
"""Steps (a template tried on a part, a cut tried) for one text, at most: past them the text
is kept as it is. A note of sixteen GPUs takes about 300; only a pathological text of
hundreds of characters comes near (about 0.2 s)."""
_MAX_DEPTH = 60
"""Values read inside values, and parts read after parts cut before a ``，``, at most (a note
nests a few messages, not dozens)."""


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    msgids: tuple[str, ...]
    """The messages said this way: one, or a singular and its plural."""
    fixed: int
    """Characters of fixed text (the more, the more specific)."""
    prefix: str
    """The text the translation starts with ('' when it starts with a field)."""
    suffix: str
    """The text it ends with ('' when it ends with a field)."""
    inner: tuple[str, ...]
    """Its other fixed pieces: a text that lacks one cannot match."""
    order: int
    """Its place among the templates: the most fixed text first."""

    def may_match(self, text: str) -> bool:
        return (text.startswith(self.prefix) and text.endswith(self.suffix)
                and all(piece in text for piece in self.inner))


@dataclass(frozen=True)
class _Catalogue:
    exact: Mapping[str, tuple[str, ...]]
    """Translation → the message ids said that way (more than one when two share it)."""
    by_first: Mapping[str, tuple[_Template, ...]]
    """Translations with values that start with fixed text, by its first character."""
    by_last: Mapping[str, tuple[_Template, ...]]
    """The others that end with fixed text, by its last character."""
    loose: Mapping[str, tuple[_Template, ...]]
    """Translations with a value at each end (``{label}：{value}``), by the first character of
    their fixed text."""
    quoting: tuple[_Template, ...]
    """Translations that only wrap a value (``"{output}"``): tried on text without Chinese."""
    separators: frozenset[str]
    """Translations of joining messages (``、`` for ``", "``, ``；`` for ``"; "``)."""
    openers: frozenset[str]
    """Punctuation a translation starts with (``，`` of ``，另有 {count} 个额外下载源``): a text
    may be cut before it."""
    separator_re: re.Pattern[str]
    opener_re: re.Pattern[str]
    remarks: str
    """How remarks are joined (``；`` for ``"; "``): a value that holds it is more likely two
    messages, whatever it holds."""

    def candidates(self, text: str) -> list[_Template]:
        """The templates that may match ``text``, the most specific first."""
        found = [*self.by_first.get(text[:1], ()), *self.by_last.get(text[-1:], ())]
        for char in self.loose.keys() & set(text):
            found += self.loose[char]
        return sorted((t for t in found if t.may_match(text)), key=lambda t: t.order)


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
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
            seen.add(name)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _literals(template: str) -> tuple[str, str, tuple[str, ...]]:
    """The fixed text a template starts with, ends with, and the pieces between its fields."""
    fields = list(string.Formatter().parse(template))
    pieces = [literal for literal, _, _, _ in fields]
    suffix = pieces[-1] if fields[-1][1] is None else ""
    inner = pieces[1:-1] if suffix else pieces[1:]
    return pieces[0], suffix, tuple(p for p in inner if p)


@functools.cache
def _catalogue(lang: str) -> _Catalogue:
    exact: dict[str, tuple[str, ...]] = {}
    said_as: dict[str, tuple[re.Pattern[str], list[str]]] = {}
    quoting: list[_Template] = []
    separators: set[str] = set()
    openers: set[str] = set()
    for msgid, forms in messages(lang).table.items():
        said = forms[0] if forms else ""
        if not said or said == msgid:
            continue
        pattern = _pattern(said)
        if pattern is None:
            continue
        if _PUNCTUATION.match(said) and re.search(r"\w", said):
            openers.add(said[0])
        if not pattern.groupindex:
            exact[said] = (*exact.get(said, ()), msgid)
            if not re.search(r"\w", msgid) and len(said.strip()) == 1:
                separators.add(said.strip())
            continue
        if _CJK.search(_fixed(said)):
            said_as.setdefault(said, (pattern, []))[1].append(msgid)
        elif not re.search(r"\w", _fixed(said)) and _fixed(said) != _fixed(msgid):
            quoting.append(_Template(pattern, (msgid,), 0, "", "", (), len(quoting)))
    ranked = sorted(said_as.items(), key=lambda item: -len(_fixed(item[0])))
    by_first: dict[str, list[_Template]] = {}
    by_last: dict[str, list[_Template]] = {}
    loose: dict[str, list[_Template]] = {}
    for order, (said, (pattern, msgids)) in enumerate(ranked):
        prefix, suffix, inner = _literals(said)
        item = _Template(pattern, tuple(msgids), len(_fixed(said)), prefix, suffix, inner,
                         order)
        if prefix:
            by_first.setdefault(prefix[0], []).append(item)
        elif suffix:
            by_last.setdefault(suffix[-1], []).append(item)
        else:
            loose.setdefault(inner[0][0], []).append(item)
    return _Catalogue(
        exact, {k: tuple(v) for k, v in by_first.items()},
        {k: tuple(v) for k, v in by_last.items()}, {k: tuple(v) for k, v in loose.items()},
        tuple(quoting), frozenset(separators), frozenset(openers - separators),
        re.compile("[" + re.escape("".join(sorted(separators))) + "]"),
        re.compile("[" + re.escape("".join(sorted(openers - separators))) + "]"),
        messages(lang).gettext("; ").strip() or "; ")


_TOKENS = re.compile(r"(\{[^{}]*\}|[A-Za-z]+)")


def _counted_field(singular: str, plural: str) -> str | None:
    """The field whose number chooses between ``singular`` and ``plural`` when they are one
    message's two English forms ("{count} toolkit found", "{count} toolkits found"): the last
    field before the word that differs. None when they are not."""
    one, many = _TOKENS.split(singular), _TOKENS.split(plural)
    if len(one) != len(many):
        return None
    differ = [i for i, (a, b) in enumerate(zip(one, many, strict=True)) if a != b]
    if len(differ) != 1:
        return None
    a, b = one[differ[0]], many[differ[0]]
    if b not in (a + "s", a + "es") and not (a.endswith("y") and b == a[:-1] + "ies"):
        return None
    fields = [t[1:-1] for t in one[: differ[0]] if t.startswith("{") and t.endswith("}")]
    return fields[-1] if fields else None


def _choose(msgids: tuple[str, ...], values: Mapping[str, str]) -> str:
    """Of the messages said one way, the one whose English form agrees with the number read
    back (``2`` → "{count} toolkits found"); else :func:`_pick`'s."""
    if len(msgids) == 1:
        return msgids[0]
    for singular in msgids:
        for plural in msgids:
            name = _counted_field(singular, plural)
            if name is not None and re.fullmatch(r"\d+", str(values.get(name, ""))):
                return singular if int(str(values[name])) == 1 else plural
    return _pick(msgids)


def _pick(msgids: tuple[str, ...]) -> str:
    """Of several messages said the same way, a separator (``", "``) before words
    (``" and "``), else the first in the catalogue. The tests keep every message a note or a
    finding can hold said its own way, so this only chooses among other words."""
    return min(msgids, key=lambda m: bool(re.search(r"[A-Za-z]", m)))


def _unexplained(text: str) -> int:
    return len(_CJK.findall(text))


_Reading = tuple[int, int, str]
"""(Chinese characters left unexplained, doubt, the English): the smaller, the better. Doubt
counts the guesses a reading makes: a message of one character of fixed text (``{a}、{b}``)
rather than a separator; a value left empty; a value that joins remarks (``；``), or one with
words in it that holds a sentence's end or a separator (more likely two messages); a part cut
off that holds nothing Chinese (more likely a list's item).
The English is a :class:`~envcheck.i18n.Msg` where messages were found."""


_Score = tuple[int, int]
_ANY: _Score = (1 << 62, 0)
"""No limit: the best reading, whatever its score."""


class _OutOfWork(Exception):
    """The text takes more work than :data:`_BUDGET`: it is kept as it is."""


class _Reader:
    """One text's reading: every part and every value is read once.

    A part is read as one message with a limit: the score it must beat to matter. A message
    whose guesses alone reach the limit is not tried (its values are not read), so a part that
    runs over many remarks, which only a far-fetched message could explain, costs little.
    """

    def __init__(self, lang: str) -> None:
        self.cat = _catalogue(lang)
        self.left = _BUDGET
        self.depth = 0
        self.reads: dict[str, _Reading] = {}
        self.wholes: dict[str, tuple[_Reading, _Score]] = {}

    def spend(self) -> None:
        """Count one step of work; past the budget, give up on the text."""
        self.left -= 1
        if self.left < 0:
            raise _OutOfWork

    def read(self, text: str) -> _Reading:
        """The best English reading of ``text``."""
        found = self.reads.get(text)
        if found is None:
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise _OutOfWork
            try:
                found = self.reads[text] = self._read(text)
            finally:
                self.depth -= 1
        return found

    def _read(self, text: str) -> _Reading:
        if not _CJK.search(text):
            return self._plain(text)
        perfect = self.whole(text, (0, 1))
        if perfect[:2] == (0, 0):
            return perfect  # one message, nothing left: no cut can do better
        cuts = _cuts(text, self.cat)
        if not cuts:
            return self.whole(text)
        at = _Cuts(text, cuts, self.cat)
        # The rest from each place after a separator or a sentence's end is read from the
        # right, so each is built from readings already known; the rest after other cuts
        # (before a ``，``) only when a reading needs it.
        for start in sorted({at.after[c] for c in cuts if at.strength[c] < 2}, reverse=True):
            self._rest(at, start)
        return self._rest(at, 0)

    def _rest(self, at: _Cuts, start: int) -> _Reading:
        """The best reading of ``at.text[start:]``, found once. The rest of a text is a text of
        its own: its reading is kept for the next value that ends the same way."""
        found = at.rest.get(start)
        if found is None:
            tail = at.text[start:]
            found = self.reads.get(tail) if start else None
            if found is None:
                self.depth += 1
                if self.depth > _MAX_DEPTH:
                    raise _OutOfWork
                try:
                    found = self._from(at, start)
                finally:
                    self.depth -= 1
                if start:
                    self.reads[tail] = found
            at.rest[start] = found
        return found

    def _from(self, at: _Cuts, start: int) -> _Reading:
        """The best reading of ``at.text[start:]``: as one message, or a first part then the
        best reading of the rest. One message wins a tie, then the earliest cut.

        The cuts are tried where two messages most likely meet first (a sentence's end, a
        ``；``), so a good reading is known early and a cut that cannot beat it is passed over
        without reading its rest."""
        text = at.text
        tail = text[start:]
        if not _CJK.search(tail):
            return self._plain(tail)
        split: _Reading | None = None
        split_at = len(text)
        for cut in at.order:
            if cut <= start:
                continue
            # A part with nothing Chinese in it (a path) is more likely an item of a list
            # inside a message.
            listed = _CJK.search(text, start, cut) is None
            if split is not None and ((0, int(listed)), cut) >= (split[:2], split_at):
                continue  # even a perfect first part and rest cannot do better
            self.spend()
            # The score the first part must come under (to tie, only before the best cut).
            limit = _ANY if split is None else (split[0],
                                                split[1] - listed + (cut < split_at))
            first = self.whole(text[start:cut].rstrip(" "), limit)
            if first[:2] >= limit:
                continue
            then = self._rest(at, at.after[cut])
            score = (first[0] + then[0], first[1] + then[1] + listed)
            if split is None or (score, cut) < (split[:2], split_at):
                split = (*score, Joined(" " if at.space[cut] else "",
                                        (_part(first[2]), _part(then[2]))))
                split_at = cut
        if split is None:
            return self.whole(tail)
        whole = self.whole(tail, (split[0], split[1] + 1))
        return whole if whole[:2] <= split[:2] else split

    def _plain(self, text: str) -> _Reading:
        """Text without Chinese: a value only wrapped by the translation, or data."""
        for item in self.cat.quoting:
            match = item.pattern.match(text)
            if match is not None and all(v != text for v in match.groupdict().values()):
                return 0, 0, _message(item.msgids[0], match.groupdict())
        return 0, 0, text

    def whole(self, text: str, limit: _Score = _ANY) -> _Reading:
        """``text`` read as one message (exact, or with values read back), or kept as it is:
        the best reading when its score is under ``limit``; else some reading at or over it."""
        found = self.wholes.get(text)
        if found is not None:
            reading, used = found
            if used >= limit or reading[:2] < used:
                return reading  # read with a looser limit, or the best under that one
        reading = self._whole(text, limit)
        self.wholes[text] = (reading, limit)
        return reading

    def _whole(self, text: str, limit: _Score) -> _Reading:
        cat = self.cat
        if text in cat.exact:
            return 0, 0, _message(_pick(cat.exact[text]), {})
        if not _CJK.search(text):
            return self.read(text)
        best: _Reading = (_unexplained(text), 0, text)
        for item in cat.candidates(text):
            self.spend()
            match = item.pattern.match(text)
            if match is None:
                continue
            values = match.groupdict()
            # A value is never the whole text, nor starts or ends with a separator.
            if any(v == text or v[:1] in cat.separators or v[-1:] in cat.separators
                   for v in values.values()):
                continue
            guesses = 2 * (item.fixed <= 1) + sum(
                not v or cat.remarks in v or (_WORDS.search(v) is not None and _splits(v, cat))
                for v in values.values())
            if (0, guesses) >= min(best[:2], limit):
                continue  # it cannot do better, nor come under the limit
            read = {k: self.read(v) for k, v in values.items()}
            score = (sum(u for u, _, _ in read.values()),
                     guesses + sum(d for _, d, _ in read.values()))
            if score < best[:2]:
                english = {k: e for k, (_, _, e) in read.items()}
                try:
                    best = (*score, _message(_choose(item.msgids, english), english))
                except (KeyError, IndexError, ValueError):
                    continue
                if score == (0, 0):
                    break
        return best


def _message(msgid: str, values: Mapping[str, str]) -> Msg:
    """The catalogue's message ``msgid`` said with ``values`` (as ``Msg(msgid, **values)``
    would make it: the id is the catalogue's, read back, not a literal of the source)."""
    out = str.__new__(Msg, msgid.format(**values) if values else msgid)
    out.msgid, out.values = msgid, MappingProxyType(dict(values))
    return out


class _Cuts:
    """A text, the places it may be cut, and the best readings of its rest found so far."""

    def __init__(self, text: str, cuts: list[int], cat: _Catalogue) -> None:
        self.text = text
        self.after = {c: _after(text, c) for c in cuts}
        """Where the rest starts after each cut (past the space that joined two sentences)."""
        self.space = {c: text[c - 1] == " " or _SENTENCE_END.match(text, c) is not None
                      for c in cuts}
        """Whether a space joins the two parts in English."""

        def strength(cut: int) -> int:
            near = text[cut - 1 : cut + 1]
            if _SENTENCE_END.match(text, cut) or cat.remarks in near:
                return 0
            return 1 if any(char in cat.separators for char in near) else 2

        self.strength = {c: strength(c) for c in cuts}
        """0 at a sentence's end or beside a ``；``, 1 beside another separator, else 2."""
        self.order = sorted(cuts, key=lambda c: (self.strength[c], c))
        """The cuts, where two messages most likely meet first."""
        self.rest: dict[int, _Reading] = {len(text): (0, 0, "")}


def _part(english: str) -> str:
    """A part of a reading as a message: what is no message is data, shown as it is in every
    language (a plain part of a joined message would be looked up as words)."""
    return english if isinstance(english, Msg) or not english else Msg("{text}", text=english)


def _after(text: str, cut: int) -> int:
    """Where the rest starts after a cut: past the space that joined two sentences."""
    if text[cut - 1 : cut] == " " or _SENTENCE_END.match(text, cut) is not None:
        while text[cut : cut + 1] == " ":
            cut += 1
    return cut


def _cuts(text: str, cat: _Catalogue) -> list[int]:
    """Where ``text`` may be two messages one after another: at a sentence's end, on each side
    of a separator (``、``, ``；``), and before punctuation a translation starts with (``，``)."""
    cuts: set[int] = {m.start() for m in _SENTENCE_END.finditer(text)}
    for match in cat.separator_re.finditer(text):
        cuts.update(match.span())
    cuts.update(match.start() for match in cat.opener_re.finditer(text))
    return sorted(c for c in cuts if 0 < c < len(text))


def _splits(value: str, cat: _Catalogue) -> bool:
    """Whether ``value`` holds a sentence's end or a separator (is more likely two messages)."""
    return cat.separator_re.search(value) is not None or any(
        0 < m.start() < len(value) for m in _SENTENCE_END.finditer(value))


@functools.lru_cache(maxsize=4096)
def _english(text: str, lang: str) -> str | None:
    """``text`` read in English from ``lang``, or None when that explains none of its Chinese
    (or reading it would take too long)."""
    try:
        left, _, english = _Reader(lang).read(text)
    except (_OutOfWork, RecursionError):
        return None
    return english if left < _unexplained(text) else None


def to_english(text: str, lang: str | None = None) -> str:
    """``text`` in English where it is envcheck's own words in another language (``lang``, or
    any envcheck speaks); anything else is returned as it is. The English is a
    :class:`~envcheck.i18n.Msg` where messages were found, so it can be said again."""
    if not text or len(text) > _MAX_LEN or not _CJK.search(text):
        return text
    for code in (lang,) if lang else LANGUAGES:
        if code == DEFAULT or not messages(code).table:
            continue
        english = _english(str(text), code)
        if english is not None:
            return english
    return text


__all__ = ["to_english"]
