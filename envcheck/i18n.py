"""The message layer: which language to speak, and the text of each message in it.

Messages are looked up gettext-style: the English text is the message id, and a catalogue
``envcheck/locale/<lang>/LC_MESSAGES/envcheck.po`` gives its translation. English needs no
catalogue (every lookup returns its id), so English output is exactly what the code writes.

The ``.po`` files are read directly by :func:`parse_po`, a small reader of the subset of the
format envcheck's catalogues use (``msgid``, ``msgid_plural``, ``msgstr``, ``msgstr[N]``,
continued strings, C escapes, ``#, fuzzy``): :mod:`gettext` reads only compiled ``.mo``
files, which would need a build step, and a dependency for one small format is not worth it.

Translation happens where text is shown (renderers, the CLI's error line), never in the data:
ids, fact keys, JSON keys, enum values, commands, paths and URLs are the same in every
language, so a Chinese report and an English one diff cleanly and ``explain`` reads both.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType

LANGUAGES: tuple[str, ...] = ("en", "zh")
"""The languages envcheck speaks; ``en`` is the source language (no catalogue)."""
DEFAULT = "en"
DOMAIN = "envcheck"
_LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")


def language_from_env(env: Mapping[str, str]) -> str:
    """The language the locale variables ask for: ``zh`` for any Chinese locale
    (``zh_CN.UTF-8``, ``zh_TW``, ``zh``), else English.

    As POSIX says, the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set and not
    empty decides; ``C`` and ``POSIX`` are English.
    """
    for name in _LOCALE_VARS:
        value = env.get(name, "").strip()
        if value:
            code = re.split(r"[_.@-]", value, maxsplit=1)[0].lower()
            return code if code in LANGUAGES else DEFAULT
    return DEFAULT


def pick_language(option: str | None, env: Mapping[str, str]) -> str:
    """``--lang`` when given, else the locale's language."""
    if option is not None:
        return option
    return language_from_env(env)


class PoError(ValueError):
    """A ``.po`` file envcheck cannot read; the message names the line."""


@dataclass(frozen=True)
class PoEntry:
    """One message: its id, its plural id (or ``None``) and its translations by plural form."""

    msgid: str
    plural: str | None
    msgstr: tuple[str, ...]
    fuzzy: bool = False


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str, where: str) -> str:
    text = text.strip(" \t\r")
    if len(text) < 2 or not text.startswith('"') or not text.endswith('"'):
        raise PoError(f"{where}: expected a quoted string, got {text!r}")
    body = text[1:-1]
    if "\\" not in body and '"' not in body:
        return body  # most strings: nothing to unescape (halves reading the catalogue)
    out, i = [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise PoError(f"{where}: unknown escape in {text!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        if char == '"':
            raise PoError(f"{where}: unescaped quote in {text!r}")
        out.append(char)
        i += 1
    return "".join(out)


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*)$")


def parse_po(text: str, name: str = "<po>") -> tuple[PoEntry, ...]:
    """The entries of a ``.po`` file (the header entry, whose id is empty, included)."""
    entries: list[PoEntry] = []
    fields: dict[str, str] = {}
    fuzzy = next_fuzzy = False
    current: str | None = None

    def flush() -> None:
        nonlocal fields, current, fuzzy
        if not fields:
            return
        if "msgid" not in fields:
            raise PoError(f"{name}: an entry without msgid ({sorted(fields)})")
        forms = sorted((int(k[7:-1]), v) for k, v in fields.items() if k.startswith("msgstr["))
        strs = (fields["msgstr"],) if "msgstr" in fields else tuple(v for _, v in forms)
        if not strs:
            raise PoError(f"{name}: msgid {fields['msgid']!r} has no msgstr")
        entries.append(PoEntry(fields["msgid"], fields.get("msgid_plural"), strs, fuzzy))
        fields, current, fuzzy = {}, None, False

    # Lines end at "\n" only: a form feed or U+2028 inside a string is text, not a line end.
    for number, line in enumerate(text.split("\n"), 1):
        where = f"{name}:{number}"
        stripped = line.strip(" \t\r")
        if not stripped:
            flush()
            continue
        if stripped.startswith("#"):
            if stripped.startswith("#,") and "fuzzy" in stripped[2:].replace(",", " ").split():
                next_fuzzy = True
            continue
        if stripped.startswith('"'):
            if current is None:
                raise PoError(f"{where}: a continued string outside an entry")
            fields[current] += _unquote(stripped, where)
            continue
        match = _KEYWORD.match(stripped)
        if match is None:
            raise PoError(f"{where}: cannot read {stripped!r}")
        keyword = match.group(1)
        if keyword in ("msgid", "msgctxt") and any(k.startswith("msgstr") for k in fields):
            flush()
        if keyword == "msgctxt":
            raise PoError(f"{where}: msgctxt is not used by envcheck's catalogues")
        if not fields:
            fuzzy, next_fuzzy = next_fuzzy, False
        if keyword in fields:
            raise PoError(f"{where}: {keyword} given twice")
        fields[keyword] = _unquote(match.group(3), where)
        current = keyword
    flush()
    return tuple(entries)


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` fields of a format string (``{{`` and ``}}`` are not fields)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def _template(msgid: str) -> re.Pattern[str] | None:
    """A pattern that matches ``msgid`` formatted with any values, or ``None`` without fields."""
    if not placeholders(msgid):
        return None
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _, _ in string.Formatter().parse(msgid):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


class Msg(str):
    """English text that remembers the message it was made from, so it can be said again in
    another language.

    ``Msg("Install NVIDIA driver {need} or newer", need="535")`` *is* the English string
    (every ``str`` operation, JSON and comparisons see the formatted English), and keeps the
    message id and its values for :meth:`Messages.say`. Values that are themselves ``Msg``
    are translated too; any other value (a version, a path, a GPU name, a command) is data and
    is shown as it is. The first argument must be a string literal: it is the message id that
    ``python -m envcheck.i18n_extract`` finds in the source, as xgettext would.

    A ``str`` method (``+``, ``strip``, f-strings) returns a plain ``str`` and forgets the
    message: build sentences with fields, :func:`sentences` and :func:`concat`, and lists with
    :mod:`envcheck.i18n_lists`, instead.
    """

    msgid: str
    values: Mapping[str, object]

    def __new__(cls, msgid: str, /, **values: object) -> Msg:
        self = super().__new__(cls, msgid.format(**values) if values else msgid)
        self.msgid = msgid
        self.values = MappingProxyType(values)
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), str(self), self.msgid, dict(self.values)))


class Joined(Msg):
    """Several texts shown one after another, each said on its own, with ``sep`` between them.

    ``sep`` is a :class:`Msg` said in the reader's language (``Msg(", ")``, ``、`` in
    Chinese), or text that is the same in every language (``" · "``; ``" "`` between
    sentences, left out after a Chinese full stop). Build one with :func:`sentences`,
    :func:`concat` or the list helpers of :mod:`envcheck.i18n_lists`."""

    parts: tuple[str, ...]
    sep: str

    def __new__(cls, sep: str, parts: tuple[str, ...]) -> Joined:
        kept = tuple(p for p in parts if p)
        self = str.__new__(cls, sep.join(kept))
        self.msgid, self.values, self.parts, self.sep = "", MappingProxyType({}), kept, sep
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (Joined, (self.sep, self.parts))


class WrittenText(Msg):
    """English envcheck wrote elsewhere and kept as a plain string (a note read back from a
    report, a probe's title): said by finding the message it was made from, exactly or with
    its values (:meth:`Messages.translate`). Use :func:`written`."""

    def __new__(cls, text: str, shown: str | None = None) -> WrittenText:
        """``shown`` is the English to show when it differs from ``text`` (a first letter
        upper-cased): ``text`` is what is looked up."""
        self = str.__new__(cls, text if shown is None else shown)
        self.msgid, self.values = str(text), MappingProxyType({})
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (WrittenText, (self.msgid, str(self)))


def written(text: str) -> str:
    """``text`` as a :class:`WrittenText` message, unless it already is a :class:`Msg`: for
    words envcheck wrote that reach a message as a plain string, so they are said in the
    reader's language too (a plain value is data and is shown as it is)."""
    return text if isinstance(text, Msg) else WrittenText(text)


def _rebuild(cls: type[Msg], text: str, msgid: str, values: dict[str, object]) -> Msg:
    self = str.__new__(cls, text)
    self.msgid, self.values = msgid, MappingProxyType(values)
    return self


def sentences(*parts: str) -> Msg:
    """Sentences one after another: a space between them in English, none after a Chinese
    full stop. Empty parts are left out."""
    return Joined(" ", parts)


def concat(*parts: str) -> Msg:
    """Texts joined with nothing between them (a sentence and its parenthesis)."""
    return Joined("", parts)


def map_data(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to its data (the string values inside a :class:`Msg`),
    keeping the message, so the changed text can still be translated.

    Used by redaction: when changing the values alone does not give what changing the whole
    English text gives, the whole text, changed, is returned (a plain string): being private
    comes before being translated.
    """
    whole = change(str(text))
    if not isinstance(text, Msg):
        return whole
    kept = _map_msg(text, change)
    return kept if kept is not None and str(kept) == whole else whole


def _map_msg(text: Msg, change: Callable[[str], str]) -> Msg | None:
    """``text`` rebuilt from its changed values (the same kind of message, its English the
    changed English), or None when its parts cannot be changed one by one."""
    if isinstance(text, Joined):
        parts: list[str] = []
        for part in text.parts:
            mapped = _map_msg(part, change) if isinstance(part, Msg) else change(part)
            if mapped is None:
                return None
            parts.append(mapped)
        return Joined(text.sep, tuple(parts))
    if isinstance(text, WrittenText):
        return WrittenText(change(text.msgid), change(str(text)))
    values: dict[str, object] = {}
    for key, value in text.values.items():
        mapped_value = (_map_msg(value, change) if isinstance(value, Msg) else
                        change(value) if isinstance(value, str) else value)
        if mapped_value is None:
            return None
        values[key] = mapped_value
    rebuilt = Msg(text.msgid, **values)
    shown = change(str(text))
    if str(rebuilt) == shown:
        return rebuilt
    if str(rebuilt)[:1].upper() + str(rebuilt)[1:] == shown:
        # A message whose English was upper-cased at the start of a sentence.
        out = str.__new__(Msg, shown)
        out.msgid, out.values = text.msgid, MappingProxyType(values)
        return out
    return None


_CJK_END = frozenset("。！？；：，、）」』")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _spaced(sep: str, before: str, after: str) -> str:
    """A separator said in a language without spaces between its words (`` 和 ``), without
    the space on a side where it meets such a word: ``文件和模块``, but ``torch 和 CUDA``."""
    if sep.startswith(" ") and _CJK.match(before[-1:]):
        sep = sep[1:]
    if sep.endswith(" ") and _CJK.match(after[:1]):
        sep = sep[:-1]
    return sep


@dataclass(frozen=True)
class Messages:
    """The messages of one language: ``gettext``, ``ngettext`` and ``translate``."""

    lang: str
    table: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    plurals: Mapping[str, str] = field(default_factory=dict)
    """msgid → its plural id."""

    def gettext(self, message: str) -> str:
        """The translation of ``message``, or ``message`` itself when there is none."""
        found = self.table.get(message)
        return found[0] if found and found[0] else message

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form for ``count``; Chinese has one form, English two."""
        found = self.table.get(singular)
        if found and found[0]:
            return found[0]
        return singular if count == 1 else plural

    def say(self, text: str, missing: set[str] | None = None) -> str:
        """``text`` in this language: a :class:`Msg` by its message id and values, a plain
        string when it is a message (or one formatted with values, see :meth:`translate`).

        What has no translation is shown in English and, when ``missing`` is given, its
        message id is added to it (the tests use this to prove every message is translated).
        """
        if not self.table:
            return str(text)
        if isinstance(text, Joined):
            sep = self.say(text.sep, missing) if isinstance(text.sep, Msg) else text.sep
            out = ""
            for part in text.parts:
                said = self.say(part, missing)
                if out and text.sep == " " and (out[-1] in _CJK_END or said[:1] in _CJK_END):
                    out += said
                elif out and isinstance(text.sep, Msg):
                    out += _spaced(sep, out, said) + said
                elif out:
                    out += sep + said
                else:
                    out = said
            return out
        if isinstance(text, WrittenText):
            said = self.translate(text.msgid)
            if said == text.msgid:
                if missing is not None and _has_words(text):
                    missing.add(text.msgid)
                return str(text)
            return said
        if isinstance(text, Msg):
            found = self.table.get(text.msgid)
            if not found or not found[0]:
                if missing is not None:
                    missing.add(text.msgid)
                return str(text)
            values = {k: self.say(v, missing) if isinstance(v, Msg) else v
                      for k, v in text.values.items()}
            try:
                return found[0].format(**values) if values else found[0]
            except (ValueError, KeyError, IndexError, AttributeError):
                # A translation whose fields do not fit (the tests forbid it): English,
                # rather than no report at all.
                if missing is not None:
                    missing.add(text.msgid)
                return str(text)
        said = self.translate(text)
        if said == text and missing is not None and _has_words(text):
            missing.add(str(text))
        return said

    def translate(self, text: str, _depth: int = 0) -> str:
        """``text`` translated, where it is a message or a message formatted with values.

        For text built before the language was known (a usage error raised deep in the CLI,
        a note read back from an English report): the values found in the English text are put
        into the translation's fields, themselves translated where they are messages. A value
        never spans ``"; "`` (remarks joined one after another are translated one by one), and
        text longer than a note is left as it is: matching is for sentences, not logs.
        """
        if not self.table:
            return text
        if text in self.table:
            return self.gettext(text)
        if len(text) > _MAX_TRANSLATED or _depth > _MAX_DEPTH:
            return text
        for msgid, pattern in self._templates():
            match = pattern.match(text)
            if match is None or any("; " in v for v in match.groupdict().values()):
                continue
            values = {k: self.translate(v, _depth + 1) for k, v in match.groupdict().items()}
            try:
                return self.gettext(msgid).format(**values)
            except (ValueError, KeyError, IndexError, AttributeError):
                continue  # a field with a format spec ({n:.1f}) cannot take text
        if "; " in text:
            parts = [self.translate(part, _depth + 1) for part in text.split("; ")]
            return self.gettext("; ").join(parts)
        return text

    def _templates(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        if self.lang in LANGUAGES and messages(self.lang) is self:
            return _templates_of(self.lang)  # the shipped catalogue's, built once
        return _build_templates(self.table)


_MIN_FIXED = 6
_MAX_TRANSLATED = 2000
"""Plain text longer than this is not matched against the templates (notes are far shorter;
the lazy fields make matching a long text slow)."""
_MAX_DEPTH = 3


def _has_words(text: str) -> bool:
    """Whether ``text`` holds English words to translate (not only numbers or a name)."""
    return len(re.findall(r"[A-Za-z]{3,}", text)) >= 2 and not re.search(r"[\u4e00-\u9fff]", text)


def _fixed_text(msgid: str) -> str:
    """A template's words, without its fields, spaces and punctuation."""
    return re.sub(r"\{[^}]*\}|[\W_]", "", msgid)


@functools.cache
def _templates_of(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return _build_templates(messages(lang).table)


def _build_templates(table: Mapping[str, object]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for msgid in table:
        pattern = _template(msgid)
        # A template of little fixed text ("{label}: {value}") would match anything.
        if pattern is not None and len(_fixed_text(msgid)) >= _MIN_FIXED:
            out.append((msgid, pattern))
    # The most specific template first: the one with the most fixed text.
    out.sort(key=lambda item: -len(_fixed_text(item[0])))
    return tuple(out)


def catalogue_text(lang: str) -> str:
    """The ``.po`` source shipped for ``lang``."""
    path = resources.files("envcheck") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return path.read_text(encoding="utf-8")


@functools.cache
def messages(lang: str) -> Messages:
    """The messages of ``lang`` (read once); English, or an unknown language, is identity."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return Messages(DEFAULT)
    table: dict[str, tuple[str, ...]] = {}
    plurals: dict[str, str] = {}
    for entry in parse_po(catalogue_text(lang), f"{lang}/{DOMAIN}.po"):
        if not entry.msgid or entry.fuzzy:
            continue
        table[entry.msgid] = entry.msgstr
        if entry.plural is not None:
            plurals[entry.msgid] = entry.plural
    return Messages(lang, MappingProxyType(table), MappingProxyType(plurals))
