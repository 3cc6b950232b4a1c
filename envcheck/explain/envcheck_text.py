"""Read envcheck's own terminal report back: its findings as written, strictly.

The text report shows only headline facts, so the rules could not reach the run's findings
again from it; but it prints every finding in full, in a layout we own: a mark and the title
at column 2 (a long title continues at column 4) ending in ``[finding.id]``, the detail and
fixes below at column 6 or more, and a verdict line that counts the errors and warnings. A
paste that matches that layout, and whose counts agree with its verdict, is read as the
findings it states; anything else is left to the lenient parsers.

A report written in another language (``--lang zh``) is read the same way, its words put back
into English (:func:`~envcheck.explain.untranslate.to_english`) as the notes of envcheck's other
reports are: ``explain`` says them again in the reader's language. The lines the report spans
are envcheck's words, not the reporter's: :func:`envcheck.explain_report.explain_report` reads
no claim from them.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from envcheck.explain.untranslate import to_english
from envcheck.i18n import DEFAULT, LANGUAGES, Messages, messages
from envcheck.model import Category, Finding, Fix, Severity
from envcheck.render.cells import cells

_HEADER = re.compile(r"^envcheck (?:doctor|explain) \d+\.\d+")
_MARKS = {"✗": Severity.ERROR, "!": Severity.WARNING, "•": Severity.INFO}
_FINDING = re.compile(r"^  (?P<mark>[✗!•]) (?P<rest>\S.*)$")
_ID_AT_END = re.compile(r"^(?P<title>.*?)\s+\[(?P<id>[a-z][a-z0-9_]*\.[a-z0-9_]+)\]$")
_VERDICT = re.compile(
    r"^(?:✗ (?P<errors>\d+) errors?(?:, (?P<warnings_e>\d+) warnings?)?\."
    r"|! (?P<warnings>\d+) warnings?, no errors\.|✓ )"
)
# Terminal colours, in case the paste kept them.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _fill(template: str, **fields: str | None) -> str:
    """A regular expression for ``template``: its text escaped, each field replaced by the
    pattern given for it; a field given None ends the expression there."""
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is None:
            continue
        if fields.get(name) is None:
            break
        out.append(str(fields[name]))
    return "".join(out)


def _counted(m: Messages, singular: str, plural: str, group: str) -> str:
    """``(?P<group>3 个错误)``: a count of errors or warnings as ``m`` writes it."""
    forms = dict.fromkeys(m.ngettext(singular, plural, n) for n in (1, 2))
    return f"(?P<{group}>" + "|".join(_fill(f, n=r"\d+") for f in forms) + ")"


@functools.cache
def _verdicts() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The verdict line in every language envcheck writes (English first, as it always was),
    with the language."""
    out = [(DEFAULT, _VERDICT)]
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        m = messages(lang)
        more = _fill(m.gettext(", {more}"),
                     more=_counted(m, "{n} warning", "{n} warnings", "warnings_e"))
        errors = _fill(m.gettext("{counts}. Start with: {title}"), title=None,
                       counts=_counted(m, "{n} error", "{n} errors", "errors") + f"(?:{more})?")
        warnings = _fill(m.gettext("{counts}, no errors. First: {title}"), title=None,
                         counts=_counted(m, "{n} warning", "{n} warnings", "warnings"))
        out.append((lang, re.compile(f"^(?:✗ {errors}|! {warnings}|✓ )")))
    return tuple(out)


def _count(match: re.Match[str], *groups: str) -> int:
    """The number in the first of ``groups`` that matched (0 when none did)."""
    for group in groups:
        text = match.group(group)
        if text:
            return int(re.search(r"\d+", text).group(0))  # type: ignore[union-attr]
    return 0


@functools.cache
def _prefixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """How a consequence line and a fix line start, in every language envcheck writes."""
    also = dict.fromkeys(messages(lang).gettext("↳ also explains: {consequence}")
                         .split("{consequence}")[0] for lang in LANGUAGES)
    fix = dict.fromkeys(messages(lang).gettext("Fix: ") for lang in LANGUAGES)
    return tuple(also), tuple(fix)


def _after(line: str, prefixes: tuple[str, ...]) -> str | None:
    """``line`` without the first of ``prefixes`` it starts with, or None."""
    for prefix in prefixes:
        if line.startswith(prefix):
            return line[len(prefix):]
    return None


@dataclass(frozen=True)
class TextReadBack:
    """The findings an envcheck text report states, most important first."""

    findings: tuple[Finding, ...]
    source: str
    lines: range = range(0)
    """The lines of the paste the report spans, from its header to its verdict (counted as
    :func:`envcheck.explain.common.split_lines` counts them, from 0)."""


def _category(finding_id: str) -> Category | None:
    try:
        return Category(finding_id.split(".", 1)[0])
    except ValueError:
        return None


_Piece = tuple[str, bool]
"""One line of a wrapped text, without its indent, and whether the text was cut at its end
where no space was (a run without spaces longer than the line, cut to fit)."""


@dataclass
class _FixLines:
    summary: list[_Piece]
    commands: list[str]
    url: str | None = None


def _body(lines: list[str], english: Callable[[list[_Piece]], str], full: int
          ) -> tuple[str, tuple[str, ...], tuple[Fix, ...]]:
    """Detail paragraphs, consequences and fixes from the lines under a finding's title, each
    text unwrapped and in English (``english``); ``full`` is the width of a full line."""
    detail: list[_Piece] = []
    consequences: list[list[_Piece]] = []
    fixes: list[_FixLines] = []
    also, fix = _prefixes()
    for raw in lines:
        line = raw.strip()
        piece = (line, _cut_here(raw, full))
        if _after(line, also) is not None:
            consequences.append([(str(_after(line, also)), piece[1])])
        elif _after(line, fix) is not None:
            fixes.append(_FixLines([(str(_after(line, fix)), piece[1])], []))
        elif line.startswith("$ ") and fixes:
            fixes[-1].commands.append(line[2:])
        elif fixes and raw.startswith(" " * 8) and re.match(r"^https?://\S+$", line):
            fixes[-1].url = line
        elif fixes and fixes[-1].url and raw.startswith(" " * 8) and " " not in line:
            fixes[-1].url += line  # a link longer than the line, cut to fit
        elif consequences and not fixes:  # a wrapped "also explains" line
            consequences[-1].append(piece)
        elif fixes:
            fixes[-1].summary.append(piece)
        else:
            detail.append(piece)
    return (english(detail) if detail else "", tuple(english(c) for c in consequences),
            tuple(Fix(english(f.summary), tuple(f.commands), f.url) for f in fixes))


def _cut_here(raw: str, full: int) -> bool:
    """Whether the text on ``raw`` continues on the next line with no space between: the
    terminal report cuts a run without spaces that is longer than a line (Chinese, mostly)
    into full lines, each of them that run alone."""
    text = raw.strip()
    return bool(text) and " " not in text and cells(raw.rstrip()) >= full - 1


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _punct(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def _unwrapper(lang: str) -> Callable[[list[_Piece]], str]:
    """How the lines of one wrapped text of a report in ``lang`` are put back together, in
    English: joined by a space, or by nothing where the line was cut inside a run without
    spaces. Beside a wide (Chinese) character that guess is checked: the other join is kept
    where it explains more of the text. An English report's lines are joined by spaces, as
    they always were."""
    if lang == DEFAULT:
        return lambda pieces: " ".join(text for text, _ in pieces)

    def unwrap(pieces: list[_Piece]) -> str:
        lines = [text for text, _ in pieces]
        # The wrapper never cuts between two narrow characters (a word, a version, a path):
        # there the line was broken at a space. Chinese puts no space between two wide
        # characters: there it was cut. Between a wide and a narrow one, either (tried below).
        # Full-width punctuation takes no space beside it either.
        joins = []
        for i, (_, cut) in enumerate(pieces[:-1]):
            last, first = lines[i][-1:] or " ", lines[i + 1][:1] or " "
            before, after = _wide(last), _wide(first)
            if (before and after) or (before and _punct(last)) or (after and _punct(first)):
                joins.append("")
            else:
                joins.append(" " if not (before or after) or not cut else "")

        def read(joins: list[str]) -> tuple[int, str]:
            text = lines[0] + "".join(j + line for j, line in zip(joins, lines[1:], strict=True))
            said = to_english(text, lang)
            return len(re.findall(r"[\u4e00-\u9fff]", said)), said

        left, best = read(joins)
        for i, join in enumerate(joins):
            if not left:
                break
            if not (_wide(lines[i][-1:] or " ") or _wide(lines[i + 1][:1] or " ")):
                continue
            trial = [*joins[:i], " " if join == "" else "", *joins[i + 1:]]
            trial_left, said = read(trial)
            if trial_left < left:
                joins, left, best = trial, trial_left, said
        return best

    return unwrap


def read_envcheck_text(text: str) -> TextReadBack | None:
    """The findings of an envcheck text report in ``text``; None when it is not one."""
    # Lines as the explain parsers count them (a claim names its line).
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [_ANSI.sub("", line.rstrip()) for line in raw]
    start = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if start is None:
        return None
    source = "explain" if lines[start].startswith("envcheck explain") else "doctor"
    end, lang, verdict = next(
        ((i, lang, m) for i in range(len(lines) - 1, start, -1) for lang, pattern in _verdicts()
         if (m := pattern.match(lines[i]))), (0, DEFAULT, None))
    if verdict is None:
        return None
    lang = _language(lines[end], lang)
    english = _unwrapper(lang)
    # A full line's width: the widest line but the commands (which are never wrapped).
    full = max((cells(line) for line in lines[start:end]
                if not line.startswith(" " * 8)), default=0)
    findings: list[Finding] = []
    i = start + 1
    while i < len(lines):
        match = _FINDING.match(lines[i])
        if not match:
            i += 1
            continue
        title_lines = [match.group("rest")]
        title_cuts = [_cut_here(lines[i][4:], full - 4)]
        i += 1
        while i < len(lines) and re.match(r"^ {4}\S", lines[i]) and not _ID_AT_END.match(
                " ".join(title_lines)):
            title_lines.append(lines[i].strip())
            title_cuts.append(_cut_here(lines[i], full))
            i += 1
        head = _ID_AT_END.match(" ".join(title_lines))
        if head is None:
            continue
        # The title's own lines, without the id (which may stand on a line of its own).
        last = title_lines[-1][: title_lines[-1].rfind("[" + head.group("id") + "]")].rstrip()
        title = [*zip(title_lines[:-1], title_cuts[:-1], strict=True),
                 *([(last, False)] if last else [])]
        body: list[str] = []
        while i < len(lines) and lines[i].startswith(" " * 6):
            body.append(lines[i])
            i += 1
        category = _category(head.group("id"))
        if category is None:
            return None
        detail, consequences, fixes = _body(body, english, full)
        findings.append(Finding(
            id=head.group("id"), severity=_MARKS[match.group("mark")], category=category,
            title=english(title) if title else head.group("title"),
            detail=detail, fixes=fixes, consequences=consequences,
        ))
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    said_errors = _count(verdict, "errors")
    said_warnings = _count(verdict, "warnings", "warnings_e")
    if (errors, warnings) != (said_errors, said_warnings):
        return None  # a cut or damaged paste: let the lenient parsers read what is there
    # A report wraps after the verdict's first line too: the lines up to the next blank one.
    while end + 1 < len(lines) and lines[end + 1].startswith("  ") and lines[end + 1].strip():
        end += 1
    return TextReadBack(tuple(findings), source, range(start, end + 1))


def _language(verdict: str, lang: str) -> str:
    """The language of a verdict line that matched ``lang``'s pattern: "✓ " starts the verdict
    of a report without problems in every language, so its words tell."""
    if lang != DEFAULT or not verdict.startswith("✓ "):
        return lang
    for other in LANGUAGES:
        m = messages(other)
        if other != DEFAULT and any(
                verdict[2:].startswith(m.gettext(said)) for said in (
                    "No problems found.", "The pasted report shows no problem.")):
            return other
    return lang
