"""Read envcheck's own terminal report back: its findings as written, strictly.

The text report shows only headline facts, so the rules could not reach the run's findings
again from it; but it prints every finding in full, in a layout we own: a mark and the title
at column 2 (a long title continues at column 4) ending in ``[finding.id]``, the detail and
fixes below at column 6 or more, and a verdict line that counts the errors and warnings. A
paste that matches that layout, and whose counts agree with its verdict, is read as the
findings it states; anything else is left to the lenient parsers.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

from envcheck.i18n import DEFAULT, LANGUAGES, Messages, messages
from envcheck.model import Category, Finding, Fix, Severity

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
def _verdicts() -> tuple[re.Pattern[str], ...]:
    """The verdict line in every language envcheck writes (English first, as it always was)."""
    out = [_VERDICT]
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
        out.append(re.compile(f"^(?:✗ {errors}|! {warnings}|✓ )"))
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


def _category(finding_id: str) -> Category | None:
    try:
        return Category(finding_id.split(".", 1)[0])
    except ValueError:
        return None


def _body(lines: list[str]) -> tuple[str, tuple[str, ...], tuple[Fix, ...]]:
    """Detail paragraphs, consequences and fixes from the lines under a finding's title."""
    detail: list[str] = []
    consequences: list[str] = []
    fixes: list[Fix] = []
    also, fix = _prefixes()
    for raw in lines:
        line = raw.strip()
        if _after(line, also) is not None:
            consequences.append(str(_after(line, also)))
        elif _after(line, fix) is not None:
            fixes.append(Fix(str(_after(line, fix))))
        elif line.startswith("$ ") and fixes:
            last = fixes[-1]
            fixes[-1] = Fix(last.summary, (*last.commands, line[2:]), last.url)
        elif fixes and raw.startswith(" " * 8) and re.match(r"^https?://\S+$", line):
            last = fixes[-1]
            fixes[-1] = Fix(last.summary, last.commands, line)
        elif consequences and not fixes:  # a wrapped "also explains" line
            consequences[-1] += " " + line
        elif fixes:
            last = fixes[-1]
            fixes[-1] = Fix(f"{last.summary} {line}", last.commands, last.url)
        else:
            detail.append(line)
    return " ".join(detail), tuple(consequences), tuple(fixes)


def read_envcheck_text(text: str) -> TextReadBack | None:
    """The findings of an envcheck text report in ``text``; None when it is not one."""
    lines = [_ANSI.sub("", line.rstrip()) for line in text.splitlines()]
    start = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if start is None:
        return None
    source = "explain" if lines[start].startswith("envcheck explain") else "doctor"
    verdict = next((m for line in reversed(lines) for pattern in _verdicts()
                    if (m := pattern.match(line))), None)
    if verdict is None:
        return None
    findings: list[Finding] = []
    i = start + 1
    while i < len(lines):
        match = _FINDING.match(lines[i])
        if not match:
            i += 1
            continue
        title_lines = [match.group("rest")]
        i += 1
        while i < len(lines) and re.match(r"^ {4}\S", lines[i]) and not _ID_AT_END.match(
                " ".join(title_lines)):
            title_lines.append(lines[i].strip())
            i += 1
        head = _ID_AT_END.match(" ".join(title_lines))
        if head is None:
            continue
        body: list[str] = []
        while i < len(lines) and lines[i].startswith(" " * 6):
            body.append(lines[i])
            i += 1
        category = _category(head.group("id"))
        if category is None:
            return None
        detail, consequences, fixes = _body(body)
        findings.append(Finding(
            id=head.group("id"), severity=_MARKS[match.group("mark")], category=category,
            title=head.group("title"), detail=detail, fixes=fixes, consequences=consequences,
        ))
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in findings if f.severity is Severity.WARNING)
    said_errors = _count(verdict, "errors")
    said_warnings = _count(verdict, "warnings", "warnings_e")
    if (errors, warnings) != (said_errors, said_warnings):
        return None  # a cut or damaged paste: let the lenient parsers read what is there
    return TextReadBack(tuple(findings), source)
