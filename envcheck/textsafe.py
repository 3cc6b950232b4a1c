"""Keep every output valid UTF-8, whatever bytes the machine holds.

Python hands undecodable bytes of environment values, paths and file names over as lone
surrogates (``surrogateescape``: byte ``0xff`` becomes ``U+DCFF``). Such a string cannot be
encoded as UTF-8, so a JSON report holding one is not UTF-8 and no parser reads it. Here they
become visible escapes (``\\xff``) and the fact's note says so, so the reader knows the value
held bytes that are not text. Pure functions: the doctor cleans the probes' results before
the rules see them, so findings quote the same text the report shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from envcheck.i18n import Msg, concat, map_data
from envcheck.model import FactValue, ProbeResult

_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_UTF8_NOTE = Msg("held bytes that are not valid UTF-8, shown as \\xNN escapes")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's home for the raw byte 0x80-0xff
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def clean_text(text: str) -> tuple[str, bool]:
    """``text`` with lone surrogates escaped, and whether anything was escaped."""
    if not _SURROGATE.search(text):
        return text, False
    return _SURROGATE.sub(_escape, text), True


def clean_value(value: FactValue) -> tuple[FactValue, bool]:
    """A fact value (nested lists and maps included) made encodable, and whether it changed."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        changed = False
        out: dict[str, FactValue] = {}
        for key, item in value.items():
            new_key, key_changed = clean_text(key) if isinstance(key, str) else (key, False)
            new_item, item_changed = clean_value(item)
            out[new_key] = new_item
            changed = changed or key_changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, (list, tuple)):
        items = [clean_value(item) for item in value]
        if any(changed for _, changed in items):
            return [item for item, _ in items], True
        return value, False
    return value, False


def clean_result(result: ProbeResult) -> ProbeResult:
    """A probe result whose facts, notes and note are valid text; changed facts get a note."""
    facts: dict[str, FactValue] = {}
    notes = {key: _clean_note(note) for key, note in result.notes.items()}
    dirty = False
    for key, value in result.facts.items():
        new, changed = clean_value(value)
        facts[key] = new
        if changed:
            dirty = True
            notes[key] = (concat(notes[key], Msg("; "), NOT_UTF8_NOTE) if notes.get(key)
                          else NOT_UTF8_NOTE)
    note_changed = result.note is not None and clean_text(result.note)[1]
    note = _clean_note(result.note) if result.note is not None and note_changed else result.note
    if not dirty and not note_changed and notes == dict(result.notes):
        return result
    return replace(result, facts=facts, notes=notes, note=note)


def _clean_note(note: str) -> str:
    """A note made valid text, still a translatable message when it was one."""
    return map_data(note, lambda text: clean_text(text)[0]) if clean_text(note)[1] else note


def utf8_bytes(text: str) -> bytes:
    """Encode for output; a surrogate that slipped through becomes an escape, never an error."""
    return text.encode("utf-8", errors="backslashreplace")
