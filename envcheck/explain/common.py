"""Shared pieces of the ``explain`` parsers: pasted-text clean-up and the parser result type.

A pasted report arrives wrapped in whatever the issue tracker and the user's terminal added:
markdown fences, ``<details>`` blocks, ``> `` quoting, Windows line endings, ANSI colours,
shell prompts. :func:`split_lines` removes that wrapping once, so every format parser sees
plain output lines and can index them by position (``Found.line``), which is how
:func:`envcheck.explain.explain_text` keeps the first of two conflicting values and lists
the lines nothing understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from envcheck.i18n import Msg
from envcheck.model import FactValue
from envcheck.parsers.versions import build_label, cuda_from_label, rocm_from_label

MAX_LINE = 4000
"""Characters kept per line: real output lines are far shorter, and this bounds every search."""

# CSI sequences (colours, cursor moves) and OSC sequences (window titles, hyperlinks); the
# parameter runs are bounded so a stray ESC cannot make the search backtrack.
_ANSI_RE = re.compile(r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\x1b\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_QUOTE_RE = re.compile(r"^[ \t]{0,3}>(?: ?>){0,8} ?")
_FENCE_RE = re.compile(r"^\s{0,3}(?:`{3,}|~{3,})[\w+.-]{0,30}\s*$")
_HTML_ONLY_RE = re.compile(r"^\s*(?:</?[A-Za-z][A-Za-z0-9]{0,15}(?:\s[^<>]{0,300})?/?>\s*)+$")
_SUMMARY_RE = re.compile(r"^\s*(?:<details[^<>]{0,100}>\s*)?<summary>.{0,300}</summary>\s*$")
_HEADING_RE = re.compile(r"^\s{0,3}(?:#{1,6}\s+\S|\*\*[^*]{1,200}\*\*:?\s*$|[-=]{3,}\s*$)")
# Shell prompts users leave in pastes: "$ cmd", "(env) user@host:~/dir$ cmd", "PS C:\x> cmd",
# "C:\Users\x>cmd", "In [3]: expr". ">>> " is kept: python_prints reads REPL sessions.
_PROMPT_RE = re.compile(
    r"^(?:\([\w.@/ -]{1,80}\)\s{0,4})?"
    r"(?:(?:[\w.-]{1,64}@[\w.-]{1,64}(?::[^\s$#]{0,200})?\s{0,2}[$#%]|[$%]|In \[\d{1,6}\]:)"
    r"\s{1,4}|(?:PS )?[A-Za-z]:\\[^<>|\n]{0,200}>\s{0,4})(?=\S)"
)


@dataclass(frozen=True)
class Line:
    """One cleaned line of the paste: its text and whether the user typed it at a prompt."""

    text: str
    command: bool = False
    """True when a shell prompt (``$``, ``PS C:\\>``, ``In [1]:``) was removed from it."""
    markup: bool = False
    """True for fences, HTML tags and headings: wrapping, not content."""


def _strip_prompt(text: str) -> tuple[str, bool]:
    match = _PROMPT_RE.match(text)
    if match is None:
        return text, False
    return text[match.end() :], True


def split_lines(text: str) -> list[Line]:
    """Clean a pasted report into lines: pure, linear time, never raises.

    Removes ANSI codes and control characters, Windows and old-Mac line endings, markdown
    quoting, and shell prompts; marks fences, HTML-only lines and headings as markup; cuts
    every line to :data:`MAX_LINE` characters.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    text = _CONTROL_RE.sub("", text.replace("\x1b", ""))
    if "\uff1a" in text:
        text = text.replace("\uff1a", ": ")  # a full-width colon, common in CJK pastes
    lines: list[Line] = []
    for raw in text.split("\n"):
        line = raw[:MAX_LINE].rstrip()
        quoted = _QUOTE_RE.match(line)
        # "> " is markdown quoting, but ">>> " is a Python prompt and must survive.
        if quoted is not None and not line.lstrip().startswith(">>>"):
            line = line[quoted.end() :]
        if _FENCE_RE.match(line) or _HTML_ONLY_RE.match(line) or _SUMMARY_RE.match(line):
            lines.append(Line("", markup=True))
            continue
        line = _strip_backticks(line)
        line, command = _strip_prompt(line)
        lines.append(Line(line, command=command))
    return lines


def _strip_backticks(line: str) -> str:
    """``"`torch.cuda.is_available()`"`` → the code inside, when inline code wraps the line.

    A lone backtick opening or closing a multi-line span (``"`import torch"`` ...
    ``"False`"``) is dropped too; backticks inside prose are kept.
    """
    stripped = line.strip()
    count = stripped.count("`")
    if count == 2 and len(stripped) > 2 and stripped[0] == "`" and stripped[-1] == "`":
        return stripped[1:-1]
    if count == 1 and stripped[0] == "`":
        return line.replace("`", "", 1)
    if count == 1 and stripped[-1] == "`":
        return line.rstrip()[:-1]
    return line


def is_heading(text: str) -> bool:
    """Whether a line is a markdown heading or rule (``## Environment``, ``**Versions**``)."""
    return bool(_HEADING_RE.match(text))


def as_lines(lines: Sequence[Line] | Sequence[str] | str) -> Sequence[Line]:
    """Accept cleaned lines, raw strings or a whole text: parsers are callable on any."""
    if isinstance(lines, str):
        return split_lines(lines)
    return [item if isinstance(item, Line) else Line(str(item)[:MAX_LINE]) for item in lines]


@dataclass(frozen=True)
class Found:
    """One fact a parser read: the key, the value, and the line it came from."""

    key: str
    value: FactValue
    line: int
    source: str
    """The format it was read from (``collect_env``, ``nvidia-smi`` ...), for conflict notes."""
    note: str | None = None
    """Why the value is unknown (when ``value`` is None) or a remark on how it was read."""


@dataclass(frozen=True)
class Parsed:
    """What one parser made of the lines: facts, the lines it understood, formats seen."""

    found: tuple[Found, ...] = ()
    consumed: frozenset[int] = frozenset()
    formats: tuple[str, ...] = ()


@dataclass
class ParsedBuilder:
    """Mutable helper a parser fills, then freezes with :meth:`build`."""

    source: str
    found: list[Found] = field(default_factory=list)
    consumed: set[int] = field(default_factory=set)
    formats: list[str] = field(default_factory=list)

    def add(self, key: str, value: FactValue, line: int, note: str | None = None) -> None:
        """Record a fact read at ``line``; a None value should come with a note."""
        self.found.append(Found(key, value, line, self.source, note))

    def unknown(self, key: str, line: int, why: str) -> None:
        """Record that the paste mentions ``key`` but does not give its value."""
        self.found.append(Found(key, None, line, self.source, why))

    def consume(self, *lines: int) -> None:
        """Mark lines as understood (they will not be listed as unparsed)."""
        self.consumed.update(lines)

    def recognise(self, fmt: str | None = None) -> None:
        """Say the format was seen (once)."""
        name = fmt or self.source
        if name not in self.formats:
            self.formats.append(name)

    def build(self) -> Parsed:
        """Freeze into a :class:`Parsed`."""
        return Parsed(tuple(self.found), frozenset(self.consumed), tuple(self.formats))


def merge_parsed(parts: Iterable[Parsed]) -> Parsed:
    """Concatenate several parser results (used by parsers that delegate to others)."""
    found: list[Found] = []
    consumed: set[int] = set()
    formats: list[str] = []
    for part in parts:
        found.extend(part.found)
        consumed.update(part.consumed)
        formats.extend(f for f in part.formats if f not in formats)
    return Parsed(tuple(found), frozenset(consumed), tuple(formats))


# --- small readers shared by several formats ---------------------------------------------

UNKNOWN_VALUES = frozenset(
    {"could not collect", "n/a", "na", "none", "no cuda", "unknown", "not available", ""}
)
"""Values collect_env and friends print when they do not know (unknown, never a value)."""

_VERSION_RE = re.compile(r"\d{1,4}(?:\.\d{1,6}){1,3}(?:\+[\w.]{1,40})?")


def is_unknown(value: str) -> bool:
    """Whether a printed value means "unknown" ("Could not collect", "N/A", "None" ...)."""
    return value.strip().strip(".").lower() in UNKNOWN_VALUES


def first_version(text: str) -> str | None:
    """The first dotted version in ``text`` (``'12.1.105'``), or None."""
    match = _VERSION_RE.search(text)
    return match.group(0) if match else None


def torch_version_facts(builder: ParsedBuilder, version: str, line: int) -> None:
    """Emit ``torch.version`` and what its label says (build label, CUDA or ROCm build)."""
    builder.add("torch.version", version, line)
    label = build_label(version)
    builder.add("torch.build_label", label, line)
    cuda = cuda_from_label(label)
    if cuda is not None:
        builder.add("torch.cuda_build", cuda, line)
    elif label == "cpu":
        builder.unknown("torch.cuda_build", line,
                        Msg("CPU-only build ({version})", version=version))
    else:
        rocm = rocm_from_label(label)
        if rocm is not None:
            builder.add("torch.hip_build", rocm, line)


def truncate(text: str, limit: int = 160) -> str:
    """Trim a line for display in the unparsed list."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
