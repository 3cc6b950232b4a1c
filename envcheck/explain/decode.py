"""Turn the bytes of a pasted report into text, whatever encoding the user's console used.

Reports reach ``envcheck explain`` as files saved from many places: UTF-8 from a Linux
terminal or a browser, UTF-16 from a PowerShell ``>`` redirect (Windows PowerShell 5 writes
UTF-16 LE with a BOM), and GBK/GB18030 from a Chinese Windows console (code page 936). The
candidates are few and known, so they are tried in a
fixed order with strict decoding, which is itself the test: UTF-8 almost never decodes text in
another encoding without error, and a GB18030 reading is only accepted when it yields CJK
text rather than mojibake. What cannot be decoded strictly is read as UTF-8 with replacement
characters, and the result says so.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from envcheck.i18n import Msg

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    """The text of a paste, the encoding it was read as, and a remark when it was a guess."""

    text: str
    encoding: str
    note: str | None = None


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of mostly-ASCII text is NUL, else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x3400 <= code <= 0x4DBF  # extension A
    )


def _plausible_chinese(text: str) -> bool:
    """Whether a GB18030 reading looks like Chinese text, not bytes of another encoding."""
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if not wide:
        return False
    cjk = sum(1 for ch in wide if _is_cjk(ch))
    return cjk / len(wide) >= 0.8


def decode_paste(data: bytes) -> Decoded:
    """Decode a paste: BOM, then UTF-8, UTF-16 without BOM, GB18030, else UTF-8 with U+FFFD.

    Pure and total: every byte string gives text (NUL characters removed).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(encoding, errors="replace")
            return Decoded(_clean(text), encoding)
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return Decoded(_clean(data.decode(utf16, errors="replace")), utf16)
    try:
        return Decoded(_clean(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if text and _plausible_chinese(text):
        return Decoded(_clean(text), "gb18030",
                       Msg("read as GB18030 (a Chinese Windows console)"))
    text = data.decode("utf-8", errors="replace")
    return Decoded(
        _clean(text), "utf-8",
        Msg("not valid UTF-8: undecodable bytes were replaced with U+FFFD"),
    )


def _clean(text: str) -> str:
    return text.replace("\x00", "")


__all__ = ["Decoded", "decode_paste"]
