"""Tracebacks, warnings and error messages in the paste, classified by :mod:`envcheck.signatures`.

A Python traceback runs from "Traceback (most recent call last):" through indented frames to
the exception line ("RuntimeError: ..."); chained tracebacks are joined by "During handling
of the above exception ..." or "The above exception was the direct cause ...". Warnings look
like "/path/torch/cuda/__init__.py:107: UserWarning: ...". All of it, and any other line
nothing else understood, is handed to :func:`envcheck.signatures.classify`, which knows the
messages; this module only finds the blocks and reads what torch itself reports.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from envcheck.explain.common import Line, Parsed, ParsedBuilder, as_lines
from envcheck.signatures import classify

SOURCE = "traceback"
MAX_CLASSIFY_CHARS = 2_000_000
"""Characters of unexplained text handed to the classifier (the rest is noted, not read)."""

_START_RE = re.compile(r"^\s{0,8}Traceback \(most recent call last\):")
_FRAME_RE = re.compile(r"^\s{1,40}\S|^\s{0,8}File \"|^\s{0,8}\^+\s*$|^\s{0,8}~+\^*~*\s*$")
_CHAIN_RE = re.compile(
    r"^\s{0,8}(?:During handling of the above exception|The above exception was the direct cause)"
)
_EXCEPTION_RE = re.compile(
    r"^\s{0,8}((?:[A-Za-z_][\w]{0,60}\.){0,6}[A-Za-z_]\w{0,60}(?:Error|Exception|Warning|Interrupt"
    r"|Exit|Failure))(?::\s?(.*))?$"
)
_WARNING_RE = re.compile(r"^\s{0,8}\S{0,400}:\d{1,6}: ([A-Za-z]\w{0,60}Warning):\s?(.*)$")
_WORTH_RECHECK_RE = re.compile(r"error|warning|fail|cannot|could not|not found|mismatch", re.I)
MAX_LINE_CLASSIFY = 2000
"""Lines re-checked one by one after the whole-text pass (bounds the time on huge pastes)."""
_IMPORT_FAILURES = ("ImportError", "ModuleNotFoundError", "OSError")
# Lines that say something failed, in the shapes programs print: "RuntimeError: ...",
# "ERROR: ...", "error: ...", "fatal error: ...", "CUDA error: ...", "报错/错误".
_ERROR_LINE_RE = re.compile(
    r"^\s{0,8}(?:(?:[A-Za-z_][\w.]{0,80})?(?:Error|Exception)\s?:|ERROR\b|error\s?:|E\d{4}\b|"
    r"FATAL\b|fatal error\s?:|Segmentation fault|Killed\b)[^\n]{0,400}$|"
    r"(?<!没有)(?<!无)(?:报错|错误|失败)[:：]"
)
MAX_UNRECOGNISED = 5
"""Error lines no signature matched that are kept in ``errors.unrecognised``."""


def _block_end(rows: Sequence[Line], start: int) -> tuple[int, int | None]:
    """Index after a traceback starting at ``start``, and the index of its exception line."""
    i = start + 1
    exception_at: int | None = None
    while i < len(rows):
        text = rows[i].text
        if _START_RE.match(text) or _CHAIN_RE.match(text):
            i += 1
            continue
        if not text.strip():
            # A blank line inside a chained traceback separates its parts.
            nxt = rows[i + 1].text if i + 1 < len(rows) else ""
            if _CHAIN_RE.match(nxt) or _START_RE.match(nxt):
                i += 1
                continue
            break
        match = _EXCEPTION_RE.match(text)
        if match is not None and not text.startswith((" ", "\t")):
            exception_at = i
            i += 1
            # Multi-line messages continue until a blank line or a new traceback.
            while i < len(rows) and rows[i].text.strip() and not _START_RE.match(rows[i].text):
                if _CHAIN_RE.match(rows[i].text) or _EXCEPTION_RE.match(rows[i].text):
                    break
                i += 1
            if i < len(rows) and (
                _CHAIN_RE.match(rows[i].text)
                or (
                    i + 1 < len(rows)
                    and not rows[i].text.strip()
                    and _CHAIN_RE.match(rows[i + 1].text)
                )
            ):
                continue
            break
        if _FRAME_RE.match(text):
            i += 1
            continue
        break
    return i, exception_at


def _mentions_torch_import(rows: Sequence[Line], start: int, end: int) -> bool:
    for line in rows[start:end]:
        text = line.text
        if "import torch" in text or "torch/__init__.py" in text or "torch\\__init__.py" in text:
            return True
    return False


def _warning(
    b: ParsedBuilder, rows: Sequence[Line], start: int, head: str, skip: frozenset[int]
) -> int:
    """Consume a warning from ``start``; return the index after it.

    The message may continue on the following lines (torch's sm_XX warning does); after a
    blank line Python prints the source line that warned, indented (``  warnings.warn(``).
    """
    b.recognise("warning")
    b.consume(start)
    message = [head] if head else []
    i = start + 1
    while i < len(rows) and rows[i].text.strip() and i not in skip and len(message) < 40:
        if (
            _START_RE.match(rows[i].text)
            or _WARNING_RE.match(rows[i].text)
            or rows[i].text.startswith((" ", "\t"))
        ):
            break
        message.append(rows[i].text.strip())
        b.consume(i)
        i += 1
    nxt = i + 1 if i < len(rows) and not rows[i].text.strip() else i
    if nxt < len(rows) and rows[nxt].text.startswith((" ", "\t")) and nxt not in skip:
        b.consume(nxt)
        i = nxt + 1
    text = " ".join(message)
    if text.startswith("CUDA initialization:"):
        b.add("torch.cuda_error", text, start)
    return i


# A sentence that quotes an error as something of the past ("I used to get X, reinstalling
# solved it"): the message is history, not a symptom. Only prose carries these words.
_BEHIND_RE = re.compile(
    r"\b(?:solved|resolved|fixed (?:it|now)|works now|working now|no longer|not any ?more|"
    r"went away|is gone)\b|解决了|已解决|不再出现|没有再",
    re.IGNORECASE,
)


def _behind(text: str) -> bool:
    """Whether the signature's text says the error is behind the reporter."""
    return bool(_BEHIND_RE.search(text)) and not _EXCEPTION_RE.match(text.strip())


def parse_tracebacks(
    lines: Sequence[Line] | Sequence[str] | str, skip: frozenset[int] = frozenset()
) -> Parsed:
    """Find tracebacks and warnings, then classify every line not in ``skip``. Pure, total.

    ``skip`` holds lines other parsers already understood (their output is not error text).
    Emits errors.seen ({kind, text, data} per recognised message), torch.import_error when
    ``import torch`` failed, and torch.cuda_error for CUDA initialisation warnings/errors.
    """
    rows = as_lines(lines)
    b = ParsedBuilder(SOURCE)
    i = 0
    while i < len(rows):
        if i in skip:
            i += 1
            continue
        text = rows[i].text
        if _START_RE.match(text):
            end, exception_at = _block_end(rows, i)
            b.consume(*range(i, end))
            b.recognise("traceback")
            if exception_at is not None:
                match = _EXCEPTION_RE.match(rows[exception_at].text)
                assert match is not None
                kind = match.group(1).rsplit(".", 1)[-1]
                message = f"{kind}: {(match.group(2) or '').strip()}"
                if kind in _IMPORT_FAILURES and _mentions_torch_import(rows, i, end):
                    b.add("torch.import_error", message, exception_at)
                elif "_cuda_init" in " ".join(r.text for r in rows[i:end]) or (
                    "CUDA" in message and "lazy_init" in " ".join(r.text for r in rows[i:end])
                ):
                    b.add("torch.cuda_error", message, exception_at)
            i = max(end, i + 1)
            continue
        warning = _WARNING_RE.match(text)
        if warning is not None:
            i = _warning(b, rows, i, warning.group(2).strip(), skip)
            continue
        i += 1
    exception_lines: list[int] = []
    for index, line in enumerate(rows):
        if index not in skip and _EXCEPTION_RE.match(line.text) and not line.text.startswith(
            (" ", "\t")
        ):
            exception_lines.append(index)
    # Classify everything nobody else understood, tracebacks included.
    pieces: list[str] = []
    owners: list[int] = []
    size = 0
    for index, line in enumerate(rows):
        if index in skip or not line.text.strip():
            continue
        if size + len(line.text) > MAX_CLASSIFY_CHARS:
            break
        pieces.append(line.text)
        owners.append(index)
        size += len(line.text) + 1
    signatures = [s for s in (classify("\n".join(pieces)) if pieces else []) if not _behind(s.text)]
    if signatures:
        b.recognise("error messages")
        seen = [signature.as_fact() for signature in signatures]
        where: dict[str, int] = {}
        for index, text in zip(owners, pieces, strict=True):
            where.setdefault(text.strip(), index)
        lines_hit: list[int] = []
        for signature in signatures:
            for part in signature.text.split("\n"):
                hit = where.get(part.strip())
                if hit is not None:
                    b.consume(hit)
                    lines_hit.append(hit)
        # Other lines that carry a known message again (pip's two "ERROR:" lines, say).
        calls = 0
        for index, text in zip(owners, pieces, strict=True):
            if calls >= MAX_LINE_CLASSIFY or index in b.consumed:
                continue
            if _WORTH_RECHECK_RE.search(text):
                calls += 1
                if classify(text):
                    b.consume(index)
        first = min(lines_hit, default=owners[0] if owners else 0)
        b.add("errors.seen", seen, first)
    _unrecognised(b, rows, skip, exception_lines)
    return b.build()


def _unrecognised(
    b: ParsedBuilder, rows: Sequence[Line], skip: frozenset[int], exceptions: list[int]
) -> None:
    """Record error lines that no signature explains (``errors.unrecognised``).

    An error the tables do not know is still an error: explain must not call a report with
    one "healthy". Exception lines of tracebacks come first, then other lines that read as
    errors; lines a signature matched are left out.
    """
    out: list[str] = []
    first: int | None = None
    listed = set(exceptions)
    others = (
        i
        for i, line in enumerate(rows)
        if i not in skip and i not in listed and _ERROR_LINE_RE.search(line.text)
    )
    for tried, index in enumerate(itertools.chain(exceptions, others)):
        if tried >= 200:
            break
        text = rows[index].text.strip()
        if not text or classify(text) or text in out:
            continue
        if "warning" in text.lower() and "error" not in text.lower():
            continue
        out.append(text[:300])
        first = index if first is None else min(first, index)
        if len(out) >= MAX_UNRECOGNISED:
            break
    if out and first is not None:
        b.recognise("error messages")
        b.add("errors.unrecognised", out, first)
