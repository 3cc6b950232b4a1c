"""Read envcheck's own terminal report back: its findings as written, strictly.

The text report shows only headline facts, so the rules could not reach the run's findings
again from it; but it prints every finding in full, in a layout we own: a mark and the title
at column 2 (a long title continues at column 4) ending in ``[finding.id]``, the detail and
fixes below at column 6 or more, and a verdict line that counts the errors and warnings. A
paste that matches that layout, and whose counts agree with its verdict, is read as the
findings it states; anything else is left to the lenient parsers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    for raw in lines:
        line = raw.strip()
        if line.startswith("↳ also explains: "):
            consequences.append(line.removeprefix("↳ also explains: "))
        elif line.startswith("Fix: "):
            fixes.append(Fix(line.removeprefix("Fix: ")))
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
    verdict = next((m for m in map(_VERDICT.match, reversed(lines)) if m), None)
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
    said_errors = int(verdict.group("errors") or 0)
    said_warnings = int(verdict.group("warnings") or verdict.group("warnings_e") or 0)
    if (errors, warnings) != (said_errors, said_warnings):
        return None  # a cut or damaged paste: let the lenient parsers read what is there
    return TextReadBack(tuple(findings), source)
